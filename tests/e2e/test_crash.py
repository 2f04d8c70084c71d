"""A runtime killed halfway through a campaign: the campaign ends cleanly with its report, an intact corpus and a
crash reproducer; with a way to restart the runtime, it tries the last cases again to find the one that kills."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

import pytest

from fuzzer._campaign import CampaignPlan, run_campaign
from fuzzer._config import Config
from fuzzer._engine import EngineSettings
from fuzzer._runtimes import reference_pair
from fuzzer._store import load

pytestmark = pytest.mark.e2e


def _kill_later(pid: int, seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, os.kill, (pid, signal.SIGKILL))
    timer.start()
    return timer


@pytest.mark.parametrize("restartable", [False, True])
def test_a_runtime_killed_halfway(tmp_path: Path, restartable: bool) -> None:
    corpus = tmp_path / "corpus"
    report = tmp_path / "report.json"
    with reference_pair(log_dir=tmp_path / "logs") as runtimes:
        plan = CampaignPlan(
            Config(),
            runtimes.targets,
            EngineSettings(examples=200_000, seed=3, max_seconds=60),
            corpus,
            report_json=report,
            report_md=tmp_path / "report.md",
            restart=runtimes.restart if restartable else None,
        )
        timer = _kill_later(runtimes.running["go"].pid, 2.0)
        try:
            outcome = run_campaign(plan)
        finally:
            timer.cancel()
        if restartable:
            assert runtimes.running["go"].pid != timer.args[0]  # started again to replay the last cases
    result = outcome.result
    assert result.crashed is not None and result.crashed.startswith("go at ")
    assert 0 < result.examples < 200_000
    crashes = [f for f in outcome.report.findings if f.crash]
    assert len(crashes) == 1
    # A kill from outside is not caused by any case: no case kills the restarted runtime again.
    assert crashes[0].confirmations == 0
    saved, errors = load([corpus])
    assert not errors
    assert any("crash" in (case.expect.key or "") for case in saved)
    written = json.loads(report.read_text())
    assert written["crashed"] == result.crashed
    assert any(c["crash"] for c in written["classes"])
    assert "**Crash:**" in (tmp_path / "report.md").read_text()
