"""OpenAPI Schema Objects to self-contained JSON Schemas (2020-12 style), with every `$ref` resolved.

What changes, and why (so that one generator reads 3.0 and 3.1 alike):
- `$ref` is replaced by what it points to, in this file or another. A schema that refers to itself, directly or
  through others, keeps that one reference as `{"$ref": "#/$defs/NAME"}` (NAME from the referenced pointer's
  last segment); the top-level schema's `$defs` then holds it and every definition it needs. A schema without
  recursion holds no `$ref` at all. Inlined definitions are shared, not copied.
- `$ref` siblings: 3.0 ignores them, as its specification says. In 3.1, annotation siblings (`description`,
  `title`, `examples`, `readOnly`, ...) are laid over the referenced schema; any other sibling makes
  `{..siblings, "allOf": [referenced, ..]}`.
- `nullable: true` (3.0, and found in 3.1 documents too) adds `"null"` to `type` (and `null` to `enum`); without
  `type` the schema becomes `{"anyOf": [schema, {"type": "null"}]}`. `nullable: false` is dropped.
- `example: X` becomes `examples: [X]` (before any `examples` the schema has).
- 3.0's boolean `exclusiveMinimum`/`exclusiveMaximum` become the numeric form (`minimum: 1, exclusiveMinimum:
  true` is `exclusiveMinimum: 1`).
- `$id`, `$anchor`, `$dynamicAnchor`, `$schema`, `$defs` and `definitions` are dropped: they only serve
  references, which are resolved.
- `discriminator` is kept as written, plus `x-branches`: each value its property may take mapped to the index of
  the `oneOf`/`anyOf` branch that value selects (from `mapping`, then each `$ref`'d branch's schema name).
  Mapping entries that name no branch are left out.
- `$ref`s inside values (`default`, `enum`, `const`, `examples`, extensions) are resolved too, when they lead
  somewhere (one that leads nowhere is kept as the data it may be: an example of a JSON Schema, say).
Everything else (`type` arrays, `enum`, `const`, `format`, `pattern`, `readOnly`/`writeOnly`,
`additionalProperties`, `x-*`, ...) is kept as written.
"""

from __future__ import annotations

import re
from typing import Any

from fuzzer._errors import OpenAPIError
from strategies.openapi._reading import Files, Located, excerpt, segments_of

JSON = Any
_EMPTY: frozenset[str] = frozenset()

_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_ONE = frozenset(
    {
        "additionalProperties",
        "items",
        "not",
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
        "unevaluatedProperties",
        "unevaluatedItems",
        "additionalItems",
        "contentSchema",
    }
)
_DROPPED = frozenset({"$id", "$anchor", "$dynamicAnchor", "$schema", "$defs", "definitions", "nullable", "$ref"})
_ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "example", "deprecated", "readOnly", "writeOnly", "$comment"}
)
_TYPES = frozenset({"null", "boolean", "object", "array", "number", "string", "integer"})


