"""Jobs: one campaign in N processes against the same two targets (`parity-fuzz fuzz --jobs N`).

The parent process owns the corpus — the set of known classes and every write into it — and the one observer
(progress bar, summary, reports). Each job is a process of its own that runs one engine over its seed and its
share of `-n` (`fuzzer._split`). Processes are started with `spawn` (a fresh interpreter: nothing is inherited
from the parent's threads, such as the progress bar's). Jobs talk to the parent over one queue, and the parent
answers claims on each job's own pipe:

    job → parent    _Progress · _Claim · _Found · _Stage · _Done (the job's result) · _Failed
    parent → job    True or False, the answer to a _Claim

Each class is shrunk once: before a job pursues a confirmed new class (shrinks, reduces and confirms it), the
engine asks (`Engine(claim=…)`). The parent grants the first claim of each digest and refuses every later one;
a refused job counts the class as known from then on. The pursuing job sends its finding, and the parent saves it
(`fuzzer._campaign.saving`) and shows it. Why the parent and not a lock file or claims folder in the corpus: a
killed job would leave its claim behind, and the parent has to see each finding anyway to show it and report
it. Claims are final: a class its claimant finds flaky is not pursued by another job, as a campaign of one job
does not pursue a flaky class again.

Stopping: jobs ignore SIGINT (the terminal sends Ctrl-C to every process of its group). The parent's handlers
set the campaign's stop event (`fuzzer.cli._main`); the parent then sets an event shared with the jobs, which
each job's engine checks at every batch. The jobs end their batch, send their results and exit; what they found
is saved already. A job still running GRACE seconds later, or at a second Ctrl-C, is terminated. SIGTERM to a
job stops the whole campaign, as SIGTERM to the parent does. A job that sees a runtime die ends the campaign as
one job would (the others are stopped). Every job sends the parent its last cases with its result; once all have
stopped, the parent restarts the dead runtime (when it can) and replays those cases, the crashing job's newest
first, to find and confirm the one that kills it (`fuzzer._forensics`), as one job does over its own.

The report is one: counts are summed over the jobs, the outcome coverage is the union of the jobs' outcome
pairs (the pool is summed: each job keeps its own), and the elapsed time is the parent's, start-up included, as
are the discovery points: the examples of all jobs, and the parent's seconds, when each finding arrived.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import multiprocessing.context
import queue
import signal
import threading
import time
import traceback
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType
from typing import Any

from fuzzer import _store
from fuzzer._campaign import (
    CampaignOutcome,
    CampaignPlan,
    campaign_transport,
    engine_for,
    finish,
    open_corpus,
    read_policy,
    saving,
    stored_finding,
    strategy_for,
)
from fuzzer._compare import ComparePolicy
from fuzzer._engine import EngineResult, EngineSettings, Observer
from fuzzer._errors import ParityError
from fuzzer._forensics import Forensics, RuntimeDied, crash_finding
from fuzzer._guide import OutcomeCoverage
from fuzzer._ledger import Ledger
from fuzzer._migrate import known_signatures
from fuzzer._model import Case, Divergence, Finding, Signature
from fuzzer._split import campaign_seed, job_settings, shard_settings

GRACE = 30.0
"""Seconds the jobs get to end their batch and report after a stop, before they are terminated."""

POLL = 0.2
"""Seconds between the parent's looks at its jobs (and a job's at its parent) while nothing arrives."""

PROGRESS_EVERY = 0.2
"""Seconds between a job's progress messages."""


# ---------------------------------------------------------------- messages


@dataclass(frozen=True, slots=True)
class _Progress:
    job: int
    examples: int
    classes: frozenset[str]  # digests first seen by the job since its last message


@dataclass(frozen=True, slots=True)
class _Claim:
    job: int
    digest: str


@dataclass(frozen=True, slots=True)
class _Found:
    job: int
    finding: Finding


@dataclass(frozen=True, slots=True)
class _Stage:
    job: int
    text: str


