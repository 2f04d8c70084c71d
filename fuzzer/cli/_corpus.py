"""`parity-fuzz replay`, `promote`, `export` and `corpus list|check|migrate`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from fuzzer import _store
from fuzzer._campaign import read_policy
from fuzzer._classify import classify
from fuzzer._compare import compare
from fuzzer._config import parse_targets
from fuzzer._errors import EXIT_FOUND, EXIT_OK
from fuzzer._export import curl, parity_sh_line, pytest_file
from fuzzer._migrate import plan
from fuzzer._replay import Verdict, replay, tally, unreadable
from fuzzer._report import Row as ReportRow
from fuzzer._report import junit_xml, replay_json, replay_markdown, table, write_atomic
from fuzzer._send import Transport, probe_health
from fuzzer._store import MATCH, Expectation
from fuzzer.cli._main import State, cli, config_option, resolved_targets, target_options

_COLOURS = {
    Verdict.PASS: "green",
    Verdict.KNOWN: "yellow",
    Verdict.FIXED: "cyan",
    Verdict.CHANGED: "red",
    Verdict.REGRESSED: "red",
    Verdict.ERROR: "red",
}


@cli.command("replay")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@target_options
@click.option("--strict", is_flag=True, help="Also fail on KNOWN divergences.")
@click.option("--junit", type=click.Path(path_type=Path), default=None, help="Write JUnit XML here.")
@click.option("--report-md", type=click.Path(path_type=Path), default=None, help="Write a Markdown report here.")
@click.option("--report-json", type=click.Path(path_type=Path), default=None, help="Write a JSON report here.")
@config_option
@click.pass_obj
def replay_command(
    state: State,
    paths: tuple[Path, ...],
    targets: tuple[str, ...],
    reference: bool,
    go_serde_errors: bool,
    allow_remote: bool,
    strict: bool,
    junit: Path | None,
    report_md: Path | None,
    report_json: Path | None,
) -> int:
    """Replay saved cases (default: corpus/) and judge each: PASS KNOWN FIXED CHANGED REGRESSED ERROR."""
    config = state.config
    cases, errors = _store.load(list(paths) or [Path("corpus")])
    with (
        resolved_targets(state, targets, reference, go_serde_errors, allow_remote) as pair,
        Transport(
            pair,
            timeout=config.timeout,
            workers=config.workers,
            extra_headers=config.headers,
            keep_headers=config.policy.kept_headers,
        ) as transport,
    ):
        judged = replay(cases, transport, read_policy(transport, config)) + unreadable(errors)
    rows = [ReportRow(j.label, j.statuses, j.agrees) for j in judged]
    state.out.print(table(pair, rows), markup=False, highlight=False)
    for j in judged:
        colour = _COLOURS[j.verdict]
        state.out.print(f"[{colour}]{j.verdict.value:<9}[/{colour}] {escape(j.label)}  [dim]{escape(j.detail)}[/dim]")
    counts = tally(judged)
    status_match = sum(1 for j in judged if j.status_match)
    body_match = sum(1 for j in judged if j.agrees)
    outcomes = " · ".join(f"{n} {name}" for name, n in counts.items() if n)
    state.out.print(
        f"Tally: {status_match}/{len(rows)} status match · {body_match}/{len(rows)} body match · {outcomes}"
    )
    stale = sum(1 for j in judged if j.stale)
    if stale:
        where = " ".join(str(p) for p in paths) or "corpus"
        click.echo(f"{stale} cases were saved under an older signature version and judged re-keyed; "
                   f"run `parity-fuzz corpus migrate {where}` to rewrite them", err=True)  # fmt: skip
    date = _store.now()
    if junit is not None:
        write_atomic(junit, junit_xml(judged, strict))
    if report_md is not None:
        write_atomic(report_md, replay_markdown(pair, judged, date))
    if report_json is not None:
        write_atomic(report_json, _store.json_text(replay_json(pair, judged, date)))
    return EXIT_FOUND if any(j.fails(strict) for j in judged) else EXIT_OK


@cli.command()
@click.argument("cases", nargs=-1, required=True, type=click.Path(path_type=Path))
@target_options
@click.option("--force", is_flag=True, help="Promote even though the case still diverges (needs --note).")
@click.option("--note", default=None, help="Why; recorded in the case file.")
@config_option
@click.pass_obj
def promote(
    state: State,
    cases: tuple[Path, ...],
    targets: tuple[str, ...],
    reference: bool,
    go_serde_errors: bool,
    allow_remote: bool,
    force: bool,
    note: str | None,
) -> int:
    """Turn reproducers into fixed cases (expect match) once the runtimes agree on them."""
    if force and not note:
        raise click.UsageError("--force needs --note saying why the divergence is accepted")
    config = state.config
    stored = [_store.read_case(path) for path in cases]
    refused = 0
    with (
        resolved_targets(state, targets, reference, go_serde_errors, allow_remote) as pair,
        Transport(
            pair, timeout=config.timeout, extra_headers=config.headers, keep_headers=config.policy.kept_headers
        ) as transport,
    ):
        probe_health(transport, config.health)
        policy = read_policy(transport, config)
        for case in stored:
            if case.expect.outcome == MATCH:
                state.out.print(f"{case.path}: already expects a match")
                continue
            exchange = transport.exchange(case.case)
            divergence = classify(exchange, compare(exchange, policy))
            if divergence is not None and not force:
                refused += 1
                state.err.print(
                    f"refused {case.path}: the runtimes still diverge ({divergence.signature.key}); "
                    "fix them first, or pass --force --note WHY",
                    markup=False,
                )
                continue
            forced = divergence is not None
            updated = replace(
                case,
                expect=Expectation(MATCH),
                observed=tuple((t.name, r) for t, r in zip(pair, exchange.responses, strict=True)),
                note=(f"promoted with --force: {note}" if forced else note) or case.note,
            )
            _store.rewrite_case(updated, config.redact)
            state.out.print(f"promoted {case.path}" + (" (forced)" if forced else ""))
    return EXIT_FOUND if refused else EXIT_OK


@cli.command()
@click.argument("case_file", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["curl", "pytest", "parity-sh"]), default="curl", show_default=True)
@click.option("--target", "targets", multiple=True, metavar="NAME=URL", help="Runtimes named in the output.")
@config_option
@click.pass_obj
def export(state: State, case_file: Path, fmt: str, targets: tuple[str, ...]) -> int:
    """Print a case as curl commands, a standalone pytest file, or a line for the seed's parity script."""
    config = state.config
    pair = parse_targets(list(targets), "--target") if targets else config.targets
    stored = _store.read_case(case_file)
    if fmt == "curl":
        text = "\n".join(f"# {t.name}\n{curl(stored.case.request, t, config.redact, config.headers)}" for t in pair)
    elif fmt == "pytest":
        text = pytest_file(stored, pair, config.policy.ignore, config.redact)
    else:
        try:
            text = parity_sh_line(stored.case)
        except ValueError as err:
            raise click.ClickException(str(err)) from err
    click.echo(text)
    return EXIT_OK


