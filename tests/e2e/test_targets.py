"""`parity-fuzz targets build|start|stop|status` on the real runtimes, and the valid generator's acceptance rate."""

from __future__ import annotations

import json
import os
import shutil
import socket
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from fuzzer._campaign import case_strategy
from fuzzer._config import Config
from fuzzer._model import Case, WireRequest
from fuzzer._runtimes import GO_BIN, Executable, build, free_port, reference_pair
from fuzzer._send import Transport
from fuzzer.cli import main

from .conftest import Pair

pytestmark = pytest.mark.e2e


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # `.parity/` is written in the current folder
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


def test_start_status_stop(scratch: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rust, go = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    assert main(["targets", "start", "--rust-addr", rust, "--go-addr", go, "--go-serde-errors"]) == 0
    try:
        out = capsys.readouterr().out
        assert f"http://{rust}" in out and f"http://{go}" in out
        assert (scratch / ".parity" / "runtimes.json").is_file()
        assert main(["targets", "start", "--rust-addr", rust, "--go-addr", go]) == 2  # already running
        assert "targets stop" in capsys.readouterr().err
        assert main(["targets", "status"]) == 0
        assert capsys.readouterr().out.count("running at") == 2
    finally:
        assert main(["targets", "stop"]) == 0
    assert capsys.readouterr().out.count("stopped") == 2
    assert main(["targets", "status"]) == 0
    assert "no runtimes started" in capsys.readouterr().out
    with socket.socket() as probe:  # the ports are free again
        probe.bind(("127.0.0.1", int(rust.rsplit(":", 1)[1])))


def test_a_taken_port_is_one_clear_line(scratch: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = f"127.0.0.1:{holder.getsockname()[1]}"
        assert main(["targets", "start", "--rust-addr", taken, "--go-addr", f"127.0.0.1:{free_port()}"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and taken in err[0] and "--rust-addr" in err[0]
    assert not (scratch / ".parity" / "runtimes.json").exists()


def test_a_missing_toolchain_is_one_clear_line(
    scratch: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(scratch))  # neither cargo nor go
    assert main(["targets", "build"]) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("parity-fuzz: error:")]
    assert len(errors) == 1 and "cargo not found on PATH" in errors[0] and "rustup" in errors[0]
    assert "Traceback" not in err
    assert os.environ["PATH"] == str(scratch)


def test_most_valid_cases_are_accepted_by_both_runtimes(reference_pair: Pair) -> None:
    drawn: list[Case] = []

    @settings(
        max_examples=300, database=None, deadline=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck)
    )
    @given(case_strategy(Config(), ("valid",), ()))
    def collect(case: Case) -> None:
        drawn.append(case)

    collect()
    with Transport(reference_pair) as transport:
        exchanges = transport.exchange_many(drawn)
    accepted = sum(1 for e in exchanges if [r.status for r in e.responses] == [200, 200])
    assert accepted / len(exchanges) >= 0.6, accepted


def test_the_go_side_can_be_another_binary_with_its_own_environment(tmp_path: Path) -> None:
    build()
    other = tmp_path / "validatord-go-copy"
    shutil.copy2(GO_BIN, other)
    go = Executable(other, {"VALIDATORD_SERDE_ERRORS": "1"})
    with reference_pair(log_dir=tmp_path / "logs", go=go) as runtimes:
        assert runtimes.running["go"].binary == str(other)
        with Transport(runtimes.targets) as transport:
            exchange = transport.exchange_many([_missing_fingerprint()])[0]
    rust, go_answer = (json.loads(response.body) for response in exchange.responses)
    assert go_answer["error"] == rust["error"] == {"Schema": {"field": "fingerprint", "reason": "missing"}}


def _missing_fingerprint() -> Case:
    body = b'{"kind":"playbook","artifact":{"operation":"fill: Welder x1 in Toledo","endorsed_names":["Ada Brooks"]}}'
    request = WireRequest("POST", "/v1/validate", (("content-type", "application/json"),), body)
    return Case("playbook", request, "valid", "missing fingerprint")
