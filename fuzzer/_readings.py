"""Readings: how each runtime reads a request, measured on the runtimes themselves before cases are judged.

Go's encoding/json matches an object key to a struct field whatever its case (`Artifact` fills `artifact`, and
of `artifact` and `Artifact` in one object the last one wins); serde matches keys exactly. A body holding keys
that differ only in case is then two requests, one per runtime, and the class the two answers make depends on
what else the body holds: one cause, a class per rule pair (`422 schema/operation | passed`, `passed | 422
schema/endorsed_names`, …). Which runtime folds key case is a fact about the pair, not about the contract, and
a guess from one exchange cannot tell it from a real rule bug. So it is measured.

The probe takes a few requests with a JSON object body (the shortest of a fixed sample of valid cases), and
sends each again with the case of the first letter of every top-level key swapped (`kind` → `Kind`). A runtime
whose outcome (status and rule) stays the same for every one of them folds key case; one whose outcome changes
for some does not. When exactly one side folds, `ComparePolicy.folds_key_case` records which, and a divergent
request holding top-level keys that differ only in case is *understood differently* (`fuzzer._classify`): one
class, whatever rules followed.
When both fold or neither does, nothing changes: the same reading on both sides hides no bug.

Only the top level is probed and judged: a runtime may fold the keys of one object and not of another (the
bundled Go runtime decodes the envelope into a struct, which folds, and the artifact into a map, which does
not), so what holds for the top level says nothing about the levels below it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace

from fuzzer._compare import ComparePolicy, compare
from fuzzer._model import Case, Outcome
from fuzzer._send import Transport
from strategies import encode_json

PROBES = 4
"""Requests the probe sends twice (as they are, and with swapped key case)."""


def _swap_first(key: str) -> str:
    for at, char in enumerate(key):
        swapped = char.swapcase()
        if swapped != char and len(swapped) == 1:
            return key[:at] + swapped + key[at + 1 :]
    return key


def swapped_key_case(case: Case) -> Case | None:
    """`case` with the first cased letter of every top-level key of its JSON object body swapped, or None when
    its body is not a JSON object or has no key to swap."""
    try:
        value = json.loads(case.request.body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    swapped = {_swap_first(key): item for key, item in value.items()}
    if swapped == value:
        return None
    return replace(
        case, request=replace(case.request, body=encode_json(swapped)), label=f"{case.label} (key case swapped)"
    )


def measure(transport: Transport, cases: Sequence[Case], policy: ComparePolicy) -> ComparePolicy:
    """`policy` with `folds_key_case` as the two runtimes show it on `cases` (up to `PROBES` of those with a JSON
    object body). Without such cases, or when a side did not answer every probe, the policy is left unmeasured
    (`folds_key_case` None: keys that differ only in case are then not a class of their own)."""
    pairs = [(case, swapped) for case in cases if (swapped := swapped_key_case(case)) is not None][:PROBES]
    if not pairs:
        return policy
    exchanges = transport.exchange_many([case for pair in pairs for case in pair])
    changed = [False, False]
    for at in range(0, len(exchanges), 2):
        plain, swapped = exchanges[at], exchanges[at + 1]
        if any(r.outcome is not Outcome.OK for r in (*plain.responses, *swapped.responses)):
            return policy  # a side that does not answer shows nothing about how it reads
        before, after = compare(plain, policy).outcomes, compare(swapped, policy).outcomes
        for side in (0, 1):
            changed[side] |= (before[side].status, before[side].rule) != (after[side].status, after[side].rule)
    return replace(policy, folds_key_case=(not changed[0], not changed[1]))
