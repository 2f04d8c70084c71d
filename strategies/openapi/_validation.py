"""Which OpenAPI a document is, and whether it keeps the rules of the OpenAPI Initiative's JSON Schema for it.

The check uses the meta-schemas in `metaschemas/` (3.0: draft 4, which also checks Schema Objects; 3.1: 2020-12,
which checks no Schema Object: `_schemas.py` checks the few keywords it reads). Formats are not asserted, as
neither specification asks it. Only the root file is checked; what `$ref`s reach in other files is checked by
the model builder where it reads it.

Of all the errors the check finds, one is reported: the most relevant (`jsonschema.exceptions.relevance`), then,
through `oneOf` and `anyOf`, the one in the branch the value was most likely meant to be (not the Reference
Object branch when the value has no `$ref`; else the branch whose errors go deepest). Branches that all fail
on one `enum`/`const` at the same place report the allowed values together ("'body' is not one of path,
query, header, cookie").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, relevance

from fuzzer._errors import OpenAPIError
from strategies.openapi._reading import Files, Located, excerpt, pointer_of

SUPPORTED = ("3.0", "3.1")


def version_of(files: Files, document: Located) -> str:
    """`"3.0"` or `"3.1"`, or an error that says what to do with this document."""
    value = document.value
    shown = files.display(document.uri)
    if not isinstance(value, dict):
        raise files.error(
            document,
            f"not an OpenAPI document: the top level is {excerpt(value, 30)}, not a mapping",
            "pass an OpenAPI 3.0 or 3.1 document",
        )
    if "swagger" in value and "openapi" not in value:
        raise OpenAPIError(
            shown,
            f"this is a Swagger {excerpt(value['swagger'], 10)} document, and parity-fuzz reads OpenAPI 3.0 and 3.1",
            f"convert it to OpenAPI 3 first, e.g. `npx swagger2openapi {shown} -o openapi.yaml` "
            "(or editor.swagger.io: Edit > Convert to OpenAPI 3), and pass the result",
        )
    if "openapi" not in value:
        raise files.error(
            document,
            "not an OpenAPI document: there is no `openapi` field",
            "start the document with `openapi: 3.1.0` (or the 3.0.x version it follows)",
        )
    declared = value["openapi"]
    match = re.fullmatch(r"(\d+)\.(\d+)\.\d+(-.+)?", declared) if isinstance(declared, str) else None
    if match is None:
        raise files.error(
            document.child("openapi"),
            f"`openapi: {excerpt(declared, 30)}` is not a version such as 3.0.3 or 3.1.0",
            "write the full version, as a string",
        )
    version = f"{match[1]}.{match[2]}"
    if version not in SUPPORTED:
        raise files.error(
            document.child("openapi"),
            f"OpenAPI {declared} is not supported; parity-fuzz reads OpenAPI 3.0 and 3.1",
            "use a 3.0 or 3.1 document",
        )
    return version


def check(files: Files, document: Located, version: str) -> None:
    """Raise the most telling error of the document against its meta-schema, if it has any."""
    validator, names = _validator(version)
    if validator.is_valid(document.value):
        return
    error = _telling(validator.iter_errors(document.value))
    segments, what, fix = _explain(error)
    name = names.get(id(error.schema))
    rule = f"{name} {error.validator}" if name else error.validator
    where = (document.uri, pointer_of(segments))
    raise files.error(where, f"{what} (OpenAPI {version} schema: {rule})", fix)


@cache
def _validator(version: str) -> tuple[Any, dict[int, str]]:
    """The meta-schema's validator, and the name of each of its definitions by identity (for messages)."""
    text = resources.files("strategies.openapi").joinpath(f"metaschemas/oas-{version}.json").read_text("utf-8")
    schema = json.loads(text)
    if version == "3.1":
        schema = _static_schema_refs(schema)
    definitions = schema.get("definitions") or schema.get("$defs") or {}
    names = {id(definition): name for name, definition in definitions.items()}
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema), names


def _static_schema_refs(node: Any) -> Any:
    """The 3.1 meta-schema with `$dynamicRef: "#meta"` read as the `$ref` to `#/$defs/schema` it defaults to."""
    if isinstance(node, dict):
        if node.get("$dynamicRef") == "#meta":
            return {"$ref": "#/$defs/schema", **{k: v for k, v in node.items() if k != "$dynamicRef"}}
        return {k: _static_schema_refs(v) for k, v in node.items() if k != "$dynamicAnchor"}
    if isinstance(node, list):
        return [_static_schema_refs(item) for item in node]
    return node


