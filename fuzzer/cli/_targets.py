"""`parity-fuzz targets build|start|stop|status`: the bundled reference runtimes."""

from __future__ import annotations

from pathlib import Path

import click

from fuzzer import _runtimes
from fuzzer._errors import EXIT_OK
from fuzzer.cli._main import State, cli

STATE_DIR = Path(".parity")


def _addr(value: str) -> str:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(f"{value!r} is not HOST:PORT, e.g. 127.0.0.1:3100")
    return value


@cli.group()
def targets() -> None:
    """Build, start, stop and inspect the bundled Rust and Go reference runtimes."""


@targets.command()
@click.pass_obj
def build(state: State) -> int:
    """Compile both runtimes (release)."""
    state.err.print("building validatord-rs (cargo) and validatord-go (go)…")
    _runtimes.build()
    state.out.print(f"rust: {_runtimes.RUST_BIN}\ngo:   {_runtimes.GO_BIN}")
    return EXIT_OK


@targets.command()
@click.option(
    "--rust-addr",
    default=_runtimes.DEFAULT_RUST_ADDR,
    show_default=True,
    callback=lambda _c, _p, v: _addr(v),
    help="Where the Rust runtime listens.",
)
@click.option(
    "--go-addr",
    default=_runtimes.DEFAULT_GO_ADDR,
    show_default=True,
    callback=lambda _c, _p, v: _addr(v),
    help="Where the Go runtime listens.",
)
@click.option("--go-serde-errors", is_flag=True, help="Start Go with serde-shaped validation errors.")
@click.pass_obj
def start(state: State, rust_addr: str, go_addr: str, go_serde_errors: bool) -> int:
    """Build, then start both runtimes in the background and wait until /health answers."""
    started = _runtimes.start(_runtimes.StateFile(STATE_DIR), rust_addr, go_addr, go_serde_errors=go_serde_errors)
    for running in started:
        state.out.print(f"{running.name}: {running.url}  (pid {running.pid}, log {running.log})")
    return EXIT_OK


@targets.command()
@click.pass_obj
def stop(state: State) -> int:
    """Stop exactly the processes `targets start` recorded."""
    stopped = _runtimes.stop(_runtimes.StateFile(STATE_DIR))
    if not stopped:
        state.out.print("nothing to stop")
    for running in stopped:
        state.out.print(f"stopped {running.name} (pid {running.pid}, {running.url})")
    return EXIT_OK


@targets.command()
@click.pass_obj
def status(state: State) -> int:
    """Say what runs where."""
    entries = _runtimes.status(_runtimes.StateFile(STATE_DIR))
    if not entries:
        state.out.print("no runtimes started (run `parity-fuzz targets start`)")
    for running, alive in entries:
        word = "running" if alive else "not running"
        state.out.print(f"{running.name}: {word} at {running.url} (pid {running.pid})")
    return EXIT_OK
