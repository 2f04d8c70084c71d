"""Campaign: wire the stages together for `parity-fuzz fuzz` — generate, send, compare, classify, shrink (the
engine decides), then store and report (this module persists). Each confirmed new class is saved the moment it
is found, so an interrupted campaign keeps everything it found.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from hypothesis import strategies as st

from fuzzer import _store
from fuzzer._compare import ComparePolicy
from fuzzer._config import Config
from fuzzer._engine import Engine, EngineResult, EngineSettings, Observer
from fuzzer._errors import CaseFileError, ConfigError
from fuzzer._guide import Guide
from fuzzer._html import campaign_html
from fuzzer._migrate import known_signatures
from fuzzer._model import Case, Finding, Signature, Target
from fuzzer._noise import NoiseProbe
from fuzzer._readings import PROBES, measure
from fuzzer._report import CampaignReport, campaign_json, campaign_markdown, write_atomic
from fuzzer._send import Transport, probe_health
from fuzzer._split import Shard, campaign_seed, shard_settings
from strategies import MODES, CaseSpace, KindSpec, Roster, cases, load_roster, load_schema
from strategies._contract import Contract, load_contract
from strategies._source import sample_cases
from strategies.openapi import Api, Operation, load_openapi, operation_cases


@dataclass(frozen=True, slots=True)
class CampaignPlan:
    config: Config
    targets: tuple[Target, Target]
    engine: EngineSettings
    corpus: Path
    modes: tuple[str, ...] = MODES
    kinds: tuple[str, ...] = ()
    workers: int = 16
    timeout: float = 5.0
    report_md: Path | None = None
    report_json: Path | None = None
    report_html: Path | None = None
    restart: Callable[[str], None] | None = None  # restarts a runtime by name, to confirm a crash
    learn_noise: bool = True  # and `learn_noise` in the config: both must allow it
    guide: bool = True  # a seventh of the cases mutate cases that showed a new outcome pair
    stop: threading.Event | None = None  # set by a signal: the campaign stops at the next batch
    api: Api | None = None  # an OpenAPI document: its `operations` are fuzzed, not the config's kinds
    operations: tuple[Operation, ...] = ()  # of `api`; empty: all of them
    shard: Shard | None = None  # run only this shard of the campaign (`fuzzer._split`)
    jobs: int = 1  # processes (`fuzzer._jobs`); run_campaign itself is always one


@dataclass
class CampaignOutcome:
    result: EngineResult
    report: CampaignReport
    saved: dict[str, Path] = field(default_factory=dict)  # digest -> newly written case file
    corpus_errors: list[str] = field(default_factory=list)

    @property
    def new_classes(self) -> int:
        return sum(1 for f in self.report.findings if not f.known)


def build_space(config: Config, kinds: Sequence[str]) -> CaseSpace:
    chosen = [k for k in config.kinds if not kinds or k.name in kinds]
    unknown = sorted(set(kinds) - {k.name for k in config.kinds})
    if unknown:
        known = ", ".join(k.name for k in config.kinds)
        raise ConfigError(f"--kind {unknown[0]!r} is not a kind of this contract; choose from {known}")
    specs = []
    for kind in chosen:
        specs.append(
            KindSpec(
                name=kind.name,
                artifact_schema=_schema(kind.artifact),
                context_schema=_schema(kind.context) if kind.context else None,
                context_required=kind.context_required,
            )
        )
    roster = _roster(config)
    return CaseSpace(
        kinds=tuple(specs),
        path=config.endpoint,
        headers=(("content-type", "application/json"),),
        roster=roster,
        contract=contract_of(config, roster),
    )


def contract_of(config: Config, roster: Roster | None) -> Contract:
    """The contract plug-in the config names, loaded (ConfigError when it cannot be)."""
    try:
        return load_contract(config.contract, roster)
    except ValueError as err:
        raise ConfigError(f"{err}; fix `contract` in {config.source}") from err


def _roster(config: Config) -> Roster | None:
    if config.roster is None:
        return None
    try:
        return load_roster(config.roster)
    except ValueError as err:
        raise ConfigError(f"{err}; fix it or remove `roster` from the config") from err


def _schema(path: Path) -> dict:  # type: ignore[type-arg]
    try:
        return load_schema(path)
    except ValueError as err:  # names the file and the reason already
        raise ConfigError(f"{err}; fix the path under [kinds] or the file") from err


def contract_api(config: Config, api: Api | None = None) -> Api | None:
    """The OpenAPI document a command works on: `api` when given, else the config's `openapi`, else None (the
    config's `endpoint` and `kinds`)."""
    if api is not None or config.openapi is None:
        return api
    return load_openapi(config.openapi)


