"""The differential engine: generate with Hypothesis, send, compare, classify, and shrink each new class alone.

Why it is shaped like this (see docs/engine.md for the measurements):

- Hypothesis stops generating soon after a test fails, so one `@given` run that raises on every divergence
  cannot run N examples. The campaign is a loop of *generation runs*, which never fail, over fixed *segments* of
  about SEGMENT_CASES cases, each segment with its own seed derived from the campaign seed. A run that finds a
  confirmed new class ends there; the next run starts the same segment again, re-draws (without sending) the
  batches already done, and looks again at the batch that found the class. Hypothesis's generation does not
  depend on what the test saw, so a campaign sends the same N cases whatever the corpus already knows:
  re-running a campaign with the same seed adds nothing new.
- Each new class is shrunk in a *shrinking run* of its own, which starts from the one case that showed it: the
  batch strategy remembers each case's choices (`Batch.alone`), and Hypothesis replays them as the one stored
  example of an in-memory database, then shrinks. Only the run's *target* signature raises, so the shrinker
  cannot slip to another class; other new signatures seen while shrinking are only counted (`unpursued`).
- One Hypothesis example is a *batch* of exactly `batch` cases (default 16), which shares Hypothesis's
  per-example work among them. A batch is written to the runtimes and judged during the next call, while the
  next batch is being drawn, so drawing and the runtimes' work overlap. Examples are counted exactly: the cases
  of a batch when it is judged, capped at the budget.
- A new signature is confirmed (sent again) before it becomes a target, and the minimal reproducer `confirm`
  more times after shrinking; one that does not reproduce is *flaky* and reported apart, never raised into
  Hypothesis.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
import unittest
import warnings
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import NoReturn

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky, FlakyFailure, HypothesisWarning
from hypothesis.reporting import with_reporter

from fuzzer._arbiter import Arbiter
from fuzzer._compare import ComparePolicy
from fuzzer._errors import ParityError
from fuzzer._forensics import Forensics, RuntimeDied, crash_finding
from fuzzer._guide import Guide, OutcomeCoverage
from fuzzer._judge import Judge
from fuzzer._ledger import Ledger
from fuzzer._model import (
    Case,
    Comparison,
    Divergence,
    Exchange,
    Finding,
    Signature,
    WireRequest,
)
from fuzzer._noise import NoiseProbe
from fuzzer._reduce import Reduction
from fuzzer._send import Flight, Transport
from fuzzer._settle import Settler
from strategies import Batch, batches
from strategies._hypothesis_internals import (
    ChoiceT,
    InMemoryExampleDatabase,
    save_example,
    use_database_key,
    use_seed,
)


@dataclass(frozen=True, slots=True)
class EngineSettings:
    examples: int = 1000
    seed: int | None = None
    batch: int = 16
    confirm: int = 3
    max_seconds: float | None = None
    max_shrink_calls: int = 2000
    reduce_budget: int = 400  # requests per class to reduce its reproducer after shrinking (0: no reduction)
    segment: int = 0  # Hypothesis examples per run; 0: about SEGMENT_CASES cases, whatever the batch

    def __post_init__(self) -> None:
        if self.examples < 0:
            raise ValueError(f"examples={self.examples} must be at least 0")
        if not 1 <= self.batch <= 64:
            raise ValueError(f"batch={self.batch} must be between 1 and 64")
        if self.segment < 0:
            raise ValueError(f"segment={self.segment} must be at least 1 (or 0: sized by the batch)")
        if self.confirm < 0:
            raise ValueError(f"confirm={self.confirm} must be at least 0")
        if self.reduce_budget < 0:
            raise ValueError(f"reduce_budget={self.reduce_budget} must be at least 0")

    @property
    def segment_calls(self) -> int:
        return self.segment or max(10, round(SEGMENT_CASES / self.batch))

    def calls_in(self, segment: int) -> int:
        """Hypothesis examples in a segment: `segment_calls`, except that automatic segments start at about
        FIRST_SEGMENT_CASES cases and double up to it, so that the guide's pool (which a segment sees as it was
        when the segment began) grows early in a campaign."""
        if self.segment:
            return self.segment
        return min(self.segment_calls, max(1, round(FIRST_SEGMENT_CASES / self.batch)) << min(segment, 16))


SEGMENT_CASES = 1600
FIRST_SEGMENT_CASES = 200
"""Cases per segment. Each Hypothesis run costs a start (its first example is the simplest batch, 16 times the
same case); finding a class replays its segment up to the batch that found it, without sending. Measured at
batch 16: 600-case segments ran 1,580-1,700 cases/s steady, 1,600-case segments 1,770-1,830, cold alike."""

_DATABASE_KEY = b"parity-fuzz"
"""The key of the one-case example a shrinking run starts from (its database holds nothing else)."""

IN_FLIGHT = 1
"""Batches sent and not yet judged: the runtimes answer while the next batches are drawn."""

ANSWER_CACHE = 4096
"""Requests remembered while one class is shrunk (bounded, so memory stays flat)."""


class Observer:
    """What the engine tells the outside world. The engine never prints; the CLI and tests subclass this."""

    def progress(self, examples: int, classes: int) -> None:
        pass

    def found(self, finding: Finding) -> None:
        pass

    def stage(self, text: str) -> None:
        pass


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
    reduce_sends: int = 0
    unpursued: int = 0
    interrupted: bool = False
    stopped_by_time: bool = False
    crashed: str | None = None  # which runtime died, and after how many examples
    noise: tuple[str, ...] = ()  # paths learned as noise, ignored from when they were learned
    noise_sends: int = 0
    coverage: OutcomeCoverage | None = None
    policy: ComparePolicy | None = None  # the policy classes were signed with at the end (learned noise included)
    discovery: tuple[tuple[int, float], ...] = ()  # per new class, in order: (examples counted, seconds) when found


class _NewClass(Exception):
    """Raised into Hypothesis for the run's target signature only."""


