"""Schema files and a small, fast JSON Schema (draft-07) to strategy compiler.

`compile_plan` turns a schema into a *plan*: a function `plan(source) -> value` of a `Source`. Objects are
assembled by plain Python calls; a choice among values, a bounded integer, an optional property or an array
length is one choice of the source, and only free text, floats and fallbacks are strategy draws.
(`hypothesis_jsonschema.from_schema` costs about 6 ms per object; a plan for the bundled schemas a few hundred
microseconds.) `compile_schema` wraps a plan as a strategy.

Supported: `type` (one name or a list), `properties`, `required`, `additionalProperties` (true, false or
absent; only declared properties are generated), `items` (one schema), `minItems`/`maxItems`,
`minLength`/`maxLength`, `minimum`/`maximum`/`exclusiveMinimum`/`exclusiveMaximum`, `enum`, `const`, `format`
(through the formats mapping), and the annotations (`title`, `description`, `$schema`, `$id`, `$comment`,
`default`, `examples`). A subschema using anything else is handed whole to `from_schema`, with the formats
as `custom_formats`; so is a schema that uses `$ref` anywhere.

A format maps to a strategy for strings, or to a sequence of strings (one choice among them, with
`minLength`/`maxLength` applied once, when compiling).
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

import jsonschema
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from fuzzer._model import JSON
from strategies._source import Drawn, Source

Formats = Mapping[str, st.SearchStrategy[str] | Sequence[str]]
Draw = Source

DEFAULT_MAX_ITEMS = 3
"""Extra items beyond `minItems` when a schema gives no `maxItems`: small cases draw fast and read well."""
SLOTS = 8
"""An array with at most this many optional items draws them all (see `_Array`)."""
DEFAULT_MAX_LENGTH = 12
"""Extra characters beyond `minLength` when a schema gives no `maxLength`."""

_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "title", "description", "default", "examples"})
_BOUNDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
_KEYWORDS = MappingProxyType(
    {
        "null": frozenset({"type"}),
        "boolean": frozenset({"type"}),
        "integer": frozenset({"type"}) | _BOUNDS,
        "number": frozenset({"type"}) | _BOUNDS,
        "string": frozenset({"type", "minLength", "maxLength", "format"}),
        "array": frozenset({"type", "items", "minItems", "maxItems"}),
        "object": frozenset({"type", "properties", "required", "additionalProperties"}),
    }
)


class Plan(Protocol):
    def __call__(self, draw: Draw) -> JSON: ...


@dataclass(frozen=True, slots=True)
class _Leaf:
    """One Hypothesis draw."""

    strategy: st.SearchStrategy[JSON]

    def __call__(self, draw: Draw) -> JSON:
        return draw(self.strategy)


@dataclass(frozen=True, slots=True)
class _Const:
    """No draw at all (a copy of a container value, so that no two cases share it)."""

    value: JSON

    def __call__(self, draw: Draw) -> JSON:
        return copy.deepcopy(self.value) if isinstance(self.value, dict | list) else self.value


@dataclass(frozen=True, slots=True)
class _Object:
    """Properties in schema order; an optional one costs one decision and shrinks towards absent. Its value is
    drawn even when absent (and dropped): the decisions after it stay where they were on the tape, so the
    shrinker can remove the property without changing the rest of the case."""

    properties: tuple[tuple[str, Plan, bool], ...]  # (name, plan, required)

    def __call__(self, draw: Draw) -> JSON:
        value = {}
        for name, plan, required in self.properties:
            present = required or draw.boolean()
            drawn = plan(draw)
            if present:
                value[name] = drawn
        return value


@dataclass(frozen=True, slots=True)
class _OneOf:
    """One of several plans (a list of types), shrinking towards the first."""

    plans: tuple[Plan, ...]

    def __call__(self, draw: Draw) -> JSON:
        return self.plans[draw.index(len(self.plans))](draw)


@dataclass(frozen=True, slots=True)
class _Array:
    """A drawn length, then the items. Up to SLOTS possible items, all of them are drawn and the first `length`
    kept: the decisions after the array stay where they were on the tape, so lowering the length only drops the
    last items. A longer array draws its items like a list, each on a tape of its own (`Source.repeat`)."""

    item: Plan
    low: int
    high: int

    def __call__(self, draw: Draw) -> JSON:
        if self.high - self.low > SLOTS:
            return [self.item(draw) for _ in draw.repeat(self.low, self.high)]
        length = draw.integer(self.low, self.high)
        return [self.item(draw) for _ in range(self.high)][:length]


@dataclass(frozen=True, slots=True)
class _Choice:
    """One of several values, one choice (shrinking towards the first)."""

    values: tuple[JSON, ...]

    def __call__(self, draw: Draw) -> JSON:
        return draw.choose(self.values)


@dataclass(frozen=True, slots=True)
class _Integer:
    """A bounded integer, one choice."""

    low: int
    high: int

    def __call__(self, draw: Draw) -> JSON:
        return draw.integer(self.low, self.high)


@dataclass(frozen=True, slots=True)
class _Boolean:
    def __call__(self, draw: Draw) -> JSON:
        return draw.boolean()


def read_json(path: str | Path, what: str) -> Any:
    """The JSON value in the file at `path` (a schema, a roster). Raises ValueError `"<what> <path>: <reason>"`
    when the file cannot be read or is not JSON."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{what} {path}: cannot read it ({exc})") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{what} {path}: not valid JSON ({exc})") from exc


