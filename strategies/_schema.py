"""Schema files and a small, fast JSON Schema (draft-07) to strategy compiler.

`compile_plan` turns a schema into a *plan*: a function `plan(source) -> value` of a `Source`. Objects are
assembled by plain Python calls; a choice among values, a bounded integer, an optional property or an array
length is one choice of the source, and only free text, floats and fallbacks are strategy draws.
(`hypothesis_jsonschema.from_schema` costs about 6 ms per object; a plan for the bundled schemas a few hundred
microseconds.) `compile_schema` wraps a plan as a strategy.

Supported: `type` (one name or a list; keywords of the other types do not apply to a branch), `properties`,
`required`, `additionalProperties` (true, false or absent; only declared properties are generated), `items`
(one schema), `minItems`/`maxItems`, `uniqueItems`, `minLength`/`maxLength`, `pattern` (without length bounds),
`minimum`/`maximum`/`exclusiveMinimum`/`exclusiveMaximum`, `multipleOf` (integers by an integer), `enum`,
`const`, `anyOf` (alone), `format` (through the formats mapping, over STANDARD_FORMATS), the empty schema
(any JSON value), and the annotations (`title`, `description`, `$schema`, `$id`, `$comment`, `default`,
`examples`). A subschema using anything else is handed whole to the fallback (strategies/_fallback.py); so is
a schema that uses `$ref` anywhere. None of the bundled schemas needs it.

A format maps to a strategy for strings, or to a sequence of strings (one choice among them, with
`minLength`/`maxLength` applied once, when compiling).
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from fuzzer._jsonfile import read_schema
from fuzzer._model import JSON
from strategies._formats import STANDARD_FORMATS
from strategies._source import Drawn, Source

Formats = Mapping[str, st.SearchStrategy[str] | Sequence[str]]
Draw = Source

DEFAULT_MAX_ITEMS = 3
"""Extra items beyond `minItems` when a schema gives no `maxItems`: small cases draw fast and read well."""
SLOTS = 8
"""An array with at most this many optional items draws them all (see `_Array`)."""
DEFAULT_MAX_LENGTH = 12
"""Extra characters beyond `minLength` when a schema gives no `maxLength`."""
MAX_SIZE = 10_000
"""The largest `minItems` or `minLength` a schema may ask for: a case is a request body, not a stress test."""

_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "title", "description", "default", "examples"})
_BOUNDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
_VALUES = frozenset({"const", "enum", "default", "examples"})
"""Keywords whose values are instances, not schemas."""
_KEYWORDS = MappingProxyType(
    {
        "null": frozenset({"type"}),
        "boolean": frozenset({"type"}),
        "integer": frozenset({"type", "multipleOf"}) | _BOUNDS,
        "number": frozenset({"type"}) | _BOUNDS,
        "string": frozenset({"type", "minLength", "maxLength", "format", "pattern"}),
        "array": frozenset({"type", "items", "minItems", "maxItems", "uniqueItems"}),
        "object": frozenset({"type", "properties", "required", "additionalProperties"}),
    }
)
_TYPED = (frozenset().union(*_KEYWORDS.values()) - {"type"}) | {
    "additionalItems",
    "contains",
    "dependencies",
    "maxProperties",
    "minProperties",
    "patternProperties",
    "propertyNames",
}
"""Keywords that apply to one type only: a branch of a type list drops those of the other types."""


class Plan(Protocol):
    def __call__(self, draw: Draw) -> JSON: ...


@dataclass(frozen=True, slots=True)
class _Leaf:
    """One Hypothesis draw."""

    strategy: st.SearchStrategy[JSON]

    def __call__(self, draw: Draw) -> JSON:
        return draw(self.strategy)


EMPTY = _Leaf(st.nothing())
"""The plan of a schema no value fits: an object property with it is left out, a branch of a type list or an
`anyOf` dropped; at the top, `compile_plan` refuses the schema."""


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


def _identity(value: JSON) -> str:
    """Equal JSON values (as uniqueItems compares them: 1 == 1.0, key order ignored) give equal strings."""
    if isinstance(value, float) and value.is_integer():
        return repr(int(value))
    if isinstance(value, dict):
        return "{" + ",".join(f"{k!r}:{_identity(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_identity(v) for v in value) + "]"
    return repr(value)


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


def load_schema(path: str | Path) -> dict[str, Any]:
    """Read a JSON Schema (draft-07) file. Raises ValueError naming the path and the reason when it is unusable
    (unreadable, not JSON, nested too deeply, not an object, not a valid draft-07 schema)."""
    return read_schema(path)


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
    """The plan drawing instances of `schema`. Raises ValueError when `schema` is not a schema at all, or asks
    for more than parity-fuzz generates."""
    if not isinstance(schema, dict | bool):
        raise ValueError(f"schema must be an object or a boolean, not {type(schema).__name__}: {schema!r}")
    _check_sizes(schema)
    compiler = Compiler({**STANDARD_FORMATS, **formats}, _fallback)
    if isinstance(schema, dict) and _mentions_ref(schema):
        return _fallback(schema, compiler.formats)
    plan = compiler.compile(schema)
    if plan is EMPTY:
        raise ValueError("no value fits this schema (a bound above its limit, an empty enum, false); fix the schema")
    return plan


@dataclass(frozen=True, slots=True)
class Compiler:
    """Compiles the supported keywords; hands any other (sub)schema to `unsupported`."""

    formats: Formats
    unsupported: Callable[[JSON, Formats], Plan]

    def compile(self, schema: JSON) -> Plan:
        if schema is False:
            return EMPTY
        if schema is True:
            return _Leaf(any_json())
        keywords = set(schema) - _ANNOTATIONS
        if not keywords:
            return _Leaf(any_json())
        if keywords == {"anyOf"} and isinstance(schema["anyOf"], list) and schema["anyOf"]:
            return _one_of([self.compile(branch) for branch in schema["anyOf"]])
        kind = schema.get("type")
        if isinstance(kind, list) and kind:
            return _one_of([self.compile(_branch(schema, name)) for name in kind])
        if "enum" in schema or "const" in schema:
            if keywords - {"enum", "const", "type"}:
                return self.unsupported(schema, self.formats)
            return _constants(schema)
        if not isinstance(kind, str) or kind not in _KEYWORDS or not keywords <= _KEYWORDS[kind]:
            return self.unsupported(schema, self.formats)
        if kind == "string" and not _string_supported(schema, self.formats):
            return self.unsupported(schema, self.formats)
        return _BUILDERS[kind](schema, self)


def _branch(schema: dict[str, Any], kind: str) -> dict[str, Any]:
    """One branch of a type list: that type, its keywords, and every keyword that is not type-specific."""
    kept = {key: value for key, value in schema.items() if key not in _TYPED or key in _KEYWORDS.get(kind, ())}
    return {**kept, "type": kind}


def _string_supported(schema: dict[str, Any], formats: Formats) -> bool:
    if "format" in schema and (schema["format"] not in formats or "pattern" in schema):
        return False
    if "pattern" in schema:
        if {"minLength", "maxLength"} & set(schema) or not isinstance(schema["pattern"], str):
            return False
        try:
            re.compile(schema["pattern"])
        except re.error:
            return False
    return True


def any_json() -> st.SearchStrategy[JSON]:
    """Small JSON values of every type: what the empty schema allows."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=DEFAULT_MAX_LENGTH)
    )
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=DEFAULT_MAX_ITEMS)
            | st.dictionaries(st.text(max_size=DEFAULT_MAX_LENGTH), children, max_size=DEFAULT_MAX_ITEMS)
        ),
        max_leaves=8,
    )


