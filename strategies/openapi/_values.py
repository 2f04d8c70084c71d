"""Values for a request part from an OpenAPI schema: the loader's normalised schemas compiled to fast plans.

`value_plan(schema, examples, part)` gives a plan (`strategies._schema.Plan`) of the values a request part may
hold. It extends `strategies._schema.Compiler` with what OpenAPI documents use and the draft-07 compiler does not:

- `allOf`, `oneOf` and `anyOf` are *flattened* into alternatives: each alternative is the schema's own keywords
  merged with one branch of each combinator (`allOf` merges every part), so that `{allOf: [Base], oneOf: [A, B]}`
  is the two plain schemas Base+A and Base+B, one choice among them (shrinking towards the first). Subschemas are
  merged lazily (`{allOf: [a, b]}`), and flattened when compiled. At most ALTERNATIVES per schema are kept.
- `discriminator` (with the loader's `x-branches`): the alternatives of a branch have the property set to the
  values that select it, and required;
- `enum`/`const` beside other keywords: the values that fit the rest of the schema (checked with jsonschema
  when compiling);
- `readOnly` properties are left out of requests (`writeOnly` ones are kept);
- `format`: the number formats `int32`/`int64` bound the integer; an unknown string format is an annotation;
- `additionalProperties` with a schema: two optional properties, `key0` and `key1`, of that schema;
- `pattern` (with length bounds too): one of POOL strings drawn from Hypothesis's `from_regex` when compiling,
  and a fresh draw one time in FRESH;
- `uniqueItems`: the items of a plain array, duplicates dropped (one tape instead of a Hypothesis list);
- a missing `type` is inferred from the keywords;
- recursion (`$ref: "#/$defs/NAME"`) is unrolled REF_DEPTH times, then ends (optional properties left out);
- `examples` are *seeds*: where a schema has examples that fit it, a value is one of them, verbatim, one time in
  SEED_SHARE (and the simplest choice, so shrinking tries the examples first).

`part` says where the value goes: header and cookie strings keep to visible ASCII (what a header can carry),
and path strings are never empty (an empty segment is another route). Anything else the compiler does not handle
goes to the draft-07 fallback (strategies/_fallback.py).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

import jsonschema
from hypothesis import strategies as st

from fuzzer._model import JSON
from strategies._fallback import fallback_plan
from strategies._formats import STANDARD_FORMATS
from strategies._schema import (
    DEFAULT_MAX_LENGTH,
    EMPTY,
    Compiler,
    Draw,
    Formats,
    Plan,
    _Choice,
    _Const,
    _identity,
    _Leaf,
)

ALTERNATIVES = 64
"""Most alternatives a schema's combinators are flattened into (the first ones, in document order)."""
REF_DEPTH = 3
"""How many times a recursive `$ref` is followed before the value ends there."""
SEED_SHARE = 4
"""One value in SEED_SHARE is an example, where the schema has examples."""