def _telling(errors: Iterable[ValidationError]) -> ValidationError:
    error = max(errors, key=relevance)
    while error.validator in ("oneOf", "anyOf") and error.context:
        branches: dict[int, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
        instance = error.instance
        if not (isinstance(instance, dict) and "$ref" in instance):
            meant = {i: errs for i, errs in branches.items() if not _only_missing_ref(errs)}
            branches = meant or branches
        merged = _merged_choices(error, branches)
        if merged is not None:
            return merged
        deepest = max(branches.values(), key=lambda errs: (max(len(e.absolute_path) for e in errs), -len(errs)))
        error = max(deepest, key=relevance)
    return error


def _only_missing_ref(errors: Sequence[ValidationError]) -> bool:
    return any(e.validator == "required" and "$ref" in e.validator_value for e in errors) and all(
        e.validator in ("required", "additionalProperties", "unevaluatedProperties", "type") for e in errors
    )


def _merged_choices(error: ValidationError, branches: dict[int, list[ValidationError]]) -> ValidationError | None:
    """One error for branches that each reject one value of the same place by `enum` or `const` alone."""
    allowed: list[Any] = []
    place = None
    for errors in branches.values():
        choice = [e for e in errors if e.validator in ("enum", "const")]
        if len(choice) != 1:
            return None
        e = choice[0]
        if place is None:
            place = e
        elif tuple(e.absolute_path) != tuple(place.absolute_path):
            return None
        allowed.extend(e.validator_value if e.validator == "enum" else [e.validator_value])
    if place is None or len(branches) < 2:
        return None
    unique = list(dict.fromkeys(json.dumps(value) for value in allowed))
    merged = ValidationError(
        f"{excerpt(place.instance)} is not one of {', '.join(unique)}",
        validator="enum",
        validator_value=[json.loads(value) for value in unique],
        instance=place.instance,
        path=place.absolute_path,
        schema_path=error.absolute_schema_path,
    )
    return merged


def _explain(error: ValidationError) -> tuple[list[str | int], str, str]:
    """Where the error is, what is wrong there, and what to do."""
    segments: list[str | int] = list(error.absolute_path)
    instance = error.instance
    kind = error.validator
    value = error.validator_value
    if kind == "required":
        missing = [name for name in value if isinstance(instance, dict) and name not in instance]
        name = missing[0] if missing else value[0]
        return segments, f"{name!r} is missing", f"add {name!r} here"
    if kind in ("additionalProperties", "unevaluatedProperties") and isinstance(instance, dict):
        extra = _unexpected(instance, error.schema)
        if extra is not None:
            if _is_paths(segments):
                return (
                    [*segments, extra],
                    f"path {extra!r} does not start with '/'",
                    "write paths as '/segment/{parameter}' (or 'x-' for an extension)",
                )
            return [*segments, extra], f"{extra!r} is not a field of this object", "remove or rename it"
    if kind == "type":
        wanted = " or ".join(value) if isinstance(value, list) else value
        return segments, f"{excerpt(instance)} is not of type {wanted}", f"make it {_article(wanted)} {wanted}"
    if kind == "enum" and isinstance(value, list) and len(value) == 1:
        return segments, f"{excerpt(instance)} is not {excerpt(value[0])}", f"make it {excerpt(value[0])}"
    if kind == "enum":
        choices = ", ".join(excerpt(choice, 30) for choice in value)
        return segments, f"{excerpt(instance)} is not one of {choices}", "use one of those"
    if kind == "const":
        return segments, f"{excerpt(instance)} is not {excerpt(value)}", f"make it {excerpt(value)}"
    if kind == "pattern":
        return segments, f"{excerpt(instance)} does not match {value!r}", "make it match"
    if kind in ("oneOf", "anyOf"):
        return (
            segments,
            f"{excerpt(instance)} is none of the shapes allowed here",
            "see the specification for this object",
        )
    if kind == "not":
        return segments, f"{excerpt(instance)} has a form that is not allowed here", "see the specification"
    if kind in ("minItems", "minProperties", "minLength"):
        return segments, f"{excerpt(instance)} is too short ({kind} {value})", "add to it"
    return segments, " ".join(error.message.split())[:160], "see the specification for this object"


def _unexpected(instance: dict[str, Any], schema: Any) -> str | None:
    if not isinstance(schema, dict):
        return None
    known = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    for name in instance:
        if name not in known and not any(re.search(pattern, name) for pattern in patterns):
            return name
    return None


def _is_paths(segments: Iterable[str | int]) -> bool:
    return list(segments) == ["paths"]


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