def probe_cases(config: Config, api: Api | None = None) -> list[Case]:
    """The shortest of a fixed sample of valid cases of the contract, the same ones every time: the requests
    `fuzzer._readings` probes the runtimes' reading with (the plainest requests, least likely to trip anything
    but how a body is read)."""
    sample = sample_cases(case_strategy(config, ("valid",), (), api=contract_api(config, api)), 4 * PROBES, seed=0)
    return sorted(sample, key=lambda case: len(case.request.body))[:PROBES]


def read_policy(transport: Transport, config: Config, api: Api | None = None) -> ComparePolicy:
    """The config's comparison policy with the pair's readings measured on `transport`'s runtimes."""
    return measure(transport, probe_cases(config, api), config.policy)


def case_strategy(
    config: Config,
    modes: Sequence[str],
    kinds: Sequence[str],
    pool: Guide | None = None,
    api: Api | None = None,
    operations: Sequence[Operation] = (),
) -> st.SearchStrategy[Case]:
    """The cases a campaign draws: for the operations of `api` (all when none are given), else for the
    config's kinds, with guided cases from `pool` (the kinds only, for now)."""
    bad = [m for m in modes if m not in MODES]
    if bad:
        raise ConfigError(f"--mode {bad[0]!r} is not a mode; choose from {', '.join(MODES)}")
    if api is not None:
        if kinds:
            raise ConfigError("--kind names a kind of the config's envelope; with an OpenAPI document use "
                              "--include-operation-id or --include-path instead")  # fmt: skip
        try:
            contract = contract_of(config, _roster(config))
            return operation_cases(api, list(operations) or None, modes=list(modes), contract=contract)
        except ValueError as err:
            raise ConfigError(f"cannot generate cases for {api.source}: {err}") from err
    space = build_space(config, kinds)
    try:
        return cases(space, modes=list(modes), pool=pool)
    except ValueError as err:  # a schema the compiler refuses: it names the kind and the reason
        raise ConfigError(f"cannot generate cases: {err}") from err


class _Saver(Observer):
    """Saves each confirmed new class as soon as the engine reports it, then passes the news on."""

    def __init__(self, corpus: Path, config: Config, inner: Observer, outcome_paths: dict[str, Path]) -> None:
        self.corpus = corpus
        self.config = config
        self.inner = inner
        self.paths = outcome_paths

    def progress(self, examples: int, classes: int) -> None:
        self.inner.progress(examples, classes)

    def stage(self, text: str) -> None:
        self.inner.stage(text)

    def found(self, finding: Finding) -> None:
        path, _ = _store.write_case(self.corpus, stored_finding(finding), self.config.redact)
        self.paths[finding.signature.digest] = path
        self.inner.found(finding)


def saving(plan: CampaignPlan, observer: Observer, saved: dict[str, Path]) -> Observer:
    """An observer that saves each confirmed new class into the plan's corpus (`found/`), records its path in
    `saved` (digest → file), and passes the news on to `observer`."""
    return _Saver(plan.corpus / "found", plan.config, observer, saved)


def stored_finding(finding: Finding) -> _store.StoredCase:
    exchange = finding.reproducer.exchange
    case = exchange.case
    if finding.crash:  # the last case sent before a death may also be another class's reproducer: its own file
        case = replace(case, label=f"crash: {case.label}")
    return _store.StoredCase(
        case=case,
        expect=_store.Expectation.of(finding.signature),
        origin="fuzz",
        created=_store.now(),
        version=_store.version(),
        observed=tuple((t.name, r) for t, r in zip(exchange.targets, exchange.responses, strict=True)),
    )


