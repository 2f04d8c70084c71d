"""The seed's finding, reproduced on the real runtimes: 6/6 statuses match, 5/6 bodies differ only in the
error's wire shape, and Go's `--serde-errors` fix makes all six bodies equal."""

from __future__ import annotations

import json

import pytest

from fuzzer._compare import ComparePolicy, compare, remove_paths
from fuzzer._config import Config
from fuzzer._model import Level
from fuzzer._send import Transport
from fuzzer._store import load

from .conftest import CANONICAL, Pair

pytestmark = pytest.mark.e2e
LABELS = {
    "playbook_happy": 200,
    "playbook_missing_fingerprint": 422,
    "playbook_wrong_prefix": 422,
    "playbook_empty_endorsed": 422,
    "playbook_overfull": 422,
    "fill_phantom": 422,
}


def _bodies(pair: Pair) -> dict[str, tuple[int | None, int | None, object, object]]:
    cases, errors = load([CANONICAL])
    assert not errors
    assert {c.label for c in cases} == set(LABELS)
    seen = {}
    with Transport(pair) as transport:
        for stored in cases:
            exchange = transport.exchange(stored.case)
            rust, go = exchange.responses
            seen[stored.label] = (
                rust.status,
                go.status,
                remove_paths(json.loads(rust.body), ("/elapsed_ms",)),
                remove_paths(json.loads(go.body), ("/elapsed_ms",)),
            )
    return seen


def test_statuses_match_and_five_bodies_differ_in_the_error_shape_only(reference_pair: Pair) -> None:
    seen = _bodies(reference_pair)
    for label, status in LABELS.items():
        rust_status, go_status, rust_body, go_body = seen[label]
        assert (rust_status, go_status) == (status, status), label
        if status == 200:
            assert rust_body == go_body == {"valid": True, "kind": "playbook"}
        else:
            assert rust_body != go_body, label
            assert set(rust_body["error"]) <= {"Schema", "Completeness", "Consistency", "Policy"}
            assert set(go_body["error"]) == {"Kind", "Field", "Reason"}
            without_error = ({k: v for k, v in b.items() if k != "error"} for b in (rust_body, go_body))
            assert next(without_error) == next(without_error), label


def test_the_adapter_calls_the_five_wire_shape_only(reference_pair: Pair) -> None:
    cases, _ = load([CANONICAL])
    policy = Config().policy
    with Transport(reference_pair) as transport:
        levels = {c.label: compare(transport.exchange(c.case), policy).level for c in cases}
    assert levels.pop("playbook_happy") is None
    assert set(levels.values()) == {Level.WIRE_SHAPE}
    bare = ComparePolicy(ignore=("/elapsed_ms",))
    with Transport(reference_pair) as transport:
        assert compare(transport.exchange(cases[0].case), bare).level in (Level.SEMANTIC, None)


def test_with_go_serde_errors_all_six_bodies_are_equal(serde_pair: Pair) -> None:
    seen = _bodies(serde_pair)
    for label, (rust_status, go_status, rust_body, go_body) in seen.items():
        assert rust_status == go_status == LABELS[label]
        assert rust_body == go_body, label
