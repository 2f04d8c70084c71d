"""`parity-fuzz fuzz` and `parity-fuzz show`."""

from __future__ import annotations

import time
from pathlib import Path

import click
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from fuzzer import _store
from fuzzer._campaign import CampaignOutcome, CampaignPlan, read_policy, run_campaign
from fuzzer._classify import classify
from fuzzer._compare import compare
from fuzzer._config import MAX_TIMEOUT, MAX_WORKERS, MIN_TIMEOUT
from fuzzer._engine import EngineSettings, Observer
from fuzzer._errors import EXIT_FOUND, EXIT_INTERRUPTED, EXIT_OK, TargetUnreachable
from fuzzer._export import curl
from fuzzer._jobs import run_jobs
from fuzzer._model import Exchange, Finding, Response
from fuzzer._report import body_text
from fuzzer._send import Transport, probe_health
from fuzzer._split import MAX_JOBS, Shard, parse_shard
from fuzzer.cli._cases import selection_options
from fuzzer.cli._main import (
    STOP,
    FiniteRange,
    State,
    cli,
    comma_list,
    config_option,
    resolved_targets,
    target_options,
)
from strategies import MODES
from strategies.openapi import load_openapi, select


class ShardParam(click.ParamType):
    """`--shard I/N`: shard I of N, numbered from 1."""

    name = "I/N"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> Shard:
        if isinstance(value, Shard):
            return value
        try:
            return parse_shard(str(value))
        except ValueError as err:
            self.fail(str(err), param, ctx)


