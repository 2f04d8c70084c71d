"""Classify: a signature comes from content only, and one class is one root cause."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fuzzer._classify import classify, signature_of
from fuzzer._compare import ComparePolicy, compare, crashed
from fuzzer._model import Comparison, Level, Outcome, Response
from fuzzer._outcome import MessageRule, template, wildcard

from .builders import SERDE, case, exchange, failed, go_error, ok, rust_error, signed

KEYED = ComparePolicy(adapters=SERDE.adapters, key_paths=("/error/kind", "/error/field"))
TEXT = "text/plain; charset=utf-8"
VALID = {"valid": True, "kind": "playbook", "elapsed_ms": 0}

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
    schema = signed(rust_error("Schema", "fingerprint", "missing"), go_error("schema", "fingerprint", "missing"), KEYED)
    policy = signed(rust_error("Policy", "operation", "x"), go_error("policy", "operation", "x"), KEYED)
    assert schema.level is Level.WIRE_SHAPE
    assert schema.digest == policy.digest
    assert schema.key == "422|422 wire-shape shape:/error:serde-enum"


def test_the_canonical_wire_shape_digest_is_stable() -> None:
    """The canonical corpus records this digest (version 2: the operation, then the key); a change here orphans
    every stored wire-shape case unless the signature version is bumped and a migration shipped."""
    digest = signed(rust_error("Schema", "fingerprint", "missing"), go_error("schema", "fingerprint", "missing")).digest
    assert digest == "f3ba0b1e190c"


def test_a_class_is_one_per_operation() -> None:
    same = (ok(200, VALID), go_error("schema", "fingerprint", "missing"))
    validate = signature_of(exchange(*same), compare(exchange(*same), KEYED))
    other = exchange(*same, of=replace(case(), operation="POST /v1/clients/{client_id}/fills"))
    fills = signature_of(other, compare(other, KEYED))
    assert validate.key == fills.key
    assert validate != fills and validate.digest != fills.digest
    assert validate.operation == "POST /v1/validate"


def test_a_compared_header_that_differs_is_part_of_the_class() -> None:
    spaced = exchange(
        replace(ok(405, b"", "text/plain"), headers=(("allow", "GET,HEAD"),)),
        replace(ok(405, b"", "text/plain"), headers=(("allow", "HEAD, GET"),)),
    )
    assert compare(spaced, SERDE).agrees  # Allow is a list of methods: order and spacing do not count
    missing = signed(replace(ok(405, b"", "text/plain"), headers=(("allow", "GET"),)), ok(405, b"", "text/plain"))
    assert missing.key == "405 text | 405 text header:allow"
    moved = signed(
        replace(ok(307, b"", None), headers=(("location", "/v1/workers/W-1"),)),
        replace(ok(307, b"", None), headers=(("location", "/v1/workers/W-2"),)),
    )
    assert moved.key.endswith("header:location")


def test_the_rule_of_the_rejecting_side_keeps_status_classes_apart() -> None:
    """Rust accepts; Go rejects with one rule or another: two bugs, never one class."""
    target_count = signed(ok(200, VALID), go_error("consistency", "target_count", "mismatch"), KEYED)
    fingerprint = signed(ok(200, VALID), go_error("schema", "fingerprint", "missing"), KEYED)
    assert target_count.level is Level.STATUS
    assert target_count.key == "200 | 422 consistency/target_count"
    assert target_count.digest != fingerprint.digest


def test_both_rules_are_part_of_a_class_when_both_sides_reject() -> None:
    first = signed(rust_error("Schema", "target_count", "a"), go_error("consistency", "endorsed_names", "b"), KEYED)
    second = signed(rust_error("Schema", "target_count", "a"), go_error("consistency", "target_count", "c"), KEYED)
    assert first.key == "422 schema/target_count | 422 consistency/endorsed_names"
    assert first.digest != second.digest


def test_the_same_rule_on_both_sides_is_keyed_by_what_differs_in_the_bodies() -> None:
    first = signed(rust_error("Consistency", "fills", "overfull: 3 > 1"), go_error("consistency", "fills", "x"), KEYED)
    second = signed(rust_error("Consistency", "fills", "overfull: 9 > 2"), go_error("consistency", "fills", "y"), KEYED)
    assert first.level is Level.SEMANTIC
    assert first.key == "422 consistency/fills | 422 consistency/fills /error/reason:value"
    assert first.digest == second.digest


def test_array_indexes_do_not_split_a_class() -> None:
    first = signed(ok(200, {"fills": [{"name": "A"}]}), ok(200, {"fills": [{"name": "B"}]}))
    fourth = [{}, {}, {}, {"name": "A"}]
    second = signed(ok(200, {"fills": fourth}), ok(200, {"fills": [*fourth[:3], {"name": "B"}]}))
    assert first.parts == ("/fills/*/name:value",)
    assert first.digest == second.digest


def test_indexes_inside_a_rule_do_not_split_a_class() -> None:
    first = signed(rust_error("Schema", "fills[0].name", "missing"), go_error("policy", "fills[0].name", "x"), KEYED)
    second = signed(rust_error("Schema", "fills[3].name", "missing"), go_error("policy", "fills[3].name", "y"), KEYED)
    assert "fills[*].name" in first.key
    assert first.digest == second.digest


def test_a_framework_rejection_against_a_parsed_body_ignores_what_the_parser_then_said() -> None:
    """A lone surrogate in `artifact.operation` (Go accepts) or in `context.city` (Go says Policy): one class."""
    rust = ok(400, b"Failed to parse the request body as JSON: artifact.operation: lone leading surrogate at line 1 "
                   b"column 75", TEXT)  # fmt: skip
    rust_city = ok(400, b"Failed to parse the request body as JSON: context.city: lone leading surrogate at line 1 "
                        b"column 129", TEXT)  # fmt: skip
    accepted = signed(rust, ok(200, VALID), KEYED)
    rejected = signed(rust_city, go_error("policy", "fills[0].candidate_id", "city mismatch"), KEYED)
    assert accepted.digest == rejected.digest
    assert accepted.key.endswith("| parsed")
    assert accepted.key.startswith('400 text "failed to parse the request body as json: lone leading surrogate')


def test_non_object_bodies_of_any_json_type_are_one_class() -> None:
    go = ok(400, b"invalid request body: json: cannot unmarshal number into Go value of type main.validateRequest\n")
    signatures = set()
    for named, go_type in (("integer `1`", "number"), ("boolean `true`", "bool"), ("sequence", "array")):
        rust = ok(422, f"Failed to deserialize the JSON body into the target type: invalid type: {named}, expected a "
                       "JSON object at line 1 column 1".encode(), TEXT)  # fmt: skip
        go = ok(400, f"invalid request body: json: cannot unmarshal {go_type} into Go value of type main.v\n".encode())
        signatures.add(signed(rust, go).key)
    assert len(signatures) == 1, signatures


def test_template_removes_quoted_text_numbers_and_positions() -> None:
    text = "unknown variant `foo`, expected \"x\" or 'y' at line 12 column 9"
    assert template(text) == "unknown variant _, expected _ or _ at _"


def test_template_removes_the_json_type_a_message_names() -> None:
    assert template("invalid type: floating point `2.5`, expected u32") == "invalid type: _, expected un"
    assert template("json: cannot unmarshal string into Go value of type int") == (
        "json: cannot unmarshal _ into go value of type int"
    )


def test_template_collapses_space_lowers_and_caps() -> None:
    assert template("  Bad\n\tRequest  ") == "bad request"
    assert len(template("x" * 500)) == 120


def test_a_long_quoted_value_does_not_change_the_template() -> None:
    """The template is made from the body, not from the report's excerpt, so a 10,000-character value cut in the
    middle of its quote cannot swallow the rest of the message."""
    go = ok(200, VALID)
    short = signed(ok(422, AXUM.format(value="x", column=9).encode(), TEXT), go)
    long = signed(ok(422, AXUM.format(value="playbook" * 1250, column=10_020).encode(), TEXT), go)
    assert short.digest == long.digest


def test_user_message_rules_apply_after_the_built_in_ones() -> None:
    rules = (*ComparePolicy().message_rules, MessageRule.of(r"request id \w+", "request id _"))
    policy = ComparePolicy(message_rules=rules)
    first = signed(ok(500, b"oops, request id a1b2", TEXT), ok(200, VALID), policy)
    second = signed(ok(500, b"oops, request id ffee", TEXT), ok(200, VALID), policy)
    assert first.digest == second.digest
    assert template("oops, request id ffee", rules) == "oops, request id _"


def test_framework_messages_differing_in_a_quoted_value_and_column_are_one_class() -> None:
    go = ok(200, VALID)
    first = signed(ok(422, AXUM.format(value="foo", column=9).encode(), TEXT), go)
    second = signed(ok(422, AXUM.format(value="a-much-longer-kind", column=24).encode(), TEXT), go)
    assert first.level is Level.STATUS
    assert first.digest == second.digest


def test_framework_messages_with_other_words_are_other_classes() -> None:
    go = ok(200, VALID)
    first = signed(ok(422, AXUM.format(value="foo", column=9).encode(), TEXT), go)
    other = signed(ok(422, b"Failed to parse the request body as JSON: EOF at line 1 column 3", TEXT), go)
    assert first.digest != other.digest


def test_two_framework_rejections_are_one_class_per_status_pair() -> None:
    """Both runtimes refused the body, each framework in its own words: the words are not a cause."""
    empty = signed(ok(400, b"EOF while parsing a value", TEXT), ok(400, b"invalid request body: EOF\n", TEXT))
    trailing = signed(ok(400, b"trailing characters", TEXT), ok(400, b"invalid character 'x'\n", TEXT))
    other_status = signed(ok(422, b"missing field `kind`", TEXT), ok(400, b"unknown kind\n", TEXT))
    assert empty.key == "400 text | 400 text /:bytes"
    assert empty.digest == trailing.digest
    assert other_status.key == "422 text | 400 text"


def test_transport_signature_names_the_side_without_an_answer() -> None:
    first = signed(ok(200, {"valid": True}), failed(Outcome.TIMEOUT))
    second = signed(ok(422, {"valid": False}), failed(Outcome.TIMEOUT))
    assert first.statuses == ("200", "timeout")
    assert first.key == "answered | timeout"
    assert first.digest == second.digest


def test_a_crash_is_classified_by_the_same_function_and_marked() -> None:
    died = exchange(ok(200, {"valid": True}), failed(Outcome.RESET))
    crash = signature_of(died, crashed(died, SERDE))
    assert crash.key == "answered | reset crash"
    assert crash.level is Level.TRANSPORT
    assert crash.digest != signature_of(died, compare(died, SERDE)).digest


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


@pytest.mark.parametrize(
    ("value", "expected"),
    [("fills[12].name", "fills[*].name"), ("fills.3.name", "fills.*.name"), ("x2", "x2"), ("a[0][1]", "a[*][*]")],
)
def test_wildcard_replaces_array_indexes_only(value: str, expected: str) -> None:
    assert wildcard(value) == expected


ORDERED = replace(KEYED, rule_order=("schema/target_count", "consistency/endorsed_names", "consistency/target_count"))


def test_with_a_rule_order_the_side_that_got_further_is_only_passed() -> None:
    """Rust stops at Schema(target_count); Go, past it, says whatever the rest of the body makes it say."""
    overfull = signed(
        rust_error("Schema", "target_count", "a"), go_error("consistency", "endorsed_names", "b"), ORDERED
    )
    mismatch = signed(rust_error("Schema", "target_count", "a"), go_error("consistency", "target_count", "c"), ORDERED)
    accepted = signed(rust_error("Schema", "target_count", "a"), ok(200, VALID), ORDERED)
    assert overfull.key == "422 schema/target_count | passed"
    assert overfull.digest == mismatch.digest == accepted.digest


def test_a_rule_order_keeps_the_accepting_side_apart_from_each_rejecting_rule() -> None:
    first = signed(ok(200, VALID), go_error("consistency", "target_count", "c"), ORDERED)
    second = signed(ok(200, VALID), go_error("consistency", "endorsed_names", "c"), ORDERED)
    assert first.key == "passed | 422 consistency/target_count"
    assert first.digest != second.digest


def test_a_rule_outside_the_order_keeps_both_rules() -> None:
    signature = signed(rust_error("Schema", "target_count", "a"), go_error("policy", "elsewhere", "b"), ORDERED)
    assert signature.key == "422 schema/target_count | 422 policy/elsewhere"


def test_answers_that_echo_another_kind_are_one_class_whatever_rules_followed() -> None:
    """`kind` and `Kind` in one body: one runtime validates a playbook, the other a fill."""
    scoped = replace(ORDERED, scope_paths=("/kind",))
    fill = {"valid": False, "kind": "fill", "error": {"Kind": "schema", "Field": "fills", "Reason": "missing"}}
    first = signed(ok(200, VALID), ok(422, fill), scoped)
    second = signed(rust_error("Schema", "operation", "missing"), ok(422, fill), scoped)
    assert first.key == "understood differently"
    assert first.digest == second.digest


def test_serde_json_s_two_messages_for_an_unpaired_surrogate_are_one_rejection() -> None:
    low = ok(
        400, b"Failed to parse the request body as JSON: lone leading surrogate in hex escape at line 1 col 9", TEXT
    )
    high = ok(400, b"Failed to parse the request body as JSON: unexpected end of hex escape at line 1 col 9", TEXT)
    assert signed(low, ok(200, VALID)).digest == signed(high, ok(200, VALID)).digest


def test_a_text_rejection_against_a_parsed_body_is_never_understood_differently() -> None:
    rust = ok(400, b"Failed to parse the request body as JSON: trailing characters at line 1 column 20", TEXT)
    scoped = replace(ORDERED, scope_paths=("/kind",))
    seen = exchange(rust, ok(200, VALID), of=case(body=b'{"kind":"playbook","Kind":"fill"}x'))
    assert signature_of(seen, compare(seen, scoped)).key.endswith("| parsed")


def test_a_refusal_before_reading_makes_the_other_side_only_parsed() -> None:
    """Go refuses a body over 1 MiB with 413; whether Rust then accepts it or rejects what it says is incidental."""
    limit = ok(413, b"request body too large\n", TEXT)
    accepted = signed(ok(200, VALID), limit)
    data_error = signed(ok(422, b"Failed to deserialize the JSON body: missing field `kind` at line 1", TEXT), limit)
    syntax = signed(ok(400, b"Failed to parse the request body as JSON: kind: expected value", TEXT), limit)
    assert accepted.key == 'parsed | 413 text "request body too large"'
    assert accepted.digest == data_error.digest == syntax.digest


@pytest.mark.parametrize(
    "other",
    [
        ok(404, b"", None),  # no route for the raw path
        ok(404, {"error": {"Consistency": {"field": "id", "reason": "unknown worker .."}}}),  # a path value `..`
        ok(400, b"Failed to parse the request body as JSON: EOF while parsing a value at line 1 column 0", TEXT),
    ],
)
def test_a_redirect_against_any_other_answer_is_the_redirect_against_parsed(other: Response) -> None:
    redirect = ok(307, b'<a href="/v1/workers/W-1/">Temporary Redirect</a>.\n\n', "text/html; charset=utf-8")
    key = signed(other, redirect, KEYED).key
    assert key == 'parsed | 307 text "<a href=_>temporary redirect</a>."'
    assert signed(redirect, other, KEYED).key == '307 text "<a href=_>temporary redirect</a>." | parsed'
