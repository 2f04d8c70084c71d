"""The one set of rules for case files: the case format's JSON Schema (`fuzzer/schemas/case.schema.json`).

`replay`, `promote`, `show`, `export`, campaigns loading a corpus, the pytest plugin and `corpus check` all read
case files through `_store`, which applies `case_problems` before it builds anything, and refuses a file with
any problem. `corpus check` lists every problem; the other commands name the first.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_PATH = Path(__file__).with_name("schemas") / "case.schema.json"
_MESSAGE = 200
"""Characters of one problem, at most (a message quotes the offending value, which may be a whole body)."""


@cache
def case_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(case_schema())


def case_problems(record: Any) -> list[str]:
    """Every way the parsed case file `record` breaks the case format, as `place: problem`, ordered by place;
    empty when it is a valid case file."""
    if not isinstance(record, dict):
        return [f"(top): not a JSON object but {_json_type(record)}; a case file is one object (see docs/corpus.md)"]
    errors = sorted(_validator().iter_errors(record), key=lambda e: [str(p) for p in e.absolute_path])
    return [_problem(error) for error in errors]


def _problem(error: jsonschema.ValidationError) -> str:
    place = "/".join(str(part) for part in error.absolute_path) or "(top)"
    if error.validator == "const":
        message = f"is {_shown(error.instance)}, expected {_shown(error.validator_value)}"
        return f"{place} {message}"
    if error.validator == "enum" and place == "format":
        known = " or ".join(repr(value) for value in error.validator_value)
        return f"format is {_shown(error.instance)}, expected {known} (a newer parity-fuzz may read it)"
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        if missing:
            return f"{place}: missing key {missing[0]!r}"
    message = " ".join(error.message.split())
    if len(message) > _MESSAGE:
        message = message[: _MESSAGE - 1] + "…"
    return f"{place}: {message}"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    return "a number"
