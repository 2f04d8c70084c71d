"""Merge: one reproducer per class, the smallest; DIR's own kept unless a source's is strictly smaller; stale cases
by their re-keyed digest; match cases copied by file name; bad paths refused."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from fuzzer import _store
from fuzzer._classify import SIGNATURE_VERSION
from fuzzer._errors import CorpusError
from fuzzer._merge import Action, apply_merge, plan_merge, size
from fuzzer._model import Divergence
from fuzzer._store import Expectation, StoredCase
from fuzzer.cli import main

from .builders import SERDE, case, divergence, go_error, ok, rust_error, stored, wire

STATUS = divergence(ok(200, {"valid": True}), go_error("schema", "fingerprint", "missing"))
SHAPE = divergence(rust_error("Schema", "f", "missing"), go_error("schema", "f", "missing"))


def found(shows: Divergence, body: bytes, label: str = "found", version: int = SIGNATURE_VERSION) -> StoredCase:
    """A fuzz reproducer of the class `shows`, with `body`, recording the class's answers."""
    expect = Expectation.of(shows.signature)
    if version != SIGNATURE_VERSION:
        expect = Expectation("diverge", "0123456789ab", "an old key", "status", version)
    answers = tuple(zip(("rust", "go"), shows.exchange.responses, strict=True))
    return replace(stored(case(body, label), expect), observed=answers)


def put(folder: Path, name: str, case_: StoredCase) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(_store.dumps(case_), encoding="utf-8")
    return path


def files_of(folder: Path) -> dict[str, list[str]]:
    """digest → file names below `folder`."""
    by: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*.json")):
        digest = json.loads(path.read_text())["expect"].get("signature", "")
        by.setdefault(digest, []).append(path.name)
    return by


def test_size_counts_body_headers_and_path_bytes() -> None:
    request = wire(b"12345", (("a", "bc"),))
    assert size(request) == 5 + 3 + len("/v1/validate")


def test_the_smallest_reproducer_of_each_class_is_kept(tmp_path: Path) -> None:
    put(tmp_path / "a" / "found", "big.json", found(STATUS, b'{"kind":"playbook","artifact":{"x":1}}'))
    put(tmp_path / "b" / "found", "small.json", found(STATUS, b"{}"))
    put(tmp_path / "b" / "found", "shape.json", found(SHAPE, b"[]"))
    into = tmp_path / "merged"
    merge = plan_merge([tmp_path / "a", tmp_path / "b"], into, SERDE)
    assert {m.digest: m.action for m in merge.classes} == {
        STATUS.signature.digest: Action.ADDED,
        SHAPE.signature.digest: Action.ADDED,
    }
    merged, _ = apply_merge(merge)
    by = {m.merge.digest: m.path for m in merged}
    assert _store.read_case(by[STATUS.signature.digest]).case.request.body == b"{}"
    assert {d: len(names) for d, names in files_of(into).items()} == {
        STATUS.signature.digest: 1,
        SHAPE.signature.digest: 1,
    }


def test_equal_sizes_are_decided_by_file_name(tmp_path: Path) -> None:
    put(tmp_path / "a", "b-second.json", found(STATUS, b"[1]", "second"))
    put(tmp_path / "b", "a-first.json", found(STATUS, b"[2]", "first"))
    (only,) = plan_merge([tmp_path / "a", tmp_path / "b"], tmp_path / "into", SERDE).classes
    assert only.winner.path.name == "a-first.json"
    assert only.passed_over == 1


def test_the_target_keeps_its_file_unless_a_source_is_strictly_smaller(tmp_path: Path) -> None:
    mine = put(tmp_path / "into" / "found", "mine.json", found(STATUS, b"[1]"))
    put(tmp_path / "src", "same-size.json", found(STATUS, b"[2]"))
    (only,) = plan_merge([tmp_path / "src"], tmp_path / "into", SERDE).classes
    assert (only.action, only.winner.path, only.removed) == (Action.KEPT, mine, ())
    apply_merge(plan_merge([tmp_path / "src"], tmp_path / "into", SERDE))
    assert mine.exists() and files_of(tmp_path / "into")[STATUS.signature.digest] == ["mine.json"]


def test_a_strictly_smaller_source_replaces_the_target_file_written_first(tmp_path: Path) -> None:
    mine = put(tmp_path / "into" / "found", "mine.json", found(STATUS, b"[1,2,3]"))
    put(tmp_path / "src", "smaller.json", found(STATUS, b"[]"))
    merge = plan_merge([tmp_path / "src"], tmp_path / "into", SERDE)
    (only,) = merge.classes
    assert only.action is Action.REPLACED
    assert [old.path for old in only.removed] == [mine]
    (done,), _ = apply_merge(merge)
    assert not mine.exists()
    assert done.path.parent == tmp_path / "into" / "found"
    assert _store.read_case(done.path).case.request.body == b"[]"


def test_duplicates_in_the_target_are_reduced_to_the_smallest(tmp_path: Path) -> None:
    small = put(tmp_path / "into" / "found", "small.json", found(STATUS, b"[]"))
    large = put(tmp_path / "into" / "found", "large.json", found(STATUS, b"[1,2]"))
    (tmp_path / "src").mkdir()
    apply_merge(plan_merge([tmp_path / "src"], tmp_path / "into", SERDE))
    assert small.exists() and not large.exists()


