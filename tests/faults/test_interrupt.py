"""SIGINT and SIGTERM: sending stops, the report and every class confirmed so far are written, exit 130."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from .server import FaultServer


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_campaign_saves_what_it_found(
    fault: Callable[..., FaultServer], tmp_path: Path, signum: signal.Signals
) -> None:
    good, odd = fault("ok"), fault("nonjson")
    report = tmp_path / "report.json"
    command = [
        sys.executable, "-m", "fuzzer", "fuzz", "--target", f"a={good.url}", "--target", f"b={odd.url}",
        "-n", "1000000", "--corpus", str(tmp_path / "corpus"), "--report-json", str(report),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not list((tmp_path / "corpus").rglob("*.json")) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        process.send_signal(signum)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, err
    assert "Traceback" not in err
    written = json.loads(report.read_text())
    assert written["interrupted"] is True
    assert 0 < written["examples"] < 1_000_000
    saved = list((tmp_path / "corpus").rglob("*.json"))
    assert saved and all(json.loads(p.read_text())["expect"]["outcome"] == "diverge" for p in saved)
