"""`parity-fuzz`: the group, shared options, and the one place errors become output and exit codes.

Exit codes: 0 nothing new (or all cases as expected) · 1 a new divergence class or a failing replay ·
2 usage or set-up error · 130 interrupted (what was found is saved).
"""

from __future__ import annotations

import contextlib
import math
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import click
from rich.console import Console

from fuzzer import _runtimes
from fuzzer._config import Config, check_loopback, load_config, parse_targets
from fuzzer._errors import EXIT_INTERRUPTED, EXIT_USAGE, ParityError
from fuzzer._model import Target


@dataclass
class State:
    """Shared by subcommands through `ctx.obj`."""

    out: Console
    err: Console
    config_path: Path | None = None
    _config: Config | None = None
    restart: Callable[[str], None] | None = None  # set while --reference runtimes run

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="parity.toml (default: ./parity.toml, then [tool.parity-fuzz] in ./pyproject.toml).",
)
@click.version_option(package_name="parity-fuzz")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None) -> None:
    """Find every input on which two implementations of one HTTP contract disagree."""
    ctx.obj = State(out=Console(highlight=False), err=Console(stderr=True, highlight=False), config_path=config_path)


def config_option(function):  # type: ignore[no-untyped-def]
    """`--config` on subcommands too, so it can follow the command name."""

    def remember(ctx: click.Context, _: click.Parameter, value: Path | None) -> None:
        if value is not None:
            ctx.find_object(State).config_path = value

    return click.option(
        "--config",
        type=click.Path(path_type=Path),
        default=None,
        expose_value=False,
        callback=remember,
        help="Config file (see `parity-fuzz --help`).",
    )(function)


def target_options(function):  # type: ignore[no-untyped-def]
    function = click.option(
        "--allow-remote",
        is_flag=True,
        help="Allow targets outside loopback (the fuzzer sends hostile input at volume).",
    )(function)
    function = click.option(
        "--go-serde-errors", is_flag=True, help="With --reference: start Go with its serde-shaped errors."
    )(function)
    function = click.option(
        "--reference", is_flag=True, help="Start the bundled Rust and Go runtimes for this command and stop them after."
    )(function)
    return click.option(
        "--target",
        "targets",
        multiple=True,
        metavar="NAME=URL",
        help="A runtime to compare (twice). Default: the config's targets.",
    )(function)


@contextlib.contextmanager
def resolved_targets(
    state: State, targets: tuple[str, ...], reference: bool, go_serde_errors: bool, allow_remote: bool
) -> Iterator[tuple[Target, Target]]:
    if reference and targets:
        raise click.UsageError("--reference starts its own runtimes; drop --target or drop --reference")
    if go_serde_errors and not reference:
        raise click.UsageError("--go-serde-errors only applies with --reference")
    if reference:
        state.err.print("[dim]building and starting the bundled runtimes…[/dim]")
        with _runtimes.reference_pair(go_serde_errors=go_serde_errors) as runtimes:
            state.restart = runtimes.restart
            try:
                yield runtimes.targets
            finally:
                state.restart = None
        return
    pair = parse_targets(list(targets), "--target") if targets else state.config.targets
    check_loopback(pair, allow_remote)
    yield pair


class FiniteRange(click.FloatRange):
    """A FloatRange that also refuses nan, which compares false with both bounds and so passes FloatRange."""

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> float:
        number = super().convert(value, param, ctx)
        if math.isnan(number):
            self.fail(f"{value!r} is not a number", param, ctx)
        return number


def comma_list(value: str, allowed: tuple[str, ...] | None, option: str) -> tuple[str, ...]:
    items = tuple(item.strip() for item in value.split(",") if item.strip())
    if not items:
        raise click.BadParameter("give at least one value", param_hint=option)
    if allowed is not None:
        for item in items:
            if item not in allowed:
                raise click.BadParameter(f"{item!r} is not one of {', '.join(allowed)}", param_hint=option)
    return items


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: stop sending, save, report."""


STOP = threading.Event()
"""Set by SIGINT and SIGTERM. The signal also raises at once; the engine checks the event at every batch, so a
stop that lands where a library swallows the exception still ends the campaign at the next batch."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    STOP.set()
    raise _Terminated()


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    STOP.set()
    raise KeyboardInterrupt()


def _quiet_interrupts(previous: Callable[[sys.UnraisableHookArgs], object]) -> Callable[..., None]:
    """An unraisable hook that drops a KeyboardInterrupt raised where Python cannot raise it (a gc callback, a
    finaliser) — STOP is set, so the campaign stops at the next batch — and hands anything else to `previous`."""

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            previous(unraisable)

    return hook


def _fail(message: str) -> None:
    """One line on stderr, never wrapped (rich would wrap it at the terminal width)."""
    click.echo(f"parity-fuzz: error: {' '.join(message.split())}", err=True)


def main(argv: list[str] | None = None) -> int:
    STOP.clear()
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    previous_int = signal.signal(signal.SIGINT, _on_sigint)
    previous_hook = sys.unraisablehook
    sys.unraisablehook = _quiet_interrupts(previous_hook)
    try:
        code = cli.main(args=argv, prog_name="parity-fuzz", standalone_mode=False)
        return int(code or 0)
    except click.UsageError as error:
        if error.ctx is not None:
            click.echo(error.ctx.get_usage(), err=True)
        _fail(error.format_message())
        return EXIT_USAGE
    except click.ClickException as error:
        _fail(error.format_message())
        return EXIT_USAGE
    except ParityError as error:
        _fail(str(error))
        return error.exit_code
    except (click.Abort, KeyboardInterrupt):
        click.echo("parity-fuzz: interrupted", err=True)
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
        sys.unraisablehook = previous_hook


# Subcommands register themselves on `cli`.
from fuzzer.cli import _cases, _corpus, _fuzz, _targets  # noqa: E402, F401