def _constants(schema: dict[str, Any]) -> Plan:
    values = [schema["const"]] if "const" in schema else list(schema["enum"])
    kinds = schema.get("type")
    if kinds is not None:
        names = kinds if isinstance(kinds, list) else [kinds]
        values = [v for v in values if any(_has_type(v, name) for name in names)]
    if len(values) == 1:
        return _Const(values[0])
    return _Choice(tuple(values)) if values else EMPTY


def _has_type(value: JSON, kind: str) -> bool:
    if isinstance(value, bool):
        return kind == "boolean"
    if kind == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    expected = {"null": type(None), "number": int | float, "string": str, "array": list, "object": dict}
    return kind in expected and isinstance(value, expected[kind])


def _leaf(strategy: st.SearchStrategy[JSON]) -> Plan:
    """A draw from `strategy`, or EMPTY when its arguments admit no value (Hypothesis would say so only when
    drawing, in the middle of a campaign)."""
    try:
        strategy.validate()
    except (InvalidArgument, OverflowError):
        return EMPTY
    return _Leaf(strategy)


def _null(schema: dict[str, Any], compiler: Compiler) -> Plan:
    return _Const(None)


def _boolean(schema: dict[str, Any], compiler: Compiler) -> Plan:
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


def _integer(schema: dict[str, Any], compiler: Compiler) -> Plan:
    low, high = _integer_bounds(schema)
    if low is not None and high is not None and low > high:
        return EMPTY
    if "multipleOf" in schema:
        step = schema["multipleOf"]
        if not float(step).is_integer():
            return compiler.unsupported(schema, compiler.formats)
        step = int(step)
        first = None if low is None else -(-low // step)
        last = None if high is None else high // step
        return _leaf(st.integers(min_value=first, max_value=last).map(lambda n: n * step))
    if low is None or high is None:
        return _leaf(st.integers(min_value=low, max_value=high))
    return _Integer(low, high)


def _number(schema: dict[str, Any], compiler: Compiler) -> Plan:
    if {"minimum", "exclusiveMinimum"} <= set(schema) or {"maximum", "exclusiveMaximum"} <= set(schema):
        return compiler.unsupported(schema, compiler.formats)  # both forms of one bound: rare
    low, high = _integer_bounds(schema)
    integers = EMPTY if low is not None and high is not None and low > high else _leaf(st.integers(low, high))
    floats = _leaf(
        st.floats(
            min_value=schema.get("exclusiveMinimum", schema.get("minimum")),
            max_value=schema.get("exclusiveMaximum", schema.get("maximum")),
            exclude_min="exclusiveMinimum" in schema,
            exclude_max="exclusiveMaximum" in schema,
            allow_nan=False,
            allow_infinity=False,
        )
    )
    return _one_of((integers, floats))


def _size(schema: dict[str, Any], key: str, default: int) -> int:
    return int(schema.get(key, default))


def _check_sizes(schema: JSON) -> None:
    """ValueError when any part of `schema` asks for more items, characters or properties than MAX_SIZE."""
    stack = [schema]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key in ("minItems", "minLength", "minProperties"):
                value = item.get(key)
                if isinstance(value, int | float) and not isinstance(value, bool) and value > MAX_SIZE:
                    raise ValueError(f"{key}={value} is more than parity-fuzz generates (at most {MAX_SIZE}); lower it")
            stack.extend(value for key, value in item.items() if key not in _VALUES)
        elif isinstance(item, list):
            stack.extend(item)


def _string(schema: dict[str, Any], compiler: Compiler) -> Plan:
    low = _size(schema, "minLength", 0)
    high = int(schema["maxLength"]) if "maxLength" in schema else None
    if high is not None and low > high:
        return EMPTY
    if "pattern" in schema:
        return _leaf(st.from_regex(schema["pattern"]))
    if "format" not in schema:
        return _leaf(st.text(min_size=low, max_size=low + DEFAULT_MAX_LENGTH if high is None else high))

    def fits(text: str) -> bool:
        return low <= len(text) and (high is None or len(text) <= high)

    source = compiler.formats[schema["format"]]
    if isinstance(source, st.SearchStrategy):
        return _Leaf(source.filter(fits) if low or high is not None else source)
    values = [text for text in source if fits(text)]
    if not values:
        return EMPTY
    return _Const(values[0]) if len(values) == 1 else _Choice(tuple(values))


def _array(schema: dict[str, Any], compiler: Compiler) -> Plan:
    items = schema.get("items", True)
    if not isinstance(items, dict | bool):
        return compiler.unsupported(schema, compiler.formats)  # a tuple of item schemas
    low = _size(schema, "minItems", 0)
    high = int(schema.get("maxItems", low + DEFAULT_MAX_ITEMS))
    item = compiler.compile(items)
    if low > high or (item is EMPTY and low > 0):
        return EMPTY
    if item is EMPTY:
        return _Const([])
    if schema.get("uniqueItems") is True:  # Hypothesis's lists draw distinct items well; the tape would not
        return _leaf(st.lists(as_strategy(item), min_size=low, max_size=high, unique_by=_identity))
    return _Array(item, low, high)


def _object(schema: dict[str, Any], compiler: Compiler) -> Plan:
    properties = schema.get("properties", {})
    required = schema.get("required", [])
    additional = schema.get("additionalProperties", True)
    if not isinstance(additional, bool):
        return compiler.unsupported(schema, compiler.formats)
    undeclared = [name for name in dict.fromkeys(required) if name not in properties]
    if undeclared and not additional:
        return EMPTY  # a required property that may not be there
    declared = []
    for name, sub in properties.items():
        plan = compiler.compile(sub)
        if plan is EMPTY and name in required:
            return EMPTY
        if plan is not EMPTY:  # a property no value fits is never there
            declared.append((name, plan, name in required))
    return _Object((*declared, *((name, _Leaf(any_json()), True) for name in undeclared)))


def _one_of(plans: Sequence[Plan]) -> Plan:
    """One of the plans that can give a value, shrinking towards the first; EMPTY when none can."""
    kept = tuple(plan for plan in plans if plan is not EMPTY)
    if not kept:
        return EMPTY
    return kept[0] if len(kept) == 1 else _OneOf(kept)


_BUILDERS: Mapping[str, Callable[[dict[str, Any], Compiler], Plan]] = MappingProxyType(
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
    from strategies._fallback import fallback_plan  # the fallback compiles relaxed schemas with Compiler

    return fallback_plan(schema, formats)


def _mentions_ref(schema: JSON) -> bool:
    """True when `$ref` appears anywhere: a subschema cut out of its root could not resolve it."""
    if isinstance(schema, dict):
        return "$ref" in schema or any(_mentions_ref(v) for v in schema.values())
    if isinstance(schema, list):
        return any(_mentions_ref(v) for v in schema)
    return False
