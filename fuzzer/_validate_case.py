"""The case format's JSON Schema (`fuzzer/schemas/case.schema.json`), applied to files on disk."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from fuzzer._errors import CaseFileError
from fuzzer._store import read_case

SCHEMA_PATH = Path(__file__).with_name("schemas") / "case.schema.json"


@cache
def case_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def schema_errors(path: Path) -> list[str]:
    """Every way the file at `path` breaks the case format; empty when it is a valid case file."""
    try:
        read_case(path)
    except CaseFileError as err:
        return [err.reason]
    record = json.loads(path.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(case_schema())
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}"
        for error in sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path))
    ]