class _Live(Observer):
    """A rich progress bar: examples, examples/s, classes so far; new classes printed above it."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self.bar = progress
        self.task = task
        self.start = time.monotonic()

    def progress(self, examples: int, classes: int) -> None:
        elapsed = time.monotonic() - self.start
        rate = f"{examples / elapsed:,.0f}/s" if elapsed > 0 else ""
        self.bar.update(self.task, completed=examples, classes=classes, rate=rate)

    def found(self, finding: Finding) -> None:
        self.bar.console.print(
            f"[bold]new class[/bold] {escape(finding.signature.key)}  "
            f"[dim]{escape(finding.reproducer.exchange.case.label)}[/dim]"
        )

    def stage(self, text: str) -> None:
        self.bar.console.print(f"[dim]{escape(text)}[/dim]")


@cli.command()
@target_options
@click.option(
    "-n",
    "--examples",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help="Cases to generate and send, whatever is found.",
)
@click.option("--seed", type=int, default=None, help="Seed for a reproducible campaign (default: random, reported).")
@click.option("--mode", "mode", default=",".join(MODES), show_default=True, help="Generators, comma-separated.")
@click.option("--kind", "kind", default="", help="Kinds to fuzz, comma-separated (default: all in the config).")
@click.option(
    "--openapi",
    "spec",
    type=click.Path(path_type=Path),
    default=None,
    help="Fuzz every operation of this OpenAPI 3.x document (default: the config's `openapi`, else its endpoint).",
)
@selection_options
@click.option(
    "--corpus",
    type=click.Path(path_type=Path),
    default=Path("corpus"),
    show_default=True,
    help="Corpus folder: known classes are read from it, new reproducers saved into it.",
)
@click.option("--report-md", type=click.Path(path_type=Path), default=None, help="Write a Markdown report here.")
@click.option("--report-json", type=click.Path(path_type=Path), default=None, help="Write a JSON report here.")
@click.option(
    "--report-html", type=click.Path(path_type=Path), default=None, help="Write a self-contained HTML report here."
)
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=MAX_WORKERS),
    default=None,
    help="Cases in flight at once (default: config, 16).",
)
@click.option(
    "--batch",
    type=click.IntRange(min=1, max=64),
    default=EngineSettings().batch,
    show_default=True,
    help="Cases per Hypothesis example (a new class is shrunk as a one-case example).",
)
@click.option(
    "--timeout",
    type=FiniteRange(min=MIN_TIMEOUT, max=MAX_TIMEOUT),
    default=None,
    help="Seconds per request (default: config, 5).",
)
@click.option(
    "--confirm",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Times a minimal reproducer is sent again before it counts.",
)
@click.option(
    "--max-time",
    type=FiniteRange(min=0),
    default=None,
    help="Stop generating after this many seconds, even before -n examples.",
)
@click.option(
    "--no-guide",
    is_flag=True,
    help="Do not spend a seventh of the cases on mutations of cases that showed a new outcome pair.",
)
@click.option(
    "--no-learn-noise",
    is_flag=True,
    help="Do not learn noise (paths each runtime answers differently to the same request are then compared).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1, max=MAX_JOBS),
    default=1,
    show_default=True,
    help="Generation processes against the same targets; -n is split over them, each class is shrunk once.",
)
@click.option(
    "--shard",
    type=ShardParam(),
    default=None,
    metavar="I/N",
    help="Run shard I of N (numbered from 1): its seed derived from --seed and I, its share of -n.",
)
@config_option
@click.pass_obj
def fuzz(
    state: State,
    targets: tuple[str, ...],
    reference: bool,
    go_serde_errors: bool,
    allow_remote: bool,
    examples: int,
    seed: int | None,
    mode: str,
    kind: str,
    corpus: Path,
    report_md: Path | None,
    report_json: Path | None,
    report_html: Path | None,
    workers: int | None,
    batch: int,
    timeout: float | None,
    confirm: int,
    max_time: float | None,
    no_guide: bool,
    no_learn_noise: bool,
    jobs: int,
    shard: Shard | None,
    spec: Path | None,
    **filters: tuple[str, ...],
) -> int:
    """Run a fuzz campaign: N cases to both runtimes, each new divergence class shrunk and saved."""
    config = state.config
    modes = comma_list(mode, MODES, "--mode")
    kinds = comma_list(kind, None, "--kind") if kind else ()
    api = load_openapi(spec) if spec is not None else load_openapi(config.openapi) if config.openapi else None
    if api is None and any(filters.values()):
        raise click.UsageError("--include-*/--exclude-* select operations of an OpenAPI document; add --openapi")
    operations = tuple(select(api, **filters)) if api is not None else ()
    settings = EngineSettings(examples=examples, seed=seed, batch=batch, confirm=confirm, max_seconds=max_time)
    with resolved_targets(state, targets, reference, go_serde_errors, allow_remote) as pair:
        plan = CampaignPlan(
            config=config,
            targets=pair,
            engine=settings,
            corpus=corpus,
            modes=modes,
            kinds=kinds,
            workers=workers or config.workers,
            timeout=timeout or config.timeout,
            report_md=report_md,
            report_json=report_json,
            report_html=report_html,
            restart=state.restart,
            learn_noise=not no_learn_noise,
            guide=not no_guide,
            stop=STOP,
            shard=shard,
            jobs=jobs,
            api=api,
            operations=operations,
        )
        columns = (
            TextColumn("fuzzing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("examples"),
            TextColumn("{task.fields[rate]}"),
            TextColumn("· {task.fields[classes]} classes"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=state.err, transient=True) as progress:
            task = progress.add_task("fuzz", total=examples, classes=0, rate="")
            observer = _Live(progress, task)
            outcome = run_jobs(plan, observer) if jobs > 1 else run_campaign(plan, observer)
    _summary(state, outcome)
    if outcome.result.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_FOUND if outcome.new_classes else EXIT_OK


def _shown(path: str) -> str:
    """A path relative to the current folder when it is below it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


