"""The schema compiler: instances validate, unsupported keywords fall back, bad schema files are named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from drawing import draw_many
from hypothesis import strategies as st

from strategies import _schema, compile_schema, load_schema
from strategies._schema import _Leaf, compile_plan

FORMATS = {"parity-x": ("a", "bb", "ccc"), "parity-y": st.just("y")}

SUPPORTED: list[dict[str, Any]] = [
    {"type": "null"},
    {"type": "boolean"},
    {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    {"type": "integer", "exclusiveMinimum": 0.5, "exclusiveMaximum": 3},
    {"type": "number", "minimum": -1.5, "maximum": 2},
    {"type": "string", "minLength": 2, "maxLength": 3},
    {"type": "string", "format": "parity-x", "minLength": 2},
    {"type": "string", "format": "parity-y"},
    {"type": ["string", "null"]},
    {"enum": ["a", 1, None]},
    {"const": {"k": [1]}},
    {"type": "string", "enum": ["a", 1]},
    {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 2},
    {
        "title": "an object",
        "type": "object",
        "required": ["a"],
        "properties": {"a": {"type": "string"}, "b": {"type": "array", "items": {"type": "object"}}},
        "additionalProperties": False,
    },
]

FALLBACK: list[dict[str, Any]] = [
    {"type": "string", "pattern": "^x[0-9]+$"},
    {"type": "integer", "multipleOf": 7},
    {"anyOf": [{"type": "integer"}, {"type": "string", "maxLength": 2}]},
    {"type": "array", "items": {"type": "integer"}, "uniqueItems": True, "minItems": 2},
    {"type": "object", "additionalProperties": {"type": "integer"}, "minProperties": 1},
    {"type": "string", "format": "date"},
    {"definitions": {"n": {"type": "integer"}}, "type": "array", "items": {"$ref": "#/definitions/n"}},
    {"type": "object", "required": ["x"]},
    {},
]


@pytest.mark.parametrize("schema", SUPPORTED + FALLBACK, ids=lambda s: json.dumps(s)[:60])
def test_instances_validate(schema: dict[str, Any]) -> None:
    values = draw_many(compile_schema(schema, FORMATS), 40)
    assert values
    for value in values:
        jsonschema.validate(value, schema)


@pytest.mark.parametrize("schema", SUPPORTED, ids=lambda s: json.dumps(s)[:60])
def test_supported_schemas_do_not_use_hypothesis_jsonschema(
    schema: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"from_schema called for {schema}")

    monkeypatch.setattr(_schema, "from_schema", refuse)
    compile_schema(schema, FORMATS)


def test_unsupported_schemas_use_hypothesis_jsonschema(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(_schema, "from_schema", lambda schema, **kwargs: calls.append(schema) or st.none())
    for schema in FALLBACK:
        compile_schema(schema, FORMATS)
    assert len(calls) == len(FALLBACK)


def test_fallback_is_per_subschema() -> None:
    schema = {"type": "object", "required": ["a", "b"], "properties": {"a": {"type": "integer"}, "b": FALLBACK[0]}}
    plan = compile_plan(schema, FORMATS)
    assert not isinstance(plan, _Leaf)  # the object itself is compiled; only `b` falls back
    for value in draw_many(compile_schema(schema, FORMATS), 20):
        jsonschema.validate(value, schema)


def test_optional_properties_and_sizes_shrink_away() -> None:
    schema = SUPPORTED[-1]
    assert draw_many(compile_schema(schema, FORMATS), 1)[0] == {"a": ""}


def test_not_a_schema() -> None:
    with pytest.raises(ValueError, match="schema must be an object or a boolean"):
        compile_schema([1], FORMATS)


def test_load_schema_names_the_file_and_the_reason(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{nope", encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.json: not valid JSON"):
        load_schema(broken)
    with pytest.raises(ValueError, match=r"missing\.json: cannot read"):
        load_schema(tmp_path / "missing.json")
    array = tmp_path / "array.json"
    array.write_text("[]", encoding="utf-8")
    with pytest.raises(ValueError, match="expected a JSON object"):
        load_schema(array)
    invalid = tmp_path / "invalid.json"
    invalid.write_text('{"type": 5}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a valid draft-07 schema"):
        load_schema(invalid)