def by_operation(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """The findings grouped by operation, the operations in the order of their first finding, each group in the
    order it came (new classes, then known ones by count)."""
    first = {operation: at for at, operation in reversed(list(enumerate(f.signature.operation for f in findings)))}
    return tuple(sorted(findings, key=lambda f: first[f.signature.operation]))


def run_campaign(plan: CampaignPlan, observer: Observer | None = None) -> CampaignOutcome:
    observer = observer or Observer()
    stored, errors = open_corpus(plan)
    settings, seed = plan.engine, plan.engine.seed
    if plan.shard is not None:
        seed = campaign_seed(plan.engine)
        settings = shard_settings(replace(plan.engine, seed=seed), plan.shard)
    strategy, guide, api = strategy_for(plan)
    saved: dict[str, Path] = {}
    with campaign_transport(plan) as transport:
        policy = read_policy(transport, plan.config, api)
        known = known_signatures(stored, policy)
        saver = saving(plan, observer, saved)
        result = engine_for(plan, transport, strategy, guide, policy, settings, frozenset(known), saver).run()
    return finish(plan, result, known, saved, errors, seed)


def open_corpus(plan: CampaignPlan) -> tuple[list[_store.StoredCase], list[CaseFileError]]:
    """The corpus's readable cases and its unreadable files; CorpusError now when new cases could not be saved
    into it."""
    _store.check_writable(plan.corpus)
    return _store.load([plan.corpus])


def strategy_for(plan: CampaignPlan) -> tuple[st.SearchStrategy[Case], Guide | None, Api | None]:
    """The plan's case strategy, its guide (None without guidance) and its OpenAPI document; ConfigError before
    anything is sent when the plan cannot generate."""
    guide = Guide() if plan.guide else None
    api = contract_api(plan.config, plan.api)
    return case_strategy(plan.config, plan.modes, plan.kinds, guide, api, plan.operations), guide, api


@contextlib.contextmanager
def campaign_transport(plan: CampaignPlan) -> Iterator[Transport]:
    """The transport to the plan's targets, once both answer their health check."""
    with Transport(
        plan.targets,
        timeout=plan.timeout,
        workers=plan.workers,
        extra_headers=plan.config.headers,
        keep_headers=plan.config.policy.kept_headers,
    ) as transport:
        probe_health(transport, plan.config.health)
        yield transport


def engine_for(
    plan: CampaignPlan,
    transport: Transport,
    strategy: st.SearchStrategy[Case],
    guide: Guide | None,
    policy: ComparePolicy,
    settings: EngineSettings,
    known: frozenset[str],
    observer: Observer,
    claim: Callable[[Signature], bool] | None = None,
) -> Engine:
    """The engine of a campaign (or of one job of it) over `transport`."""
    return Engine(
        transport,
        strategy,
        policy,
        known,
        settings,
        observer,
        health=plan.config.health,
        restart=plan.restart,
        noise=NoiseProbe(policy.ignore) if plan.learn_noise and plan.config.learn_noise else None,
        guide=guide,
        stop=plan.stop,
        claim=claim,
    )


def finish(
    plan: CampaignPlan,
    result: EngineResult,
    known: dict[str, _store.StoredCase],
    saved: dict[str, Path],
    errors: Sequence[CaseFileError],
    seed: int | None = None,
) -> CampaignOutcome:
    """The report of a campaign (`seed`: the campaign's, when the engine ran a part of it), written where the
    plan says."""
    paths = {digest: str(path) for digest, path in saved.items()}
    for finding in result.known:
        case = known.get(finding.signature.digest)
        if case is not None and case.path is not None:
            paths[finding.signature.digest] = str(case.path)
    report = CampaignReport(
        targets=plan.targets,
        examples=result.examples,
        agreed=result.agreed,
        elapsed_s=result.elapsed_s,
        seed=result.seed if seed is None else seed,
        modes=plan.modes,
        findings=by_operation(tuple(result.findings) + tuple(sorted(result.known, key=lambda f: -f.count))),
        paths=paths,
        flaky=tuple(result.flaky),
        errors=tuple(result.errors) + tuple(str(e) for e in errors),
        interrupted=result.interrupted,
        crashed=result.crashed,
        unpursued=result.unpursued,
        stopped_by_time=result.stopped_by_time,
        shrink_calls=result.shrink_calls,
        date=_store.now(),
        noise=result.noise,
        reduce_sends=result.reduce_sends,
        coverage=result.coverage,
        shard=str(plan.shard) if plan.shard else "",
        jobs=plan.jobs,
        discovery=tuple(  # the engine's points are in the order it recorded its findings, before grouping
            (f.signature.digest, n, seconds) for f, (n, seconds) in zip(result.findings, result.discovery, strict=False)
        ),
    )
    if plan.report_md is not None:
        write_atomic(plan.report_md, campaign_markdown(report))
    if plan.report_json is not None:
        write_atomic(plan.report_json, _store.json_text(campaign_json(report)))
    if plan.report_html is not None:
        write_atomic(plan.report_html, campaign_html(report, plan.config.redact, plan.config.headers))
    return CampaignOutcome(result, report, saved, [str(e) for e in errors])
