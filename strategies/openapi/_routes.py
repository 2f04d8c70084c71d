"""Which operation a concrete request reaches: the document's path templates matched as a router matches them.

A mutation can move a request onto another operation: `/v1/workers` with a segment appended is
`/v1/workers/%FF`, a request for `GET /v1/workers/{id}`. Its class belongs to the operation it reaches, or
the list would show one cause under two operations, and under one of them with answers that name a parameter
it does not have. So each case's path (without its query) is matched against every operation of the document
with the request's method, as OpenAPI says paths are matched: a template variable stands for one non-empty
segment (no `/`), literal text must be equal byte for byte (raw, not percent-decoded), and a concrete path wins
over a templated one (the most literal characters wins; then document order). A path no template matches stays
with the operation it was drawn for.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from strategies.openapi._records import Operation

TEMPLATE = re.compile(r"\{([^{}]+)\}")


def full_template(operation: Operation, base_path: str | None = None) -> str:
    """The path template requests for `operation` are sent to: the first server's path prefix (or `base_path`)
    and the operation's path."""
    prefix = operation.servers[0].path if base_path is None and operation.servers else (base_path or "")
    return prefix.rstrip("/") + operation.path


@dataclass(frozen=True, slots=True)
class Route:
    name: str  # `METHOD /path-template`, as `Case.operation`
    key: str  # the operationId, or the name
    pattern: re.Pattern[str]
    literal: int  # characters of the template outside its variables


class Router:
    """The document's operations by method, each template compiled once."""

    def __init__(self, operations: Iterable[Operation], base_path: str | None = None) -> None:
        self._routes: dict[str, list[Route]] = {}
        for operation in operations:
            template = full_template(operation, base_path)
            pieces = TEMPLATE.split(template)
            expression = "".join(re.escape(p) if i % 2 == 0 else "[^/]+" for i, p in enumerate(pieces))
            literal = sum(len(piece) for piece in pieces[0::2])
            route = Route(f"{operation.method} {operation.path}", operation.key, re.compile(expression), literal)
            self._routes.setdefault(operation.method, []).append(route)
        for routes in self._routes.values():
            routes.sort(key=lambda route: -route.literal)  # stable: document order among equals

    def route(self, method: str, target: str) -> Route | None:
        """The operation a request for `target` (a path, maybe with a query) with `method` reaches, if any."""
        path = target.split("?", 1)[0]
        for route in self._routes.get(method.upper(), ()):
            if route.pattern.fullmatch(path):
                return route
        return None
