"""The case format's JSON Schema, applied to files on disk: the same rules for `corpus check` and `read_case`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fuzzer._errors import CaseFileError
from fuzzer._store import dumps, file_problems, read_case
from fuzzer._validate_case import case_problems

from .builders import case, stored

schema_errors = file_problems

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
    assert schema_errors(write(tmp_path, record)) == ["(top): missing key 'expect'"]


def canonical_record() -> dict[str, object]:
    return json.loads(CANONICAL[0].read_text(encoding="utf-8"))


def without(record: dict[str, Any], *path: str) -> dict[str, Any]:
    target = record
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return record


@pytest.mark.parametrize(
    "path",
    [("origin",), ("request", "method"), ("request", "path"), ("request", "headers"), ("expect", "level")],
    ids="/".join,
)
def test_replay_refuses_what_corpus_check_refuses(tmp_path: Path, path: tuple[str, ...]) -> None:
    """Fields the format requires are never filled in with defaults: a file `corpus check` rejects, replay does
    not read either, and for the same reason."""
    file = write(tmp_path, without(canonical_record(), *path))
    problems = schema_errors(file)
    assert problems and path[-1] in problems[0]
    with pytest.raises(CaseFileError) as caught:
        read_case(file)
    assert caught.value.reason.startswith(problems[0])


def test_the_first_problem_is_named_and_the_others_counted(tmp_path: Path) -> None:
    record = without(without(canonical_record(), "origin"), "request", "path")
    with pytest.raises(CaseFileError) as caught:
        read_case(write(tmp_path, record))
    assert "(and 1 more; parity-fuzz corpus check lists them)" in caught.value.reason


def test_a_signature_version_is_allowed() -> None:
    record = canonical_record()
    record["expect"]["signature_version"] = 2  # type: ignore[index]
    assert case_problems(record) == []
    record["expect"]["signature_version"] = 0  # type: ignore[index]
    assert case_problems(record) == ["expect/signature_version: 0 is less than the minimum of 1"]


def test_a_case_file_nested_100000_levels_deep_is_a_clean_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(CaseFileError, match="nested more than 200 levels deep"):
        read_case(path)
    assert schema_errors(path) == ["nested more than 200 levels deep; at most 200 are read"]


def test_a_deep_body_is_stored_as_text_and_read_back(tmp_path: Path) -> None:
    body = ("[" * 300 + "]" * 300).encode()
    path = tmp_path / "case.json"
    path.write_text(dumps(stored(case(body))), encoding="utf-8")
    assert schema_errors(path) == []
    assert read_case(path).case.request.body == body
