"""Requests for OpenAPI operations: each operation compiled once into a plan, each case a few tape decisions.

    strategy = operation_cases(api, select(api, include_tag="workers"), modes=["valid", "mutated"])

An `OperationPlan` holds, per operation, the value plan of every parameter and of every request body media
type (`_values.py`), and how each is written on the wire (`_serialize.py`). A case draws a `Draft`: each
parameter's value (an optional one present one time in two; its value is drawn even when absent, so the
decisions after it stay in place for the shrinker), then a body of one media type. A valid case is the draft
as it is; the mutated mode (`_mutations.py`) changes its parts; the adversarial mode (`_wire.py`) writes
wire-level bytes. `OperationPlan.case` turns the draft into the exact `WireRequest`:

- the path: the first server's path prefix (or `base_path`), the template with each path parameter written by
  its style, then `?` and the query string when there is one;
- the headers: `content-type` for a body, each header parameter, then the cookies as one `Cookie` header;
- the body: JSON (compact, as `strategies._wire.encode_json`) for JSON media types and ranges (`*/*`,
  `application/*`), form pairs for `application/x-www-form-urlencoded`, parts for `multipart/form-data`, the
  text of a string for any other type.

Labels: `valid getWorker`, `valid createPet application/x-www-form-urlencoded` (the media type when the
operation has more than one), `mutated listWorkers: query limit: empty value`, `adversarial createPet: bom`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from fuzzer._model import JSON, Case, WireRequest
from strategies._cases import MODES  # in shrinking order, as for the envelope's cases
from strategies._contract import NONE, Contract
from strategies._nearmiss import SiteGrammars, _walk
from strategies._schema import Draw, Formats, Plan, _Const, _Leaf, any_json
from strategies._source import Drawn
from strategies._wire import encode_json
from strategies.openapi._records import Api, Body, Operation, Parameter
from strategies.openapi._routes import TEMPLATE, Router, full_template
from strategies.openapi._serialize import (
    cookie_header,
    cookie_pairs,
    encode_query,
    form_pairs,
    header_value,
    path_segment,
    query_pairs,
    text_of,
)
from strategies.openapi._values import alternatives, value_plan

BOUNDARY = "parity-fuzz-boundary"


@dataclass(frozen=True, slots=True)
class ParameterPlan:
    parameter: Parameter
    plan: Plan

    @property
    def key(self) -> tuple[str, str]:
        return self.parameter.location, self.parameter.name


@dataclass(frozen=True, slots=True)
class BodyPlan:
    body: Body
    plan: Plan
    content_type: str
    grammars: SiteGrammars
    encodings: dict[str, tuple[str | None, str, bool, bool]]

    @property
    def kind(self) -> str:
        """`json`, `form`, `multipart` or `text`: how the value is written."""
        media = self.content_type.split(";")[0].strip().lower()
        if media == "application/x-www-form-urlencoded":
            return "form"
        if media.startswith("multipart/"):
            return "multipart"
        return "json" if "json" in media else "text"

    def encode(self, value: JSON) -> bytes:
        kind = self.kind
        if kind == "json":
            return encode_json(value)
        if kind == "form":
            return encode_query(form_pairs(value, self.encodings)).encode("ascii")
        if kind == "multipart":
            return multipart(value)
        return text_of(value).encode("utf-8", "surrogatepass")


@dataclass(slots=True)
class Draft:
    """One request before it is written: serialised path segments, query pairs (encoded), headers, cookies,
    the raw parameter values by (location, name), and the body (value, or `wire` bytes when set)."""

    path: dict[str, str]
    query: list[tuple[str, str | None]]
    headers: list[tuple[str, str]]
    cookies: list[tuple[str, str]]
    values: dict[tuple[str, str], JSON]
    body: BodyPlan | None = None
    value: JSON = None
    wire: bytes | None = None
    content_type: str | None = None
    suffix: str = ""
    produced: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    """What each parameter put in `path`, `query`, `headers` or `cookies` (the same objects), by (location,
    name): a mutation replaces exactly those."""


class OperationPlan:
    """Everything drawn for one operation, compiled once (see the module docstring)."""

    def __init__(
        self,
        operation: Operation,
        base_path: str | None = None,
        contract: Contract = NONE,
        router: Router | None = None,
    ) -> None:
        self.operation = operation
        self.router = router
        self.fix_up = contract.fix_ups.get(operation.key) or contract.fix_ups.get(
            f"{operation.method} {operation.path}"
        )
        self.name = f"{operation.method} {operation.path}"
        self.pieces = TEMPLATE.split(full_template(operation, base_path))
        self.parameters = tuple(
            ParameterPlan(parameter, _parameter_plan(parameter, contract.formats)) for parameter in operation.parameters
        )
        self.bodies = tuple(_body_plan(body, contract.formats) for body in operation.bodies)

    def draft(self, draw: Draw) -> Draft:
        """A valid draft: every parameter (an optional one present one time in two), one body."""
        draft = Draft({}, [], [], [], {})
        for item in self.parameters:
            present = item.parameter.required or draw.boolean()
            value = item.plan(draw)
            if present:
                self.put(draft, item.parameter, value)
        if self.bodies:
            body = draw.choose(self.bodies)
            draft.body, draft.value, draft.content_type = body, body.plan(draw), body.content_type
            if self.fix_up is not None:  # the contract plug-in makes the drawn body consistent
                draft.value = self.fix_up(draft.value)
        for name in self.pieces[1::2]:
            draft.path.setdefault(name, "")  # a template name without a parameter (the loader refuses those)
        return draft

    def put(self, draft: Draft, parameter: Parameter, value: JSON) -> None:
        """Write one parameter's value into the draft, by its location, style and explode."""
        draft.values[(parameter.location, parameter.name)] = value
        if parameter.content_type is not None:
            value = value if isinstance(value, str) else encode_json(value).decode("utf-8", "surrogateescape")
        location, name = parameter.location, parameter.name
        produced: list[Any]
        if location == "path":
            draft.path[name] = path_segment(name, value, parameter.style, parameter.explode)
            produced = [name]
        elif location == "query":
            produced = query_pairs(name, value, parameter.style, parameter.explode, parameter.allow_reserved)
            draft.query += produced
        elif location == "header":
            produced = [(name, header_value(value, parameter.explode))]
            draft.headers += produced
        else:
            produced = cookie_pairs(name, value, parameter.explode)
            draft.cookies += produced
        draft.produced.setdefault((location, name), []).extend(produced)

    def request(self, draft: Draft) -> WireRequest:
        pieces = self.pieces
        path = "".join(piece if index % 2 == 0 else draft.path[piece] for index, piece in enumerate(pieces))
        path += draft.suffix
        if draft.query:
            path += "?" + encode_query(draft.query)
        headers = list(draft.headers)
        if draft.cookies:
            headers.append(("Cookie", cookie_header(draft.cookies)))
        body = b""
        if draft.body is not None or draft.wire is not None:
            body = draft.wire if draft.wire is not None else draft.body.encode(draft.value)  # type: ignore[union-attr]
        if draft.content_type is not None:
            headers.insert(0, ("content-type", draft.content_type))
        return WireRequest(self.operation.method, path, tuple(headers), body)

    def case(self, draft: Draft, mode: str, label: str) -> Case:
        """The case of `draft`, for the operation its path reaches (`_routes.py`): this one, or another one of
        the document that a changed path matches (then the label says so)."""
        context = {location: {} for location in ("path", "query", "header", "cookie")}
        for (location, name), value in draft.values.items():
            context[location][name] = value
        request = self.request(draft)
        kind, name = self.operation.key, self.name
        reached = self.router.route(request.method, request.path) if self.router is not None else None
        if reached is not None and reached.name != name:
            kind, name, label = reached.key, reached.name, f"{label} (a path of {reached.key})"
        return Case(
            kind=kind,
            request=request,
            mode=mode,
            label=label,
            artifact=draft.value if draft.body is not None else None,
            context=context,
            operation=name,
        )

    def valid_label(self, draft: Draft) -> str:
        media = f" {draft.body.body.media_type}" if draft.body is not None and len(self.bodies) > 1 else ""
        return f"valid {self.operation.key}{media}"