def _summary(state: State, outcome: CampaignOutcome) -> None:
    report = outcome.report
    a, b = report.targets
    table = Table(title=f"Divergence classes — {a.name} vs {b.name}", title_justify="left")
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("class", no_wrap=True)
    table.add_column(f"{a.name} | {b.name}", overflow="fold", ratio=1)
    table.add_column("count", justify="right", no_wrap=True)
    table.add_column("reduce", justify="right", no_wrap=True)
    table.add_column("reproducer · label", overflow="fold", ratio=1)
    grouped = len(report.operations) > 1
    operation = None
    for index, finding in enumerate(report.findings, 1):
        if grouped and finding.signature.operation != operation:
            operation = finding.signature.operation
            count = sum(1 for f in report.findings if f.signature.operation == operation)
            table.add_section()
            table.add_row("", f"[bold]{escape(operation)}[/bold]", f"[dim]{count} classes[/dim]", "", "", "")
        tag = "known" if finding.known else "crash" if finding.crash else "new" if finding.shrunk else "unshrunk"
        where = report.paths.get(finding.signature.digest, "")
        table.add_row(
            str(index),
            f"{finding.signature.digest} {tag}\n[dim]{finding.signature.level.value}[/dim]",
            escape(finding.signature.key),
            str(finding.count),
            str(finding.reduce_sends) if finding.minimal is not None else "",
            f"{escape(_shown(where))}\n[dim]{escape(finding.reproducer.exchange.case.label)}[/dim]",
        )
    state.out.print(table)
    rate = report.examples / report.elapsed_s if report.elapsed_s else 0
    state.out.print(
        f"{report.examples} examples in {report.elapsed_s:.1f}s ({rate:,.0f}/s), seed {report.seed}"
        + (f", shard {report.shard}" if report.shard else "")
        + (f", {report.jobs} jobs" if report.jobs > 1 else "")
        + ": "
        f"{report.agreed} agree · {outcome.new_classes} new classes · "
        f"{len(report.findings) - outcome.new_classes} known · {len(report.flaky)} flaky · "
        f"{len(report.errors)} errors · {report.shrink_calls} shrink calls · {report.reduce_sends} reduce sends"
        + (f" · {report.unpursued} seen only while shrinking" if report.unpursued else "")
        + (" · stopped by --max-time" if report.stopped_by_time else "")
        + (" · [bold]interrupted[/bold]" if report.interrupted else ""),
    )
    if report.coverage:
        state.out.print(f"outcomes: {escape(report.coverage.text((a.name, b.name)))}")
    if report.noise:
        state.out.print(f"noise ignored (learned): {escape(', '.join(report.noise))}")
    if report.crashed:
        state.out.print(f"[bold red]crash:[/bold red] {escape(report.crashed)}")
    for error in report.errors[:10]:
        state.err.print(f"error: {escape(error)}")


@cli.command()
@click.argument("case_file", type=click.Path(path_type=Path))
@target_options
@config_option
@click.pass_obj
def show(
    state: State, case_file: Path, targets: tuple[str, ...], reference: bool, go_serde_errors: bool, allow_remote: bool
) -> int:
    """Print a case, both runtimes' answers (live, or as recorded when unreachable), the diff and curl commands."""
    stored = _store.read_case(case_file)
    config = state.config
    out = state.out
    request = stored.case.request
    out.print(
        f"[bold]{escape(stored.label)}[/bold]  ({stored.origin}, {stored.case.mode}, expect "
        f"{stored.expect.outcome}{' ' + (stored.expect.key or '') if stored.expect.key else ''})"
    )
    out.print(f"{request.method} {request.path}")
    for name, value in config.redact(request.headers):
        out.print(f"{escape(name)}: {escape(value)}")
    out.print(escape(request.body[:4000].decode("utf-8", "backslashreplace")))
    with resolved_targets(state, targets, reference, go_serde_errors, allow_remote) as pair:
        responses: tuple[Response, Response]
        try:
            with Transport(
                pair, timeout=config.timeout, extra_headers=config.headers, keep_headers=config.policy.kept_headers
            ) as transport:
                probe_health(transport, config.health)
                exchange = transport.exchange(stored.case)
                responses = exchange.responses
                source = "live"
                policy = read_policy(transport, config)
        except TargetUnreachable as err:
            recorded = dict(stored.observed)
            if not all(t.name in recorded for t in pair):
                raise
            out.print(f"[dim]{escape(str(err))} — showing the recorded answers[/dim]")
            responses = (recorded[pair[0].name], recorded[pair[1].name])
            exchange = Exchange(stored.case, pair, responses)
            source = "recorded"
            policy = config.policy  # nothing to measure the readings on
        for target, response in zip(pair, responses, strict=True):
            out.rule(f"{target.name} ({source}): {response.status_label}")
            out.print(escape(body_text(response)))
        divergence = classify(exchange, compare(exchange, policy))
        out.rule("diff")
        if divergence is None:
            out.print("the two answers agree")
        else:
            out.print(f"signature {divergence.signature.digest}: {escape(divergence.signature.key)}")
            for difference in divergence.comparison.differences:
                out.print(
                    f"  {difference.kind.value:<12} {escape(difference.path or '/')}  "
                    f"{escape(difference.left)!s} → {escape(difference.right)!s}"
                )
        out.rule("curl")
        for target in pair:
            out.print(f"# {target.name}")
            out.print(escape(curl(request, target, config.redact, config.headers)), soft_wrap=True)
    return EXIT_OK
