"""The test oracle itself follows docs/contract.md on the contract's own examples."""

from __future__ import annotations

import pytest
from contract_oracle import Rejected, judge, parse_operation

from strategies import default_space

ROSTER = default_space().roster


def playbook(**artifact: object) -> dict[str, object]:
    base = {"operation": "fill: Welder x2 in Toledo, OH", "endorsed_names": ["Ada Brooks"], "fingerprint": "f"}
    return {"kind": "playbook", "artifact": {**base, **artifact}}


def test_operation_grammar_examples() -> None:
    assert parse_operation("fill: Welder x2 in Toledo, OH") == 2
    assert parse_operation("fill: X x1 in A, B") == 1
    assert parse_operation("fill: X x01 in A") == 1
    assert parse_operation("fill: X x0 in A") is None
    assert parse_operation("fill: X x+1 in A") is None
    assert parse_operation("fill:  x1 in A") is None


@pytest.mark.parametrize(
    ("artifact", "error"),
    [
        ({}, None),
        ({"target_count": 2}, None),
        ({"endorsed_names": ["a", "b", "c"]}, ("Consistency", "endorsed_names", "overfull: 3 > 2")),
        ({"target_count": 3}, ("Consistency", "target_count", "mismatch")),
        ({"target_count": 0}, ("Schema", "target_count", "expected integer >= 1")),
        ({"fingerprint": ""}, ("Schema", "fingerprint", "missing")),
        ({"operation": "hire: x"}, ("Policy", "operation", "unsupported operation")),
        ({"operation": "fill: x"}, ("Schema", "operation", "malformed operation")),
        ({"endorsed_names": []}, ("Completeness", "endorsed_names", "empty")),
    ],
)
def test_playbook_rules(artifact: dict[str, object], error: object) -> None:
    assert judge(playbook(**artifact), ROSTER) == error


def test_fill_rules() -> None:
    context = {"target_count": 1, "city": "Toledo", "client_id": "C-1"}
    good = {"kind": "fill", "artifact": {"fills": [{"candidate_id": "W-1", "name": "Ada Brooks"}]}, "context": context}
    assert judge(good, ROSTER) is None
    phantom = {**good, "artifact": {"fills": [{"candidate_id": "W-PHANTOM", "name": "x"}]}}
    assert judge(phantom, ROSTER) == ("Consistency", "fills[0].candidate_id", "unknown candidate W-PHANTOM")
    assert judge({**good, "context": None}, ROSTER) == ("Schema", "context", "expected object")
    with pytest.raises(Rejected):
        judge({"kind": "other"}, ROSTER)
