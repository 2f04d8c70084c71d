"""Forensics: a runtime that stops answering ends the campaign; find the case that killed it.

Every side that did not answer is asked for its health on a fresh connection. A dead runtime raises
`RuntimeDied` (not a test failure: the end of the campaign). With a way to restart the runtime, the recent cases
are replayed newest first, each on a fresh start, to find the one after which it is dead again, and that case
is confirmed `confirm` times. With several jobs (`fuzzer._jobs`) the parent does this once every job has
stopped, over the recent cases of all of them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from fuzzer._classify import signature_of
from fuzzer._compare import ComparePolicy, crashed
from fuzzer._model import Case, Divergence, Exchange, Finding, Outcome
from fuzzer._send import Transport

RECENT = 16
"""Cases remembered as the candidates when a runtime dies, beyond the batches that may be in flight."""


class RuntimeDied(BaseException):
    """A runtime stopped answering, even its health check."""

    def __init__(self, index: int, detail: str, exchange: Exchange) -> None:
        super().__init__(detail)
        self.index = index
        self.detail = detail
        self.exchange = exchange


class Forensics:
    def __init__(
        self,
        transport: Transport,
        health: str,
        restart: Callable[[str], None] | None,
        confirm: int,
        in_flight: int,
    ) -> None:
        self.transport = transport
        self.health = health
        self.restart = restart
        self.confirm = confirm
        self.recent: deque[Case] = deque(maxlen=RECENT + in_flight)

    def sent(self, cases: Iterable[Case]) -> None:
        self.recent.extend(cases)

    def watch(self, exchanges: Iterable[Exchange]) -> None:
        """A side that did not answer is asked for its health; a dead runtime raises RuntimeDied."""
        for exchange in exchanges:
            for index, response in enumerate(exchange.responses):
                if response.outcome is not Outcome.OK and not self.healthy(index):
                    raise RuntimeDied(index, response.detail or response.outcome.value, exchange)

    def healthy(self, index: int) -> bool:
        return self.transport.get(index, self.health).outcome is Outcome.OK

    def culprit(self, death: RuntimeDied) -> tuple[Exchange, int]:
        """The exchange that killed the runtime and how many more times it did so; without a restart, the last
        exchange before the death, unconfirmed. Raises ParityError when a restart fails."""
        if self.restart is None:
            return death.exchange, 0
        restart, name = self.restart, self.transport.targets[death.index].name
        for case in reversed(list(self.recent)):  # the most recent first: usually the culprit
            restart(name)
            exchange = self.transport.exchange(case)
            if self.healthy(death.index):
                continue
            confirmations = 1
            for _ in range(max(self.confirm - 1, 0)):
                restart(name)
                self.transport.exchange(case)
                confirmations += 0 if self.healthy(death.index) else 1
            restart(name)
            return exchange, confirmations
        restart(name)
        return death.exchange, 0


def crash_finding(culprit: Exchange, confirmations: int, policy: ComparePolicy) -> Finding:
    """The crash class of `culprit` (the exchange after which the runtime was dead), classified as every class
    is, confirmed `confirmations` times."""
    comparison = crashed(culprit, policy)
    divergence = Divergence(culprit, comparison, signature_of(culprit, comparison))
    return Finding(divergence.signature, divergence, 1, False, False, confirmations, crash=True)