class _BudgetSpent(BaseException):
    """Ends a run when the example budget or the time limit is used up (not a test failure)."""


class _Found(BaseException):
    """Ends a generation run that found a new class (not a test failure: the class is shrunk in a run of its
    own, which starts from the one case that showed it)."""


@dataclass
class _Run:
    target: Signature | None = None
    reproducer: Divergence | None = None
    shrink_calls: int = 0
    side: set[Signature] = field(default_factory=set)
    segment: int = 0
    resume: int = 0  # generation calls of this segment already done by earlier runs
    recheck: int = 0  # cases of the next call, already counted, to look at again (0: none)
    last_counted: int = 0  # cases of the batch that held the target: the next run looks at them again
    calls: int = 0  # generation calls of this segment so far, replayed ones included
    alone: tuple[ChoiceT, ...] = ()  # the choices of a batch holding only the reproducer
    found_call: int = 0  # the generation call whose batch held the reproducer
    in_flight: deque[_InFlight] = field(default_factory=deque)  # batches sent, their answers not read yet
    answers: dict[WireRequest, Divergence | None] = field(default_factory=dict)


@dataclass
class _InFlight:
    """A generation call's cases, written to the runtimes; they answer while the next batch is drawn."""

    call: int
    batch: Batch[Case]
    cases: list[Case]
    counted: bool  # False for a batch looked at again after a class was found in it
    flight: Flight


