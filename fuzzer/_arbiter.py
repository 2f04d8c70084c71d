"""Arbiter: send cases to both runtimes and judge the answers — the one path for every send the engine makes
besides the pipelined generation batches: shrinking calls, confirmations, reduction candidates, noise probes.

Every answer it reads is watched first (a runtime that stopped answering raises `RuntimeDied`), then judged
(`fuzzer._judge`). A comparison that fails is an engine error, noted in the ledger, never a divergence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fuzzer._forensics import Forensics
from fuzzer._judge import Judge
from fuzzer._ledger import Ledger
from fuzzer._model import Case, Comparison, Divergence, Exchange
from fuzzer._send import Transport

Judged = list[tuple[Case, Divergence | None]]
Observe = Callable[[Case, Comparison], None]


class Arbiter:
    def __init__(self, transport: Transport, judge: Judge, forensics: Forensics, ledger: Ledger) -> None:
        self.transport = transport
        self.judge = judge
        self.forensics = forensics
        self.ledger = ledger

    def send(self, cases: Sequence[Case]) -> list[Exchange]:
        """Both runtimes' answers to `cases`, watched (not judged)."""
        self.forensics.sent(cases)
        exchanges = self.transport.exchange_many(cases) if cases else []
        self.forensics.watch(exchanges)
        return exchanges

    def judge_many(self, cases: Sequence[Case]) -> Judged:
        return self._verdicts(self.send(cases), None)

    def judged(self, exchanges: Sequence[Exchange], observe: Observe | None = None) -> Judged:
        """Each exchange's divergence (None: agreement), watched first; `observe` sees every comparison."""
        self.forensics.watch(exchanges)
        return self._verdicts(exchanges, observe)

    def _verdicts(self, exchanges: Sequence[Exchange], observe: Observe | None) -> Judged:
        judged: Judged = []
        for exchange in exchanges:
            try:
                comparison, divergence = self.judge.verdict(exchange)
                if observe is not None:
                    observe(exchange.case, comparison)
                judged.append((exchange.case, divergence))
            except Exception as err:  # an engine bug must not turn into a "divergence" for Hypothesis
                self.ledger.note_error(f"comparing case {exchange.case.label!r} failed: {type(err).__name__}: {err}")
        return judged

    def shows(self, divergence: Divergence, times: int = 1) -> bool:
        """The divergence's case, sent `times` more times, shows its signature every time."""
        for _ in range(times):
            exchange = self.transport.exchange(divergence.exchange.case)
            self.forensics.watch([exchange])  # a runtime dying while it was being confirmed is a crash, not a class
            _, again = self.judge.verdict(exchange)
            if again is None or again.signature != divergence.signature:
                return False
        return True