class Schemas:
    """Converts the Schema Objects of one document; every referenced schema is converted once."""

    def __init__(self, files: Files, version: str) -> None:
        self._files = files
        self._version = version
        self._memo: dict[str, tuple[JSON, frozenset[str]]] = {}
        self._active: set[str] = set()
        self._names: dict[str, str] = {}
        self._taken: set[str] = set()
        self._defs: dict[str, tuple[JSON, frozenset[str]]] = {}

    def schema(self, node: Located) -> dict[str, Any] | bool:
        """The self-contained JSON Schema for the Schema Object at `node`."""
        value, needs = self._convert(node)
        if not needs:
            return value
        names: set[str] = set()
        pending = list(needs)
        while pending:
            name = pending.pop()
            if name not in names:
                names.add(name)
                pending.extend(self._defs[name][1])
        return {**value, "$defs": {name: self._defs[name][0] for name in sorted(names)}}

    def value(self, node: Located) -> JSON:
        """A plain value (an example, a default) with each `$ref` in it that resolves replaced by its target."""
        return self._value(node, ())

    def _value(self, node: Located, active: tuple[str, ...]) -> JSON:
        value = node.value
        if isinstance(value, dict):
            if isinstance(value.get("$ref"), str):
                try:
                    target = self._files.resolve(value["$ref"], node.child("$ref"))
                except OpenAPIError:  # in a value, a "$ref" that leads nowhere may just be data
                    return value
                if target.key in active:
                    raise self._files.error(node, "a value refers to itself through $ref", "break the cycle")
                return self._value(target, (*active, target.key))
            out = {key: self._value(node.child(key), active) for key in value}
            return value if all(out[key] is value[key] for key in value) else out
        if isinstance(value, list):
            items = [self._value(node.child(i), active) for i in range(len(value))]
            return value if all(a is b for a, b in zip(items, value, strict=True)) else items
        return value

    def _convert(self, node: Located) -> tuple[JSON, frozenset[str]]:
        value = node.value
        if isinstance(value, bool):
            return value, _EMPTY
        if not isinstance(value, dict):
            raise self._files.error(
                node, f"a schema must be an object, not {excerpt(value)}", "write a Schema Object here"
            )
        if "$ref" in value:
            return self._reference(node)
        out: dict[str, Any] = {}
        needs: set[str] = set()
        for key, item in value.items():
            if key in _DROPPED:
                continue
            if key in _SCHEMA_MAPS:
                if not isinstance(item, dict):
                    raise self._schema_error(node.child(key), f"`{key}` must map names to schemas")
                converted: dict[str, Any] = {}
                for name in item:
                    converted[name], sub = self._convert(node.child(key).child(name))
                    needs |= sub
                out[key] = converted
            elif key in _SCHEMA_LISTS:
                if not isinstance(item, list) or not item:
                    raise self._schema_error(node.child(key), f"`{key}` must be a non-empty list of schemas")
                branches = []
                for index in range(len(item)):
                    branch, sub = self._convert(node.child(key).child(index))
                    branches.append(branch)
                    needs |= sub
                out[key] = branches
            elif key in _SCHEMA_ONE:
                if key == "items" and isinstance(item, list):
                    items = []
                    for index in range(len(item)):
                        branch, sub = self._convert(node.child(key).child(index))
                        items.append(branch)
                        needs |= sub
                    out[key] = items
                else:
                    out[key], sub = self._convert(node.child(key))
                    needs |= sub
            elif key in ("default", "enum", "const", "example", "examples") or key.startswith("x-"):
                out[key] = self._value(node.child(key), ())
            else:
                out[key] = item
        self._check(node, out)
        out = self._normalise(node, value, out)
        return out, frozenset(needs) if needs else _EMPTY

    def _reference(self, node: Located) -> tuple[JSON, frozenset[str]]:
        value = node.value
        target = self._files.resolve(value["$ref"], node.child("$ref"))
        result, needs = self._target(target)
        siblings = {key: item for key, item in value.items() if key != "$ref"}
        if self._version == "3.0" or not siblings:
            return result, needs
        local, local_needs = self._convert(Located(siblings, node.uri, node.pointer))
        needs = needs | local_needs
        if isinstance(result, dict) and set(siblings) <= _ANNOTATIONS:
            return {**result, **local}, needs
        if isinstance(local, dict):
            return {**local, "allOf": [result, *local.get("allOf", [])]}, needs
        return local, needs

    def _target(self, target: Located) -> tuple[JSON, frozenset[str]]:
        key = target.key
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        if key in self._active:
            name = self._name_of(key, target.pointer)
            return {"$ref": f"#/$defs/{name}"}, frozenset({name})
        self._active.add(key)
        try:
            result = self._convert(target)
        finally:
            self._active.discard(key)
        name = self._names.get(key)
        if name is not None:
            self._defs[name] = result
            result = ({"$ref": f"#/$defs/{name}"}, result[1] | {name})
        self._memo[key] = result
        return result

    def _name_of(self, key: str, pointer: str) -> str:
        name = self._names.get(key)
        if name is not None:
            return name
        segments = segments_of(pointer)
        base = segments[-1] if segments else key.rsplit("/", 1)[-1].split("#")[0].rsplit(".", 1)[0]
        base = re.sub(r"[^A-Za-z0-9_.-]", "_", base) or "schema"
        name = base
        counter = 2
        while name in self._taken:
            name = f"{base}-{counter}"
            counter += 1
        self._taken.add(name)
        self._names[key] = name
        return name

    def _check(self, node: Located, out: dict[str, Any]) -> None:
        """The keywords the generator reads must have their JSON Schema types (3.1's meta-schema checks none)."""
        kind = out.get("type")
        if kind is not None:
            kinds = kind if isinstance(kind, list) else [kind]
            bad = [k for k in kinds if not isinstance(k, str) or k not in _TYPES]
            if bad or not kinds:
                raise self._schema_error(
                    node.child("type"),
                    f"type {excerpt(bad[0] if bad else kind)} is not a JSON Schema type",
                    fix=f"use one of {', '.join(sorted(_TYPES))}",
                )
        required = out.get("required")
        if required is not None and not (
            isinstance(required, list) and all(isinstance(name, str) for name in required)
        ):
            raise self._schema_error(node.child("required"), "`required` must be a list of property names")
        enum = out.get("enum")
        if enum is not None and not isinstance(enum, list):
            raise self._schema_error(node.child("enum"), "`enum` must be a list of values")
        for key in ("pattern", "format"):
            if key in out and not isinstance(out[key], str):
                raise self._schema_error(node.child(key), f"`{key}` must be a string")

    def _schema_error(self, node: Located, what: str, fix: str = "fix the schema") -> Exception:
        return self._files.error(node, what, fix)

    def _normalise(self, node: Located, source: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
        if self._version == "3.0":
            for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
                flag = out.get(exclusive)
                if isinstance(flag, bool):
                    del out[exclusive]
                    if flag and bound in out:
                        out[exclusive] = out.pop(bound)
        if "example" in out:
            earlier = out.get("examples")
            out["examples"] = [out.pop("example"), *(earlier if isinstance(earlier, list) else [])]
        if "discriminator" in out and isinstance(out["discriminator"], dict):
            branches = self._discriminator_branches(node, source)
            if branches:
                out["discriminator"] = {**out["discriminator"], "x-branches": branches}
        if source.get("nullable") is True:
            kind = out.get("type")
            if kind is not None:
                kinds = kind if isinstance(kind, list) else [kind]
                if "null" not in kinds:
                    out["type"] = [*kinds, "null"]
                if isinstance(out.get("enum"), list) and None not in out["enum"]:
                    out["enum"] = [*out["enum"], None]
            else:
                return {"anyOf": [out, {"type": "null"}]}
        return out

    def _discriminator_branches(self, node: Located, source: dict[str, Any]) -> dict[str, int]:
        keyword = "oneOf" if isinstance(source.get("oneOf"), list) else "anyOf"
        listed = source.get(keyword)
        if not isinstance(listed, list):
            return {}
        index_of: dict[str, int] = {}
        for index, branch in enumerate(listed):
            if isinstance(branch, dict) and isinstance(branch.get("$ref"), str):
                where = node.child(keyword).child(index)
                index_of.setdefault(self._files.resolve(branch["$ref"], where.child("$ref")).key, index)
        branches: dict[str, int] = {}
        mapping = source["discriminator"].get("mapping")
        if isinstance(mapping, dict):
            for value, ref in mapping.items():
                if not isinstance(ref, str):
                    continue
                if "/" not in ref and "#" not in ref:
                    ref = f"#/components/schemas/{ref}"
                try:
                    key = self._files.resolve(ref, node.child("discriminator")).key
                except OpenAPIError:  # a mapping to nowhere names no branch
                    continue
                if key in index_of:
                    branches[str(value)] = index_of[key]
        named = set(branches.values())
        for key, index in index_of.items():
            if index not in named:
                segments = segments_of(key.partition("#")[2])
                if segments:
                    branches.setdefault(segments[-1], index)
        return branches