def load_schema(path: str | Path) -> dict[str, Any]:
    """Read a JSON Schema file. Raises ValueError naming the path and the reason when it is unusable."""
    schema = read_json(path, "schema")
    if not isinstance(schema, dict):
        raise ValueError(f"schema {path}: expected a JSON object, got {type(schema).__name__}")
    try:
        jsonschema.Draft7Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ValueError(f"schema {path}: not a valid draft-07 schema ({exc.message})") from exc
    return schema


def compile_schema(schema: JSON, formats: Formats) -> st.SearchStrategy[JSON]:
    """A strategy for instances of `schema`; `formats` supplies the strings of each custom `format`."""
    return as_strategy(compile_plan(schema, formats))


def as_strategy(plan: Plan) -> st.SearchStrategy[JSON]:
    if isinstance(plan, _Leaf):
        return plan.strategy
    if isinstance(plan, _Const):
        return st.just(plan.value)
    return Drawn(plan, f"plan({type(plan).__name__.strip('_').lower()})")


def compile_plan(schema: JSON, formats: Formats) -> Plan:
    """The plan drawing instances of `schema`. Raises ValueError when `schema` is not a schema at all."""
    if not isinstance(schema, dict | bool):
        raise ValueError(f"schema must be an object or a boolean, not {type(schema).__name__}: {schema!r}")
    if isinstance(schema, dict) and _mentions_ref(schema):
        return _fallback(schema, formats)
    return _compile(schema, formats)


def _compile(schema: JSON, formats: Formats) -> Plan:
    if schema is False:
        return _Leaf(st.nothing())
    if schema is True or not schema:
        return _fallback(schema, formats)
    kind = schema.get("type")
    if isinstance(kind, list) and kind:
        return _OneOf(tuple(_compile({**schema, "type": name}, formats) for name in kind))
    keywords = set(schema) - _ANNOTATIONS
    if "enum" in schema or "const" in schema:
        if keywords - {"enum", "const", "type"}:
            return _fallback(schema, formats)
        return _constants(schema)
    if not isinstance(kind, str) or kind not in _KEYWORDS or not keywords <= _KEYWORDS[kind]:
        return _fallback(schema, formats)
    if kind == "string" and "format" in schema and schema["format"] not in formats:
        return _fallback(schema, formats)
    return _BUILDERS[kind](schema, formats)


def _constants(schema: dict[str, Any]) -> Plan:
    values = [schema["const"]] if "const" in schema else list(schema["enum"])
    kinds = schema.get("type")
    if kinds is not None:
        names = kinds if isinstance(kinds, list) else [kinds]
        values = [v for v in values if any(_has_type(v, name) for name in names)]
    if len(values) == 1:
        return _Const(values[0])
    return _Choice(tuple(values)) if values else _Leaf(st.nothing())


def _has_type(value: JSON, kind: str) -> bool:
    if isinstance(value, bool):
        return kind == "boolean"
    if kind == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    expected = {"null": type(None), "number": int | float, "string": str, "array": list, "object": dict}
    return kind in expected and isinstance(value, expected[kind])


def _null(schema: dict[str, Any], formats: Formats) -> Plan:
    return _Const(None)


