"""SIGINT and SIGTERM: sending stops, the report and every class confirmed so far are written, exit 130."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from .server import FaultServer


def _until_a_case_is_saved(corpus: Path) -> None:
    """Wait (up to 60 s) until the campaign has saved a case, and a little more, so that it is mid-campaign."""
    deadline = time.monotonic() + 60
    while not list(corpus.rglob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)


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
        _until_a_case_is_saved(tmp_path / "corpus")
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


def _jobs_of(pid: int) -> list[int]:
    """The job processes of the campaign `pid` (Linux /proc): its children that multiprocessing spawned, not its
    resource tracker, which leaves by itself once the campaign has gone."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
            if int(fields[1]) == pid and b"multiprocessing.spawn" in command:
                found.append(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc to find the job processes")
@pytest.mark.parametrize(("signum", "group"), [(signal.SIGINT, True), (signal.SIGTERM, False)])
def test_an_interrupted_parallel_campaign_stops_every_job_and_saves_what_it_found(
    fault: Callable[..., FaultServer], tmp_path: Path, signum: signal.Signals, group: bool
) -> None:
    """Ctrl-C reaches every process of the terminal's group; SIGTERM may reach the parent alone. Either way every
    job stops, the classes found are saved, and one report says the campaign was interrupted."""
    good, odd = fault("ok"), fault("nonjson")
    report = tmp_path / "report.json"
    command = [
        sys.executable, "-m", "fuzzer", "fuzz", "--target", f"a={good.url}", "--target", f"b={odd.url}",
        "-n", "1000000", "--jobs", "2", "--corpus", str(tmp_path / "corpus"), "--report-json", str(report),
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        _until_a_case_is_saved(tmp_path / "corpus")
        jobs = _jobs_of(process.pid)
        if group:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert len(jobs) == 2, jobs  # the parent waited for both before it exited
    assert not [pid for pid in jobs if _running(pid)]
    written = json.loads(report.read_text())
    assert (written["interrupted"], written["jobs"]) == (True, 2)
    assert 0 < written["examples"] < 1_000_000
    saved = list((tmp_path / "corpus").rglob("*.json"))
    assert saved and all(json.loads(p.read_text())["expect"]["outcome"] == "diverge" for p in saved)
    assert len({json.loads(p.read_text())["expect"]["signature"] for p in saved}) == len(saved)
