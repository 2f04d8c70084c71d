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

from fuzzer._classify import classify, digest_of, signature_of
from fuzzer._compare import ComparePolicy, compare
from fuzzer._errors import ParityError
from fuzzer._model import (
    Case,
    Comparison,
    Difference,
    DiffKind,
    Divergence,
    Exchange,
    Finding,
    Level,
    Outcome,
    Response,
    Signature,
    WireRequest,
)
from fuzzer._send import Flight, Transport
from strategies import Batch, batches
from strategies._hypothesis_internals import ChoiceT, InMemoryExampleDatabase, choices_to_bytes


@dataclass(frozen=True, slots=True)
class EngineSettings:
    examples: int = 1000
    seed: int | None = None
    batch: int = 16
    confirm: int = 3
    max_seconds: float | None = None
    max_shrink_calls: int = 2000
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

    @property
    def segment_calls(self) -> int:
        return self.segment or max(10, round(SEGMENT_CASES / self.batch))


SEGMENT_CASES = 1600
"""Cases per segment. Each Hypothesis run costs a start (its first example is the simplest batch, 16 times the
same case); finding a class replays its segment up to the batch that found it, without sending. Measured at
batch 16: 600-case segments ran 1,580-1,700 cases/s steady, 1,600-case segments 1,770-1,830, cold alike."""

MAX_ERRORS = 100
"""Errors kept word for word; beyond that they are only counted."""

RECENT = 16
"""Cases remembered as the candidates when a runtime dies, beyond the two batches that may be in flight."""

_DATABASE_KEY = b"parity-fuzz"
"""The key of the one-case example a shrinking run starts from (its database holds nothing else)."""

IN_FLIGHT = 1
"""Batches sent and not yet judged: the runtimes answer while the next batches are drawn."""

VERDICT_CACHE = 2048
"""Answer pairs whose comparison is remembered (cleared when full)."""
VERDICT_BODY_LIMIT = 8192
"""Answer pairs longer than this (both bodies together) are compared afresh every time."""

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
    unpursued: int = 0
    interrupted: bool = False
    stopped_by_time: bool = False
    crashed: str | None = None  # which runtime died, and after how many examples


class _NewClass(Exception):
    """Raised into Hypothesis for the run's target signature only."""


