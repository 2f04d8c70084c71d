"""Fixtures: fault servers stopped after each test, and the CLI run in-process in a scratch folder."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .server import FaultServer, Transform, serve


@pytest.fixture
def fault() -> Iterator[Callable[..., FaultServer]]:
    """`fault("hang")` → a running server, stopped when the test ends."""
    with contextlib.ExitStack() as stack:

        def start(spec: str, transform: Transform | None = None) -> FaultServer:
            return stack.enter_context(serve(spec, transform))

        yield start


@dataclass(frozen=True, slots=True)
class Run:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


@pytest.fixture
def parity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """`parity("fuzz", "--target", ...)` runs `parity-fuzz` in-process, in `tmp_path`, on an 80-column console
    (what a CI log gets), and returns its exit code and output."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("FORCE_COLOR", raising=False)

    def run(*args: str) -> Run:
        capsys.readouterr()
        from fuzzer.cli import main  # imported late: it builds strategies, too slow for conftest import

        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