def test_a_stale_case_counts_by_its_re_keyed_digest_and_is_written_re_keyed(tmp_path: Path) -> None:
    put(tmp_path / "into" / "found", "current.json", found(STATUS, b"[1,2,3]"))
    put(tmp_path / "old", "v1.json", found(STATUS, b"[]", version=1))
    merge = plan_merge([tmp_path / "old"], tmp_path / "into", SERDE)
    (only,) = merge.classes  # one class: the v1 digest 0123456789ab re-keyed is STATUS's
    assert only.digest == STATUS.signature.digest
    assert only.action is Action.REPLACED
    (done,), _ = apply_merge(merge)
    written = _store.read_case(done.path)
    assert (written.expect.signature, written.expect.version) == (STATUS.signature.digest, SIGNATURE_VERSION)
    assert files_of(tmp_path / "into") == {STATUS.signature.digest: [done.path.name]}


def test_a_stale_case_without_answers_is_its_own_class_by_its_recorded_digest(tmp_path: Path) -> None:
    put(tmp_path / "old", "v1.json", replace(found(STATUS, b"[]", version=1), observed=()))
    merge = plan_merge([tmp_path / "old"], tmp_path / "into", SERDE)
    (only,) = merge.classes
    assert only.digest == "v1:0123456789ab"
    assert "kept by its recorded digest" in merge.notes[0]


def test_match_and_canonical_cases_are_copied_by_file_name_once(tmp_path: Path) -> None:
    put(tmp_path / "a" / "canonical", "happy.json", stored(case(b"{}", "happy")))
    put(tmp_path / "b" / "canonical", "happy.json", stored(case(b"[]", "other happy")))
    put(tmp_path / "a" / "canonical", "shape.json", replace(found(SHAPE, b"[1]"), origin="canonical"))
    put(tmp_path / "b" / "found", "shape-smaller.json", found(SHAPE, b"[]"))
    into = tmp_path / "into"
    merge = plan_merge([tmp_path / "a", tmp_path / "b"], into, SERDE)
    assert [(c.target.relative_to(into).as_posix(), c.present) for c in merge.copies] == [
        ("canonical/happy.json", False),
        ("canonical/shape.json", False),
        ("canonical/happy.json", True),
    ]
    (shape,) = merge.classes  # the canonical case holds the class: the smaller found one is not added
    assert shape.action is Action.KEPT and shape.passed_over == 1
    apply_merge(merge)
    assert _store.read_case(into / "canonical" / "happy.json").label == "happy"
    assert not (into / "found").exists()


def test_a_present_file_is_never_overwritten(tmp_path: Path) -> None:
    mine = put(tmp_path / "into" / "canonical", "happy.json", stored(case(b"{}", "mine")))
    put(tmp_path / "src" / "canonical", "happy.json", stored(case(b"[]", "theirs")))
    apply_merge(plan_merge([tmp_path / "src"], tmp_path / "into", SERDE))
    assert _store.read_case(mine).label == "mine"


def test_bad_paths_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(CorpusError, match="does not exist"):
        plan_merge([tmp_path / "missing"], tmp_path / "into", SERDE)
    with pytest.raises(CorpusError, match="is a file"):
        plan_merge([tmp_path / "src"], tmp_path / "file", SERDE)
    with pytest.raises(CorpusError, match="overlap"):
        plan_merge([tmp_path / "src"], tmp_path / "src" / "merged", SERDE)
    with pytest.raises(CorpusError, match="overlap"):
        plan_merge([tmp_path / "src"], tmp_path / "src", SERDE)
    assert not (tmp_path / "into").exists()


def test_the_command_prints_each_class_and_a_tally(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mine = put(tmp_path / "into" / "found", "mine.json", found(STATUS, b"[1,2,3]"))
    put(tmp_path / "src" / "found", "smaller.json", found(STATUS, b"[]"))
    put(tmp_path / "src" / "found", "shape.json", found(SHAPE, b"[]"))
    put(tmp_path / "src" / "canonical", "happy.json", stored(case(b"{}", "happy")))
    assert main(["corpus", "merge", str(tmp_path / "src"), "--into", str(tmp_path / "into")]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert any(line.startswith(f"added     {SHAPE.signature.digest}") for line in lines), out
    assert any(line.startswith(f"replaced  {STATUS.signature.digest}") and "mine.json" in line for line in lines)
    assert any(line.startswith("removed") and str(mine) in line for line in lines)
    assert any(line.startswith("copied") and "happy.json" in line for line in lines)
    assert "2 classes into" in out and "1 added · 1 replaced · 0 kept · 1 cases copied" in out


def test_the_command_exits_1_on_an_unreadable_case_and_2_on_a_bad_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "broken.json").write_text("{")
    assert main(["corpus", "merge", str(tmp_path / "src"), "--into", str(tmp_path / "into")]) == 1
    assert "unreadable: case file" in capsys.readouterr().err
    assert main(["corpus", "merge", str(tmp_path / "nowhere"), "--into", str(tmp_path / "into")]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and err[0].startswith("parity-fuzz: error: corpus path") and "does not exist" in err[0]
    assert main(["corpus", "merge", str(tmp_path / "src")]) == 2
    assert "Missing option '--into'" in capsys.readouterr().err
