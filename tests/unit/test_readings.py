"""Readings: keys that differ only in case are one class when, and only when, the two runtimes read them apart."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fuzzer._body import keys_differing_in_case
from fuzzer._classify import MISREAD, SIGNATURE_VERSION, signature_of
from fuzzer._compare import ComparePolicy, compare
from fuzzer._migrate import NotMigratable, rekey
from fuzzer._model import Exchange
from fuzzer._readings import swapped_key_case
from fuzzer._store import Expectation

from .builders import GO, RUST, SERDE, case, go_error, ok, rust_error, stored

KEYED = ComparePolicy(adapters=SERDE.adapters, key_paths=("/error/kind", "/error/field"))
APART = replace(KEYED, folds_key_case=(False, True))
ALIKE = replace(KEYED, folds_key_case=(True, True))
VALID = {"valid": True, "kind": "playbook", "elapsed_ms": 0}
TWO_ARTIFACTS = b'{"kind":"playbook","artifact":{},"Artifact":{"operation":"fill: r x1 in T"}}'


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (TWO_ARTIFACTS, True),
        (b'{"kind":"playbook","Kind":"fill"}', True),
        (b'{"kind":"playbook","\\u212aind":"fill"}', True),  # the Kelvin sign folds to k, as in Go
        (b'{"kind":"playbook","artifact":{"operation":"","Operation":""}}', False),  # below the top level
        (b'{"kind":"playbook","kind":"fill"}', False),  # the same key twice is another cause
        (b'{"Kind":"playbook"}', False),
        (b'[{"a":1,"A":2}]', False),
        (b'{"a":1,"A":', False),
        (b"\xff{}", False),
    ],
)
def test_keys_that_differ_only_in_case_are_found_at_the_top_level(body: bytes, expected: bool) -> None:
    assert keys_differing_in_case(body) is expected


def test_the_probe_swaps_the_first_letter_of_each_top_level_key() -> None:
    swapped = swapped_key_case(case(b'{"kind":"fill","artifact":{"fills":[]},"_x1":0}'))
    assert swapped is not None
    assert swapped.request.body == b'{"Kind":"fill","Artifact":{"fills":[]},"_X1":0}'
    assert swapped.label.endswith("(key case swapped)")
    assert swapped_key_case(case(b"[1]")) is None
    assert swapped_key_case(case(b'{"1":2}')) is None  # no letter to swap


def _signed(left, right, body: bytes, policy: ComparePolicy):  # type: ignore[no-untyped-def]
    seen = Exchange(case(body), (RUST, GO), (left, right))
    return signature_of(seen, compare(seen, policy))


def test_a_pair_that_reads_key_case_apart_makes_one_class_of_such_requests() -> None:
    rules = [
        (rust_error("Schema", "operation", "empty"), ok(200, VALID)),
        (ok(200, VALID), go_error("schema", "endorsed_names", "empty")),
        (rust_error("Schema", "fingerprint", "missing"), go_error("consistency", "target_count", "mismatch")),
    ]
    keys = {_signed(left, right, TWO_ARTIFACTS, APART).key for left, right in rules}
    assert keys == {MISREAD}


def test_a_pair_that_reads_alike_keeps_every_rule_pair_apart() -> None:
    rules = [
        (rust_error("Schema", "operation", "empty"), ok(200, VALID)),
        (ok(200, VALID), go_error("schema", "endorsed_names", "empty")),
    ]
    for policy in (ALIKE, KEYED):  # measured alike, or not measured at all
        keys = {_signed(left, right, TWO_ARTIFACTS, policy).key for left, right in rules}
        assert len(keys) == 2 and MISREAD not in keys


def test_without_such_keys_the_class_is_the_rule_pair() -> None:
    body = b'{"kind":"playbook","artifact":{}}'
    key = _signed(rust_error("Schema", "operation", "empty"), ok(200, VALID), body, APART).key
    assert key != MISREAD and "schema/operation" in key


def test_a_refusal_before_reading_is_not_a_misreading() -> None:
    refusal = ok(415, b"Expected request with `Content-Type: application/json`", "text/plain; charset=utf-8")
    key = _signed(refusal, ok(400, b'unknown kind ""\n', "text/plain; charset=utf-8"), TWO_ARTIFACTS, APART).key
    assert key.startswith("415 text") and key.endswith("| parsed")


def test_agreeing_answers_stay_agreeing() -> None:
    seen = Exchange(case(TWO_ARTIFACTS), (RUST, GO), (ok(200, VALID), ok(200, VALID)))
    assert compare(seen, APART).agrees


def test_such_a_case_is_migrated_only_with_a_measured_policy() -> None:
    old = replace(
        stored(case(TWO_ARTIFACTS), expect=Expectation("diverge", "0123456789ab", "old", "status", 2)),
        observed=(("rust", rust_error("Schema", "operation", "empty")), ("go", ok(200, VALID))),
    )
    with pytest.raises(NotMigratable, match="--reference"):
        rekey(old, KEYED)
    assert rekey(old, APART).key == MISREAD
    assert rekey(old, ALIKE).key != MISREAD


@pytest.mark.parametrize("key", [MISREAD, "422 schema/operation | passed"])
def test_a_version_3_case_is_migrated_offline_with_the_reading_its_key_records(key: str) -> None:
    old = replace(
        stored(case(TWO_ARTIFACTS), expect=Expectation("diverge", "0123456789ab", key, "status", 3)),
        observed=(("rust", rust_error("Schema", "operation", "empty")), ("go", ok(200, VALID))),
    )
    after = rekey(old, KEYED)
    assert after.key == rekey(old, APART if key == MISREAD else ALIKE).key
    assert (after.key == MISREAD) is (key == MISREAD)
    assert after.version == SIGNATURE_VERSION
