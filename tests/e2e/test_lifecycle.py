"""The corpus lifecycle through the command line, on the real runtimes: fuzz, see KNOWN in CI, fix a runtime,
see FIXED, promote, see PASS — and every replay outcome on the way."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest

from fuzzer.cli import main

from .conftest import Pair, target_args

pytestmark = pytest.mark.e2e


def replay_json(pair: Pair, *paths: Path, extra: tuple[str, ...] = ()) -> tuple[int, dict]:
    report = paths[0].parent / "replay.json"
    code = main(["replay", *map(str, paths), *target_args(pair), "--report-json", str(report), *extra])
    return code, json.loads(report.read_text())


def outcomes(report: dict) -> dict[str, str]:
    return {case["label"]: case["outcome"] for case in report["cases"]}


def test_canonical_six_known_then_fixed_then_promoted_to_pass(
    reference_pair: Pair, serde_pair: Pair, canonical_copy: Path
) -> None:
    code, report = replay_json(reference_pair, canonical_copy)
    assert code == 0
    assert report["tally"]["PASS"] == 1 and report["tally"]["KNOWN"] == 5

    code, _ = replay_json(reference_pair, canonical_copy, extra=("--strict",))
    assert code == 1

    code, report = replay_json(serde_pair, canonical_copy)
    assert code == 0
    assert report["tally"]["PASS"] == 1 and report["tally"]["FIXED"] == 5
    fixed = [Path(case["path"]) for case in report["cases"] if case["outcome"] == "FIXED"]

    assert main(["promote", *map(str, fixed), *target_args(serde_pair)]) == 0
    assert all(json.loads(p.read_text())["expect"] == {"outcome": "match"} for p in fixed)
    code, report = replay_json(serde_pair, canonical_copy)
    assert code == 0 and report["tally"]["PASS"] == 6

    # The promoted cases now guard the fix: the old Go runtime is a regression.
    code, report = replay_json(reference_pair, canonical_copy)
    assert code == 1 and report["tally"]["REGRESSED"] == 5


def test_fuzz_commit_known_fix_fixed_promote_pass(reference_pair: Pair, serde_pair: Pair, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    assert main(["fuzz", *target_args(reference_pair), "-n", "200", "--seed", "5", "--corpus", str(corpus)]) == 1
    found = sorted((corpus / "found").glob("*.json"))
    assert found
    assert main(["fuzz", *target_args(reference_pair), "-n", "200", "--seed", "5", "--corpus", str(corpus)]) == 0

    code, report = replay_json(reference_pair, corpus)
    assert code == 0 and set(outcomes(report).values()) == {"KNOWN"}

    code, report = replay_json(serde_pair, corpus)
    fixed = [Path(c["path"]) for c in report["cases"] if c["outcome"] == "FIXED"]
    assert fixed, "the error-shape class is fixed by Go's --serde-errors"
    assert main(["promote", *map(str, fixed), *target_args(serde_pair)]) == 0
    code, report = replay_json(serde_pair, corpus)
    assert code == 0
    assert {c["outcome"] for c in report["cases"] if Path(c["path"]) in fixed} == {"PASS"}


def test_promote_refuses_a_case_that_still_diverges_unless_forced(reference_pair: Pair, canonical_copy: Path) -> None:
    case = canonical_copy / "canonical" / "playbook_overfull.json"
    before = case.read_text()
    assert main(["promote", str(case), *target_args(reference_pair)]) == 1
    assert case.read_text() == before
    assert main(["promote", str(case), *target_args(reference_pair), "--force"]) == 2
    assert main(["promote", str(case), *target_args(reference_pair), "--force", "--note", "shape accepted"]) == 0
    record = json.loads(case.read_text())
    assert record["expect"] == {"outcome": "match"}
    assert "shape accepted" in record["note"]


def test_changed_corrupt_and_junit(reference_pair: Pair, canonical_copy: Path) -> None:
    changed = canonical_copy / "canonical" / "fill_phantom.json"
    record = json.loads(changed.read_text())
    record["expect"]["signature"] = "0123456789ab"
    changed.write_text(json.dumps(record))
    (canonical_copy / "broken.json").write_text("{ not json")
    junit = canonical_copy / "junit.xml"
    code, report = replay_json(reference_pair, canonical_copy, extra=("--junit", str(junit)))
    assert code == 1
    seen = outcomes(report)
    assert seen["fill_phantom"] == "CHANGED"
    broken = next(c for c in report["cases"] if c["path"].endswith("broken.json"))
    assert broken["outcome"] == "ERROR" and "not valid JSON" in broken["detail"]
    assert list(seen.values()).count("KNOWN") == 4
    suite = ElementTree.parse(junit).getroot()
    assert len(suite.findall("testcase")) == 7
    assert suite.get("failures") == "1" and suite.get("errors") == "1"


def test_export_and_corpus_commands(
    reference_pair: Pair, canonical_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = canonical_copy / "canonical" / "playbook_happy.json"
    assert main(["export", str(case), "--format", "parity-sh"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith('"playbook_happy|playbook|{') and line.endswith('}"')
    assert main(["export", str(case), "--format", "pytest", *target_args(reference_pair)]) == 0
    compile(capsys.readouterr().out, "exported.py", "exec")
    assert main(["corpus", "check", str(canonical_copy)]) == 0
    shutil.copy(case, canonical_copy / "extra.json")
    extra = json.loads((canonical_copy / "extra.json").read_text())
    extra["surprise"] = True
    (canonical_copy / "extra.json").write_text(json.dumps(extra))
    assert main(["corpus", "check", str(canonical_copy)]) == 1
    assert "surprise" in capsys.readouterr().err