def _boolean(schema: dict[str, Any], formats: Formats) -> Plan:
    return _Boolean()


def _integer_bounds(schema: dict[str, Any]) -> tuple[int | None, int | None]:
    low = high = None
    if "minimum" in schema:
        low = math.ceil(schema["minimum"])
    if "exclusiveMinimum" in schema:
        low = max(low if low is not None else -math.inf, math.floor(schema["exclusiveMinimum"]) + 1)
    if "maximum" in schema:
        high = math.floor(schema["maximum"])
    if "exclusiveMaximum" in schema:
        high = min(high if high is not None else math.inf, math.ceil(schema["exclusiveMaximum"]) - 1)
    return low, high


def _integers(schema: dict[str, Any]) -> st.SearchStrategy[int]:
    low, high = _integer_bounds(schema)
    return st.integers(min_value=low, max_value=high)


def _integer(schema: dict[str, Any], formats: Formats) -> Plan:
    low, high = _integer_bounds(schema)
    if low is None or high is None:
        return _Leaf(st.integers(min_value=low, max_value=high))
    return _Integer(low, high) if low <= high else _Leaf(st.nothing())


def _number(schema: dict[str, Any], formats: Formats) -> Plan:
    if {"minimum", "exclusiveMinimum"} <= set(schema) or {"maximum", "exclusiveMaximum"} <= set(schema):
        return _fallback(schema, formats)  # both forms of one bound: rare, let from_schema intersect them
    floats = st.floats(
        min_value=schema.get("exclusiveMinimum", schema.get("minimum")),
        max_value=schema.get("exclusiveMaximum", schema.get("maximum")),
        exclude_min="exclusiveMinimum" in schema,
        exclude_max="exclusiveMaximum" in schema,
        allow_nan=False,
        allow_infinity=False,
    )
    return _Leaf(st.one_of(_integers(schema), floats))


def _string(schema: dict[str, Any], formats: Formats) -> Plan:
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    if "format" not in schema:
        return _Leaf(st.text(min_size=low, max_size=low + DEFAULT_MAX_LENGTH if high is None else high))

    def fits(text: str) -> bool:
        return low <= len(text) and (high is None or len(text) <= high)

    source = formats[schema["format"]]
    if isinstance(source, st.SearchStrategy):
        return _Leaf(source.filter(fits) if low or high is not None else source)
    values = [text for text in source if fits(text)]
    if not values:
        return _Leaf(st.nothing())
    return _Const(values[0]) if len(values) == 1 else _Choice(tuple(values))


def _array(schema: dict[str, Any], formats: Formats) -> Plan:
    items = schema.get("items", True)
    if not isinstance(items, dict | bool):
        return _fallback(schema, formats)  # a tuple of item schemas
    low = schema.get("minItems", 0)
    high = schema.get("maxItems", low + DEFAULT_MAX_ITEMS)
    return _Array(_compile(items, formats), low, high) if low <= high else _Leaf(st.nothing())


def _object(schema: dict[str, Any], formats: Formats) -> Plan:
    properties = schema.get("properties", {})
    required = schema.get("required", [])
    if not isinstance(schema.get("additionalProperties", True), bool) or any(
        name not in properties for name in required
    ):
        return _fallback(schema, formats)
    return _Object(tuple((name, _compile(sub, formats), name in required) for name, sub in properties.items()))


_BUILDERS: Mapping[str, Callable[[dict[str, Any], Formats], Plan]] = MappingProxyType(
    {
        "null": _null,
        "boolean": _boolean,
        "integer": _integer,
        "number": _number,
        "string": _string,
        "array": _array,
        "object": _object,
    }
)


def _fallback(schema: JSON, formats: Formats) -> Plan:
    custom = {
        name: source if isinstance(source, st.SearchStrategy) else st.sampled_from(list(source))
        for name, source in formats.items()
    }
    return _Leaf(from_schema(schema, custom_formats=custom))


def _mentions_ref(schema: JSON) -> bool:
    """True when `$ref` appears anywhere: a subschema cut out of its root could not resolve it."""
    if isinstance(schema, dict):
        return "$ref" in schema or any(_mentions_ref(v) for v in schema.values())
    if isinstance(schema, list):
        return any(_mentions_ref(v) for v in schema)
    return False
