"""`parity-fuzz cases`: requests printed for every selected operation, nothing sent; bad input is one line.

Over ../shared/openapi-specs (skipped when absent): every operation of every 3.x document gets requests, and
the Swagger 2.0 files get their one-line message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from fuzzer.cli import main
from fuzzer.cli._main import cli
from strategies.openapi import load_openapi
from tests.openapi.test_real_world import OPENAPI, REAL_WORLD, SWAGGER

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "targets" / "openapi.yaml"
HEADER = re.compile(r"^# (\S+ \S+)  (valid|mutated|adversarial)  (.+)$", re.MULTILINE)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_prints_n_requests_per_operation() -> None:
    code, output = run("cases", "--openapi", str(BUNDLED), "-n", "4", "--mode", "mutated,adversarial", "--seed", "3")
    assert code == 0
    found = HEADER.findall(output)
    operations = {f"{o.method} {o.path}" for o in load_openapi(BUNDLED).operations}
    assert {operation for operation, _, _ in found} == operations
    assert {mode for _, mode, _ in found} <= {"mutated", "adversarial"}
    assert "POST /v1/clients/" in output and "content-type: application/json" in output


def test_operation_and_selection_options() -> None:
    code, output = run("cases", "--openapi", str(BUNDLED), "-n", "3", "--operation", "GET /v1/workers/{id}")
    assert code == 0 and {op for op, _, _ in HEADER.findall(output)} == {"GET /v1/workers/{id}"}
    code, output = run("cases", "--openapi", str(BUNDLED), "-n", "2", "--include-tag", "workers", "--mode", "valid")
    assert {op for op, _, _ in HEADER.findall(output)} == {"GET /v1/workers/{id}", "GET /v1/workers"}
    code, output = run("cases", "--openapi", str(BUNDLED), "-n", "2", "--exclude-path", "^/v1")
    assert {op for op, _, _ in HEADER.findall(output)} == {"GET /health"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--operation", "nope"], "--operation 'nope': no such operation"),
        (["--include-tag", "nope"], "include-tag"),
        (["--mode", "fuzzy"], "'fuzzy' is not one of valid, mutated, adversarial"),
    ],
)
def test_bad_input_is_one_line(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["cases", "--openapi", str(BUNDLED), *args])
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("parity-fuzz: error")]
    assert code == 2 and len(err) == 1 and message in err[0], err


def test_a_missing_document_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cases", "--openapi", "no-such.yaml"]) == 2
    assert "no-such.yaml" in capsys.readouterr().err


@pytest.mark.skipif(not OPENAPI, reason=f"no real-world documents at {REAL_WORLD}")
@pytest.mark.parametrize("document", OPENAPI, ids=[path.stem for path in OPENAPI])
def test_real_world_documents_yield_requests_for_every_operation(document: Path) -> None:
    api = load_openapi(document)
    if not api.operations:  # webhooks only: one line says there is nothing to send
        assert main(["cases", "--openapi", str(document)]) == 2
        return
    code, output = run("cases", "--openapi", str(document), "-n", "2", "--seed", "1")
    assert code == 0
    assert {op for op, _, _ in HEADER.findall(output)} == {f"{o.method} {o.path}" for o in api.operations}


@pytest.mark.skipif(not SWAGGER, reason=f"no real-world documents at {REAL_WORLD}")
@pytest.mark.parametrize("document", SWAGGER, ids=[path.stem for path in SWAGGER])
def test_swagger_documents_get_one_line(document: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cases", "--openapi", str(document)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and 'Swagger "2.0"' in err[0] and "convert it to OpenAPI 3" in err[0]
