"""The catalogue of root-cause differences between the bundled runtimes (docs/divergences.md), as code.

Each cause names the idiomatic behaviour on each side and a predicate that recognises it from a reproducer —
its request and the two answers — *without* looking at the signature, so that mapping a campaign's classes onto
the catalogue checks the signatures instead of restating them. Causes are tried in order; the first that
matches is the cause. `splits` names a cause whose classes are expected to be several (and why): the answers of
such a cause do not show it, only the rules that happened to follow it.

`ROUTE_CAUSES` are the causes the resource routes add (docs/divergences.md, "The resource routes"): how each
framework routes and reads a request target. A campaign over targets/openapi.yaml is mapped onto them and onto
`CAUSES` (its body causes), per operation: a class belongs to one operation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fuzzer._adapters import SerdeEnum
from fuzzer._model import Finding, Response, WireRequest

Predicate = Callable[[WireRequest, Response, Response], bool]


def _text(response: Response) -> str:
    return response.body.decode("utf-8", "replace") if not _json(response) else ""


def _json(response: Response) -> object | None:
    try:
        return json.loads(response.body)
    except ValueError:
        return None


def _body(request: WireRequest) -> object | None:
    try:
        return json.loads(request.body)
    except (ValueError, RecursionError):
        return None


def _variant_keys(request: WireRequest) -> tuple[list[str], list[str]]:
    """The envelope keys that are case variants of `kind`, `artifact` or `context` but not the key itself, and the
    exact keys present (only for a body that parses as an object)."""
    body = _body(request)
    if not isinstance(body, dict):
        return [], []
    names = ("kind", "artifact", "context")
    variants = [k for k in body if k.lower() in names and k not in names]
    return variants, [k for k in body if k in names]


def _key_case_alone(request: WireRequest, rust: Response, go: Response) -> bool:
    variants, exact = _variant_keys(request)
    return bool(variants) and not any(v.lower() in exact for v in variants)


def _key_case_duplicate(request: WireRequest, rust: Response, go: Response) -> bool:
    variants, exact = _variant_keys(request)
    return any(v.lower() in exact for v in variants)


def _error_shape(request: WireRequest, rust: Response, go: Response) -> bool:
    """The same answer once both errors are read as one shape: only the wire shape differs."""
    left, right = _json(rust), _json(go)
    if not isinstance(left, dict) or not isinstance(right, dict) or rust.status != go.status:
        return False
    shape = SerdeEnum()
    one = {**left, "error": shape.adapt(left.get("error")), "elapsed_ms": 0}
    two = {**right, "error": shape.adapt(right.get("error")), "elapsed_ms": 0}
    return one["error"] is not None and one == two


def _whole_number(pointer: tuple[str, str]) -> Predicate:
    def matches(request: WireRequest, rust: Response, go: Response) -> bool:
        text = request.body.decode("utf-8", "replace")
        key = pointer[1]
        spelled = re.search(rf'"{key}":\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)', text)
        if not spelled or not re.search(r"[.eE]", spelled.group(1)):
            return False
        error = (_json(rust) or {}).get("error", {}) if isinstance(_json(rust), dict) else {}
        field = next(iter(error.values()), {}).get("field") if isinstance(error, dict) and error else None
        return field == pointer[0]

    return matches


def _rust_text(*words: str) -> Predicate:
    return lambda request, rust, go: any(word in _text(rust) for word in words) and _text(go) == ""


def _status(rust_status: int, go_status: int, *, both_text: bool = True) -> Predicate:
    def matches(request: WireRequest, rust: Response, go: Response) -> bool:
        texts = bool(_text(rust)) and bool(_text(go))
        return rust.status == rust_status and go.status == go_status and (texts or not both_text)

    return matches


def _duplicate_key(request: WireRequest, rust: Response, go: Response) -> bool:
    """The body holds an object with a key twice, and Rust refused it in its framework's words (the duplicate
    itself, or the first of the two values, which serde reads before it sees the second)."""
    seen: list[bool] = []

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        seen.append(len({key for key, _ in items}) < len(items))
        return dict(items)

    try:
        json.loads(request.body, object_pairs_hook=pairs)
    except (ValueError, RecursionError):
        return False
    return any(seen) and bool(_text(rust)) and _json(go) is not None


def _go_depth(request: WireRequest, rust: Response, go: Response) -> bool:
    return go.status == 400 and "exceeded max depth" in _text(go) and not _text(rust)


def _go_limit(request: WireRequest, rust: Response, go: Response) -> bool:
    return go.status == 413 and rust.status != 413


def _content_type(request: WireRequest, rust: Response, go: Response) -> bool:
    return rust.status == 415


@dataclass(frozen=True, slots=True)
class Cause:
    name: str
    rust: str  # the idiomatic behaviour on each side that causes it
    go: str
    matches: Predicate
    splits: str = ""  # why this cause is expected to make more than one class ("" : one class)


CAUSES: tuple[Cause, ...] = (
    Cause(
        "error-shape",
        'serde writes the error enum externally tagged: {"Schema": {"field", "reason"}}',
        'encoding/json writes the struct\'s exported fields: {"Kind", "Field", "Reason"}',
        _error_shape,
    ),
    Cause(
        "content-type",
        "axum's Json extractor requires Content-Type: application/json (415 otherwise)",
        "the handler decodes the body whatever its Content-Type",
        _content_type,
    ),
    Cause(
        "body-limit",
        "axum's default body limit is 2 MB",
        "http.MaxBytesReader allows 1 MiB (413 beyond)",
        _go_limit,
    ),
    Cause(
        "key-case-duplicate",
        "serde takes the exact key (`artifact`) and ignores a case variant (`Artifact`)",
        "encoding/json matches keys case-insensitively and the last match wins",
        _key_case_duplicate,
    ),
    Cause(
        "key-case-alone",
        "serde matches `kind`, `artifact`, `context` exactly: `Kind` alone is a missing field",
        "encoding/json matches `Kind` to the field kind",
        _key_case_alone,
        splits="one class per envelope key: a missing `kind` is a framework rejection, a missing `artifact` or "
        "`context` a contract rule",
    ),
    Cause(
        "whole-number-target-count",
        "target_count must be an integer: 2.0 and 1e2 are not (serde_json keeps floats apart)",
        "encoding/json decodes numbers as float64; a whole float passes as an integer",
        _whole_number(("target_count", "target_count")),
    ),
    Cause(
        "whole-number-context-target-count",
        "context.target_count must be an integer: 2.0 is not",
        "a whole float64 passes as an integer",
        _whole_number(("context.target_count", "target_count")),
    ),
    Cause(
        "lone-surrogate",
        "serde_json rejects a \\u escape that is a lone surrogate",
        "encoding/json replaces it with U+FFFD",
        _rust_text("surrogate", "hex escape"),
    ),
    Cause(
        "number-out-of-range",
        "serde_json parses the whole body and rejects a number beyond f64 (1e400) wherever it is",
        "the handler decodes `artifact` and `context` only when a rule reads them (json.RawMessage)",
        _rust_text("number out of range"),
    ),
    Cause(
        "invalid-utf8",
        "serde_json rejects bytes that are not UTF-8",
        "encoding/json replaces them with U+FFFD",
        _rust_text("invalid unicode code point"),
    ),
    Cause(
        "trailing-data",
        "serde_json rejects data after the JSON value",
        "json.Decoder reads one value and ignores the rest",
        _rust_text("trailing characters"),
    ),
    Cause(
        "nesting-depth",
        "serde_json stops at a nesting depth of 128",
        "encoding/json allows 10,000 levels",
        _rust_text("recursion limit exceeded"),
    ),
    Cause(
        "duplicate-key",
        "serde's derive rejects a duplicate field (or the first value, read before the second is seen)",
        "encoding/json lets the last duplicate win",
        _duplicate_key,
        splits="one class per message serde stops at: the duplicate field, or the first of the two values when "
        "that one is refused",
    ),
    Cause(
        "skipped-value-depth",
        "serde skips the value of an unknown key without a depth limit",
        "encoding/json's scanner refuses more than 10,000 levels anywhere in the body",
        _go_depth,
    ),
    Cause(
        "data-error-status",
        "axum answers 422 for a body that is JSON but does not deserialize (missing or unknown kind, not an object)",
        "the handler answers 400 for every body it cannot use",
        _status(422, 400),
    ),
    Cause(
        "syntax-error-text",
        "axum answers 400 with serde_json's message for a body that is not JSON",
        "the handler answers 400 with encoding/json's message",
        _status(400, 400),
    ),
    Cause(
        "both-over-limit-text",
        "a body over both limits: axum's 413 text",
        "http.MaxBytesReader's 413 text",
        _status(413, 413),
    ),
)


def _target(request: WireRequest) -> tuple[str, str]:
    path, _, query = request.path.partition("?")
    return path, query


def _health_body(request: WireRequest, rust: Response, go: Response) -> bool:
    return rust.status == go.status == 200 and (rust.body, go.body) == (b"ok", b"ok\n")


def _unknown_route_body(request: WireRequest, rust: Response, go: Response) -> bool:
    return rust.status == go.status == 404 and rust.body == b"" and go.body == b"404 page not found\n"


def _path_cleaning(request: WireRequest, rust: Response, go: Response) -> bool:
    path = _target(request)[0]
    return go.status == 307 and ("//" in path or "/./" in f"{path}/" or "/../" in f"{path}/")


def _raw_non_ascii(request: WireRequest, rust: Response, go: Response) -> bool:
    return any(ord(char) > 0x7F for char in request.path) and rust.status == 400 and rust.body == b""


def _invalid_utf8_path_value(request: WireRequest, rust: Response, go: Response) -> bool:
    return rust.status == 400 and "Invalid UTF-8 in" in _text(rust)


def _encoded_slash(request: WireRequest, rust: Response, go: Response) -> bool:
    return "%2F" in _target(request)[0].upper() and go.body == b"404 page not found\n" and _json(rust) is not None


def _in_query(char: str) -> Predicate:
    def matches(request: WireRequest, rust: Response, go: Response) -> bool:
        return char in _target(request)[1] and rust.status != go.status

    return matches


ROUTE_CAUSES: tuple[Cause, ...] = (
    Cause(
        "health-body",
        "the health handler answers `ok`",
        "the health handler writes `ok\\n`",
        _health_body,
    ),
    Cause(
        "unknown-route-body",
        "axum answers a path no route matches with 404 and an empty body",
        "ServeMux answers it with 404 `404 page not found` (text/plain)",
        _unknown_route_body,
    ),
    Cause(
        "path-cleaning",
        "axum routes the raw path: `//` matches nothing, `..` or an empty segment is a path value",
        "ServeMux cleans the path and redirects (307) to the clean one",
        _path_cleaning,
    ),
    Cause(
        "raw-non-ascii-target",
        "hyper refuses a request target holding a raw byte >= 0x80 (400, empty body)",
        "net/http accepts it and routes it",
        _raw_non_ascii,
        splits="one class per what Go then answers (a 404 of no route, the route's own answer)",
    ),
    Cause(
        "invalid-utf8-path-value",
        "axum's Path extractor refuses a path value that is not UTF-8 once decoded (`%FF`)",
        "r.PathValue gives the bytes to the handler",
        _invalid_utf8_path_value,
    ),
    Cause(
        "encoded-slash-segment",
        "axum decodes `%2F` after routing: a segment `%2F` is the value `/`",
        "ServeMux finds no route for it (404 page not found)",
        _encoded_slash,
    ),
    Cause(
        "target-length",
        "hyper refuses a request target over 64 KiB (414)",
        "net/http reads up to its 1 MiB header limit",
        lambda request, rust, go: rust.status == 414 and go.status != 414,
    ),
    Cause(
        "repeated-scalar-query-key",
        "axum-extra's Query (serde_html_form) refuses a repeated key for a single value",
        "Query().Get takes the first",
        _rust_text("Failed to deserialize query string"),
    ),
    Cause(
        "semicolon-in-query",
        "a `;` is part of the query value (`limit=1;x=1` is not an integer)",
        "url.ParseQuery drops a pair holding `;` (Go 1.17 and later): the parameter's default applies",
        _in_query(";"),
        splits="one class per parameter: the side that reads the value applies that parameter's rule",
    ),
    Cause(
        "fragment-in-target",
        "hyper drops `#...` from the request target",
        "net/http keeps it in the raw query: `city=Akron#x` is the city",
        _in_query("#"),
        splits="one class per parameter: the side that reads the value applies that parameter's rule",
    ),
)


def cause_of(finding: Finding, causes: Sequence[Cause] = CAUSES) -> Cause | None:
    exchange = finding.reproducer.exchange
    rust, go = exchange.responses
    for cause in causes:
        if cause.matches(exchange.case.request, rust, go):
            return cause
    return None


def classes_by_cause(findings: Sequence[Finding], causes: Sequence[Cause] = CAUSES) -> dict[str | None, list[Finding]]:
    """Every class under the cause it shows (None: no catalogued cause)."""
    grouped: dict[str | None, list[Finding]] = {cause.name: [] for cause in causes}
    grouped[None] = []
    for finding in findings:
        cause = cause_of(finding, causes)
        grouped[cause.name if cause else None].append(finding)
    return grouped


OPENAPI_CAUSES: tuple[Cause, ...] = (CAUSES[0], *ROUTE_CAUSES, *CAUSES[1:])
"""What a campaign over targets/openapi.yaml can show: the error shape first (on every route), then the route
causes, then the body causes of the two routes that read a JSON body."""


def classes_by_operation_and_cause(findings: Sequence[Finding]) -> dict[tuple[str, str | None], list[Finding]]:
    """Every class under its operation and the cause it shows (None: no catalogued cause)."""
    grouped: dict[tuple[str, str | None], list[Finding]] = {}
    for finding in findings:
        cause = cause_of(finding, OPENAPI_CAUSES)
        grouped.setdefault((finding.signature.operation, cause.name if cause else None), []).append(finding)
    return grouped
