"""Readings on the real runtimes: Go folds top-level key case and Rust does not, so keys that differ only in
case are one class on the bundled pair, and no class of their own between two runtimes that read alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzzer import _store
from fuzzer._campaign import read_policy
from fuzzer._classify import MISREAD, classify
from fuzzer._compare import compare
from fuzzer._config import Config
from fuzzer._model import Case, Target, WireRequest
from fuzzer._send import Transport
from fuzzer._store import Expectation, StoredCase
from fuzzer.cli import main

from .conftest import Pair, target_args

HEADERS = (("content-type", "application/json"),)
BODIES = (
    b'{"kind":"playbook","artifact":{},"Artifact":{"operation":"fill: Welder x1 in Toledo"}}',
    b'{"kind":"playbook","artifact":{"operation":""},"Artifact":{}}',
    b'{"kind":"playbook","Kind":"fill"}',
)


def _case(body: bytes) -> Case:
    return Case("playbook", WireRequest("POST", "/v1/validate", HEADERS, body), "mutated", "two cases of one key")


def test_the_bundled_pair_reads_key_case_apart(reference_pair: Pair) -> None:
    config = Config()
    with Transport(reference_pair) as transport:
        policy = read_policy(transport, config)
        assert policy.folds_key_case == (False, True)  # rust exactly, go whatever the case
        keys = {
            classify(e, compare(e, policy)).signature.key for e in transport.exchange_many([_case(b) for b in BODIES])
        }
    assert keys == {MISREAD}


def test_two_runtimes_that_read_alike_keep_their_classes(reference_pair: Pair) -> None:
    go = reference_pair[1]
    with Transport((go, Target("go-again", go.url))) as transport:
        policy = read_policy(transport, Config())
    assert policy.folds_key_case == (True, True)
    assert not policy.reads_key_case_apart


def test_migrate_with_the_runtimes_rekeys_what_offline_cannot(
    reference_pair: Pair, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Transport(reference_pair) as transport:
        exchange = transport.exchange(_case(BODIES[0]))
    old = StoredCase(
        case=exchange.case,
        expect=Expectation("diverge", "0123456789ab", "422 schema/operation | passed", "status", 2),
        origin="fuzz",
        created="2026-01-01T00:00:00Z",
        version="0.1.0",
        observed=tuple((t.name, r) for t, r in zip(exchange.targets, exchange.responses, strict=True)),
    )
    path, _ = _store.write_case(tmp_path, old, Config().redact)
    assert main(["corpus", "migrate", str(tmp_path)]) == 1
    assert "--reference" in capsys.readouterr().err
    assert _store.read_case(path).expect.version == 2  # left as it was
    assert main(["corpus", "migrate", str(tmp_path), *target_args(reference_pair)]) == 0
    assert _store.read_case(path).expect.key == MISREAD
    capsys.readouterr()
    assert main(["replay", str(tmp_path), *target_args(reference_pair)]) == 0
    assert "KNOWN" in capsys.readouterr().out
