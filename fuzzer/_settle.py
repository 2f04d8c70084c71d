"""Settle: what happens to a new class once Hypothesis has shrunk it — reduce its request, confirm it.

The request is reduced while it keeps the class's exact signature (`fuzzer._reduce`, within the send budget),
then confirmed `confirm` more times; when the reduced request does not confirm, the shrunk one is tried. A class
that confirms neither way is flaky.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from fuzzer._arbiter import Arbiter
from fuzzer._compare import lift_body
from fuzzer._model import Case, Divergence, Outcome, Response, WireRequest
from fuzzer._reduce import Reduction, reduce_request

REDUCED = " (reduced)"


@dataclass(frozen=True, slots=True)
class Settled:
    """A confirmed reproducer, and the reduction that made it (None: not reduced, or the reduced one failed)."""

    reproducer: Divergence
    reduction: Reduction | None


class Settler:
    def __init__(self, arbiter: Arbiter, confirm: int, reduce_budget: int) -> None:
        self.arbiter = arbiter
        self.confirm = confirm
        self.reduce_budget = reduce_budget
        self.reduce_sends = 0

    def settle(self, shrunk: Divergence) -> Settled | None:
        """The confirmed reproducer of `shrunk`'s class, reduced when that confirms; None when it is flaky."""
        reduced, reduction = self.reduce(shrunk)
        for candidate in (reduced, shrunk) if reduced is not shrunk else (shrunk,):
            if self.arbiter.shows(candidate, self.confirm):
                return Settled(candidate, reduction if candidate is reduced else None)
        return None

    def reduce(self, divergence: Divergence) -> tuple[Divergence, Reduction | None]:
        """The reproducer's request reduced while it keeps the class's exact signature."""
        if self.reduce_budget == 0:
            return divergence, None
        target = divergence.signature
        original = divergence.exchange.case
        kept: dict[WireRequest, Divergence] = {}

        def judge(requests: Sequence[WireRequest]) -> list[bool]:
            for case, seen in self.arbiter.judge_many([replace(original, request=request) for request in requests]):
                if seen is not None and seen.signature == target:
                    kept[case.request] = seen
            return [request in kept for request in requests]

        reduction = reduce_request(original.request, judge, budget=self.reduce_budget)
        self.reduce_sends += reduction.sends
        if reduction.steps == 0 or reduction.request not in kept:
            return divergence, reduction
        found = kept[reduction.request]
        case = reduced_case(original, reduction.request)
        return replace(found, exchange=replace(found.exchange, case=case)), reduction


def reduced_case(original: Case, request: WireRequest) -> Case:
    """`original` with a reduced request: the label says so, and the structured view follows the body."""
    envelope = lift_body(Response(Outcome.OK, 200, None, request.body))
    artifact = context = None
    if isinstance(envelope, dict):
        artifact, context = envelope.get("artifact"), envelope.get("context")
    label = original.label if original.label.endswith(REDUCED) else original.label + REDUCED
    return replace(original, request=request, label=label, artifact=artifact, context=context)
