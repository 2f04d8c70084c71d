"""Migrate: stored cases are re-keyed offline, from the answers they recorded."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from fuzzer._classify import SIGNATURE_VERSION
from fuzzer._migrate import NotMigratable, known_signatures, plan, rekey, stale
from fuzzer._model import Divergence
from fuzzer._store import Expectation, StoredCase, dumps

from .builders import SERDE, divergence, go_error, ok, rust_error, stored

STATUS = divergence(ok(200, {"valid": True}), go_error("schema", "fingerprint", "missing"))
SHAPE = divergence(rust_error("Schema", "f", "missing"), go_error("schema", "f", "missing"))


def saved(found: Divergence, version: int = 1, digest: str = "0123456789ab", observed: bool = True) -> StoredCase:
    answers = tuple(zip(("rust", "go"), found.exchange.responses, strict=True)) if observed else ()
    return replace(stored(expect=Expectation("diverge", digest, "old key", "status", version)), observed=answers)


def test_rekey_gives_the_current_signature_of_the_recorded_answers() -> None:
    after = rekey(saved(STATUS), SERDE)
    assert (after.signature, after.key, after.version) == (
        STATUS.signature.digest,
        STATUS.signature.key,
        SIGNATURE_VERSION,
    )


def test_a_wire_shape_case_keeps_its_digest() -> None:
    after = rekey(saved(SHAPE, digest=SHAPE.signature.digest), SERDE)
    assert after.signature == SHAPE.signature.digest == "f3ba0b1e190c"


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        (saved(STATUS, observed=False), "observed"),
        (saved(STATUS, version=SIGNATURE_VERSION + 1), "newer"),
        (replace(saved(STATUS), observed=(("rust", ok(200, {"a": 1})), ("go", ok(200, {"a": 1})))), "agree"),
    ],
)
def test_what_cannot_be_re_keyed_says_why(case: StoredCase, reason: str) -> None:
    with pytest.raises(NotMigratable, match=reason):
        rekey(case, SERDE)


def test_plan_leaves_current_and_match_cases_alone_and_reports_the_rest() -> None:
    current = replace(saved(STATUS), expect=Expectation.of(STATUS.signature))
    migrations = plan([saved(STATUS), saved(STATUS, observed=False), current, stored()], SERDE)
    assert [m.changed for m in migrations] == [True, False]
    assert migrations[1].after is None and "observed" in migrations[1].problem
    assert migrations[0].migrated.expect.version == SIGNATURE_VERSION
    assert stale(saved(STATUS)) and not stale(current) and not stale(stored())


def test_a_campaign_knows_a_stale_case_by_its_re_keyed_digest() -> None:
    known = known_signatures([saved(STATUS), saved(SHAPE, observed=False, digest="fedcba987654")], SERDE)
    assert set(known) == {STATUS.signature.digest}


def test_a_case_1_file_is_read_and_migrated_to_the_current_format(tmp_path: Path) -> None:
    from fuzzer._store import FORMAT, read_case, rewrite_case

    record = json.loads(dumps(stored()))
    record["format"] = "parity-fuzz/case@1"
    path = tmp_path / "old.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    old = read_case(path)
    assert old.format == "parity-fuzz/case@1" and old.case.operation == ""
    (migration,) = plan([old], SERDE)
    assert migration.changed and migration.after == old.expect
    rewrite_case(migration.migrated)
    assert json.loads(path.read_text())["format"] == FORMAT
    assert plan([read_case(path)], SERDE) == []


def test_a_case_1_file_may_not_name_an_operation(tmp_path: Path) -> None:
    from fuzzer._errors import CaseFileError
    from fuzzer._store import read_case

    record = json.loads(dumps(stored()))
    record.update(format="parity-fuzz/case@1", operation="GET /v1/workers/{id}")
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(CaseFileError):
        read_case(path)
