"""Judge: compare and classify an exchange, remembered per answer pair.

A comparison depends on the two answers only, and most cases get one of a few answers (the same acceptance, the
same rejection), so verdicts are remembered for small answer pairs. One thing a divergence's class also depends
on is the request's own: whether the two sides read it alike (`Comparison.misread`, `fuzzer._readings`), asked
of each divergent request again. The policy can grow while a campaign runs (learned noise); the memory is
cleared then.
"""

from __future__ import annotations

from dataclasses import replace

from fuzzer._classify import classify, signature_of
from fuzzer._compare import ComparePolicy, compare
from fuzzer._model import Comparison, Divergence, Exchange, Level, Response, Signature

VERDICT_CACHE = 2048
"""Answer pairs whose comparison is remembered (cleared when full)."""
_READ = (Level.STATUS, Level.SEMANTIC)
"""The levels at which `compare` asks whether the two sides read the request alike (`Comparison.misread`)."""
VERDICT_BODY_LIMIT = 8192
"""Answer pairs longer than this (both bodies together) are compared afresh every time."""


class Judge:
    def __init__(self, policy: ComparePolicy) -> None:
        self.policy = policy
        self._verdicts: dict[tuple[str, Response, Response], tuple[Comparison, Signature | None]] = {}

    def verdict(self, exchange: Exchange) -> tuple[Comparison, Divergence | None]:
        """The comparison of `exchange` (its outcome pair, for agreeing answers too) and its divergence."""
        left, right = exchange.responses
        if len(left.body) + len(right.body) > VERDICT_BODY_LIMIT:
            comparison = compare(exchange, self.policy)
            return comparison, classify(exchange, comparison)
        key = (exchange.case.operation_key, left, right)  # a signature also names the operation
        known = self._verdicts.get(key)
        if known is None:
            comparison = compare(exchange, self.policy)
            divergence = classify(exchange, comparison)
            known = (comparison, divergence.signature if divergence else None)
            if len(self._verdicts) >= VERDICT_CACHE:
                self._verdicts.clear()
            self._verdicts[key] = known
        comparison, signature = known
        if comparison.level in _READ and self.policy.reads_key_case_apart:
            # whether the two sides read this request alike is the request's, not the answers': asked of a
            # divergent request only (agreeing answers never depend on it), once
            misread = self.policy.misreads(exchange)
            if misread != comparison.misread:
                comparison = replace(comparison, misread=misread)
                signature = signature_of(exchange, comparison)
        if signature is None:
            return comparison, None
        return comparison, Divergence(exchange=exchange, comparison=comparison, signature=signature)

    def ignore(self, pointers: tuple[str, ...]) -> None:
        """Ignore more paths from now on (learned noise)."""
        self.policy = self.policy.ignoring(pointers)
        self._verdicts.clear()
