"""Classify: a signature comes from content only, so one root cause is one class."""

from __future__ import annotations

import pytest

from fuzzer._classify import classify, signature_of, template
from fuzzer._compare import ComparePolicy, compare
from fuzzer._model import Comparison, Level, Outcome

from .builders import SERDE, exchange, failed, go_error, ok, rust_error, signed

KEYED = ComparePolicy(adapters=SERDE.adapters, key_paths=("/error/kind", "/error/field"))

AXUM = (
    "Failed to deserialize the JSON body into the target type: kind: unknown variant `{value}`, "
    "expected `playbook` or `fill` at line 1 column {column}"
)


def test_same_content_gives_the_same_digest() -> None:
    first = signed(ok(200, {"valid": True}), ok(422, {"valid": False}))
    second = signed(ok(200, {"valid": True}), ok(422, {"valid": False}))
    assert first == second
    assert (first.key, first.digest) == (second.key, second.digest)
    assert len(first.digest) == 12


def test_elapsed_ms_does_not_change_the_signature() -> None:
    first = signed(ok(200, {"valid": True, "elapsed_ms": 0}), ok(422, {"valid": False, "elapsed_ms": 1}))
    second = signed(ok(200, {"valid": True, "elapsed_ms": 55}), ok(422, {"valid": False, "elapsed_ms": 91}))
    assert first.digest == second.digest


def test_wire_shape_signature_does_not_depend_on_the_variant() -> None:
    schema = signed(rust_error("Schema", "fingerprint", "missing"), go_error("schema", "fingerprint", "missing"))
    policy = signed(rust_error("Policy", "operation", "unsupported"), go_error("policy", "operation", "unsupported"))
    assert schema.level is Level.WIRE_SHAPE
    assert schema.digest == policy.digest
    assert schema.key == "422|422 wire-shape shape:/error:serde-enum"


def test_the_canonical_wire_shape_digest_is_stable() -> None:
    """The canonical corpus records this digest; a change here orphans every stored wire-shape case."""
    digest = signed(rust_error("Schema", "fingerprint", "missing"), go_error("schema", "fingerprint", "missing")).digest
    assert digest == "b41a29a13e04"


def test_a_different_status_pair_is_a_different_class() -> None:
    first = signed(ok(400, {"e": 1}), ok(422, {"e": 1}))
    second = signed(ok(400, {"e": 1}), ok(415, {"e": 1}))
    assert first.statuses == ("400", "422")
    assert first.digest != second.digest


def test_array_indexes_do_not_split_a_class() -> None:
    first = signed(ok(200, {"fills": [{"name": "A"}]}), ok(200, {"fills": [{"name": "B"}]}))
    fourth = [{}, {}, {}, {"name": "A"}]
    second = signed(ok(200, {"fills": fourth}), ok(200, {"fills": [*fourth[:3], {"name": "B"}]}))
    assert first.parts == ("/fills/*/name:value",)
    assert first.digest == second.digest


def test_indexes_inside_a_key_path_value_do_not_split_a_class() -> None:
    first = signed(
        rust_error("Schema", "fills[0].name", "missing"), go_error("schema", "fills[0].nom", "missing"), KEYED
    )
    second = signed(
        rust_error("Schema", "fills[3].name", "missing"), go_error("schema", "fills[3].nom", "missing"), KEYED
    )
    assert first.level is Level.SEMANTIC
    assert first.digest == second.digest


def test_template_removes_quoted_text_and_numbers() -> None:
    text = "unknown variant `foo`, expected \"x\" or 'y' at line 12 column 9"
    assert template(text) == "unknown variant _, expected _ or _ at line n column n"


def test_template_collapses_space_lowers_and_caps() -> None:
    assert template("  Bad\n\tRequest  ") == "bad request"
    assert len(template("x" * 500)) == 120


def test_framework_messages_differing_in_a_quoted_value_and_column_are_one_class() -> None:
    go = ok(400, b"unknown kind\n", "text/plain; charset=utf-8")
    first = signed(ok(422, AXUM.format(value="foo", column=9).encode(), "text/plain"), go)
    second = signed(ok(422, AXUM.format(value="a-much-longer-kind", column=24).encode(), "text/plain"), go)
    assert first.level is Level.STATUS
    assert first.digest == second.digest


def test_framework_messages_with_other_words_are_other_classes() -> None:
    go = ok(400, b"unknown kind\n", "text/plain")
    first = signed(ok(422, AXUM.format(value="foo", column=9).encode(), "text/plain"), go)
    other = signed(ok(422, b"Failed to parse the request body as JSON: EOF at line 1 column 3", "text/plain"), go)
    assert first.digest != other.digest


def test_key_path_values_separate_classes_at_the_semantic_level() -> None:
    schema = signed(ok(422, {"error": {"kind": "schema"}}), ok(422, {"error": {"kind": "schema", "x": 1}}), KEYED)
    policy = signed(ok(422, {"error": {"kind": "policy"}}), ok(422, {"error": {"kind": "policy", "x": 1}}), KEYED)
    assert schema.level is Level.SEMANTIC
    assert "0:/error/kind=schema" in schema.parts
    assert schema.digest != policy.digest


def test_key_path_values_do_not_split_a_status_class() -> None:
    """One runtime rejects, the other validates: what the validating side then says depends on the rest of the
    artifact, not on the cause of the divergence, so it must not make more classes."""
    schema = signed(ok(400, {"error": {"kind": "schema"}}), ok(422, {"error": {"kind": "schema", "x": 1}}), KEYED)
    policy = signed(ok(400, {"error": {"kind": "policy"}}), ok(422, {"error": {"kind": "policy", "x": 1}}), KEYED)
    assert schema.level is Level.STATUS
    assert schema.digest == policy.digest


def test_transport_signature_is_the_outcomes_and_level_only() -> None:
    signature = signed(ok(200, {"valid": True}), failed(Outcome.TIMEOUT))
    assert signature.statuses == ("200", "timeout")
    assert signature.parts == ()
    assert signature.key == "200|timeout transport"


def test_classify_returns_none_when_the_runtimes_agree() -> None:
    seen = exchange(ok(200, {"valid": True}), ok(200, {"valid": True}))
    assert classify(seen, compare(seen, SERDE)) is None


def test_classify_carries_the_signature() -> None:
    seen = exchange(ok(200, {"valid": True}), ok(422, {"valid": False}))
    comparison = compare(seen, SERDE)
    divergence = classify(seen, comparison)
    assert divergence is not None
    assert divergence.signature == signature_of(seen, comparison)
    assert divergence.exchange is seen


def test_signature_of_an_agreeing_comparison_is_refused() -> None:
    with pytest.raises(ValueError, match="agreeing"):
        signature_of(exchange(ok(200, {}), ok(200, {})), Comparison((), None))
