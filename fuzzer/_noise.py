"""Noise: JSON paths whose value changes between two answers of one runtime to the same request.

A runtime that puts a request id or a timestamp in its answers would make every case diverge, in one class
that hides everything else. So, after Diffy (which measures noise with a second instance of the primary), the
engine sends a *sample* of requests again, at the start and at intervals, and compares each runtime with
itself: a path whose value differs between two answers of one runtime to one request is noise, and is ignored
from then on (on both sides). The sample is kept, so a value that changes slowly (a timestamp in seconds) is
caught by a later probe even when the first two answers came within the same second.

Paths are patterns (array indexes as `*`), as the `ignore` list takes them. Paths the `ignore` list already
removes are not learned again (a configured `/elapsed_ms` that ticks under load is not news). Text answers are
left alone: templates already drop the numbers in them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fuzzer._compare import NOT_JSON, diff_json, lift_body, remove_paths
from fuzzer._model import Case, DiffKind, Exchange, Outcome, Response

SAMPLE = 16
"""Cases with a JSON answer kept to probe again."""
INTERVAL = 1000
"""Examples between two probes of the sample."""


def noisy_paths(first: Response, second: Response, ignore: tuple[str, ...] = ()) -> set[str]:
    """The patterns at which two answers of one runtime to one request differ, outside the paths `ignore`
    removes (empty unless both are JSON)."""
    if first.outcome is not Outcome.OK or second.outcome is not Outcome.OK or first.status != second.status:
        return set()
    one, two = lift_body(first), lift_body(second)
    if one is NOT_JSON or two is NOT_JSON:
        return set()
    if ignore:
        one, two = remove_paths(one, ignore, in_place=True), remove_paths(two, ignore, in_place=True)
    return {d.pattern or "/" for d in diff_json(one, two) if d.kind is not DiffKind.SHAPE}


@dataclass
class NoiseProbe:
    """The sample, each case's first answers, and the noise learned so far (beyond the configured `ignore`)."""

    ignore: tuple[str, ...] = ()
    interval: int = INTERVAL
    sample: list[tuple[Case, tuple[Response, Response]]] = field(default_factory=list)
    learned: set[str] = field(default_factory=set)
    probes: int = 0
    sends: int = 0
    _next: int = 0  # the example count at which the sample is probed again

    def wants(self, exchanges: list[Exchange]) -> list[Exchange]:
        """The exchanges of a batch to take into the sample (those with a JSON answer), while it is not full."""
        room = SAMPLE - len(self.sample)
        if room <= 0:
            return []
        chosen = [e for e in exchanges if any(lift_body(r) is not NOT_JSON for r in e.responses)]
        return chosen[:room]

    def due(self, examples: int) -> bool:
        return len(self.sample) >= SAMPLE and examples >= self._next

    def learn(self, examples: int, first: list[Exchange], again: list[Exchange]) -> set[str]:
        """New noise from the same requests answered twice; the first answers join the sample."""
        for exchange in first:
            self.sample.append((exchange.case, exchange.responses))
        return self._compare(examples, [e.responses for e in first], again)

    def reprobe(self, examples: int, again: list[Exchange]) -> set[str]:
        """New noise from the sample answered again, against its first answers."""
        return self._compare(examples, [answers for _, answers in self.sample], again)

    def _compare(self, examples: int, before: list[tuple[Response, Response]], again: list[Exchange]) -> set[str]:
        """The paths at which each runtime's answers in `again` differ from its `before`, not learned yet; the
        next probe is due `interval` examples from now."""
        self.probes += 1
        self.sends += len(again)
        self._next = examples + self.interval
        found: set[str] = set()
        for answers, exchange in zip(before, again, strict=True):
            for side in (0, 1):
                found |= noisy_paths(answers[side], exchange.responses[side], self.ignore)
        new = found - self.learned
        self.learned |= new
        return new
