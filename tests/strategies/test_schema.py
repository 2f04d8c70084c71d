"""The schema compiler: instances validate, unsupported keywords fall back, bad schema files are named."""

from __future__ import annotations

import contextlib
import json
from importlib import metadata
from pathlib import Path
from typing import Any

import hypothesis
import jsonschema
import pytest
from drawing import draw_many
from hypothesis import strategies as st

from strategies import _fallback, _schema, compile_schema, default_space, load_schema
from strategies._formats import contract_formats
from strategies._schema import _Leaf, as_strategy, compile_plan

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

SUPPORTED += [
    {"type": "string", "pattern": "^x[0-9]+$"},
    {"type": "integer", "multipleOf": 7, "minimum": -30},
    {"type": "integer", "minimum": 1, "exclusiveMinimum": 3},
    {"anyOf": [{"type": "integer"}, {"type": "string", "maxLength": 2}]},
    {"type": "array", "items": {"type": "integer"}, "uniqueItems": True, "minItems": 2},
    {"type": ["string", "integer"], "minLength": 2, "minimum": 5},
    {"type": "string", "format": "date"},
    {"type": "string", "format": "email"},
    {"type": "object", "required": ["x"]},
    {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}, "b": False}},
    {},
]

FALLBACK: list[dict[str, Any]] = [
    {"type": "string", "pattern": "^a+$", "maxLength": 3},
    {"type": "object", "additionalProperties": {"type": "integer"}, "minProperties": 1},
    {"definitions": {"n": {"type": "integer"}}, "type": "array", "items": {"$ref": "#/definitions/n"}},
    {"oneOf": [{"type": "integer", "multipleOf": 2}, {"type": "integer", "multipleOf": 3}]},
    {
        "allOf": [
            {"type": "object", "required": ["a"], "properties": {"a": {"type": "integer"}}},
            {"required": ["b"], "properties": {"b": {"type": "string", "minLength": 1}}},
        ]
    },
    {"type": "number", "multipleOf": 0.5, "minimum": 0, "maximum": 3},
    {"type": "number", "minimum": 1, "exclusiveMinimum": 3},
    {"not": {"type": "string"}},
    {"type": "string", "format": "regex"},
]

BUNDLED = sorted((Path(__file__).parents[2] / "strategies" / "schemas").glob("*.json"))


@pytest.fixture(params=["relaxed", "hypothesis-jsonschema"])
def fallback(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test using this runs once with each way of drawing what the compiler does not handle (the second only
    where hypothesis-jsonschema works with the installed Hypothesis)."""
    if request.param == "relaxed":
        monkeypatch.setattr(_fallback, "_working_from_schema", lambda: None)
    elif _fallback.fallback_in_use() != "hypothesis-jsonschema":
        pytest.skip(f"hypothesis-jsonschema does not work with hypothesis {hypothesis.__version__}")
    return str(request.param)


@pytest.mark.parametrize("schema", SUPPORTED, ids=lambda s: json.dumps(s)[:60])
def test_instances_validate(schema: dict[str, Any]) -> None:
    values = draw_many(compile_schema(schema, FORMATS), 40)
    assert values
    for value in values:
        jsonschema.validate(value, schema)


@pytest.mark.parametrize("schema", FALLBACK, ids=lambda s: json.dumps(s)[:60])
def test_fallback_instances_validate(schema: dict[str, Any], fallback: str) -> None:
    """hypothesis-jsonschema draws only valid instances. The relaxed fallback draws again while a value does not
    validate, and uses the last one when none does: a few, such as the all-simplest first example, where every
    draw gives the same value."""
    values = draw_many(compile_schema(schema, FORMATS), 40)
    validator = jsonschema.Draft7Validator(schema)
    invalid = [value for value in values if not validator.is_valid(value)]
    assert values
    assert len(invalid) <= (0 if fallback == "hypothesis-jsonschema" else len(values) // 10), invalid


def test_the_fallback_in_use_on_this_version() -> None:
    """hypothesis-jsonschema 0.23.1 draws objects and arrays on hypothesis 6.170.9 and older only; from 6.170.10
    the relaxed fallback takes its place."""
    in_use = _fallback.fallback_in_use()
    print(f"hypothesis {hypothesis.__version__}: the schema fallback is {in_use}")
    try:
        installed = metadata.version("hypothesis-jsonschema")
    except metadata.PackageNotFoundError:
        assert in_use == "relaxed"
        return
    if installed == "0.23.1":
        newer = tuple(int(part) for part in hypothesis.__version__.split(".")[:3]) >= (6, 170, 10)
        assert in_use == ("relaxed" if newer else "hypothesis-jsonschema")


@pytest.mark.parametrize("schema", SUPPORTED, ids=lambda s: json.dumps(s)[:60])
def test_supported_schemas_use_no_fallback(schema: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"fallback used for {schema}")

    monkeypatch.setattr(_schema, "_fallback", refuse)
    compile_schema(schema, FORMATS)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_schemas_use_no_fallback(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"fallback used in {path.name}")

    monkeypatch.setattr(_schema, "_fallback", refuse)
    schema = load_schema(path)
    for value in draw_many(compile_schema(schema, contract_formats(default_space().roster)), 20):
        jsonschema.validate(value, schema)


def test_unsupported_schemas_fall_back(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(_schema, "_fallback", lambda schema, formats: calls.append(schema) or _schema.EMPTY)
    for schema in FALLBACK:
        with contextlib.suppress(ValueError):
            compile_schema(schema, FORMATS)
    assert len(calls) == len(FALLBACK)


def test_fallback_is_per_subschema(fallback: str) -> None:
    schema = {"type": "object", "required": ["a", "b"], "properties": {"a": {"type": "integer"}, "b": FALLBACK[0]}}
    plan = compile_plan(schema, FORMATS)
    assert not isinstance(plan, _Leaf)  # the object itself is compiled; only `b` falls back
    for value in draw_many(compile_schema(schema, FORMATS), 20):
        jsonschema.validate(value, schema)


def test_a_recursive_schema_is_relaxed_to_a_bounded_depth() -> None:
    tree = {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#"}}}}
    relaxed = _fallback.relax(tree, tree, FORMATS)
    assert json.dumps(relaxed).count('"children"') == _fallback.REF_DEPTH + 1
    assert "false" in json.dumps(relaxed)  # beyond that, no value: an empty array
    for value in draw_many(_fallback_strategy(tree), 20):
        jsonschema.validate(value, tree)


def _fallback_strategy(schema: dict[str, Any]) -> Any:
    return as_strategy(_fallback.relaxed_plan(schema, FORMATS))


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "array", "minItems": 3, "maxItems": 1},
        {"type": "string", "minLength": 4, "maxLength": 2},
        {"type": "integer", "minimum": 5, "maximum": 1},
        {"type": "number", "exclusiveMinimum": 1, "exclusiveMaximum": 1},
        {"enum": [1, 2], "type": "string"},
        {"type": "object", "required": ["a"], "properties": {"a": False}},
        False,
    ],
    ids=lambda s: json.dumps(s),
)
def test_a_schema_no_value_fits_is_refused_when_compiled(schema: Any) -> None:
    with pytest.raises(ValueError, match="no value fits this schema"):
        compile_plan(schema, FORMATS)


def test_sizes_beyond_what_is_generated_are_refused() -> None:
    with pytest.raises(ValueError, match="minItems=1000000 is more than parity-fuzz generates"):
        compile_plan({"type": "array", "minItems": 10**6}, FORMATS)


def test_optional_properties_and_sizes_shrink_away() -> None:
    (schema,) = [s for s in SUPPORTED if s.get("title") == "an object"]
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
