"""Parallel and sharded campaigns on the real runtimes: `--jobs 2` shrinks and saves each class once and reports
once; two shards into two corpora, merged into a third, give one file per class, the smallest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fuzzer import _store
from fuzzer._merge import size
from fuzzer.cli import main

from .conftest import Pair, target_args

pytestmark = pytest.mark.e2e
SEED = "20261125"


def digests(folder: Path) -> dict[str, list[Path]]:
    """Signature digest → the case files below `folder` that expect it."""
    by: dict[str, list[Path]] = {}
    for stored in _store.load([folder])[0]:
        assert stored.path is not None
        by.setdefault(stored.expect.signature or "", []).append(stored.path)
    return by


def test_two_jobs_find_classes_each_saved_once_in_one_report(
    reference_pair: Pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    corpus, reports = tmp_path / "corpus", tmp_path / "reports"
    report = reports / "report.json"
    args = ["-n", "400", "--seed", SEED, "--jobs", "2", "--corpus", str(corpus)]
    code = main(
        [
            "fuzz",
            *target_args(reference_pair),
            *args,
            "--report-json",
            str(report),
            "--report-md",
            str(reports / "report.md"),
            "--report-html",
            str(reports / "report.html"),
        ]
    )
    assert code == 1  # new classes
    written = json.loads(report.read_text())
    assert (written["examples"], written["jobs"], written["interrupted"]) == (400, 2, False)
    new = [c for c in written["classes"] if not c["known"]]
    assert len(new) >= 4
    saved = digests(corpus)
    assert all(len(paths) == 1 for paths in saved.values()), saved  # each class shrunk and saved once
    assert set(saved) == {c["signature"] for c in new}
    assert {Path(c["case"]) for c in new} == {paths[0] for paths in saved.values()}
    assert sorted(p.name for p in reports.iterdir()) == ["report.html", "report.json", "report.md"]
    # One discovery point per new class, on the campaign's count: rising, and within the 400 examples.
    points = [(d["signature"], d["examples"]) for d in written["discovery"]]
    assert sorted(d for d, _ in points) == sorted(c["signature"] for c in new)
    assert [n for _, n in points] == sorted(n for _, n in points) and all(0 <= n <= 400 for _, n in points)
    assert "400 in" in (reports / "report.md").read_text() and "2 jobs" in (reports / "report.md").read_text()


def test_two_shards_merged_give_one_file_per_class_the_smallest(
    reference_pair: Pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    shards = []
    for index in (1, 2):
        corpus, report = tmp_path / f"shard-{index}", tmp_path / f"shard-{index}.json"
        args = [
            "-n",
            "400",
            "--seed",
            SEED,
            "--shard",
            f"{index}/2",
            "--corpus",
            str(corpus),
            "--report-json",
            str(report),
        ]
        assert main(["fuzz", *target_args(reference_pair), *args]) == 1
        written = json.loads(report.read_text())
        assert (written["examples"], written["shard"], str(written["seed"])) == (200, f"{index}/2", SEED)
        shards.append(digests(corpus))
    assert set(shards[0]) & set(shards[1])  # some classes found by both: the merge has a choice to make
    capsys.readouterr()
    merged = tmp_path / "merged"
    assert main(["corpus", "merge", str(tmp_path / "shard-1"), str(tmp_path / "shard-2"), "--into", str(merged)]) == 0
    out = capsys.readouterr().out
    result = digests(merged)
    assert set(result) == set(shards[0]) | set(shards[1])
    for digest, (kept,) in result.items():
        offered = [path for shard in shards for path in shard.get(digest, [])]
        smallest = min(size(_store.read_case(path).case.request) for path in offered)
        assert size(_store.read_case(kept).case.request) == smallest, digest
        assert kept.parent == merged / "found"
    assert f"{len(result)} classes into" in out and f"{len(result)} added" in out
