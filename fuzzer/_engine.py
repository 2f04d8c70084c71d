"""The differential engine: generate with Hypothesis, send, compare, classify, and shrink each new class alone.

Why it is shaped like this (see docs/engine.md for the measurements):

- Hypothesis stops generating soon after a test fails, so one `@given` run that raises on every divergence
  cannot run N examples. The campaign is a loop of *runs*; each run gets the budget that is left.
- A run raises only for a signature no one knows yet. With `report_multiple_bugs=False` Hypothesis then stops
  generating at once, shrinks that failure, and replays the minimal case once more. During shrinking only the
  run's *target* signature raises, so the shrinker cannot slip to another class; other new signatures seen
  while shrinking are kept aside and confirmed at the end.
- Every call after the first raise is shrinking or the final replay, so examples are counted exactly: the
  cases of calls made before the run has a target, capped at the budget.
- One Hypothesis example is a *batch* of up to `batch` cases sent concurrently; the shrinker deletes the cases
  that do not matter, so a reproducer is one case. Batching keeps both runtimes busy while Hypothesis draws.
- A new signature is confirmed (sent again) before the run raises, and the minimal reproducer `confirm` more
  times after it; one that does not reproduce is *flaky* and reported apart, never raised into Hypothesis.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky, FlakyFailure
from hypothesis.reporting import with_reporter

from fuzzer._classify import classify
from fuzzer._compare import ComparePolicy, compare
from fuzzer._model import Case, Divergence, Finding, Signature
from fuzzer._send import Transport


@dataclass(frozen=True, slots=True)
class EngineSettings:
    examples: int = 1000
    seed: int | None = None
    batch: int = 8
    confirm: int = 3
    max_seconds: float | None = None
    max_shrink_calls: int = 2000

    def __post_init__(self) -> None:
        if self.examples < 0:
            raise ValueError(f"examples={self.examples} must be at least 0")
        if not 1 <= self.batch <= 64:
            raise ValueError(f"batch={self.batch} must be between 1 and 64")
        if self.confirm < 0:
            raise ValueError(f"confirm={self.confirm} must be at least 0")


class Observer:
    """What the engine tells the outside world. The engine never prints; the CLI and tests subclass this."""

    def progress(self, examples: int, classes: int) -> None:
        pass

    def found(self, finding: Finding) -> None:
        pass

    def stage(self, text: str) -> None:
        pass


@dataclass
class _Class:
    first: Divergence
    count: int = 0


@dataclass
class EngineResult:
    examples: int
    elapsed_s: float
    seed: int
    findings: list[Finding]
    known: list[Finding]
    flaky: list[Divergence]
    errors: list[str]
    agreed: int
    shrink_calls: int
    runs: int
    interrupted: bool = False
    stopped_by_time: bool = False


class _NewClass(Exception):
    """Raised into Hypothesis for the run's target signature only."""


class _BudgetSpent(BaseException):
    """Ends a run when the example budget or the time limit is used up (not a test failure)."""


@dataclass
class _Run:
    target: Signature | None = None
    reproducer: Divergence | None = None
    shrink_calls: int = 0
    side: dict[Signature, Divergence] = field(default_factory=dict)