def _parameter_plan(parameter: Parameter, formats: Formats) -> Plan:
    try:
        return value_plan(parameter.schema, parameter.examples, parameter.location, tuple(formats.items()))
    except (ValueError, TypeError, RecursionError, re.error):  # a schema no value fits: send something
        return _Const("")


def _body_plan(body: Body, formats: Formats) -> BodyPlan:
    try:
        plan = value_plan(body.schema, body.examples, "body", tuple(formats.items()))
    except (ValueError, TypeError, RecursionError, re.error):
        plan = _Leaf(any_json())
    found: dict[tuple[str | None, ...], Any] = {}
    patterns: dict[str, Any] = {}
    for alternative in alternatives(body.schema)[:8]:
        _walk(alternative, (), found, patterns)
    encodings = {e.name: (e.content_type, e.style, e.explode, e.allow_reserved) for e in body.encoding}
    return BodyPlan(body, plan, content_type(body.media_type), SiteGrammars(found), encodings)


def content_type(media_type: str) -> str:
    """The Content-Type a body of `media_type` is sent with: a range as its most likely type."""
    media = media_type.strip()
    lowered = media.lower()
    if lowered in ("*/*", "application/*", "*/json", ""):
        return "application/json"
    if lowered.startswith("multipart/"):
        return f"{media}; boundary={BOUNDARY}"
    if lowered.endswith("/*"):
        return lowered.replace("/*", "/plain" if lowered.startswith("text/") else "/octet-stream")
    return media