@cli.group()
def corpus() -> None:
    """Inspect the corpus."""


@corpus.command("list")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.pass_obj
def corpus_list(state: State, paths: tuple[Path, ...]) -> int:
    """A table of cases with their expectations."""
    cases, errors = _store.load(list(paths) or [Path("corpus")])
    grid = Table(title_justify="left")
    for header in ("label", "origin", "kind", "expect", "level", "signature", "path"):
        grid.add_column(header, overflow="fold")
    for case in cases:
        grid.add_row(
            escape(case.label),
            case.origin,
            escape(case.case.kind),
            case.expect.outcome,
            case.expect.level or "",
            case.expect.signature or "",
            escape(str(case.path)),
        )
    state.out.print(grid)
    for error in errors:
        state.err.print(f"unreadable: {error}", markup=False)
    return EXIT_FOUND if errors else EXIT_OK


@corpus.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.pass_obj
def corpus_check(state: State, paths: tuple[Path, ...]) -> int:
    """Check every case file against the case format (docs/corpus.md): the rules replay applies, all listed."""
    files = _store.case_files(list(paths) or [Path("corpus")])
    bad = 0
    for path in files:
        problems = _store.file_problems(path)
        if problems:
            bad += 1
            for problem in problems:
                state.err.print(f"{path}: {problem}", markup=False)
    state.out.print(f"{len(files) - bad} of {len(files)} case files are valid")
    return EXIT_FOUND if bad else EXIT_OK


@corpus.command("migrate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
@target_options
@config_option
@click.pass_obj
def corpus_migrate(
    state: State,
    paths: tuple[Path, ...],
    dry_run: bool,
    targets: tuple[str, ...],
    reference: bool,
    go_serde_errors: bool,
    allow_remote: bool,
) -> int:
    """Re-key every diverge case to the current signature version, offline, from the answers it recorded.

    Cases whose class depends on how the runtimes read keys that differ only in case need the runtimes:
    give --reference or --target twice, and the pair's reading is measured first (nothing else is sent)."""
    config = state.config
    cases, errors = _store.load(list(paths) or [Path("corpus")])
    policy = config.policy
    if reference or targets:
        with (
            resolved_targets(state, targets, reference, go_serde_errors, allow_remote) as pair,
            Transport(pair, timeout=config.timeout, extra_headers=config.headers) as transport,
        ):
            probe_health(transport, config.health)
            policy = read_policy(transport, config)
    migrations = plan(cases, policy)
    rewritten = stuck = 0
    for migration in migrations:
        before = migration.stored.expect
        where = str(migration.stored.path)
        if migration.after is None:
            stuck += 1
            click.echo(f"not migrated {where}: {migration.problem}", err=True)
            continue
        after = migration.after
        changes = []
        if migration.stored.format != _store.FORMAT:
            changes.append(f"{migration.stored.format.split('/')[-1]} → {_store.FORMAT.split('/')[-1]}")
        if after.outcome == "diverge" and (after.version != before.version or after.signature != before.signature):
            digest = (
                f"{before.signature} → {after.signature} ({after.key})"
                if after.signature != before.signature
                else f"{after.signature} unchanged"
            )
            changes.append(f"v{before.version} → v{after.version}, {digest}")
        click.echo(f"{'would migrate' if dry_run else 'migrated'} {where}: {'; '.join(changes)}")
        if not dry_run:
            _store.rewrite_case(migration.migrated, config.redact)
        rewritten += 1
    for error in errors:
        state.err.print(f"unreadable: {error}", markup=False)
    verb = "would be migrated" if dry_run else "migrated"
    state.out.print(f"{rewritten} {verb}, {stuck} not migratable, {len(cases) - len(migrations)} already current")
    return EXIT_FOUND if stuck or errors else EXIT_OK
