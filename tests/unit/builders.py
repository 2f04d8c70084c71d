"""Builders for the pipeline records, so that each test states only what it is about."""

from __future__ import annotations

import json

from fuzzer._adapters import AdapterRule, SerdeEnum
from fuzzer._classify import signature_of
from fuzzer._compare import ComparePolicy, compare
from fuzzer._model import (
    JSON,
    Case,
    Comparison,
    Divergence,
    Exchange,
    Outcome,
    Response,
    Signature,
    Target,
    WireRequest,
)
from fuzzer._store import Expectation, StoredCase

RUST = Target("rust", "http://127.0.0.1:3100")
GO = Target("go", "http://127.0.0.1:4110")
JSON_HEADERS: tuple[tuple[str, str], ...] = (("content-type", "application/json"),)

SERDE = ComparePolicy(adapters=(AdapterRule(SerdeEnum(), "/error"),))
"""The default ignore list plus the serde-enum adapter at `/error`, without key paths."""


def wire(
    body: bytes = b'{"kind":"playbook","artifact":{}}', headers: tuple[tuple[str, str], ...] = JSON_HEADERS
) -> WireRequest:
    return WireRequest("POST", "/v1/validate", headers, body)


def case(
    body: bytes = b'{"kind":"playbook","artifact":{}}',
    label: str = "a case",
    headers: tuple[tuple[str, str], ...] = JSON_HEADERS,
    artifact: JSON = None,
    context: JSON = None,
) -> Case:
    return Case("playbook", wire(body, headers), "valid", label, artifact, context)


def ok(
    status: int, body: JSON | bytes, content_type: str | None = "application/json", truncated: bool = False
) -> Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Response(Outcome.OK, status, content_type, data, truncated)


def failed(outcome: Outcome) -> Response:
    return Response(outcome, detail=f"the request ended with {outcome.value}")


def rust_error(variant: str, field: str, reason: str, elapsed: int = 3) -> Response:
    error = {variant: {"field": field, "reason": reason}}
    return ok(422, {"valid": False, "kind": "playbook", "error": error, "elapsed_ms": elapsed})


def go_error(kind: str, field: str, reason: str, elapsed: int = 7) -> Response:
    error = {"Kind": kind, "Field": field, "Reason": reason}
    return ok(422, {"valid": False, "kind": "playbook", "error": error, "elapsed_ms": elapsed})


def exchange(left: Response, right: Response, of: Case | None = None) -> Exchange:
    return Exchange(of or case(), (RUST, GO), (left, right))


def compared(left: Response, right: Response, policy: ComparePolicy = SERDE) -> Comparison:
    return compare(exchange(left, right), policy)


def signed(left: Response, right: Response, policy: ComparePolicy = SERDE) -> Signature:
    seen = exchange(left, right)
    return signature_of(seen, compare(seen, policy))


def divergence(left: Response, right: Response, of: Case | None = None, policy: ComparePolicy = SERDE) -> Divergence:
    seen = exchange(left, right, of)
    comparison = compare(seen, policy)
    return Divergence(seen, comparison, signature_of(seen, comparison))


def stored(of: Case | None = None, expect: Expectation | None = None, origin: str = "fuzz") -> StoredCase:
    return StoredCase(
        case=of or case(),
        expect=expect or Expectation("match"),
        origin=origin,
        created="2026-01-01T00:00:00Z",
        version="0.1.0",
    )