@dataclass(frozen=True, slots=True)
class _Done:
    job: int
    result: EngineResult
    pairs: frozenset[tuple[str, str]] = frozenset()  # the outcome pairs the job saw (its guide's)
    kinds: tuple[tuple[str, frozenset[tuple[str, str]]], ...] = ()  # per kind
    recent: tuple[Case, ...] = ()  # the last cases it sent, oldest first: the candidates when a runtime died
    died: tuple[int, str] | None = None  # the runtime (its index) that the job saw die, and how


@dataclass(frozen=True, slots=True)
class _Failed:
    job: int
    message: str
    exit_code: int | None  # a ParityError's; None: an unexpected error (`message` is its traceback)


_Message = _Progress | _Claim | _Found | _Stage | _Done | _Failed


class _Flag:
    """The campaign's stop, shared by the parent and its jobs: one byte of shared memory, set and polled. Never
    waited on: a multiprocessing Event whose waiter exits while waiting blocks every later `set` for ever."""

    def __init__(self, context: multiprocessing.context.SpawnContext) -> None:
        self._value = context.RawValue(ctypes.c_bool, False)

    def set(self) -> None:
        self._value.value = True

    def is_set(self) -> bool:
        return bool(self._value.value)


@dataclass(frozen=True, slots=True)
class _JobSpec:
    """What a job process is given: the plan without what cannot leave the parent (its stop event, its restart
    hook, its reports), its engine settings, the comparison policy the parent measured (so that every job makes
    the same signatures), and the digests the corpus knows."""

    index: int  # from 1
    plan: CampaignPlan
    settings: EngineSettings
    policy: ComparePolicy
    known: frozenset[str]


# ---------------------------------------------------------------- the parent


def run_jobs(plan: CampaignPlan, observer: Observer | None = None) -> CampaignOutcome:
    """The campaign of `plan` in `plan.jobs` processes; one outcome, reported once (as `run_campaign`)."""
    observer = observer or Observer()
    stored, errors = open_corpus(plan)
    seed = campaign_seed(plan.engine)
    settings = replace(plan.engine, seed=seed)
    if plan.shard is not None:
        settings = shard_settings(settings, plan.shard)
    _, _, api = strategy_for(plan)  # what a job would fail on at start fails here, before any process starts
    with campaign_transport(plan) as transport:  # and the pair's readings are measured once, for every job
        policy = read_policy(transport, plan.config, api)
    known = known_signatures(stored, policy)
    pool = _Pool(plan, job_settings(settings, plan.jobs), frozenset(known), policy, observer)
    result = pool.run(settings)
    return finish(plan, result, known, pool.saved, errors, seed)


@dataclass
class _Job:
    process: BaseProcess
    replies: Connection  # the parent's end: answers to claims
    examples: int = 0
    done: _Done | None = None
    ended: bool = False  # its process has exited (or was terminated) and its messages are read


