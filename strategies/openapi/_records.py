"""The operation model: what an OpenAPI document says a request to each operation may hold.

    Api ─operations─▶ Operation ─parameters─▶ Parameter
                                ─bodies─────▶ Body ─encoding─▶ Encoding
                                ─responses──▶ Response ─headers─▶ Header
                                ─servers────▶ Server

Every record is frozen. Every `$ref` is resolved. A schema is a plain JSON Schema (2020-12 style) dict, or a
boolean, normalised as `_schemas.py` describes. A schema holds no `$ref` except where the document's schemas are
recursive: then the recursion is kept as `{"$ref": "#/$defs/NAME"}`, and the schema's own top-level `$defs`
holds every definition that it needs. Schemas and example values are shared between operations: read them, never
change them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, TypeAlias

JSON: TypeAlias = Any
"""A value that `json.loads` can return."""
Schema: TypeAlias = dict[str, Any] | bool
"""A JSON Schema: a dict, or `True` (anything) / `False` (nothing)."""

Location = Literal["path", "query", "header", "cookie"]
LOCATIONS: tuple[Location, ...] = ("path", "query", "header", "cookie")

DEFAULT_STYLE: MappingProxyType[str, str] = MappingProxyType(
    {"path": "simple", "query": "form", "header": "simple", "cookie": "form"}
)
"""The `style` a parameter has when the document gives none (OpenAPI 3.x, Parameter Object)."""
STYLES: MappingProxyType[str, frozenset[str]] = MappingProxyType(
    {
        "path": frozenset({"matrix", "label", "simple"}),
        "query": frozenset({"form", "spaceDelimited", "pipeDelimited", "deepObject"}),
        "header": frozenset({"simple"}),
        "cookie": frozenset({"form"}),
    }
)
"""The styles each location allows."""
METHODS: tuple[str, ...] = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
"""The HTTP methods a Path Item Object may hold, as the document spells them."""


def default_explode(style: str) -> bool:
    """`explode` when the document gives none: true for `form`, false for every other style."""
    return style == "form"


@dataclass(frozen=True, slots=True)
class Parameter:
    """One path, query, header or cookie parameter of an operation.

    `style`, `explode` and `allow_reserved` hold the defaults when the document gives none. A parameter declared
    with `content` instead of `schema` has `content_type` set (its value is serialised as that media type, e.g.
    JSON in a query string) and `schema` from that media type; `schema` is `True` (anything) when the document
    gives none. `examples` are the values of `example` and of each entry of `examples` (on the parameter, then
    on its media type), in document order; entries with only an `externalValue` are left out.
    """

    name: str
    location: Location
    required: bool
    schema: Schema
    style: str
    explode: bool
    allow_reserved: bool = False
    allow_empty_value: bool = False
    deprecated: bool = False
    examples: tuple[JSON, ...] = ()
    content_type: str | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class Encoding:
    """How one property of a form body (`application/x-www-form-urlencoded`, `multipart/*`) is encoded.

    `style`/`explode` default to `form`/true; `content_type` is `None` when the document gives none.
    """

    name: str
    content_type: str | None
    style: str
    explode: bool
    allow_reserved: bool = False


@dataclass(frozen=True, slots=True)
class Body:
    """The request body of an operation for one media type (`media_type` as written: it may be a range).

    `schema` is `True` (anything) when the media type gives none; `required` is the request body's; `examples`
    are the media type's `example` and `examples` values, as for `Parameter`.
    """

    media_type: str
    schema: Schema
    required: bool
    examples: tuple[JSON, ...] = ()
    encoding: tuple[Encoding, ...] = ()


@dataclass(frozen=True, slots=True)
class Header:
    """A response header the document declares (`Content-Type` is never one, as the specification says)."""

    name: str
    required: bool = False


@dataclass(frozen=True, slots=True)
class Response:
    """A declared response: `status` as written (`"200"`, `"4XX"`, `"default"`), its headers and media types."""

    status: str
    description: str = ""
    headers: tuple[Header, ...] = ()
    media_types: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Server:
    """A server the document names: `url` with every variable at its default, and `path`, its URL path.

    `path` is the prefix every operation's path goes under (`""` for the root, else `"/api/v3"`, no trailing
    slash).
    """

    url: str
    path: str


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation: a method plus a path template, with everything a request to it may hold.

    `key` is the operationId when there is one, else `"METHOD /path"`; `method` is upper case. `parameters` are
    the path item's merged with the operation's: the operation's wins for the same name and location (header
    names in any case) and takes the overridden one's place; the operation's others follow. Header parameters
    named `Accept`, `Content-Type` or `Authorization` are left out, as the specification says. `bodies` has one
    `Body` per media type of the request body, in document order (empty: no body). `servers` are the
    operation's, else the path item's, else the document's.
    """

    key: str
    method: str
    path: str
    operation_id: str | None = None
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    deprecated: bool = False
    parameters: tuple[Parameter, ...] = ()
    bodies: tuple[Body, ...] = ()
    body_required: bool = False
    responses: tuple[Response, ...] = ()
    servers: tuple[Server, ...] = ()

    def parameters_in(self, location: Location) -> tuple[Parameter, ...]:
        return tuple(parameter for parameter in self.parameters if parameter.location == location)

    def body(self, media_type: str) -> Body | None:
        for body in self.bodies:
            if body.media_type == media_type:
                return body
        return None


@dataclass(frozen=True, slots=True)
class Api:
    """An OpenAPI document as operations. `openapi` is the version it declares (`"3.0.3"`, `"3.1.0"`).

    `operations` are those under `paths`, in document order. `webhooks` (3.1) are the requests the server sends
    to its clients, each with the webhook's name as its `path`; they are kept apart, since no one serves them.
    """

    source: Path
    openapi: str
    title: str
    version: str
    servers: tuple[Server, ...]
    operations: tuple[Operation, ...]
    webhooks: tuple[Operation, ...] = ()

    def operation(self, key: str) -> Operation:
        """The operation with this operationId or `"METHOD /path"` (the method in any case)."""
        method, _, path = key.partition(" ")
        for operation in self.operations:
            if operation.key == key or (path and operation.method == method.upper() and operation.path == path):
                return operation
        raise KeyError(key)
