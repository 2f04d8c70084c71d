"""`parity-fuzz fuzz --openapi targets/openapi.yaml` on the real runtimes: every operation is fuzzed, classes are
found on the new routes, each saved case names its operation, and the corpus replays and exports per operation."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from fuzzer import _store
from fuzzer._export import curl, parity_sh_line
from fuzzer._send import Transport
from fuzzer.cli import main
from strategies._contract import load_contract
from strategies._source import sample_cases
from strategies.openapi import load_openapi, operation_cases

from .conftest import ROOT, Pair, target_args

DOCUMENT = ROOT / "targets" / "openapi.yaml"
NEW_ROUTES = ("GET /v1/workers/{id}", "GET /v1/workers", "POST /v1/clients/{client_id}/fills")


@pytest.fixture(scope="module")
def campaign(reference_pair: Pair, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:  # type: ignore[type-arg]
    folder = tmp_path_factory.mktemp("openapi")
    corpus, report = folder / "corpus", folder / "report.json"
    arguments = ["fuzz", "--openapi", str(DOCUMENT), *target_args(reference_pair), "-n", "800", "--seed", "3"]
    code = main([*arguments, "--corpus", str(corpus), "--report-json", str(report), "--max-time", "120"])
    assert code == 1  # new classes found
    return corpus, json.loads(report.read_text())


def test_every_operation_is_fuzzed_and_the_new_routes_show_classes(campaign: tuple[Path, dict]) -> None:  # type: ignore[type-arg]
    _, report = campaign
    operations = load_openapi(DOCUMENT).operations
    # outcome coverage counts the outcome pairs each operation showed (by operationId): every one was sent
    assert set(report["coverage"]["per_kind"]) == {operation.key for operation in operations}
    classes = Counter(entry["operation"] for entry in report["classes"])
    assert set(classes) <= {f"{operation.method} {operation.path}" for operation in operations}
    assert all(classes[route] >= 1 for route in NEW_ROUTES), classes


def test_each_saved_case_names_its_operation_and_replays_known(
    campaign: tuple[Path, dict],  # type: ignore[type-arg]
    reference_pair: Pair,
    capsys: pytest.CaptureFixture[str],
) -> None:
    corpus, report = campaign
    stored, errors = _store.load([corpus])
    assert not errors and len(stored) == len(report["classes"])
    by_digest = {entry["signature"]: entry["operation"] for entry in report["classes"]}
    for case in stored:
        assert case.format == _store.FORMAT
        assert case.case.operation == by_digest[case.expect.signature]
    capsys.readouterr()
    assert main(["replay", str(corpus), *target_args(reference_pair)]) == 0
    out = capsys.readouterr().out
    assert f"{len(stored)} KNOWN" in out, out


def test_a_get_reproducer_exports_as_curl_that_reproduces_it(campaign: tuple[Path, dict], reference_pair: Pair) -> None:  # type: ignore[type-arg]
    corpus, _ = campaign
    stored, _ = _store.load([corpus])
    gets = [c for c in stored if c.case.request.method == "GET" and c.case.operation in NEW_ROUTES]
    assert gets
    with pytest.raises(ValueError, match="seed script"):
        parity_sh_line(gets[0].case)
    for case in gets:  # every GET reproducer of the new routes, each to both runtimes
        for target, (_, recorded) in zip(reference_pair, case.observed, strict=True):
            command = curl(case.case.request, target, lambda headers: headers)
            assert "--data-binary" not in command
            answer = subprocess.run(["bash", "-c", command], capture_output=True, timeout=30, check=True).stdout
            status = int(answer.split(b" ", 2)[1])
            assert status == recorded.status, (command, answer[:200])


@pytest.mark.parametrize(("contract", "at_least"), [("none", 0.30), ("bundled", 0.95)])
def test_valid_validate_cases_from_the_document_are_accepted(
    reference_pair: Pair, contract: str, at_least: float
) -> None:
    """From targets/openapi.yaml alone (its patterns, enums and examples) at least 30% of the valid
    /v1/validate cases are accepted by both runtimes; with the bundled plug-in's fix-ups, nearly all."""
    api = load_openapi(DOCUMENT)
    strategy = operation_cases(api, ["validateArtifact"], ["valid"], contract=load_contract(contract))
    drawn = sample_cases(strategy, 300, seed=1)
    with Transport(reference_pair) as transport:
        exchanges = transport.exchange_many(drawn)
    accepted = sum(1 for e in exchanges if all(r.status == 200 for r in e.responses))
    assert accepted / len(drawn) >= at_least, (contract, accepted, len(drawn))
