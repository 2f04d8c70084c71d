"""JSON files read strictly and with a depth limit: case files, schemas and the roster.

`json.loads` recurses once per level of nesting, so a file nested a hundred thousand arrays deep raises
RecursionError, and whatever walks the value afterwards (a schema validator, the encoder) recurses again. Every
JSON file parity-fuzz reads goes through `parse_json` or `read_json`, which refuse a value nested deeper than
MAX_DEPTH levels with a ValueError that says so, and never let RecursionError out. They also refuse what
`json.loads` accepts but JSON is not: `NaN`, `Infinity`, and numbers too large for a float.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MAX_DEPTH = 200
"""Levels of nesting a JSON file may hold (the top-level object or array is level 1). A case file's request body
starts at level 3 and an observed body at level 4; bodies nested deeper are stored as `body_text`."""


def depth(value: Any) -> int:
    """How many levels of arrays and objects `value` holds (0 for a scalar), without recursing."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def parse_json(text: str, limit: int = MAX_DEPTH) -> Any:
    """The JSON value of `text`. Raises ValueError with the reason when it is not JSON or is nested deeper than
    `limit` levels."""
    try:
        value = json.loads(text, parse_constant=_not_json, parse_float=_finite)
    except RecursionError:
        raise ValueError(f"nested more than {limit} levels deep; at most {limit} are read") from None
    except ValueError as err:  # JSONDecodeError, NaN, a number too long to convert
        raise ValueError(f"not valid JSON ({err})") from err
    if depth(value) > limit:
        raise ValueError(f"nested more than {limit} levels deep; at most {limit} are read")
    return value


def _not_json(token: str) -> float:
    raise ValueError(f"{token} is not a JSON number")


def _finite(token: str) -> float:
    value = float(token)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{token[:40]} is too large for a number")
    return value


def read_json(path: str | Path, what: str, limit: int = MAX_DEPTH) -> Any:
    """The JSON value in the file at `path`. Raises ValueError `"<what> <path>: <reason>"` when the file cannot
    be read, is not UTF-8 JSON, or is nested deeper than `limit` levels."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise ValueError(f"{what} {path}: cannot read it ({err.strerror or err})") from err
    except UnicodeDecodeError as err:
        raise ValueError(f"{what} {path}: not UTF-8 text ({err.reason} at byte {err.start})") from err
    try:
        return parse_json(text, limit)
    except ValueError as err:
        raise ValueError(f"{what} {path}: {err}") from err


def read_schema(path: str | Path) -> dict[str, Any]:
    """A JSON Schema (draft-07) file: a JSON object the draft-07 meta-schema accepts. Raises ValueError
    `"schema <path>: <reason>"` otherwise."""
    import jsonschema  # here: reading a case file or the roster does not need it

    schema = read_json(path, "schema")
    if not isinstance(schema, dict):
        raise ValueError(f"schema {path}: expected a JSON object, got {type(schema).__name__}")
    try:
        jsonschema.Draft7Validator.check_schema(schema)
    except jsonschema.SchemaError as err:
        raise ValueError(f"schema {path}: not a valid draft-07 schema ({_short(err.message)})") from err
    except RecursionError:
        raise ValueError(f"schema {path}: nested too deeply to check; flatten it (use definitions)") from None
    return schema


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
