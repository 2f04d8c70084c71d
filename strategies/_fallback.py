"""The fallback for schema parts the plan compiler (strategies/_schema.py) does not handle.

Two ways to draw them, chosen once per process (`fallback_in_use()` says which):

- `hypothesis-jsonschema`: its `from_schema`, where it works. Version 0.23.1 fails on hypothesis 6.170.10 and
  newer ("'many' object has no attribute 'more'", when it draws an array or an object), so it is first asked for
  one small object holding an array, and used only if that works;
- `relaxed`, otherwise: the schema is *relaxed* to the keywords the compiler supports (`$ref` resolved, `allOf`
  merged, `oneOf` read as `anyOf`, a missing `type` inferred from the keywords, keywords it cannot express
  dropped), compiled, and each value is checked against the full schema with jsonschema, drawing again up to
  TRIES times. A value that still does not validate is used anyway: it is a case for a fuzzer, and rejecting it
  would make Hypothesis drop the whole batch it belongs to. (A schema whose references form a cycle is not
  checked: jsonschema could follow the cycle for ever.)

None of the bundled schemas needs either; a user's schema with `pattern` and length bounds, `oneOf`, `allOf`,
`not`, `$ref`, `patternProperties` or the like does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from fuzzer._model import JSON
from strategies._formats import STANDARD_FORMATS
from strategies._schema import _ANNOTATIONS, _KEYWORDS, EMPTY, Compiler, Draw, Formats, Plan, _Leaf, any_json

TRIES = 10
"""Draws of a relaxed schema's plan before a value that does not validate is used anyway."""
REF_DEPTH = 4
"""How many `$ref`s deep a relaxed schema is resolved (see `_deref`)."""
_INFERRED = (
    ("object", ("properties", "required", "additionalProperties", "minProperties", "maxProperties")),
    ("array", ("items", "minItems", "maxItems", "uniqueItems", "contains")),
    ("string", ("minLength", "maxLength", "pattern", "format")),
    ("number", ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")),
)
"""A schema without `type` is drawn as the first type whose keywords it uses."""
_PROBE = {"type": "object", "required": ["a"], "properties": {"a": {"type": "array", "items": {"type": "integer"}}}}


def fallback_plan(schema: JSON, formats: Formats) -> Plan:
    """A plan for `schema` (a subschema the compiler does not handle, or a whole schema that uses `$ref`)."""
    from_schema = _working_from_schema()
    if from_schema is not None and _plain_references(schema):
        custom = {  # the contract's formats; hypothesis-jsonschema has its own of the standard ones
            name: source if isinstance(source, st.SearchStrategy) else st.sampled_from(list(source))
            for name, source in formats.items()
            if STANDARD_FORMATS.get(name) is not source
        }
        try:
            strategy = from_schema(schema, custom_formats=custom)
            strategy.validate()  # some of its refusals come only here, or when drawing
            return _Leaf(strategy)
        except Exception:  # hypothesis-jsonschema refuses schemas in many ways; relax those
            pass
    return relaxed_plan(schema, formats)


def fallback_in_use() -> str:
    """`"hypothesis-jsonschema"` or `"relaxed"`: how this process draws what the compiler does not handle."""
    return "relaxed" if _working_from_schema() is None else "hypothesis-jsonschema"


@cache
def _working_from_schema() -> Any:
    """hypothesis-jsonschema's `from_schema` when it is installed and draws an object holding an array on this
    version of Hypothesis; else None."""
    try:
        from hypothesis_jsonschema import from_schema
    except ImportError:
        return None
    drawn: list[JSON] = []

    @settings(
        database=None, max_examples=1, phases=[Phase.generate], deadline=None, suppress_health_check=list(HealthCheck)
    )
    @given(from_schema(_PROBE))
    def probe(value: JSON) -> None:
        drawn.append(value)

    try:
        probe()
    except Exception:  # whatever breaks it, the relaxed plan takes over
        return None
    return from_schema if drawn else None


# ---------------------------------------------------------------- relaxed


def relaxed_plan(schema: JSON, formats: Formats) -> Plan:
    """The relaxed schema's plan, each value checked against `schema` itself."""
    relaxed = relax(schema, schema, formats)
    plan = Compiler(formats, lambda sub, _formats: _Leaf(any_json())).compile(relaxed)
    if plan is EMPTY:
        return EMPTY
    if not _plain_references(schema):  # a reference cycle can send jsonschema round it for ever
        return plan
    return _Checked(plan, jsonschema.Draft7Validator(schema if isinstance(schema, dict | bool) else True))


@dataclass(frozen=True, slots=True)
class _Checked:
    plan: Plan
    validator: Any

    def __call__(self, draw: Draw) -> JSON:
        value = self.plan(draw)
        for _ in range(TRIES - 1):
            if self._valid(value):
                break
            value = self.plan(draw)
        return value

    def _valid(self, value: JSON) -> bool:
        try:
            return bool(self.validator.is_valid(value))
        except Exception:  # a pattern Python cannot compile, a reference to another file: no check, the value
            return True


def relax(schema: JSON, root: JSON, formats: Formats, depth: int = REF_DEPTH) -> JSON:
    """`schema` in the keywords the compiler supports, allowing at least what `schema` allows (roughly: the check
    against the full schema does the rest). `depth` is how many more `$ref`s may be followed on the way down."""
    schema, depth = _deref(schema, root, depth)
    if not isinstance(schema, dict):
        return False if schema is False else {}
    for part in schema.get("allOf", []):
        part, left = _deref(part, root, depth)
        if isinstance(part, dict):
            schema, depth = _merge(schema, part), min(depth, left)
    schema = {key: value for key, value in schema.items() if key != "allOf"}
    branches = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(branches, list) and branches:
        rest = {key: value for key, value in schema.items() if key not in ("anyOf", "oneOf")}
        relaxed = []
        for branch in branches:
            branch, left = _deref(branch, root, depth)
            relaxed.append(relax(_merge(rest, branch) if isinstance(branch, dict) else branch, root, formats, left))
        return {"anyOf": relaxed}
    if "const" in schema or "enum" in schema:
        return {key: schema[key] for key in ("const", "enum", "type") if key in schema}
    kind = schema.get("type", _inferred(schema))
    if kind is None:
        return {}
    if isinstance(kind, list):
        return {"anyOf": [relax({**schema, "type": name}, root, formats, depth) for name in kind]}
    kept: dict[str, Any] = {key: value for key, value in schema.items() if key in _KEYWORDS.get(kind, ())}
    kept["type"] = kind
    if kind == "string":
        _relax_string(kept, formats)
    elif kind == "integer" and "multipleOf" in kept and not float(kept["multipleOf"]).is_integer():
        del kept["multipleOf"]
    elif kind == "array":
        items = kept.get("items", True)
        kept["items"] = relax(items, root, formats, depth) if isinstance(items, dict | bool) else {}
    elif kind == "object":
        _relax_object(schema, kept, root, formats, depth)
    if {"minimum", "exclusiveMinimum"} <= set(kept):
        del kept["minimum" if kept["exclusiveMinimum"] >= kept["minimum"] else "exclusiveMinimum"]
    if {"maximum", "exclusiveMaximum"} <= set(kept):
        del kept["maximum" if kept["exclusiveMaximum"] <= kept["maximum"] else "exclusiveMaximum"]
    return kept


def _relax_string(kept: dict[str, Any], formats: Formats) -> None:
    if "format" in kept and kept["format"] not in formats:
        del kept["format"]
    if "pattern" in kept:
        try:
            re.compile(kept["pattern"])
        except (re.error, TypeError):
            del kept["pattern"]
    if "pattern" in kept or "format" in kept:  # the lengths are left to the check
        kept.pop("minLength", None)
        kept.pop("maxLength", None)
    if "pattern" in kept and "format" in kept:
        del kept["format"]


def _relax_object(schema: dict[str, Any], kept: dict[str, Any], root: JSON, formats: Formats, depth: int) -> None:
    kept["properties"] = {
        name: relax(sub, root, formats, depth) for name, sub in (schema.get("properties") or {}).items()
    }
    additional = schema.get("additionalProperties", True)
    kept["additionalProperties"] = additional is not False
    wanted = schema.get("minProperties", 0)
    if isinstance(wanted, int) and wanted > len(kept["properties"]) and additional is not False:
        extra = relax(additional, root, formats, depth) if isinstance(additional, dict) else {}
        names = [f"p{n}" for n in range(wanted - len(kept["properties"]))]
        kept["properties"].update((name, extra) for name in names)
        kept["required"] = list(dict.fromkeys([*kept.get("required", []), *names]))


def _plain_references(root: JSON) -> bool:
    """True when every `$ref` in `root` points into `root` itself, at something that exists, without a cycle:
    hypothesis-jsonschema fails on the others only when it draws (or tries to fetch them)."""

    def targets(schema: JSON) -> list[str]:
        found: list[str] = []
        stack = [schema]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                if "$ref" in item:
                    found.append(item["$ref"])
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
        return found

    def plain(reference: Any, chain: frozenset[str]) -> bool:
        if not isinstance(reference, str) or not reference.startswith("#") or reference in chain:
            return False
        target = _pointer(root, reference[1:])
        if target is None:
            return False
        return all(plain(inner, chain | {reference}) for inner in targets(target))

    return all(plain(reference, frozenset()) for reference in targets(root))


def _inferred(schema: dict[str, Any]) -> str | None:
    for kind, keywords in _INFERRED:
        if any(key in schema for key in keywords):
            return kind
    return None


def _merge(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    merged = {**first, **second}
    for key in ("properties",):
        if isinstance(first.get(key), dict) and isinstance(second.get(key), dict):
            merged[key] = {**first[key], **second[key]}
    if isinstance(first.get("required"), list) and isinstance(second.get("required"), list):
        merged["required"] = list(dict.fromkeys([*first["required"], *second["required"]]))
    return merged


def _deref(schema: JSON, root: JSON, depth: int) -> tuple[Any, int]:
    """`schema`, or what its `$ref` points at within `root`, without annotations; and how many more `$ref`s may
    be followed below it. A reference beyond `depth` is `False`, no value: a recursive schema ends in empty arrays
    and absent optional properties. One outside the file, or to nothing, is `{}`, any value."""
    while isinstance(schema, dict) and "$ref" in schema:
        reference = schema["$ref"]
        if not isinstance(reference, str) or not reference.startswith("#"):
            return {}, depth
        if depth <= 0:
            return False, 0
        schema = _pointer(root, reference[1:])
        depth -= 1
    if isinstance(schema, dict):
        return {key: value for key, value in schema.items() if key not in _ANNOTATIONS}, depth
    return (schema if isinstance(schema, bool) else {}), depth


def _pointer(root: JSON, pointer: str) -> Any:
    target: Any = root
    for token in pointer.split("/")[1:] if pointer else []:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(target, dict) and token in target:
            target = target[token]
        elif isinstance(target, list) and token.isdigit() and int(token) < len(target):
            target = target[int(token)]
        else:
            return None
    return target
