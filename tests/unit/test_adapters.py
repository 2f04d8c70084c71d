"""Adapters: a wire shape to its canonical shape, or None when the value is not that shape."""

from __future__ import annotations

import pytest

from fuzzer._adapters import BUILTIN, AdapterRule, SerdeEnum, adapter_named
from fuzzer._compare import ComparePolicy, apply_adapters
from fuzzer._model import JSON, Level

from .builders import compared, ok, rust_error

CANONICAL = {"kind": "schema", "field": "fingerprint", "reason": "missing"}


def test_serde_enum_reads_the_rust_shape() -> None:
    assert SerdeEnum().adapt({"Schema": {"field": "fingerprint", "reason": "missing"}}) == CANONICAL


def test_serde_enum_reads_the_go_shape() -> None:
    assert SerdeEnum().adapt({"Kind": "Schema", "Field": "fingerprint", "Reason": "missing"}) == CANONICAL


@pytest.mark.parametrize(
    "value",
    [
        None,
        "Schema",
        3,
        ["Schema"],
        {},
        {"Schema": "missing"},  # a variant without an object inside
        {"schema": {"field": "f"}},  # a lower-case key is not a serde variant
        {"Field": "f", "Reason": "r"},  # Go-like, but no Kind
        {"Kind": "schema", "field": "f"},  # Kind, but not all fields exported
        CANONICAL,
    ],
)
def test_serde_enum_returns_none_for_other_values(value: JSON) -> None:
    assert SerdeEnum().adapt(value) is None


def test_adapter_named_finds_the_builtin() -> None:
    assert adapter_named("serde-enum") is BUILTIN["serde-enum"]


def test_adapter_named_unknown_lists_the_known_adapters() -> None:
    with pytest.raises(ValueError, match=r"unknown adapter 'protobuf'.*known adapters: serde-enum"):
        adapter_named("protobuf")


def test_rule_applies_to_the_named_target_only() -> None:
    rule = AdapterRule(SerdeEnum(), "/error", frozenset({"rust"}))
    assert rule.applies_to("rust")
    assert not rule.applies_to("go")
    assert AdapterRule(SerdeEnum(), "/error").applies_to("go")


def test_apply_adapters_skips_a_target_the_rule_does_not_name() -> None:
    body = {"error": {"Schema": {"field": "f", "reason": "r"}}}
    rules = (AdapterRule(SerdeEnum(), "/error", frozenset({"rust"})),)
    assert apply_adapters(body, rules, "go") == (body, ())
    adapted, changed = apply_adapters(body, rules, "rust")
    assert adapted == {"error": {"kind": "schema", "field": "f", "reason": "r"}}
    assert changed == ("/error:serde-enum",)
    assert body == {"error": {"Schema": {"field": "f", "reason": "r"}}}  # the input is left as it was


def test_rule_for_rust_only_reconciles_rust_with_a_canonical_go() -> None:
    canonical_go = ok(
        422, {"valid": False, "kind": "playbook", "error": {"kind": "schema", "field": "f", "reason": "r"}}
    )
    rust = rust_error("Schema", "f", "r")
    only_rust = ComparePolicy(adapters=(AdapterRule(SerdeEnum(), "/error", frozenset({"rust"})),))
    only_go = ComparePolicy(adapters=(AdapterRule(SerdeEnum(), "/error", frozenset({"go"})),))
    assert compared(rust, canonical_go, only_rust).level is Level.WIRE_SHAPE
    assert compared(rust, canonical_go, only_go).level is Level.SEMANTIC


def test_rule_at_the_root_adapts_the_whole_body() -> None:
    rules = (AdapterRule(SerdeEnum(), ""),)
    assert apply_adapters({"Policy": {"field": "x"}}, rules, "rust")[0] == {"kind": "policy", "field": "x"}


def test_go_and_rust_agree_at_the_wire_when_both_send_rust_shapes() -> None:
    assert compared(rust_error("Schema", "f", "r", elapsed=1), rust_error("Schema", "f", "r", elapsed=2)).agrees
