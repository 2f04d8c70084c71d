"""Replay: send every stored case again and judge it against its expectation.

expectation   now            verdict
match         agree          PASS
match         diverge        REGRESSED
diverge(S)    diverge(S)     KNOWN
diverge(S)    diverge(T≠S)   CHANGED
diverge(S)    agree          FIXED      (promote it: `parity-fuzz promote CASE`)
unreadable file, or a runtime that does not answer at all          ERROR
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from fuzzer._classify import classify
from fuzzer._compare import ComparePolicy, compare
from fuzzer._errors import CaseFileError
from fuzzer._model import Divergence, Exchange, Outcome
from fuzzer._send import Transport
from fuzzer._store import DIVERGE, StoredCase


class Verdict(StrEnum):
    PASS = "PASS"
    KNOWN = "KNOWN"
    FIXED = "FIXED"
    CHANGED = "CHANGED"
    REGRESSED = "REGRESSED"
    ERROR = "ERROR"


FAILING = frozenset({Verdict.CHANGED, Verdict.REGRESSED, Verdict.ERROR})


@dataclass(frozen=True, slots=True)
class Judged:
    """One replayed case: what it expected, what happened, and the verdict."""

    label: str
    path: str
    verdict: Verdict
    detail: str = ""
    stored: StoredCase | None = None
    exchange: Exchange | None = None
    divergence: Divergence | None = None

    @property
    def statuses(self) -> tuple[str, str]:
        if self.exchange is None:
            return ("-", "-")
        return (self.exchange.responses[0].status_label, self.exchange.responses[1].status_label)

    @property
    def signature(self) -> str | None:
        return self.divergence.signature.digest if self.divergence else None

    @property
    def agrees(self) -> bool:
        """Both runtimes answered, and alike."""
        return self.exchange is not None and self.divergence is None and self.verdict is not Verdict.ERROR

    @property
    def status_match(self) -> bool:
        return self.verdict is not Verdict.ERROR and self.statuses[0] == self.statuses[1]

    def fails(self, strict: bool = False) -> bool:
        return self.verdict in FAILING or (strict and self.verdict is Verdict.KNOWN)


def judge(stored: StoredCase, exchange: Exchange, divergence: Divergence | None) -> Judged:
    path = str(stored.path or "")
    sides = list(zip(exchange.targets, exchange.responses, strict=True))
    # A side that refuses connections is down; two sides without any answer cannot "agree".
    nobody_answered = all(r.outcome is not Outcome.OK for _, r in sides)
    unreachable = [
        f"{t.name} at {t.url}: {r.outcome.value}"
        for t, r in sides
        if r.outcome is Outcome.REFUSED or (nobody_answered and r.outcome is not Outcome.OK)
    ]
    if unreachable:
        return Judged(
            stored.label, path, Verdict.ERROR, "runtime unreachable: " + "; ".join(unreachable), stored, exchange
        )
    expected = stored.expect
    if expected.outcome == DIVERGE:
        if divergence is None:
            verdict, detail = Verdict.FIXED, f"the runtimes agree now; promote it: parity-fuzz promote {path}"
        elif divergence.signature.digest == expected.signature:
            verdict, detail = Verdict.KNOWN, divergence.signature.key
        else:
            verdict = Verdict.CHANGED
            detail = f"expected {expected.signature} ({expected.key}), got {divergence.signature.digest} "
            detail += f"({divergence.signature.key})"
    elif divergence is None:
        verdict, detail = Verdict.PASS, ""
    else:
        verdict, detail = Verdict.REGRESSED, f"now diverges: {divergence.signature.key}"
    return Judged(stored.label, path, verdict, detail, stored, exchange, divergence)


def replay(cases: Sequence[StoredCase], transport: Transport, policy: ComparePolicy, batch: int = 32) -> list[Judged]:
    judged: list[Judged] = []
    for start in range(0, len(cases), batch):
        chunk = cases[start : start + batch]
        for stored, exchange in zip(chunk, transport.exchange_many([c.case for c in chunk]), strict=True):
            judged.append(judge(stored, exchange, classify(exchange, compare(exchange, policy))))
    return judged


def unreadable(errors: Sequence[CaseFileError]) -> list[Judged]:
    return [Judged(label=err.path, path=err.path, verdict=Verdict.ERROR, detail=err.reason) for err in errors]


def tally(judged: Sequence[Judged]) -> dict[str, int]:
    counts = Counter(j.verdict.value for j in judged)
    return {verdict.value: counts.get(verdict.value, 0) for verdict in Verdict}