class _RuntimeDied(BaseException):
    """A runtime stopped answering, even its health check: not a test failure, the end of the campaign."""

    def __init__(self, index: int, detail: str, exchange: Exchange) -> None:
        super().__init__(detail)
        self.index = index
        self.detail = detail
        self.exchange = exchange


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
        self.flaky: dict[Signature, Divergence] = {}  # one example per flaky signature: memory stays flat
        self.errors: list[str] = []
        self.errors_dropped = 0
        self.shrink_calls = 0
        self.runs = 0
        self._deadline: float | None = None
        self.health = health
        self.restart = restart
        self.recent: deque[Case] = deque(maxlen=RECENT + (IN_FLIGHT + 1) * settings_.batch)
        self.crashed: str | None = None
        self._verdicts: dict[tuple[Response, Response], tuple[Comparison | None, Signature | None]] = {}

    # ------------------------------------------------------------ public

    def run(self) -> EngineResult:
        started = time.monotonic()
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
                run = self._run_once(_segment_seed(campaign_seed, segment), resume, recheck)
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
        except _RuntimeDied as death:
            self._settle_crash(death)
        except KeyboardInterrupt:
            interrupted = True
        return EngineResult(
            examples=self.examples,
            elapsed_s=time.monotonic() - started,
            seed=campaign_seed,
            findings=self.final_findings(),
            known=[self._known_finding(sig, cls) for sig, cls in self.classes.items() if sig.digest in self.known],
            flaky=list(self.flaky.values()),
            errors=self.errors + ([f"... and {self.errors_dropped} more errors"] if self.errors_dropped else []),
            agreed=self.agreed,
            shrink_calls=self.shrink_calls,
            runs=self.runs,
            unpursued=len({s for s in side if not self._is_known(s)}),
            interrupted=interrupted,
            stopped_by_time=stopped_by_time,
            crashed=self.crashed,
        )

    # ------------------------------------------------------------ one Hypothesis run

    def _run_once(self, run_seed: int, resume: int, recheck: int) -> _Run:
        """A generation run: up to `segment_calls` batches, until the budget is spent or a new class is found."""
        self.runs += 1
        state = _Run(resume=resume, recheck=recheck)
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
        database.save(_DATABASE_KEY + b".secondary", choices_to_bytes(state.alone))
        try:
            self._hypothesis(state, run_seed, [Phase.reuse, Phase.shrink], 1, database)
        except _NewClass:
            self._settle_run(state)
            return
        except (FlakyFailure, Flaky):
            pass
        except unittest.SkipTest:  # Hypothesis ran nothing: it did not take the stored example (an upgrade?)
            self._note_error(f"class {state.target.digest if state.target else '?'} was not shrunk: Hypothesis did "
                             "not replay its case (is hypothesis the pinned version?)")  # fmt: skip
            self._settle_run(state, shrunk=False)
            return
        if state.reproducer is not None:  # the case no longer showed the class, or not consistently
            self._note_flaky(state.reproducer)

    def _hypothesis(
        self, state: _Run, run_seed: int, phases: list[Phase], batch: int, database: InMemoryExampleDatabase | None
    ) -> None:
        @settings(
            max_examples=self.settings.segment_calls,
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
        probe._hypothesis_internal_use_seed = run_seed  # type: ignore[attr-defined]
        probe._hypothesis_internal_database_key = _DATABASE_KEY  # type: ignore[attr-defined]
        with with_reporter(_silent), warnings.catch_warnings():
            warnings.simplefilter("ignore", HypothesisWarning)  # e.g. "overly large repr" of a 2 MiB body
            probe()

    def _probe(self, state: _Run, cases: Batch[Case]) -> None:
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
        self.recent.extend(cases)
        state.in_flight.append(_InFlight(state.calls, batch, cases, not recheck, self.transport.start(cases)))
        if len(state.in_flight) > IN_FLIGHT and self._land(state, state.in_flight.popleft()):
            raise _Found

    def _land(self, state: _Run, sent: _InFlight) -> bool:
        """Judge a batch's answers: count them, and make the first confirmed new class the run's target."""
        judged = self._judge_exchanges(self.transport.finish(sent.flight))
        if sent.counted:
            self.examples += len(sent.cases)
            for _, divergence in judged:
                self._tally(divergence)
        for index, (_, divergence) in enumerate(judged):
            if divergence is None or self._is_known(divergence.signature):
                continue
            if not self._reproduces(divergence):
                self._note_flaky(divergence)
                continue
            state.target, state.reproducer, state.alone = divergence.signature, divergence, sent.batch.alone(index)
            state.found_call, state.last_counted = sent.call, len(sent.cases)
            return True
        self.observer.progress(self.examples, len(self.classes))
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
        for case, divergence in self._judge(fresh):
            state.answers[case.request] = divergence
        for case in cases:
            divergence = state.answers.get(case.request)
            if divergence is None:
                continue
            if divergence.signature != state.target:
                if not self._is_known(divergence.signature):
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

    def _judge(self, cases: list[Case]) -> list[tuple[Case, Divergence | None]]:
        self.recent.extend(cases)
        return self._judge_exchanges(self.transport.exchange_many(cases) if cases else [])

    def _judge_exchanges(self, exchanges: list[Exchange]) -> list[tuple[Case, Divergence | None]]:
        judged: list[tuple[Case, Divergence | None]] = []
        self._watch(exchanges)
        for exchange in exchanges:
            try:
                judged.append((exchange.case, self._verdict(exchange)))
            except Exception as err:  # an engine bug must not turn into a "divergence" for Hypothesis
                self._note_error(f"comparing case {exchange.case.label!r} failed: {type(err).__name__}: {err}")
        return judged

    def _verdict(self, exchange: Exchange) -> Divergence | None:
        """`classify(compare(...))`, remembered for small answer pairs: a comparison depends on the two answers
        only, and most cases get one of a few answers (the same acceptance, the same rejection)."""
        left, right = exchange.responses
        if len(left.body) + len(right.body) > VERDICT_BODY_LIMIT:
            return classify(exchange, compare(exchange, self.policy))
        key = (left, right)
        known = self._verdicts.get(key)
        if known is None:
            divergence = classify(exchange, compare(exchange, self.policy))
            known = (divergence.comparison, divergence.signature) if divergence else (None, None)
            if len(self._verdicts) >= VERDICT_CACHE:
                self._verdicts.clear()
            self._verdicts[key] = known
        comparison, signature = known
        if comparison is None or signature is None:
            return None
        return Divergence(exchange=exchange, comparison=comparison, signature=signature)

    # ------------------------------------------------------------ runtimes that die

    def _watch(self, exchanges: list[Exchange]) -> None:
        """A side that did not answer is asked for its health; a dead runtime ends the campaign."""
        for exchange in exchanges:
            for index, response in enumerate(exchange.responses):
                if response.outcome is not Outcome.OK and not self._healthy(index):
                    raise _RuntimeDied(index, response.detail or response.outcome.value, exchange)

    def _healthy(self, index: int) -> bool:
        return self.transport.get(index, self.health).outcome is Outcome.OK

    def _settle_crash(self, death: _RuntimeDied) -> None:
        """Keep the last cases sent before the death as a crash reproducer; with a way to restart the runtime,
        find the case that kills it and confirm it kills it again."""
        target = self.transport.targets[death.index]
        self.crashed = (
            f"{target.name} at {target.url} stopped answering after {self.examples} examples ({death.detail})"
        )
        self.observer.stage(self.crashed)
        culprit, confirmations = death.exchange, 0
        if self.restart is not None:
            try:
                culprit, confirmations = self._find_killer(death.index, target.name, death.exchange)
            except ParityError as err:
                self._note_error(f"restarting {target.name} to confirm the crash failed: {err}")
        divergence = Divergence(culprit, crash_comparison(culprit), crash_signature(culprit))
        self.classes.setdefault(divergence.signature, _Class(divergence)).count += 1
        finding = Finding(divergence.signature, divergence, 1, False, False, confirmations, crash=True)
        self.findings[divergence.signature] = finding
        self.observer.found(finding)

    def _find_killer(self, index: int, name: str, last: Exchange) -> tuple[Exchange, int]:
        restart = self.restart
        assert restart is not None
        for case in reversed(list(self.recent)):  # the most recent first: usually the culprit
            restart(name)
            exchange = self.transport.exchange(case)
            if self._healthy(index):
                continue
            confirmations = 1
            for _ in range(max(self.settings.confirm - 1, 0)):
                restart(name)
                self.transport.exchange(case)
                confirmations += 0 if self._healthy(index) else 1
            restart(name)
            return exchange, confirmations
        restart(name)
        return last, 0

    # ------------------------------------------------------------ bookkeeping

    def _tally(self, divergence: Divergence | None) -> None:
        if divergence is None:
            self.agreed += 1
            return
        entry = self.classes.setdefault(divergence.signature, _Class(divergence))
        entry.count += 1

    def _note_flaky(self, divergence: Divergence) -> None:
        self.flaky.setdefault(divergence.signature, divergence)

    def _note_error(self, text: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(text)
        else:
            self.errors_dropped += 1

    def _is_known(self, signature: Signature) -> bool:
        """Known to the corpus, found in this campaign, or already reported flaky (not pursued again: a runtime
        that answers at random must not send the campaign round the same segment for ever)."""
        return signature.digest in self.known or signature in self.findings or signature in self.flaky

    def _out_of_time(self) -> bool:
        return self._deadline is not None and time.monotonic() > self._deadline

    def _resend(self, divergence: Divergence) -> Signature | None:
        exchange = self.transport.exchange(divergence.exchange.case)
        self._watch([exchange])  # a runtime dying while it was being confirmed is a crash, not a class
        again = self._verdict(exchange)
        return again.signature if again else None

    def _reproduces(self, divergence: Divergence, times: int = 1) -> bool:
        return all(self._resend(divergence) == divergence.signature for _ in range(times))

    def _settle_run(self, state: _Run, *, shrunk: bool = True) -> None:
        assert state.target is not None and state.reproducer is not None
        minimal = state.reproducer
        if not self._reproduces(minimal, self.settings.confirm):
            self._note_flaky(minimal)
            return
        self._record(minimal, shrunk=shrunk)

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
        return [replace(f, count=self.classes[f.signature].count) for f in self.findings.values()]


def crash_comparison(exchange: Exchange) -> Comparison:
    left, right = exchange.responses
    return Comparison((Difference("", "", DiffKind.OUTCOME, left.status_label, right.status_label),), Level.TRANSPORT)


def crash_signature(exchange: Exchange) -> Signature:
    """A crash's class: which side died and how its last request ended (`crash` marks it apart)."""
    base = signature_of(exchange, crash_comparison(exchange))
    key = base.key + " crash"
    return Signature(base.statuses, base.level, (*base.parts, "crash"), key, digest_of(key))


def _segment_seed(campaign_seed: int, segment: int) -> int:
    return random.Random(f"{campaign_seed}:{segment}").getrandbits(64)


def _raise_new_class(signature: Signature) -> NoReturn:
    """The one place the run's target is raised: Hypothesis identifies a failure by the line that raised it,
    so raising from two lines would look like two different bugs (and a flaky replay)."""
    raise _NewClass(signature.key)


def _silent(_: str) -> None:
    pass
