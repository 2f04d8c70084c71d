"""Generated requests read back into parameter values and bodies, so that the document itself can check them.

The reverse of strategies/openapi/_serialize.py, written apart from it: a path by its template, a query by
each parameter's style, headers, the `Cookie` header, and a JSON or form body. Text is percent-decoded and
then read as the schema's type (an integer, a boolean, null for the empty string, JSON for a nested value).
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any
from urllib.parse import unquote

import jsonschema

from fuzzer._model import WireRequest
from strategies.openapi import OperationPlan, Parameter

MISSING = object()


def discriminated(schema: Any) -> Any:
    """`oneOf` with a discriminator read as OpenAPI means it: the branch the discriminator names must hold, so
    branches that overlap otherwise are no error (as `anyOf`)."""
    if isinstance(schema, list):
        return [discriminated(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: discriminated(value) for key, value in schema.items() if key not in ("enum", "const", "examples")}
    out.update({key: schema[key] for key in ("enum", "const", "examples") if key in schema})
    if "discriminator" in schema and "oneOf" in out:
        out["anyOf"] = out.pop("oneOf")
    return out


def validator(schema: Any) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(discriminated(schema))


def _types(schema: Any) -> list[str]:
    if not isinstance(schema, dict):
        return []
    kinds = schema.get("type")
    if isinstance(kinds, str):
        return [kinds]
    if isinstance(kinds, list):
        return list(kinds)
    found: list[str] = []
    for key in ("oneOf", "anyOf", "allOf"):
        for branch in schema.get(key) or []:
            found += _types(branch)
    if "properties" in schema:
        found.append("object")
    return found


def coerce(text: str, schema: Any) -> Any:
    """`text` (decoded) as the first reading that `schema` accepts, else the string."""
    check = validator(schema)
    readings: list[Any] = [text]
    if text == "":
        readings.insert(0, None)
    if text in ("true", "false"):
        readings.insert(0, text == "true")
    with contextlib.suppress(ValueError):
        readings.insert(0, json.loads(text))
    for reading in readings:
        if check.is_valid(reading):
            return reading
    return text


def _split_items(texts: list[str], schema: Any) -> list[Any]:
    items = schema.get("items", True) if isinstance(schema, dict) else True
    return [coerce(unquote(text), items) for text in texts]


def _object(pairs: list[tuple[str, str]], schema: Any) -> dict[str, Any]:
    properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
    extra = schema.get("additionalProperties", True) if isinstance(schema, dict) else True
    return {
        unquote(k): coerce(unquote(v), properties.get(unquote(k), extra if isinstance(extra, dict) else True))
        for k, v in pairs
    }


def _read(parameter: Parameter, texts: list[str], delimiter: str, exploded_pairs: bool) -> Any:
    """A parameter's value from its serialised texts (several for exploded arrays)."""
    schema = parameter.schema
    kinds = _types(schema)
    if parameter.content_type is not None:
        return coerce(unquote(texts[0]), schema)
    if kinds and kinds[0] == "array":
        parts = texts if len(texts) > 1 else (texts[0].split(delimiter) if texts[0] else [])
        return _split_items(parts, schema)
    if "object" in kinds:
        if exploded_pairs:
            return _object([tuple(t.split("=", 1)) for t in texts if "=" in t], schema)  # type: ignore[misc]
        flat = texts[0].split(delimiter) if texts[0] else []
        return _object(list(zip(flat[::2], flat[1::2], strict=False)), schema)
    return coerce(unquote(texts[0]), schema)


