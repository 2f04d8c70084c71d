"""The CLI when a runtime is not there: one line naming it and why, exit 2; replay judges ERROR, never PASS."""

from __future__ import annotations

import json
import shutil
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fuzzer._send import WireTransport

from .conftest import Run
from .server import FaultServer, closed_port

Fault = Callable[..., FaultServer]
CANONICAL = Path(__file__).resolve().parents[2] / "corpus" / "canonical"


def test_fuzz_with_a_closed_port_exits_2_with_one_line(fault: Fault, parity: Callable[..., Run]) -> None:
    server = fault("ok")
    closed = f"http://127.0.0.1:{closed_port()}"
    run = parity("fuzz", "--target", f"a={closed}", "--target", f"b={server.url}", "-n", "5", "--timeout", "1")
    assert run.code == 2
    assert "Traceback" not in run.err
    assert len(run.err_lines) == 1, run.err
    line = run.err_lines[0]
    assert "target a" in line and closed in line and "refused" in line.lower(), line


def test_remote_target_needs_allow_remote_and_sends_nothing(
    fault: Fault, parity: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = fault("ok")
    attempts: list[Any] = []

    def no_connect(self: WireTransport) -> Any:
        attempts.append(self.host)
        raise AssertionError("nothing may be sent without --allow-remote")

    def no_socket(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise AssertionError("nothing may be sent without --allow-remote")

    monkeypatch.setattr(WireTransport, "_connect", no_connect)
    monkeypatch.setattr(socket, "create_connection", no_socket)
    run = parity("fuzz", "--target", "x=http://10.1.2.3:80", "--target", f"b={server.url}", "-n", "5")
    assert run.code == 2
    assert "Traceback" not in run.err
    assert "--allow-remote" in run.err and "10.1.2.3" in run.err
    assert attempts == []
    assert len(server.received) == 0


def test_replay_with_both_targets_down_reports_error_for_every_case(parity: Callable[..., Run], tmp_path: Path) -> None:
    shutil.copytree(CANONICAL, tmp_path / "canonical")
    count = len(list((tmp_path / "canonical").glob("*.json")))
    a, b = (f"http://127.0.0.1:{closed_port()}" for _ in range(2))
    run = parity(
        "replay", "canonical", "--target", f"rust={a}", "--target", f"go={b}",
        "--report-json", "replay.json", "--junit", "junit.xml",
    )  # fmt: skip
    assert run.code == 1
    assert "Traceback" not in run.err
    report = json.loads((tmp_path / "replay.json").read_text(encoding="utf-8"))
    verdicts = [case["outcome"] for case in report["cases"]]
    assert count > 0 and verdicts == ["ERROR"] * count, verdicts
    assert report["tally"]["ERROR"] == count
    assert "PASS" not in run.out and "FIXED" not in run.out
    junit = (tmp_path / "junit.xml").read_text(encoding="utf-8")
    assert junit.count("<error ") == count


@pytest.mark.parametrize("spec", ["hang", "reset"])
def test_replay_with_both_targets_failing_alike_reports_error_not_pass(
    fault: Fault, parity: Callable[..., Run], tmp_path: Path, spec: str
) -> None:
    """Two timeouts (or two resets) are not agreement: no case may PASS, or be FIXED, on them."""
    shutil.copytree(CANONICAL, tmp_path / "canonical")
    (tmp_path / "parity.toml").write_text("timeout = 0.5\n", encoding="utf-8")
    a, b = fault(spec), fault(spec)
    run = parity(
        "replay", "canonical", "--target", f"rust={a.url}", "--target", f"go={b.url}", "--report-json", "replay.json"
    )
    assert run.code == 1
    report = json.loads((tmp_path / "replay.json").read_text(encoding="utf-8"))
    verdicts = {case["label"]: case["outcome"] for case in report["cases"]}
    assert set(verdicts.values()) == {"ERROR"}, verdicts


def test_fuzz_against_a_runtime_that_crashes_midway_stops_and_keeps_the_crash(
    fault: Fault, parity: Callable[..., Run], tmp_path: Path
) -> None:
    a, b = fault("ok"), fault("crash_after=15")
    started = time.monotonic()
    run = parity(
        "fuzz", "--target", f"a={a.url}", "--target", f"b={b.url}", "-n", "50", "--seed", "1", "--timeout", "1",
        "--corpus", "corpus", "--report-json", "report.json",
    )  # fmt: skip
    assert time.monotonic() - started < 10
    assert run.code == 1, run.err
    assert "Traceback" not in run.err
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["crashed"] and "b at " + b.url in report["crashed"]
    crashes = [c for c in report["classes"] if c["crash"]]
    # the requests in flight when it died were reset; the ones after it were refused
    assert crashes and crashes[0]["statuses"][0] == "200" and crashes[0]["statuses"][1] in ("refused", "reset")
    assert (tmp_path / crashes[0]["case"]).is_file()
