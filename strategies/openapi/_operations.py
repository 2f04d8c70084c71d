"""A checked OpenAPI document to the operation model (`Api`, `Operation`, `Parameter`, `Body`, ...).

`paths` become `Api.operations`; 3.1's `webhooks` become `Api.webhooks` (requests the server sends, each
with the webhook's name as its `path`); `callbacks` are left out.

Whatever the model reads is checked where it is read, since a `$ref` can reach a value (in another file, or in
a place the meta-schema does not check) of the wrong shape: such a value is an `OpenAPIError` at the place it
was found.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from strategies.openapi._reading import Files, Located, excerpt
from strategies.openapi._records import (
    DEFAULT_STYLE,
    LOCATIONS,
    METHODS,
    STYLES,
    Api,
    Body,
    Encoding,
    Header,
    Operation,
    Parameter,
    Response,
    Server,
    default_explode,
)
from strategies.openapi._schemas import Schemas

JSON = Any
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_TEMPLATE = re.compile(r"\{([^{}]*)\}")


class Builder:
    """Builds the `Api` of one document."""

    def __init__(self, files: Files, version: str) -> None:
        self._files = files
        self._schemas = Schemas(files, version)

    def api(self, document: Located) -> Api:
        root = self._mapping(document, "an OpenAPI document")
        info = self._mapping(self._optional(document, "info", {}), "an Info Object")
        servers = self._servers(self._optional(document, "servers", None)) or (Server("/", ""),)
        paths = self._mapping(self._optional(document, "paths", {}), "a Paths Object")
        operations: list[Operation] = []
        for path in paths.value:
            if path.startswith("x-"):
                continue
            if not path.startswith("/"):
                raise self._files.error(
                    paths.child(path), f"path {path!r} does not start with '/'", "write it as '/segment/...'"
                )
            operations.extend(self._path_item(path, paths.child(path), servers))
        webhooks = self._mapping(self._optional(document, "webhooks", {}), "a map of Path Item Objects")
        hooks: list[Operation] = []
        for name in webhooks.value:
            hooks.extend(self._path_item(name, webhooks.child(name), servers, webhook=True))
        self._unique_ids([*operations, *hooks], document)
        title = info.value.get("title", "")
        version = info.value.get("version", "")
        return Api(
            source=self._files.root,
            openapi=str(root.value.get("openapi", "")),
            title=title if isinstance(title, str) else "",
            version=version if isinstance(version, str) else str(version),
            servers=servers,
            operations=tuple(operations),
            webhooks=tuple(hooks),
        )

    def _path_item(
        self, path: str, node: Located, servers: tuple[Server, ...], *, webhook: bool = False
    ) -> list[Operation]:
        item = self._deref(node)
        if isinstance(node.value, dict) and "$ref" in node.value and isinstance(item.value, dict):
            siblings = {key: value for key, value in node.value.items() if key != "$ref"}
            if siblings:
                item = Located({**item.value, **siblings}, item.uri, item.pointer)
        item = self._mapping(item, "a Path Item Object")
        shared = self._parameters(self._optional(item, "parameters", []))
        item_servers = self._servers(self._optional(item, "servers", None)) or servers
        operations = []
        for method, value in item.value.items():
            if method in METHODS:
                operation = self._operation(path, method, item.at(method, value), shared, item_servers, webhook)
                operations.append(operation)
        return operations

    def _operation(
        self,
        path: str,
        method: str,
        node: Located,
        shared: dict[tuple[str, str], Parameter],
        servers: tuple[Server, ...],
        webhook: bool,
    ) -> Operation:
        op = self._mapping(self._deref(node), "an Operation Object")
        value = op.value
        merged = {**shared, **self._parameters(self._optional(op, "parameters", []))}
        parameters = tuple(merged.values())
        declared = {parameter.name for parameter in parameters if parameter.location == "path"}
        for name in () if webhook else _TEMPLATE.findall(path):
            if name not in declared:
                raise self._files.error(
                    node,
                    f"{method.upper()} {path} has {{{name}}} in its path but no path parameter {name!r}",
                    f"declare it under parameters with `name: {name}`, `in: path`, `required: true`",
                )
        bodies, body_required = self._request_body(self._optional(op, "requestBody", None))
        operation_id = value.get("operationId")
        if operation_id is not None and not isinstance(operation_id, str):
            raise self._files.error(op.child("operationId"), "operationId must be a string", "quote it")
        tags = self._strings(self._optional(op, "tags", []), "tags")
        return Operation(
            key=operation_id or f"{method.upper()} {path}",
            method=method.upper(),
            path=path,
            operation_id=operation_id,
            summary=self._text(value.get("summary")),
            description=self._text(value.get("description")),
            tags=tags,
            deprecated=value.get("deprecated") is True,
            parameters=parameters,
            bodies=bodies,
            body_required=body_required,
            responses=self._responses(self._optional(op, "responses", {})),
            servers=self._servers(self._optional(op, "servers", None)) or servers,
        )

    def _parameters(self, node: Located) -> dict[tuple[str, str], Parameter]:
        if not isinstance(node.value, list):
            raise self._files.error(node, "parameters must be a list", "write a list of Parameter Objects")
        out: dict[tuple[str, str], Parameter] = {}
        for index in range(len(node.value)):
            parameter = self._parameter(node.child(index))
            if parameter is not None:
                name = parameter.name.lower() if parameter.location == "header" else parameter.name
                out[(parameter.location, name)] = parameter
        return out

    def _parameter(self, node: Located) -> Parameter | None:
        param = self._mapping(self._deref(node), "a Parameter Object")
        value = param.value
        name = value.get("name")
        location = value.get("in")
        if not isinstance(name, str):
            raise self._files.error(param, f"a parameter's name is {excerpt(name)}", "give it `name`, a string")
        if location not in LOCATIONS:
            raise self._files.error(
                param.at("in", location),
                f"parameter {name!r} has `in: {excerpt(location)}`",
                f"use one of {', '.join(LOCATIONS)}",
            )
        if location == "header" and name.lower() in _IGNORED_HEADERS:
            return None
        style = value.get("style", DEFAULT_STYLE[location])
        if not isinstance(style, str) or style not in STYLES[location]:
            raise self._files.error(
                param.at("style", style),
                f"parameter {name!r} in {location} has style {excerpt(style)}",
                f"use one of {', '.join(sorted(STYLES[location]))}",
            )
        explode = value.get("explode", default_explode(style))
        examples = self._examples(param)
        content_type = None
        if "content" in value:
            content = self._mapping(param.child("content"), "a map of media types")
            if len(content.value) != 1:
                raise self._files.error(
                    content, f"parameter {name!r} has {len(content.value)} media types", "give it exactly one"
                )
            content_type = next(iter(content.value))
            media = self._mapping(self._deref(content.child(content_type)), "a Media Type Object")
            schema = self._schema(self._optional(media, "schema", True))
            examples += self._examples(media)
        else:
            schema = self._schema(self._optional(param, "schema", True))
        return Parameter(
            name=name,
            location=location,
            required=location == "path" or value.get("required") is True,
            schema=schema,
            style=style,
            explode=explode is True,
            allow_reserved=value.get("allowReserved") is True,
            allow_empty_value=value.get("allowEmptyValue") is True,
            deprecated=value.get("deprecated") is True,
            examples=examples,
            content_type=content_type,
            description=self._text(value.get("description")),
        )

    def _request_body(self, node: Located) -> tuple[tuple[Body, ...], bool]:
        if node.value is None:
            return (), False
        body = self._mapping(self._deref(node), "a Request Body Object")
        required = body.value.get("required") is True
        content = self._mapping(self._optional(body, "content", {}), "a map of media types")
        bodies = []
        for media_type in content.value:
            media = self._mapping(self._deref(content.child(media_type)), "a Media Type Object")
            bodies.append(
                Body(
                    media_type=media_type,
                    schema=self._schema(self._optional(media, "schema", True)),
                    required=required,
                    examples=self._examples(media),
                    encoding=self._encoding(self._optional(media, "encoding", {})),
                )
            )
        return tuple(bodies), required

    def _encoding(self, node: Located) -> tuple[Encoding, ...]:
        encodings = self._mapping(node, "a map of Encoding Objects")
        out = []
        for name in encodings.value:
            encoding = self._mapping(encodings.child(name), "an Encoding Object").value
            style = encoding.get("style", "form")
            content_type = encoding.get("contentType")
            out.append(
                Encoding(
                    name=name,
                    content_type=content_type if isinstance(content_type, str) else None,
                    style=style if isinstance(style, str) else "form",
                    explode=encoding.get("explode", default_explode(style)) is True,
                    allow_reserved=encoding.get("allowReserved") is True,
                )
            )
        return tuple(out)

    def _responses(self, node: Located) -> tuple[Response, ...]:
        responses = self._mapping(node, "a Responses Object")
        out = []
        for status in responses.value:
            if status.startswith("x-"):
                continue
            response = self._mapping(self._deref(responses.child(status)), "a Response Object")
            headers = self._mapping(self._optional(response, "headers", {}), "a map of Header Objects")
            declared = []
            for name in headers.value:
                if name.lower() == "content-type":
                    continue
                header = self._mapping(self._deref(headers.child(name)), "a Header Object")
                declared.append(Header(name=name, required=header.value.get("required") is True))
            content = self._mapping(self._optional(response, "content", {}), "a map of media types")
            out.append(
                Response(
                    status=status,
                    description=self._text(response.value.get("description")),
                    headers=tuple(declared),
                    media_types=tuple(content.value),
                )
            )
        return tuple(out)

    def _servers(self, node: Located) -> tuple[Server, ...]:
        if node.value is None:
            return ()
        if not isinstance(node.value, list):
            raise self._files.error(node, "servers must be a list", "write a list of Server Objects")
        out = []
        for index in range(len(node.value)):
            server = self._mapping(node.child(index), "a Server Object").value
            url = server.get("url")
            if not isinstance(url, str):
                raise self._files.error(node.child(index), "a server has no `url`", "give it a URL")
            variables = server.get("variables") if isinstance(server.get("variables"), dict) else {}
            for name, variable in variables.items():
                default = variable.get("default") if isinstance(variable, dict) else None
                if isinstance(default, str):
                    url = url.replace("{" + name + "}", default)
            out.append(Server(url=url, path=urlsplit(url).path.rstrip("/")))
        return tuple(out)

    def _examples(self, node: Located) -> tuple[Any, ...]:
        """The values of `example` and of every entry of `examples` (the Example Objects, `$ref`s resolved)."""
        value = node.value
        out = []
        if "example" in value:
            out.append(self._schemas.value(node.child("example")))
        examples = value.get("examples")
        if isinstance(examples, dict):
            for name in examples:
                example = self._deref(node.child("examples").child(name))
                if isinstance(example.value, dict) and "value" in example.value:
                    out.append(self._schemas.value(example.child("value")))
        return tuple(out)

    def _schema(self, node: Located) -> dict[str, Any] | bool:
        return self._schemas.schema(node)

    def _unique_ids(self, operations: list[Operation], document: Located) -> None:
        seen: dict[str, Operation] = {}
        for operation in operations:
            if operation.operation_id is None:
                continue
            first = seen.setdefault(operation.operation_id, operation)
            if first is not operation:
                raise self._files.error(
                    document,
                    f"operationId {operation.operation_id!r} is used by {first.method} {first.path} and by "
                    f"{operation.method} {operation.path}",
                    "give each operation its own operationId",
                )

    def _deref(self, node: Located) -> Located:
        value = node.value
        if isinstance(value, dict) and "$ref" in value:
            return self._files.resolve(value["$ref"], node.child("$ref"))
        return node

    def _mapping(self, node: Located, what: str) -> Located:
        if not isinstance(node.value, dict):
            raise self._files.error(node, f"expected {what}, found {excerpt(node.value)}", f"write {what} here")
        return node

    def _optional(self, node: Located, key: str, default: JSON) -> Located:
        value = node.value.get(key, default) if isinstance(node.value, dict) else default
        return node.at(key, value)

    def _strings(self, node: Located, what: str) -> tuple[str, ...]:
        if not isinstance(node.value, list) or not all(isinstance(item, str) for item in node.value):
            raise self._files.error(node, f"{what} must be a list of strings", "fix the list")
        return tuple(node.value)

    @staticmethod
    def _text(value: JSON) -> str:
        return value if isinstance(value, str) else ""