class Engine:
    def __init__(
        self,
        transport: Transport,
        strategy: st.SearchStrategy[Case],
        policy: ComparePolicy,
        known: frozenset[str],
        settings_: EngineSettings,
        observer: Observer | None = None,
    ) -> None:
        self.transport = transport
        self.strategy = strategy
        self.policy = policy
        self.known = known
        self.settings = settings_
        self.observer = observer or Observer()
        self.examples = 0
        self.agreed = 0
        self.classes: dict[Signature, _Class] = {}
        self.findings: dict[Signature, Finding] = {}
        self.flaky: list[Divergence] = []
        self.errors: list[str] = []
        self.shrink_calls = 0
        self.runs = 0
        self._deadline: float | None = None

    # ------------------------------------------------------------ public

    def run(self) -> EngineResult:
        started = time.monotonic()
        campaign_seed = self.settings.seed if self.settings.seed is not None else random.getrandbits(32)
        rng = random.Random(campaign_seed)
        if self.settings.max_seconds is not None:
            self._deadline = started + self.settings.max_seconds
        interrupted = stopped_by_time = False
        side: dict[Signature, Divergence] = {}
        try:
            while self.examples < self.settings.examples:
                if self._out_of_time():
                    stopped_by_time = True
                    break
                before = self.examples
                run = self._run_once(rng.getrandbits(64))
                side.update({s: d for s, d in run.side.items() if s not in side})
                if self.examples == before and run.target is None:
                    break  # the strategy cannot produce more distinct cases
            self._settle_side_sightings(side)
        except KeyboardInterrupt:
            interrupted = True
        return EngineResult(
            examples=self.examples,
            elapsed_s=time.monotonic() - started,
            seed=campaign_seed,
            findings=self.final_findings(),
            known=[self._known_finding(sig, cls) for sig, cls in self.classes.items() if sig.digest in self.known],
            flaky=self.flaky,
            errors=self.errors,
            agreed=self.agreed,
            shrink_calls=self.shrink_calls,
            runs=self.runs,
            interrupted=interrupted,
            stopped_by_time=stopped_by_time,
        )

    # ------------------------------------------------------------ one Hypothesis run

    def _run_once(self, run_seed: int) -> _Run:
        self.runs += 1
        state = _Run()
        budget = self.settings.examples - self.examples

        @seed(run_seed)
        @settings(
            max_examples=max(budget, 1),
            database=None,
            deadline=None,
            derandomize=False,
            report_multiple_bugs=False,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            print_blob=False,
        )
        @given(st.lists(self.strategy, min_size=1, max_size=self.settings.batch))
        def probe(cases: list[Case]) -> None:
            self._probe(state, cases)

        try:
            with with_reporter(_silent):
                probe()
        except _BudgetSpent:
            pass
        except _NewClass:
            self._settle_run(state)
        except (FlakyFailure, Flaky):
            if state.reproducer is not None:
                self.flaky.append(state.reproducer)
        return state

    def _probe(self, state: _Run, cases: list[Case]) -> None:
        generating = state.target is None
        if generating:
            left = self.settings.examples - self.examples
            if left <= 0 or self._out_of_time():
                raise _BudgetSpent
            cases = cases[:left]
            self.examples += len(cases)
        else:
            state.shrink_calls += 1
            self.shrink_calls += 1
        for exchange in self.transport.exchange_many(cases):
            try:
                divergence = classify(exchange, compare(exchange, self.policy))
            except Exception as err:  # an engine bug must not turn into a "divergence" for Hypothesis
                self.errors.append(f"comparing case {exchange.case.label!r} failed: {type(err).__name__}: {err}")
                continue
            if generating:
                self._tally(divergence)
            if divergence is None:
                continue
            signature = divergence.signature
            if generating:
                if self._is_known(signature):
                    continue
                if not self._reproduces(divergence):
                    self.flaky.append(divergence)
                    continue
                state.target, state.reproducer = signature, divergence
                raise _NewClass(signature.key)
            if signature == state.target:
                if (
                    state.shrink_calls > self.settings.max_shrink_calls
                    and state.reproducer is not None
                    and exchange.case.request != state.reproducer.exchange.case.request
                ):
                    continue  # shrinking budget spent: only the best case so far still fails
                state.reproducer = divergence
                raise _NewClass(signature.key)
            if not self._is_known(signature) and signature not in state.side:
                state.side[signature] = divergence
        if generating:
            self.observer.progress(self.examples, len(self.classes))

    # ------------------------------------------------------------ bookkeeping

    def _tally(self, divergence: Divergence | None) -> None:
        if divergence is None:
            self.agreed += 1
            return
        entry = self.classes.setdefault(divergence.signature, _Class(divergence))
        entry.count += 1

    def _is_known(self, signature: Signature) -> bool:
        return signature.digest in self.known or signature in self.findings

    def _out_of_time(self) -> bool:
        return self._deadline is not None and time.monotonic() > self._deadline

    def _resend(self, divergence: Divergence) -> Signature | None:
        exchange = self.transport.exchange(divergence.exchange.case)
        again = classify(exchange, compare(exchange, self.policy))
        return again.signature if again else None

    def _reproduces(self, divergence: Divergence, times: int = 1) -> bool:
        return all(self._resend(divergence) == divergence.signature for _ in range(times))

    def _settle_run(self, state: _Run) -> None:
        assert state.target is not None and state.reproducer is not None
        minimal = state.reproducer
        if not self._reproduces(minimal, self.settings.confirm):
            self.flaky.append(minimal)
            return
        self._record(minimal, shrunk=True)

    def _settle_side_sightings(self, side: dict[Signature, Divergence]) -> None:
        for signature, divergence in side.items():
            if self._is_known(signature):
                continue
            self.observer.stage(f"confirming a class seen while shrinking: {signature.key}")
            if self._reproduces(divergence, max(self.settings.confirm, 1)):
                self.classes.setdefault(signature, _Class(divergence))
                self._record(divergence, shrunk=False)
            else:
                self.flaky.append(divergence)

    def _record(self, divergence: Divergence, *, shrunk: bool) -> None:
        entry = self.classes.setdefault(divergence.signature, _Class(divergence))
        finding = Finding(
            signature=divergence.signature,
            reproducer=divergence,
            count=entry.count,
            known=False,
            shrunk=shrunk,
            confirmations=self.settings.confirm,
        )
        self.findings[divergence.signature] = finding
        self.observer.found(finding)

    def _known_finding(self, signature: Signature, entry: _Class) -> Finding:
        return Finding(signature, entry.first, entry.count, known=True, shrunk=False, confirmations=0)

    def final_findings(self) -> list[Finding]:
        """New findings with their final counts (a class keeps being counted after it was found)."""
        return [
            Finding(f.signature, f.reproducer, self.classes[f.signature].count, False, f.shrunk, f.confirmations)
            for f in self.findings.values()
        ]


def _silent(_: str) -> None:
    pass