_COMBINATORS = ("allOf", "oneOf", "anyOf")
_OPENAPI_ANNOTATIONS = frozenset(
    {
        "discriminator",
        "readOnly",
        "writeOnly",
        "deprecated",
        "xml",
        "externalDocs",
        "example",
        "nullable",
        "contentMediaType",
        "contentEncoding",
        "contentSchema",
        "$comment",
        "$schema",
        "$id",
        "$defs",
        "title",
        "description",
        "default",
        "examples",
        "summary",
    }
)
_INFERRED = (
    ("object", ("properties", "required", "additionalProperties", "minProperties", "maxProperties")),
    ("array", ("items", "minItems", "maxItems", "uniqueItems")),
    ("string", ("minLength", "maxLength", "pattern")),
    ("number", ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")),
)
_INT_FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_LOWER = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_VISIBLE = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
_UNRESERVED = st.characters(codec="ascii", categories=("L", "N"))

PARTS = ("body", "path", "query", "header", "cookie")


def value_plan(schema: JSON, examples: tuple[JSON, ...] = (), part: str = "body", formats: Formats = ()) -> Plan:
    """The plan of the values of `schema` for a request `part` (one of PARTS), seeded with `examples` that fit.

    Raises ValueError when no value fits the schema (a `false`, an empty `enum`, bounds that cross)."""
    if part not in PARTS:
        raise ValueError(f"part {part!r} is not one of {', '.join(PARTS)}")
    defs = schema.get("$defs", {}) if isinstance(schema, dict) else {}
    if defs:
        schema = unroll(schema, defs, REF_DEPTH)
    compiler = ValueCompiler({**STANDARD_FORMATS, **dict(formats)}, fallback_plan, part)
    plan = compiler.compile(schema)
    seeds = _fitting(examples, schema)
    if seeds:
        plan = _Seeded(seeds, plan) if plan is not EMPTY else _choice(seeds)
    if plan is EMPTY:
        raise ValueError("no value fits this schema (false, an empty enum, or bounds that cross)")
    return plan


def unroll(schema: JSON, defs: dict[str, Any], depth: int) -> JSON:
    """`schema` with each `{"$ref": "#/$defs/NAME"}` replaced by its definition, `depth` levels deep, then by
    `false` (a property or item that cannot be there)."""
    if isinstance(schema, list):
        return [unroll(item, defs, depth) for item in schema]
    if not isinstance(schema, dict):
        return schema
    reference = schema.get("$ref")
    if isinstance(reference, str) and reference.startswith("#/$defs/"):
        target = defs.get(reference.removeprefix("#/$defs/"))
        if target is None or depth <= 0:
            return False
        rest = {key: value for key, value in schema.items() if key != "$ref"}
        inner = unroll(target, defs, depth - 1)
        return {**rest, "allOf": [inner]} if rest else inner
    return {
        key: value if key in ("enum", "const", "examples", "default", "$defs") else unroll(value, defs, depth)
        for key, value in schema.items()
        if key != "$defs"
    }


@dataclass(frozen=True, slots=True)
class _Seeded:
    """An example one time in SEED_SHARE (the lower bytes: shrinking prefers it), else a drawn value."""

    seeds: tuple[JSON, ...]
    plan: Plan

    def __call__(self, draw: Draw) -> JSON:
        if draw.index(SEED_SHARE) == 0:
            value = draw.choose(self.seeds)
            return copy.deepcopy(value) if isinstance(value, dict | list) else value
        return self.plan(draw)


def _choice(values: tuple[JSON, ...]) -> Plan:
    return _Const(values[0]) if len(values) == 1 else _Choice(values)


@dataclass(frozen=True, slots=True)
class ValueCompiler(Compiler):
    """The draft-07 compiler, reading the OpenAPI-normalised schema first (see the module docstring)."""

    part: str = "body"

    def compile(self, schema: JSON) -> Plan:
        if isinstance(schema, bool):
            return Compiler.compile(self, schema)
        plans = [self._plain(alternative) for alternative in alternatives(schema)]
        kept = tuple(plan for plan in plans if plan is not EMPTY)
        if not kept:
            return EMPTY
        if len(kept) == 1:
            return kept[0]
        from strategies._schema import _OneOf

        return _OneOf(kept)

    def _plain(self, schema: JSON) -> Plan:
        if not isinstance(schema, dict):
            return Compiler.compile(self, schema)
        seeds = _fitting(tuple(schema.get("examples") or ()), schema)
        plan = self._keywords(schema)
        if seeds and plan is not EMPTY:
            return _Seeded(seeds, plan)
        return plan

    def _keywords(self, schema: dict[str, Any]) -> Plan:
        kept = {k: v for k, v in schema.items() if k not in _OPENAPI_ANNOTATIONS and not k.startswith("x-")}
        if "type" not in kept and not ({"enum", "const"} & set(kept)):
            kind = next((name for name, keys in _INFERRED if any(key in kept for key in keys)), None)
            if kind is not None:
                kept["type"] = kind
        if "enum" in kept or "const" in kept:
            values = [kept["const"]] if "const" in kept else list(kept["enum"] or [])
            rest = {k: v for k, v in kept.items() if k not in ("enum", "const")}
            fitting = _fitting(tuple(values), rest) if rest else tuple(values)
            return _choice(fitting) if fitting else EMPTY
        kind = kept.get("type")
        if kind == "object" or (isinstance(kind, list) and "object" in kind):
            kept = self._object(kept)
        if "format" in kept:
            kept = _format(kept, self.formats)
        if kind == "string" and "pattern" in kept and "format" not in kept:
            return _pattern(kept)
        if kind == "array" and kept.get("uniqueItems") is True:
            plan = Compiler.compile(self, {k: v for k, v in kept.items() if k != "uniqueItems"})
            return _Unique(plan, int(kept.get("minItems", 0))) if plan is not EMPTY else EMPTY
        if kind == "string" and self.part != "body" and not ({"pattern", "format"} & set(kept)):
            return _part_string(kept, self.part)
        return Compiler.compile(self, kept)

    def _object(self, schema: dict[str, Any]) -> dict[str, Any]:
        properties = dict(schema.get("properties") or {})
        required = [name for name in schema.get("required") or [] if isinstance(name, str)]
        if self.part == "body":
            hidden = {name for name, sub in properties.items() if isinstance(sub, dict) and sub.get("readOnly")}
            properties = {name: sub for name, sub in properties.items() if name not in hidden}
            required = [name for name in required if name not in hidden]
        additional = schema.get("additionalProperties", True)
        if isinstance(additional, dict):
            for key in ("key0", "key1"):
                properties.setdefault(key, additional)
            additional = True
        wanted = schema.get("minProperties")
        if isinstance(wanted, int) and wanted > len(required):
            required += [name for name in properties if name not in required][: wanted - len(required)]
        out = {k: v for k, v in schema.items() if k not in ("minProperties", "maxProperties")}
        out.update(properties=properties, required=list(dict.fromkeys(required)), additionalProperties=additional)
        return out


def _format(schema: dict[str, Any], formats: Formats) -> dict[str, Any]:
    out = dict(schema)
    name = out.pop("format")
    bounds = _INT_FORMATS.get(name)
    if bounds is not None and out.get("type") == "integer":
        out.setdefault("minimum", bounds[0])
        out.setdefault("maximum", bounds[1])
    elif out.get("type") == "string" and name in formats and "pattern" not in out:
        out["format"] = name
    return out


def _pattern(schema: dict[str, Any]) -> Plan:
    """Strings of a pattern (within the length bounds): one of POOL drawn once, simplest first (one tape
    decision), or one time in FRESH a new draw of Hypothesis's `from_regex`."""
    low, high = schema.get("minLength", 0), schema.get("maxLength", math.inf)
    try:
        strategy = st.from_regex(schema["pattern"])
        if low or high != math.inf:
            strategy = strategy.filter(lambda text: low <= len(text) <= high)
        strategy.validate()
        pool = _pool(strategy)
    except Exception:  # a pattern Python cannot read: the fallback does better
        return fallback_plan(schema, STANDARD_FORMATS)
    return _Pooled(pool, strategy) if pool else _Leaf(strategy)


POOL = 32
FRESH = 8


def _pool(strategy: st.SearchStrategy[str]) -> tuple[str, ...]:
    from hypothesis import HealthCheck, Phase, given, settings

    drawn: set[str] = set()

    @settings(
        max_examples=POOL * 2,
        database=None,
        deadline=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(text: str) -> None:
        drawn.add(text)

    collect()
    return tuple(sorted(drawn, key=lambda text: (len(text), text))[:POOL])


@dataclass(frozen=True, slots=True)
class _Pooled:
    pool: tuple[str, ...]
    strategy: st.SearchStrategy[str]

    def __call__(self, draw: Draw) -> JSON:
        if draw.index(FRESH) == FRESH - 1:
            return draw(self.strategy)
        return draw.choose(self.pool)


@dataclass(frozen=True, slots=True)
class _Unique:
    """An array of distinct items: drawn as a plain array, duplicates dropped (kept when fewer than `low` would
    be left; the fallback is no better, and a fuzzer may send them)."""

    plan: Plan
    low: int

    def __call__(self, draw: Draw) -> JSON:
        items = self.plan(draw)
        seen: set[str] = set()
        kept = []
        for item in items:
            key = _identity(item)
            if key not in seen:
                seen.add(key)
                kept.append(item)
        return kept if len(kept) >= self.low else items


def _part_string(schema: dict[str, Any], part: str) -> Plan:
    """Text a parameter can carry as is: visible ASCII in headers and cookies, letters and digits in a path (so
    that a valid value is one segment), at least one character in a path."""
    low = max(int(schema.get("minLength", 0)), 1 if part == "path" else 0)
    high = int(schema["maxLength"]) if "maxLength" in schema else low + DEFAULT_MAX_LENGTH
    if low > high:
        return EMPTY
    if part == "query":
        return Compiler.compile(Compiler(STANDARD_FORMATS, fallback_plan), {**schema, "minLength": low})
    alphabet = _UNRESERVED if part == "path" else _VISIBLE
    return _Leaf(st.text(alphabet=alphabet, min_size=low, max_size=high))


def alternatives(schema: JSON) -> list[JSON]:
    """`schema` as plain alternatives, none with a combinator at its top (see the module docstring)."""
    if not isinstance(schema, dict) or not any(key in schema for key in _COMBINATORS):
        return [schema]
    found: list[JSON] = [{key: value for key, value in schema.items() if key not in _COMBINATORS}]
    for part in schema.get("allOf") or []:
        found = [merged for a in found for b in alternatives(part) if (merged := merge(a, b)) is not False]
        found = found[:ALTERNATIVES]
    for key in ("oneOf", "anyOf"):
        branches = schema.get(key)
        if not isinstance(branches, list) or not branches:
            continue
        selectors = _selectors(schema.get("discriminator"), len(branches))
        grown: list[JSON] = []
        for index, branch in enumerate(branches):
            selector = selectors.get(index)
            for b in alternatives(branch):
                for a in found:
                    merged = merge(a, b)
                    if merged is not False and selector is not None:
                        merged = merge(merged, selector)
                    if merged is not False:
                        grown.append(merged)
        found = grown[:ALTERNATIVES]
    return found or [False]


def _selectors(discriminator: Any, count: int) -> dict[int, dict[str, Any]]:
    """The schema each branch is merged with so that its discriminator property selects it."""
    if not isinstance(discriminator, dict) or not isinstance(discriminator.get("propertyName"), str):
        return {}
    name = discriminator["propertyName"]
    by_branch: dict[int, list[str]] = {}
    for value, index in (discriminator.get("x-branches") or {}).items():
        if isinstance(index, int) and 0 <= index < count:
            by_branch.setdefault(index, []).append(value)
    return {
        index: {"type": "object", "required": [name], "properties": {name: {"enum": values}}}
        for index, values in by_branch.items()
    }


def merge(a: JSON, b: JSON) -> JSON:
    """A schema of the values of both (approximately): bounds tightened, properties merged, values intersected.
    Subschemas that hold combinators or references are merged lazily, as `{"allOf": [a, b]}`."""
    if a is True or a == {}:
        return b
    if b is True or b == {}:
        return a
    if a is False or b is False or not isinstance(a, dict) or not isinstance(b, dict):
        return False
    if any(key in s for s in (a, b) for key in (*_COMBINATORS, "$ref")):
        return {"allOf": [a, b]}
    out = {**a, **b}
    for key in set(a) & set(b):
        x, y = a[key], b[key]
        if key == "properties" and isinstance(x, dict) and isinstance(y, dict):
            out[key] = {**x, **y, **{name: _lazy(x[name], y[name]) for name in set(x) & set(y)}}
        elif key in ("items", "additionalProperties"):
            out[key] = _lazy(x, y)
        elif key == "required" and isinstance(x, list) and isinstance(y, list):
            out[key] = list(dict.fromkeys([*x, *y]))
        elif key == "type":
            kinds = _types(x) & _types(y)
            if not kinds:
                return False
            out[key] = next(iter(kinds)) if len(kinds) == 1 else sorted(kinds)
        elif key == "enum" and isinstance(x, list) and isinstance(y, list):
            out[key] = [value for value in x if value in y]
        elif key == "const" and x != y:
            return False
        elif key in _LOWER and _numbers(x, y):
            out[key] = max(x, y)
        elif key in _UPPER and _numbers(x, y):
            out[key] = min(x, y)
        elif key in ("examples", "default"):
            out.pop(key)  # an example of one part is rarely one of the whole
        elif key in ("pattern", "format"):
            out[key] = x
    return out


def _lazy(x: JSON, y: JSON) -> JSON:
    if x == y:
        return x
    if isinstance(x, dict) and isinstance(y, dict) and not any(k in s for s in (x, y) for k in (*_COMBINATORS, "$ref")):
        return merge(x, y)
    return {"allOf": [x, y]}


def _types(value: Any) -> set[str]:
    kinds = set(value) if isinstance(value, list) else {value}
    if "number" in kinds:
        kinds.add("integer")
    return kinds


def _numbers(*values: Any) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


def _fitting(values: tuple[JSON, ...], schema: JSON) -> tuple[JSON, ...]:
    """The `values` that `schema` accepts (all of them when jsonschema cannot check the schema)."""
    if not values:
        return ()
    try:
        validator = jsonschema.Draft202012Validator(schema)
        return tuple(value for value in values if validator.is_valid(value))
    except Exception:  # a pattern Python cannot compile, a reference it cannot resolve: no check
        return values
