"""Replay: send every stored case again and judge it against its expectation.

expectation   now            verdict
match         agree          PASS
match         diverge        REGRESSED
diverge(S)    diverge(S)     KNOWN
diverge(S)    diverge(T≠S)   CHANGED
diverge(S)    agree          FIXED      (promote it: `parity-fuzz promote CASE`)
unreadable file, or a runtime that does not answer at all          ERROR

A case saved under an older signature scheme is judged by its re-keyed expectation (`fuzzer._migrate.rekey`,
from the answers it recorded), so a scheme change never shows as CHANGED; its verdict says to run
`parity-fuzz corpus migrate`. One that cannot be re-keyed is an ERROR that says why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from fuzzer._classify import SIGNATURE_VERSION, classify
from fuzzer._compare import ComparePolicy, compare
from fuzzer._errors import CaseFileError
from fuzzer._migrate import NotMigratable, rekey, stale
from fuzzer._model import Divergence, Exchange, Outcome
from fuzzer._send import Transport
from fuzzer._store import DIVERGE, Expectation, StoredCase


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
    stale: bool = False  # saved under an older signature scheme: judged re-keyed, to be migrated

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


MIGRATE_HINT = "signature v{version}: run parity-fuzz corpus migrate {path}"


def judge(
    stored: StoredCase, exchange: Exchange, divergence: Divergence | None, policy: ComparePolicy | None = None
) -> Judged:
    """The verdict on one replayed case; `policy` re-keys a case saved under an older signature scheme."""
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
    expected, hint = stored.expect, ""
    if stale(stored) or expected.version > SIGNATURE_VERSION:
        try:
            expected = rekey(stored, policy or ComparePolicy())
        except NotMigratable as err:
            detail = f"signature version {stored.expect.version} cannot be re-keyed: {err}"
            return Judged(stored.label, path, Verdict.ERROR, detail, stored, exchange, divergence)
        hint = MIGRATE_HINT.format(version=stored.expect.version, path=path or "CASE") + "; "
    judged = _verdict(stored, path, expected, exchange, divergence)
    if hint:
        judged = replace(judged, detail=hint + judged.detail, stale=True)
    return judged


def _verdict(
    stored: StoredCase, path: str, expected: Expectation, exchange: Exchange, divergence: Divergence | None
) -> Judged:
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
            judged.append(judge(stored, exchange, classify(exchange, compare(exchange, policy)), policy))
    return judged


def unreadable(errors: Sequence[CaseFileError]) -> list[Judged]:
    return [Judged(label=err.path, path=err.path, verdict=Verdict.ERROR, detail=err.reason) for err in errors]


def tally(judged: Sequence[Judged]) -> dict[str, int]:
    counts = Counter(j.verdict.value for j in judged)
    return {verdict.value: counts.get(verdict.value, 0) for verdict in Verdict}
