"""The case format's JSON Schema, applied to files on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fuzzer._store import dumps
from fuzzer._validate_case import schema_errors

from .builders import stored

CANONICAL = sorted((Path(__file__).resolve().parents[2] / "corpus" / "canonical").glob("*.json"))


def test_the_six_canonical_cases_are_there() -> None:
    assert len(CANONICAL) == 6


@pytest.mark.parametrize("path", CANONICAL, ids=lambda p: p.stem)
def test_canonical_cases_are_valid(path: Path) -> None:
    assert schema_errors(path) == []


def write(tmp_path: Path, record: dict[str, object]) -> Path:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


def test_a_written_case_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(dumps(stored()), encoding="utf-8")
    assert schema_errors(path) == []


def test_an_extra_top_level_key_is_reported(tmp_path: Path) -> None:
    record = json.loads(CANONICAL[0].read_text(encoding="utf-8"))
    record["colour"] = "blue"
    (error,) = schema_errors(write(tmp_path, record))
    assert error.startswith("(top): ")
    assert "'colour'" in error


def test_a_bad_signature_is_reported(tmp_path: Path) -> None:
    record = json.loads(CANONICAL[0].read_text(encoding="utf-8"))
    record["expect"]["signature"] = "NOT-A-DIGEST"
    (error,) = schema_errors(write(tmp_path, record))
    assert error.startswith("expect/signature: ")
    assert "NOT-A-DIGEST" in error


def test_a_file_the_reader_refuses_is_reported_with_its_reason(tmp_path: Path) -> None:
    record = json.loads(CANONICAL[0].read_text(encoding="utf-8"))
    del record["expect"]
    assert schema_errors(write(tmp_path, record)) == ["missing key 'expect'"]