def multipart(value: JSON) -> bytes:
    """A `multipart/form-data` body: one part per property (non-strings as JSON), or one `value` part."""
    fields = value.items() if isinstance(value, dict) else [("value", value)]
    out = b""
    for name, item in fields:
        out += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += text_of(item).encode("utf-8", "surrogatepass") + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


ModeFunction = Callable[[Draw, OperationPlan], Case]


def valid_case(draw: Draw, plan: OperationPlan) -> Case:
    draft = plan.draft(draw)
    return plan.case(draft, "valid", plan.valid_label(draft))


def operation_cases(
    api: Api,
    operations: Sequence[Operation | str] | None = None,
    modes: Sequence[str] = MODES,
    base_path: str | None = None,
    contract: Contract = NONE,
) -> st.SearchStrategy[Case]:
    """Cases for `operations` of `api` (all by default; an Operation, operationId or `"METHOD /path"` each) in
    the given modes. One choice picks the mode and the operation, shrinking towards valid and the first
    operation. `base_path` replaces the servers' path prefix (`""`: none). A `contract` plug-in supplies the
    values of custom formats and a fix-up of each operation's valid body (`strategies._contract`); without one,
    the document alone.

    Raises ValueError for an unknown mode or operation, or for no mode or no operation."""
    from strategies.openapi._mutations import adversarial_case, mutated_case

    if isinstance(modes, str) or not modes:
        raise ValueError(f"modes must be a non-empty sequence of mode names ({', '.join(MODES)}), not {modes!r}")
    unknown = [mode for mode in modes if mode not in MODES]
    if unknown:
        raise ValueError(f"unknown mode {unknown[0]!r} in modes={list(modes)!r}; allowed: {', '.join(MODES)}")
    chosen = compile_operations(api, operations, base_path, contract)
    builders: dict[str, ModeFunction] = {"valid": valid_case, "mutated": mutated_case, "adversarial": adversarial_case}
    table = tuple((builders[mode], plan) for mode in MODES if mode in modes for plan in chosen)

    def case(draw: Draw) -> Case:
        function, plan = draw.choose(table)
        return function(draw, plan)

    return Drawn(case, f"operation_cases({len(chosen)} operations, modes={[m for m in MODES if m in modes]!r})")


def compile_operations(
    api: Api,
    operations: Sequence[Operation | str] | None = None,
    base_path: str | None = None,
    contract: Contract = NONE,
) -> tuple[OperationPlan, ...]:
    """The plans of `operations` (all of `api`'s by default); each case names the operation of `api` that its
    path reaches."""
    router = Router(api.operations, base_path)
    if operations is None:
        operations = api.operations
    if isinstance(operations, str):
        raise ValueError(f"operations must be a sequence, not the string {operations!r}; try [{operations!r}]")
    found = []
    for item in operations:
        if isinstance(item, str):
            try:
                item = api.operation(item)
            except KeyError:
                keys = ", ".join(operation.key for operation in api.operations[:10])
                raise ValueError(f"no operation {item!r} in {api.source.name}; operations include {keys}") from None
        found.append(OperationPlan(item, base_path, contract, router))
    if not found:
        raise ValueError("no operation to generate requests for; select at least one")
    return tuple(found)
