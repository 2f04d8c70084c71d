"""1-minimality of a reproducer: no one-step simplification of its request still shows its class.

The one check of it, shared by the quality tests and `bench/quality.py` (and any section added to the bench later,
such as the bundled pair mapped onto a catalogue of root causes): send the reproducer and each of its one-step
simplifications (`fuzzer._reduce.simplifications`) to both targets, compare and classify each exchange with the
campaign's policy, and see which still give the reproducer's signature.

The reproducer itself is sent too: a reproducer that no longer shows its signature under the policy given would
make every simplification pass, so it is reported as not minimal (`reproduces` is False), never as minimal.

    policy = campaign_policy(config.policy, outcome.result)
    with Transport(targets) as transport:
        checked = minimality(transport, finding.reproducer.exchange.case, finding.signature, policy)
        assert checked.minimal, checked.explain()
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from fuzzer._classify import classify
from fuzzer._compare import ComparePolicy, compare
from fuzzer._engine import EngineResult
from fuzzer._model import Case, Exchange, Signature, WireRequest
from fuzzer._reduce import simplifications
from fuzzer._send import Transport


@dataclass(frozen=True, slots=True)
class Minimality:
    """What sending a reproducer and its one-step simplifications showed."""

    signature: Signature
    reproduces: bool  # the reproducer, sent again, still shows `signature`
    again: Signature | None  # what it showed instead, when it does not (None: the runtimes agreed)
    tried: int  # distinct simplifications sent
    witnesses: tuple[WireRequest, ...]  # simplifications that still show `signature`

    @property
    def minimal(self) -> bool:
        return self.reproduces and not self.witnesses

    def explain(self) -> str:
        if not self.reproduces:
            shown = self.again.key if self.again is not None else "agreement"
            return f"the reproducer of {self.signature.key} no longer shows it (sent again: {shown})"
        if self.witnesses:
            simpler = self.witnesses[0]
            return (
                f"{len(self.witnesses)} of {self.tried} one-step simplifications still show {self.signature.key}, "
                f"for example headers {list(simpler.headers)} body {simpler.body[:300]!r}"
            )
        return f"1-minimal: none of {self.tried} one-step simplifications shows {self.signature.key}"


def campaign_policy(policy: ComparePolicy, result: EngineResult) -> ComparePolicy:
    """The policy a campaign's classes were signed with: the one it ended with (the runtimes' measured readings
    and the noise it learned), else the config's `policy` ignoring the noise it learned."""
    return result.policy if result.policy is not None else policy.ignoring(result.noise)


def minimality(transport: Transport, reproducer: Case, signature: Signature, policy: ComparePolicy) -> Minimality:
    """Send `reproducer` and every distinct one-step simplification of its request to both targets of `transport`,
    and say which still show `signature` under `policy` (the campaign's, including any noise it learned)."""
    simpler = [one for one in dict.fromkeys(simplifications(reproducer.request)) if one != reproducer.request]
    cases = [reproducer, *(replace(reproducer, request=one, label="one-step simplification") for one in simpler)]
    shown = [_signature(exchange, policy) for exchange in transport.exchange_many(cases)]
    return Minimality(
        signature=signature,
        reproduces=shown[0] == signature,
        again=shown[0],
        tried=len(simpler),
        witnesses=tuple(request for request, seen in zip(simpler, shown[1:], strict=True) if seen == signature),
    )


def _signature(exchange: Exchange, policy: ComparePolicy) -> Signature | None:
    divergence = classify(exchange, compare(exchange, policy))
    return divergence.signature if divergence is not None else None
