"""Judge: verdicts remembered per answer pair and operation."""

from __future__ import annotations

from dataclasses import replace

from fuzzer._compare import ComparePolicy
from fuzzer._judge import Judge

from .builders import SERDE, case, exchange, go_error, ok, rust_error

POLICY = ComparePolicy(adapters=SERDE.adapters, key_paths=("/error/kind", "/error/field"))
ANSWERS = (rust_error("Schema", "operation", "missing"), go_error("schema", "endorsed_names", "missing"))


def test_the_same_answers_on_two_operations_are_two_classes() -> None:
    judge = Judge(POLICY)
    one = judge.verdict(exchange(ok(200, {"a": 1}), ok(200, {"a": 2})))[1]
    other = exchange(ok(200, {"a": 1}), ok(200, {"a": 2}), of=replace(case(), operation="GET /v1/workers/{id}"))
    two = judge.verdict(other)[1]
    assert one is not None and two is not None
    assert one.signature.key == two.signature.key and one.signature != two.signature