def parse(plan: OperationPlan, request: WireRequest) -> tuple[dict[tuple[str, str], Any], Any]:
    """The parameter values by (location, name), and the body value (MISSING when there is none)."""
    values: dict[tuple[str, str], Any] = {}
    path, _, query = request.path.partition("?")
    pattern = "".join(re.escape(p) if i % 2 == 0 else f"(?P<p{i}>[^/]*)" for i, p in enumerate(plan.pieces))
    match = re.fullmatch(pattern, path)
    assert match, (pattern, path)
    segments = {plan.pieces[int(key[1:])]: text for key, text in match.groupdict().items()}
    pairs = [(k, v) for k, _, v in (item.partition("=") for item in query.split("&"))] if query else []
    headers = {name.lower(): value for name, value in request.headers}
    cookies = [tuple(c.split("=", 1)) for c in headers.get("cookie", "").split("; ") if "=" in c]
    for item in plan.parameters:
        p = item.parameter
        if p.location == "path":
            text = segments[p.name]
            if p.style == "label":
                text = text[1:]
                parts = text.split("." if p.explode else ",")
                values[item.key] = _read(p, parts if p.explode and "=" in text else [text], ",", "=" in text)
                if p.explode and "array" in _types(p.schema):
                    values[item.key] = _split_items(text.split(".") if text else [], p.schema)
            elif p.style == "matrix":
                chunks = [c for c in text.split(";") if c]
                if p.explode and "object" in _types(p.schema):
                    values[item.key] = _read(p, chunks, ",", True)
                elif p.explode and "array" in _types(p.schema):
                    values[item.key] = _split_items([c.split("=", 1)[1] for c in chunks if "=" in c], p.schema)
                else:
                    values[item.key] = _read(p, [chunks[0].partition("=")[2]], ",", False)
            else:
                exploded = p.explode and "object" in _types(p.schema)
                values[item.key] = _read(p, text.split(",") if exploded else [text], ",", exploded)
        elif p.location == "query":
            key = p.name
            if p.style == "deepObject":
                found = [(k[len(key) + 1 : -1], v) for k, v in pairs if unquote(k).startswith(key + "[")]
                if found:
                    values[item.key] = _object(found, p.schema)
                continue
            mine = [v for k, v in pairs if unquote(k) == key]
            if p.explode and "object" in _types(p.schema) and not mine:
                props = (p.schema.get("properties") or {}) if isinstance(p.schema, dict) else {}
                found = [(k, v) for k, v in pairs if unquote(k) in props]
                if found:
                    values[item.key] = _object(found, p.schema)
                continue
            if not mine:
                continue
            delimiter = {"spaceDelimited": "%20", "pipeDelimited": "|"}.get(p.style, ",")
            if "array" in _types(p.schema) and (p.explode or len(mine) > 1):
                values[item.key] = _split_items(mine, p.schema)
            elif "array" in _types(p.schema):
                values[item.key] = _split_items(mine[0].split(delimiter) if mine[0] else [], p.schema)
            else:
                values[item.key] = _read(p, mine, delimiter, False)
        elif p.location == "header":
            if p.name.lower() in headers:
                text = headers[p.name.lower()]
                exploded = p.explode and "object" in _types(p.schema)
                values[item.key] = _read(p, text.split(",") if exploded else [text], ",", exploded)
        else:
            mine = [v for k, v in cookies if unquote(k) == p.name]
            if mine:
                values[item.key] = _read(p, mine, ",", False)
            elif p.explode and "object" in _types(p.schema):
                props = (p.schema.get("properties") or {}) if isinstance(p.schema, dict) else {}
                found = [(k, v) for k, v in cookies if unquote(k) in props]
                if found:
                    values[item.key] = _object(found, p.schema)  # type: ignore[arg-type]
    body: Any = MISSING
    if not request.body and (headers.get("content-type") or "").startswith("application/x-www-form-urlencoded"):
        body = {}  # an empty form
    elif request.body:
        media = (headers.get("content-type") or "").split(";")[0].strip()
        if media == "application/x-www-form-urlencoded":
            body = _form(request.body.decode(), plan, media)
        elif media.startswith("multipart/"):
            body = _multipart(request.body.decode("utf-8", "surrogatepass"), plan, media)
        elif "json" in media:
            body = json.loads(request.body)
        else:
            body = request.body.decode("utf-8", "surrogatepass")
    return values, body


def _form(text: str, plan: OperationPlan, media: str) -> dict[str, Any]:
    body = next(b for b in plan.bodies if b.body.media_type == media)
    schema = body.body.schema
    properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
    grouped: dict[str, list[str]] = {}
    for item in text.split("&") if text else []:
        key, _, value = item.partition("=")
        grouped.setdefault(unquote(key), []).append(value)
    out: dict[str, Any] = {}
    for key, texts in grouped.items():
        sub = properties.get(key, True)
        style = body.encodings.get(key, (None, "form", True, False))
        if style[0] is not None and "json" in style[0]:
            out[key] = json.loads(unquote(texts[0]))
        elif "array" in _types(sub):
            out[key] = _split_items(texts if style[2] else (texts[0].split(",") if texts[0] else []), sub)
        else:
            out[key] = coerce(unquote(texts[0]), sub)
    return out


def _multipart(text: str, plan: OperationPlan, media: str) -> dict[str, Any]:
    body = next(b for b in plan.bodies if b.body.media_type == media)
    properties = body.body.schema.get("properties", {}) if isinstance(body.body.schema, dict) else {}
    boundary = re.search(r"boundary=(\S+)", body.content_type)[1]  # type: ignore[index]
    out = {}
    for part in text.split(f"--{boundary}")[1:-1]:
        head, _, value = part.partition("\r\n\r\n")
        name = re.search(r'name="([^"]*)"', head)[1]  # type: ignore[index]
        out[name] = coerce(value.removesuffix("\r\n"), properties.get(name, True))
    return out