@dataclass
class _Pool:
    plan: CampaignPlan
    parts: tuple[EngineSettings, ...]
    known: frozenset[str]
    policy: ComparePolicy
    observer: Observer
    saved: dict[str, Path] = field(default_factory=dict)  # digest -> case file written by the parent
    found: dict[str, tuple[int, Finding]] = field(default_factory=dict)  # digest -> (job, finding), in order
    claims: dict[str, int] = field(default_factory=dict)  # digest -> the job that pursues its class
    classes: set[str] = field(default_factory=set)  # every digest a job has seen (the progress bar's count)
    errors: list[str] = field(default_factory=list)
    interrupted: bool = False
    failure: _Failed | None = None
    discovery: list[tuple[int, float]] = field(default_factory=list)  # per new class: (examples, seconds) on arrival
    _started: float = 0.0
    _stop_by: float | None = None  # when the jobs are terminated if they have not ended

    def run(self, settings: EngineSettings) -> EngineResult:
        started = self._started = time.monotonic()
        context = multiprocessing.get_context("spawn")
        messages: multiprocessing.Queue[_Message] = context.Queue()
        shared = _Flag(context)
        saver = saving(self.plan, self.observer, self.saved)
        jobs: dict[int, _Job] = {}
        try:
            with _sigint_ignored():  # the jobs start with SIGINT ignored, and keep it so
                for index, part in enumerate(self.parts, 1):
                    alone = replace(
                        self.plan, stop=None, restart=None, report_md=None, report_json=None, report_html=None
                    )
                    spec = _JobSpec(index, alone, part, self.policy, self.known)
                    answers, replies = context.Pipe(duplex=False)
                    process = context.Process(
                        target=_job_main, args=(spec, messages, answers, shared), name=f"parity-fuzz job {index}"
                    )
                    process.daemon = True
                    process.start()
                    answers.close()
                    jobs[index] = _Job(process, replies)
            self._serve(jobs, messages, shared, saver)
        finally:
            self._shut(jobs, shared)
        if self.failure is not None:
            failure = self.failure
            if failure.exit_code is None:
                raise RuntimeError(f"job {failure.job} of the campaign failed:\n{failure.message}")
            error = ParityError(f"job {failure.job}: {failure.message}")
            error.exit_code = failure.exit_code
            raise error
        merged = merge_results(
            [job.done for job in jobs.values() if job.done is not None],
            self.found,
            self.known,
            settings.seed or 0,
            time.monotonic() - started,
            tuple(self.discovery),
        )
        culprit = self._find_culprit(jobs)
        if culprit is not None:  # in the crash class's place, with its count
            merged = replace(
                merged,
                findings=[replace(culprit, count=f.count) if f.crash else f for f in merged.findings],
            )
        return replace(
            merged,
            errors=merged.errors + self.errors,
            interrupted=merged.interrupted or self.interrupted,
        )

    def _serve(
        self, jobs: dict[int, _Job], messages: multiprocessing.Queue[_Message], shared: _Flag, saver: Observer
    ) -> None:
        """Answer the jobs until every one has ended: claims, findings (saved at once), progress. Ctrl-C and
        SIGTERM only count here (`_counted_signals`): raised, they could land inside a read of the queue."""
        with _counted_signals() as signals:
            handled = 0
            while not all(job.ended for job in jobs.values()):
                stopped = self.plan.stop is not None and self.plan.stop.is_set()
                if signals.count > handled or (stopped and self._stop_by is None):
                    self.interrupted = True
                    self._stop(shared)
                    if signals.count > 1:  # a second interrupt ends the jobs at once
                        self._terminate(jobs, "was ended by a second interrupt")
                    handled = signals.count
                with contextlib.suppress(queue.Empty):
                    self._handle(messages.get(timeout=POLL), jobs, shared, saver)
                    while True:  # and whatever else is waiting, before looking at the processes
                        self._handle(messages.get_nowait(), jobs, shared, saver)
                self._reap(jobs, messages, shared, saver)
                if self._stop_by is not None and time.monotonic() > self._stop_by:
                    self._terminate(jobs, f"did not stop within {GRACE:.0f}s of the stop and was ended")

    def _handle(self, message: _Message, jobs: dict[int, _Job], shared: _Flag, saver: Observer) -> None:
        job = jobs[message.job]
        if isinstance(message, _Claim):
            granted = message.digest not in self.known and message.digest not in self.claims
            if granted:
                self.claims[message.digest] = message.job
            with contextlib.suppress(OSError):  # a job that died meanwhile needs no answer
                job.replies.send(granted)
        elif isinstance(message, _Progress):
            job.examples = message.examples
            self.classes |= message.classes
            self.observer.progress(sum(j.examples for j in jobs.values()), len(self.classes))
        elif isinstance(message, _Found):
            if message.finding.crash:  # a runtime died: the campaign ends, as with one job
                self._stop(shared)
                if any(finding.crash for _, finding in self.found.values()):
                    return  # several jobs see one death, each its own way (a reset, a refused connection): one class
            digest = message.finding.signature.digest
            self.classes.add(digest)
            if digest not in self.found:
                self.found[digest] = (message.job, message.finding)
                if not message.finding.crash:  # as with one job: a discovery point per class found and shrunk
                    examples = sum(j.examples for j in jobs.values())
                    self.discovery.append((examples, round(time.monotonic() - self._started, 3)))
                saver.found(message.finding)
        elif isinstance(message, _Stage):
            self.observer.stage(f"job {message.job}: {message.text}")
        elif isinstance(message, _Done):
            job.done = message
            job.examples = message.result.examples
            self.observer.progress(sum(j.examples for j in jobs.values()), len(self.classes))
        else:
            self.failure = self.failure or message
            self._stop(shared)

    def _reap(
        self, jobs: dict[int, _Job], messages: multiprocessing.Queue[_Message], shared: _Flag, saver: Observer
    ) -> None:
        """Mark the jobs whose process has exited; a job that exited without a result is an error of the run
        (its findings were saved when they came)."""
        for index, job in jobs.items():
            if job.ended or job.process.is_alive():
                continue
            with contextlib.suppress(queue.Empty):  # its last messages were flushed before it exited
                while True:
                    self._handle(messages.get_nowait(), jobs, shared, saver)
            job.ended = True
            if job.done is None and self.failure is None:
                self.errors.append(f"job {index} ended without a result (exit code {job.process.exitcode})")
                self._stop(shared)

    def _stop(self, shared: _Flag) -> None:
        shared.set()
        if self._stop_by is None:
            self._stop_by = time.monotonic() + GRACE

    def _terminate(self, jobs: dict[int, _Job], why: str) -> None:
        for index, job in jobs.items():
            if not job.ended and job.process.is_alive():
                job.process.terminate()
                job.process.join(POLL * 10)
                self.errors.append(f"job {index} {why}")
            job.ended = True

    def _shut(self, jobs: dict[int, _Job], shared: _Flag) -> None:
        """However the parent leaves (an error, an interrupt while starting), no job outlives it."""
        shared.set()
        for job in jobs.values():
            job.process.join(GRACE if job.ended else POLL * 10)
            if job.process.is_alive():
                job.process.terminate()
                job.process.join(POLL * 10)
            job.replies.close()

    def _find_culprit(self, jobs: dict[int, _Job]) -> Finding | None:
        """When a runtime died and can be restarted: the crash class of the case among the jobs' last ones that
        kills it, confirmed, saved in place of the one the crashing job sent (its last case). None when there is
        no crash, no restart, or no replayed case killed the runtime again."""
        crash = next(((digest, job, f) for digest, (job, f) in self.found.items() if f.crash), None)
        if self.plan.restart is None or crash is None:
            return None
        digest, index, finding = crash
        done = {i: job.done for i, job in jobs.items() if job.done is not None}
        died = done[index].died if index in done else None
        if died is None:
            return None
        recent = [case for i, d in sorted(done.items()) if i != index for case in d.recent] + list(done[index].recent)
        target = self.plan.targets[died[0]]
        try:
            self.plan.restart(target.name)
            with campaign_transport(self.plan) as transport:
                forensics = Forensics(
                    transport, self.plan.config.health, self.plan.restart, self.parts[0].confirm, len(recent)
                )
                forensics.sent(recent)
                culprit, confirmations = forensics.culprit(RuntimeDied(died[0], died[1], finding.reproducer.exchange))
        except ParityError as err:
            self.errors.append(f"restarting {target.name} to find the case that kills it failed: {err}")
            return None
        if confirmations == 0:
            return None
        confirmed = crash_finding(culprit, confirmations, self.policy)
        old = self.saved.pop(digest, None)
        path, _ = _store.write_case(self.plan.corpus / "found", stored_finding(confirmed), self.plan.config.redact)
        if old is not None and old != path:
            old.unlink(missing_ok=True)
        self.saved[confirmed.signature.digest] = path
        self.observer.stage(f"the case that kills {target.name}: {culprit.case.label} (confirmed {confirmations}x)")
        return confirmed


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """SIGINT ignored while the jobs start, so that they are born ignoring it (a spawned interpreter keeps an
    ignored SIGINT ignored). Only the main thread can change handlers; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@dataclass
class _Signals:
    count: int = 0  # SIGINT and SIGTERM received


@contextlib.contextmanager
def _counted_signals() -> Iterator[_Signals]:
    """SIGINT and SIGTERM counted instead of raised, while the parent serves its jobs (main thread only; the
    previous handlers come back after)."""
    signals = _Signals()
    if threading.current_thread() is not threading.main_thread():
        yield signals
        return

    def count(signum: int, frame: FrameType | None) -> None:
        signals.count += 1

    previous = {signum: signal.signal(signum, count) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield signals
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


# ---------------------------------------------------------------- merging


def merge_results(
    done: Sequence[_Done],
    found: dict[str, tuple[int, Finding]],
    corpus: frozenset[str],
    seed: int,
    elapsed_s: float,
    discovery: tuple[tuple[int, float], ...] = (),
) -> EngineResult:
    """One result from the jobs' results: new classes in the order the parent received them, each with its count
    summed over the jobs; classes the corpus knows, summed likewise (a job also counts as known the classes other
    jobs pursue; those counts go to the class's finding). `discovery` is the parent's: the examples of all jobs
    and its seconds when each finding arrived."""
    done = sorted(done, key=lambda d: d.job)
    counts: Counter[str] = Counter()
    known_first: dict[str, Finding] = {}
    reported = {d.job for d in done}
    for part in done:
        for finding in (*part.result.findings, *part.result.known):
            counts[finding.signature.digest] += finding.count
            if finding.known and finding.signature.digest in corpus:
                known_first.setdefault(finding.signature.digest, finding)
    findings = []
    for digest, (job, finding) in found.items():
        # The finder's own count is in `counts` when it reported; otherwise the count it had when found.
        count = counts[digest] + (0 if job in reported else finding.count)
        findings.append(replace(finding, count=count))
    known = [replace(finding, count=counts[digest]) for digest, finding in known_first.items()]
    flaky: dict[Signature, Divergence] = {}
    for part in done:
        for divergence in part.result.flaky:
            flaky.setdefault(divergence.signature, divergence)
    several = len(done) > 1
    results = [part.result for part in done]
    return EngineResult(
        examples=sum(r.examples for r in results),
        elapsed_s=elapsed_s,
        seed=seed,
        findings=findings,
        known=known,
        flaky=list(flaky.values()),
        errors=[f"job {part.job}: {e}" if several else e for part in done for e in part.result.errors],
        agreed=sum(r.agreed for r in results),
        shrink_calls=sum(r.shrink_calls for r in results),
        runs=sum(r.runs for r in results),
        reduce_sends=sum(r.reduce_sends for r in results),
        unpursued=sum(r.unpursued for r in results),
        interrupted=any(r.interrupted for r in results),
        stopped_by_time=any(r.stopped_by_time for r in results),
        crashed=next((r.crashed for r in results if r.crashed), None),
        noise=tuple(sorted({path for r in results for path in r.noise})),
        noise_sends=sum(r.noise_sends for r in results),
        coverage=_coverage(done),
        discovery=discovery,
    )


def _coverage(done: Sequence[_Done]) -> OutcomeCoverage | None:
    covered = [part for part in done if part.result.coverage is not None]
    if not covered:
        return None
    pairs = frozenset().union(*(part.pairs for part in covered))
    kinds: dict[str, set[tuple[str, str]]] = {}
    for part in covered:
        for kind, seen in part.kinds:
            kinds.setdefault(kind, set()).update(seen)
    return OutcomeCoverage(
        pairs=len(pairs),
        per_kind={kind: len(seen) for kind, seen in kinds.items()},
        per_side=(len({left for left, _ in pairs}), len({right for _, right in pairs})),
        pool=sum(part.result.coverage.pool for part in covered if part.result.coverage),
        guided=sum(part.result.coverage.guided for part in covered if part.result.coverage),
    )


# ---------------------------------------------------------------- a job


class _JobObserver(Observer):
    """What a job's engine tells the world, sent to the parent: progress (at most every PROGRESS_EVERY
    seconds, with the digests first seen since the last), findings and stage lines."""

    def __init__(self, job: int, messages: multiprocessing.Queue[_Message]) -> None:
        self.job = job
        self.messages = messages
        self.ledger: Ledger | None = None
        self.told: set[str] = set()
        self.last = 0.0

    def progress(self, examples: int, classes: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        seen = {signature.digest for signature in self.ledger.classes} if self.ledger else set()
        fresh = frozenset(seen - self.told)
        self.told |= fresh
        self.messages.put(_Progress(self.job, examples, fresh))

    def found(self, finding: Finding) -> None:
        self.messages.put(_Found(self.job, finding))

    def stage(self, text: str) -> None:
        self.messages.put(_Stage(self.job, text))


class _Claimant:
    """The engine's `claim`: asks the parent whether this job pursues a class. If the parent is gone, the
    answer is no, and the job stops."""

    def __init__(self, job: int, messages: multiprocessing.Queue[_Message], answers: Connection) -> None:
        self.job = job
        self.messages = messages
        self.answers = answers

    def __call__(self, signature: Signature) -> bool:
        self.messages.put(_Claim(self.job, signature.digest))
        while _parent_alive():
            if self.answers.poll(POLL):
                try:
                    return bool(self.answers.recv())
                except EOFError:
                    break
        raise KeyboardInterrupt  # the parent is gone: end the job as an interrupted campaign


def _parent_alive() -> bool:
    parent = multiprocessing.parent_process()
    return parent is None or parent.is_alive()


def _job_main(spec: _JobSpec, messages: multiprocessing.Queue[_Message], answers: Connection, shared: _Flag) -> None:
    """A job process: one engine over its part of the campaign; its result goes to the parent."""
    stop = threading.Event()

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        stop.set()  # the watcher passes it on to every job

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, on_sigterm)
    threading.Thread(target=_watch, args=(stop, shared), name="stop watcher", daemon=True).start()
    observer = _JobObserver(spec.index, messages)
    message: Any
    try:
        plan = replace(spec.plan, stop=stop)
        strategy, guide, _ = strategy_for(plan)
        claimant = _Claimant(spec.index, messages, answers)
        with campaign_transport(plan) as transport:
            engine = engine_for(
                plan, transport, strategy, guide, spec.policy, spec.settings, spec.known, observer, claimant
            )
            observer.ledger = engine.ledger
            result = engine.run()
        message = _Done(
            spec.index,
            result,
            frozenset(guide.pairs) if guide else frozenset(),
            tuple((kind, frozenset(pairs)) for kind, pairs in guide.kinds.items()) if guide else (),
            tuple(engine.forensics.recent),
            (engine.death.index, engine.death.detail) if engine.death is not None else None,
        )
    except ParityError as err:
        message = _Failed(spec.index, str(err), err.exit_code)
    except Exception:
        message = _Failed(spec.index, traceback.format_exc(), None)
    messages.put(message)
    if not _parent_alive():
        messages.cancel_join_thread()  # nobody reads: do not wait at exit to flush


def _watch(stop: threading.Event, shared: _Flag) -> None:
    """Mirror the campaign's stop into this job (the engine checks `stop` at every batch), this job's SIGTERM
    into the campaign, and stop the job if its parent is gone."""
    while True:
        if shared.is_set():
            stop.set()
            return
        if stop.is_set():
            shared.set()
            return
        if not _parent_alive():
            stop.set()
            return
        time.sleep(POLL)