class Engine:
    def __init__(
        self,
        transport: Transport,
        strategy: st.SearchStrategy[Case],
        policy: ComparePolicy,
        known: frozenset[str],
        settings_: EngineSettings,
        observer: Observer | None = None,
        *,
        health: str = "/health",
        restart: Callable[[str], None] | None = None,
        noise: NoiseProbe | None = None,
        guide: Guide | None = None,
        stop: threading.Event | None = None,
        claim: Callable[[Signature], bool] | None = None,
    ) -> None:
        self.transport = transport
        self.strategy = strategy
        self.settings = settings_
        self.observer = observer or Observer()
        self.judge = Judge(policy)
        self.ledger = Ledger(known)
        self.forensics = Forensics(transport, health, restart, settings_.confirm, (IN_FLIGHT + 1) * settings_.batch)
        self.arbiter = Arbiter(transport, self.judge, self.forensics, self.ledger)
        self.settler = Settler(self.arbiter, settings_.confirm, settings_.reduce_budget)
        self.noise = noise
        self.guide = guide
        self.stop = stop  # set when the user asked the campaign to stop (checked at every call)
        self.claim = claim  # asked before a confirmed new class is pursued; False: another job pursues it
        self.examples = 0
        self.shrink_calls = 0
        self.runs = 0
        self.crashed: str | None = None
        self.death: RuntimeDied | None = None  # how the runtime that ended the campaign died
        self.discovery: list[tuple[int, float]] = []  # (examples, seconds) at each new class recorded
        self._started = time.monotonic()
        self._deadline: float | None = None

    # ------------------------------------------------------------ public

    def run(self) -> EngineResult:
        started = self._started = time.monotonic()
        campaign_seed = self.settings.seed if self.settings.seed is not None else random.getrandbits(32)
        if self.settings.max_seconds is not None:
            self._deadline = started + self.settings.max_seconds
        interrupted = stopped_by_time = False
        side: set[Signature] = set()
        segment, resume, recheck, idle = 0, 0, 0, 0
        try:
            while self.examples < self.settings.examples:
                if self._out_of_time():
                    stopped_by_time = True
                    break
                before = self.examples
                run = self._run_once(_segment_seed(campaign_seed, segment), segment, resume, recheck)
                if run.target is not None:
                    self._shrink_alone(run, _segment_seed(campaign_seed, segment))
                side |= run.side
                idle = idle + 1 if self.examples == before and run.target is None else 0
                if idle > 3:
                    break  # the strategy cannot produce more distinct cases
                if run.target is not None:
                    # The same segment again, from the call that found the class: the rest of its batch may hold
                    # another new class, and a campaign must not depend on where the last one stopped.
                    resume, recheck = run.found_call - 1, run.last_counted
                else:
                    segment, resume, recheck = segment + 1, 0, 0
        except RuntimeDied as death:
            self._settle_crash(death)
        except KeyboardInterrupt:
            interrupted = True
        return EngineResult(
            examples=self.examples,
            elapsed_s=time.monotonic() - started,
            seed=campaign_seed,
            findings=self.ledger.final_findings(),
            known=self.ledger.known_findings(),
            flaky=list(self.ledger.flaky.values()),
            errors=self.ledger.error_list(),
            agreed=self.ledger.agreed,
            shrink_calls=self.shrink_calls,
            reduce_sends=self.settler.reduce_sends,
            runs=self.runs,
            unpursued=len({s for s in side if not self.ledger.is_known(s)}),
            interrupted=interrupted,
            stopped_by_time=stopped_by_time,
            crashed=self.crashed,
            noise=tuple(sorted(self.noise.learned)) if self.noise else (),
            coverage=self.guide.coverage() if self.guide else None,
            noise_sends=self.noise.sends if self.noise else 0,
            policy=self.judge.policy,
            discovery=tuple(self.discovery),
        )

    # ------------------------------------------------------------ one Hypothesis run

    def _run_once(self, run_seed: int, segment: int, resume: int, recheck: int) -> _Run:
        """A generation run: up to `segment_calls` batches, until the budget is spent or a new class is found."""
        self.runs += 1
        state = _Run(segment=segment, resume=resume, recheck=recheck)
        if self.guide is not None:  # one pool for the whole Hypothesis run: its draws must replay alike
            self.guide.now = segment
        try:
            with contextlib.suppress(_BudgetSpent, _Found):
                self._hypothesis(state, run_seed, [Phase.generate], self.settings.batch, None)
            while state.in_flight:  # answered after the last call: judged now, or dropped once a class was found
                sent = state.in_flight[0]
                if state.target is None:
                    self._land(state, sent)
                else:
                    self.transport.finish(sent.flight)
                state.in_flight.popleft()
        finally:  # a runtime died or the campaign was interrupted: close what is still in flight
            while state.in_flight:
                self.transport.abandon(state.in_flight.popleft().flight)
        return state

    def _shrink_alone(self, state: _Run, run_seed: int) -> None:
        """A shrinking run for the class `state` found: Hypothesis replays a batch holding only the case that
        showed it, then shrinks that one-case example. Shrinking the batch as it was generated would re-draw
        every case of it in every shrinking call, and spend most calls on cases that do not matter.

        The one-case example reaches Hypothesis the only way it accepts a given choice sequence: as a stored
        example of its database (the "secondary" corpus, which it replays and then shrinks)."""
        database = InMemoryExampleDatabase()
        save_example(database, _DATABASE_KEY, state.alone)
        try:
            self._hypothesis(state, run_seed, [Phase.reuse, Phase.shrink], 1, database)
        except _NewClass:
            self._settle_run(state)
            return
        except (FlakyFailure, Flaky):
            pass
        except unittest.SkipTest:  # Hypothesis ran nothing: it did not take the stored example (an upgrade?)
            digest = state.target.digest if state.target else "?"
            self.ledger.note_error(f"class {digest} was not shrunk: Hypothesis did not replay its case "
                                   "(is the installed Hypothesis a supported version?)")  # fmt: skip
            self._settle_run(state, shrunk=False)
            return
        if state.reproducer is not None:  # the case no longer showed the class, or not consistently
            self.ledger.note_flaky(state.reproducer)

    def _hypothesis(
        self, state: _Run, run_seed: int, phases: list[Phase], batch: int, database: InMemoryExampleDatabase | None
    ) -> None:
        @settings(
            max_examples=self.settings.calls_in(state.segment),
            database=database,
            deadline=None,
            derandomize=False,
            report_multiple_bugs=False,
            phases=phases,
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            print_blob=False,
        )
        @given(batches(self.strategy, batch))
        def probe(cases: Batch[Case]) -> None:
            self._probe(state, cases)

        # What `@seed` sets, without the `database=None` that `@seed` also implies; and the database key, so the
        # shrinking run finds its one example (both read by hypothesis.core when the test runs).
        use_seed(probe, run_seed)
        use_database_key(probe, _DATABASE_KEY)
        with with_reporter(_silent), warnings.catch_warnings():
            warnings.simplefilter("ignore", HypothesisWarning)  # e.g. "overly large repr" of a 2 MiB body
            probe()

    def _probe(self, state: _Run, cases: Batch[Case]) -> None:
        if self.stop is not None and self.stop.is_set():
            raise KeyboardInterrupt
        if state.target is None:
            self._generate(state, cases)
        else:
            self._shrink_step(state, cases)

    def _generate(self, state: _Run, batch: Batch[Case]) -> None:
        """One generation call: send this batch, then judge the previous one, whose answers came in while this
        batch was drawn (the runtimes and the drawing work at the same time)."""
        state.calls += 1
        if state.calls <= state.resume:
            return  # replaying the segment up to where the last run stopped: drawn again, not sent again
        if self._out_of_time():
            raise _BudgetSpent
        recheck = state.recheck if state.calls == state.resume + 1 else 0
        if recheck:  # the call that found the last class: its other cases are looked at again, not counted again
            cases = batch[:recheck]
        else:
            flying = sum(len(sent.cases) for sent in state.in_flight if sent.counted)
            left = self.settings.examples - self.examples - flying
            if left <= 0:
                raise _BudgetSpent
            cases = batch[:left]
        self.forensics.sent(cases)
        state.in_flight.append(_InFlight(state.calls, batch, cases, not recheck, self.transport.start(cases)))
        if len(state.in_flight) > IN_FLIGHT and self._land(state, state.in_flight.popleft()):
            raise _Found

    def _land(self, state: _Run, sent: _InFlight) -> bool:
        """Judge a batch's answers: count them, and make the first confirmed new class the run's target."""
        exchanges = self.transport.finish(sent.flight)
        if self.noise is not None:
            self._probe_noise(exchanges)
        judged = self.arbiter.judged(exchanges, self._observer_for(state) if sent.counted else None)
        if sent.counted:
            self.examples += len(sent.cases)
            for _, divergence in judged:
                self.ledger.tally(divergence)
        for index, (_, divergence) in enumerate(judged):
            if divergence is None or self.ledger.is_known(divergence.signature):
                continue
            if not self.arbiter.shows(divergence):
                self.ledger.note_flaky(divergence)
                continue
            if self.claim is not None and not self.claim(divergence.signature):
                self.ledger.know(divergence.signature.digest)  # another job of the campaign pursues it
                continue
            state.target, state.reproducer, state.alone = divergence.signature, divergence, sent.batch.alone(index)
            state.found_call, state.last_counted = sent.call, len(sent.cases)
            return True
        self.observer.progress(self.examples, len(self.ledger.classes))
        return False

    def _shrink_step(self, state: _Run, cases: Batch[Case]) -> None:
        """One shrinking call: raise iff a case still shows the run's target signature.

        The shrinker re-draws the unchanged cases of a batch again and again; answers are remembered by request
        for the run, so each distinct request is sent once (a flaky answer is caught by the final replay)."""
        state.shrink_calls += 1
        self.shrink_calls += 1
        fresh = list({case.request: case for case in cases if case.request not in state.answers}.values())
        if len(state.answers) + len(fresh) > ANSWER_CACHE:
            state.answers.clear()
        for case, divergence in self.arbiter.judge_many(fresh):
            state.answers[case.request] = divergence
        for case in cases:
            divergence = state.answers.get(case.request)
            if divergence is None:
                continue
            if divergence.signature != state.target:
                if not self.ledger.is_known(divergence.signature):
                    state.side.add(divergence.signature)
                continue
            best = state.reproducer
            if (
                state.shrink_calls > self.settings.max_shrink_calls
                and best is not None
                and case.request != best.exchange.case.request
            ):
                continue  # shrinking budget spent: only the best case so far still fails
            state.reproducer = replace(divergence, exchange=replace(divergence.exchange, case=case))
            _raise_new_class(divergence.signature)

    def _observer_for(self, state: _Run) -> Callable[[Case, Comparison], None] | None:
        """What sees every counted case's comparison: the guide, tagging it with the run's segment."""
        guide = self.guide
        if guide is None:
            return None
        return lambda case, comparison: guide.observe(case, comparison, state.segment)

    # ------------------------------------------------------------ noise

    def _probe_noise(self, exchanges: list[Exchange]) -> None:
        """Fill the noise sample from this batch (its requests sent again), or probe the sample when due; new
        noise paths are ignored from now on, before this batch is judged."""
        assert self.noise is not None
        wanted = self.noise.wants(exchanges)
        if wanted:
            learned = self.noise.learn(self.examples, wanted, self.arbiter.send([e.case for e in wanted]))
        elif self.noise.due(self.examples):
            again = self.arbiter.send([case for case, _ in self.noise.sample])
            learned = self.noise.reprobe(self.examples, again)
        else:
            return
        if learned:
            self.judge.ignore(tuple(sorted(learned)))
            self.observer.stage(f"noise: ignoring {', '.join(sorted(learned))} (each runtime answers them differently)")

    # ------------------------------------------------------------ runtimes that die

    def _settle_crash(self, death: RuntimeDied) -> None:
        """Keep the last case sent before the death as a crash reproducer, or the case that kills the runtime
        when it can be restarted (`fuzzer._forensics`)."""
        target = self.transport.targets[death.index]
        self.crashed = (
            f"{target.name} at {target.url} stopped answering after {self.examples} examples ({death.detail})"
        )
        self.observer.stage(self.crashed)
        self.death = death
        culprit, confirmations = death.exchange, 0
        try:
            culprit, confirmations = self.forensics.culprit(death)
        except ParityError as err:
            self.ledger.note_error(f"restarting {target.name} to confirm the crash failed: {err}")
        finding = crash_finding(culprit, confirmations, self.judge.policy)
        self.ledger.tally(finding.reproducer)
        self._discovered(finding.signature)
        self.ledger.record(finding)
        self.observer.found(finding)

    # ------------------------------------------------------------ bookkeeping

    def _out_of_time(self) -> bool:
        return self._deadline is not None and time.monotonic() > self._deadline

    def _settle_run(self, state: _Run, *, shrunk: bool = True) -> None:
        """Reduce and confirm the class the run shrank (`fuzzer._settle`), and record it, or note it flaky."""
        assert state.target is not None and state.reproducer is not None
        settled = self.settler.settle(state.reproducer)
        if settled is None:
            self.ledger.note_flaky(state.reproducer)
            return
        self._record(settled.reproducer, shrunk=shrunk, reduction=settled.reduction)

    def _record(self, divergence: Divergence, *, shrunk: bool, reduction: Reduction | None = None) -> None:
        finding = Finding(
            signature=divergence.signature,
            reproducer=divergence,
            count=self.ledger.count(divergence.signature),
            known=False,
            shrunk=shrunk,
            confirmations=self.settings.confirm,
            reduce_sends=reduction.sends if reduction else 0,
            minimal=reduction.minimal if reduction else None,
        )
        self._discovered(finding.signature)
        self.ledger.record(finding)
        self.observer.found(finding)

    def _discovered(self, signature: Signature) -> None:
        """Note when a new class was found: the examples counted so far and the seconds since the start (one
        entry per class, in the order of the findings)."""
        if signature not in self.ledger.findings:
            self.discovery.append((self.examples, round(time.monotonic() - self._started, 3)))


def _segment_seed(campaign_seed: int, segment: int) -> int:
    return random.Random(f"{campaign_seed}:{segment}").getrandbits(64)


def _raise_new_class(signature: Signature) -> NoReturn:
    """The one place the run's target is raised: Hypothesis identifies a failure by the line that raised it,
    so raising from two lines would look like two different bugs (and a flaky replay)."""
    raise _NewClass(signature.key)


def _silent(_: str) -> None:
    pass
