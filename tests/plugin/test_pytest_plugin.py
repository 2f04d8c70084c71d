"""The pytest plugin end to end: inner pytest runs replay the canonical corpus against the real runtimes."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fuzzer._classify import SIGNATURE_VERSION
from fuzzer._model import Target
from fuzzer._runtimes import free_port, reference

pytestmark = pytest.mark.e2e

CANONICAL = Path(__file__).resolve().parents[2] / "corpus" / "canonical"
LABELS = sorted(path.stem for path in CANONICAL.glob("*.json"))
DIVERGING = [label for label in LABELS if label != "playbook_happy"]
SIGNATURE = "f3ba0b1e190c"


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Target, Target]]:
    with reference(log_dir=tmp_path_factory.mktemp("runtimes")) as targets:
        yield targets


@pytest.fixture(scope="module")
def serde_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Target, Target]]:
    with reference(go_serde_errors=True, log_dir=tmp_path_factory.mktemp("runtimes-serde")) as targets:
        yield targets


def target_args(targets: tuple[Target, Target]) -> list[str]:
    return [arg for t in targets for arg in ("--parity-target", f"{t.name}={t.url}")]


def copy_corpus(pytester: pytest.Pytester) -> Path:
    corpus = pytester.path / "corpus"
    shutil.copytree(CANONICAL, corpus)
    return corpus


def edit_expect(path: Path, expect: dict[str, Any]) -> None:
    record = json.loads(path.read_text(encoding="utf-8"))
    record["expect"] = expect
    path.write_text(json.dumps(record, indent=2), encoding="utf-8")


def test_the_options_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*parity-fuzz*", "*--parity-corpus=PATH*", "*--parity-strict*"])


def test_the_canonical_six_are_six_passing_items(pytester: pytest.Pytester, pair: tuple[Target, Target]) -> None:
    result = pytester.runpytest(f"--parity-corpus={CANONICAL}", *target_args(pair), "-v")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines([f"parity-corpus::{label} PASSED*" for label in LABELS], consecutive=False)
    result.stdout.fnmatch_lines(["6 cases: 5 KNOWN · 1 PASS"])


def test_known_cases_carry_their_verdict_and_signature(pytester: pytest.Pytester, pair: tuple[Target, Target]) -> None:
    recorder = pytester.inline_run(f"--parity-corpus={CANONICAL}", *target_args(pair))
    reports = {r.nodeid.split("::")[-1]: r for r in recorder.getreports("pytest_runtest_logreport") if r.when == "call"}
    assert sorted(reports) == LABELS
    assert dict(reports["playbook_happy"].user_properties)["parity.verdict"] == "PASS"
    for label in DIVERGING:
        properties = dict(reports[label].user_properties)
        assert properties["parity.verdict"] == "KNOWN"
        assert properties["parity.signature"] == SIGNATURE
        assert any("KNOWN" in content for _, content in reports[label].sections)


def test_strict_fails_the_known_divergences(pytester: pytest.Pytester, pair: tuple[Target, Target]) -> None:
    result = pytester.runpytest(f"--parity-corpus={CANONICAL}", *target_args(pair), "--parity-strict")
    result.assert_outcomes(passed=1, failed=5)
    result.stdout.fnmatch_lines([f"FAILED parity-corpus::{label}*" for label in DIVERGING], consecutive=False)
    result.stdout.fnmatch_lines(["KNOWN: 422|422 wire-shape*"])


def test_a_corrupt_case_file_is_one_failing_item_naming_it(
    pytester: pytest.Pytester, pair: tuple[Target, Target]
) -> None:
    corpus = copy_corpus(pytester)
    (corpus / "broken.json").write_text('{"format": "parity-fuzz/case@1", ', encoding="utf-8")
    result = pytester.runpytest("--parity-corpus", "corpus", *target_args(pair))
    result.assert_outcomes(passed=6, failed=1)
    result.stdout.fnmatch_lines(
        ["*_ parity case corpus/broken.json _*", "ERROR: not valid JSON*", "case file: corpus/broken.json"]
    )
    result.stdout.fnmatch_lines(["FAILED parity-corpus::corpus/broken.json - ERROR: not valid JSON*"])


def test_a_match_case_that_diverges_is_regressed(pytester: pytest.Pytester, pair: tuple[Target, Target]) -> None:
    corpus = pytester.mkdir("corpus")
    shutil.copy(CANONICAL / "fill_phantom.json", corpus)
    edit_expect(corpus / "fill_phantom.json", {"outcome": "match"})
    result = pytester.runpytest("--parity-corpus", "corpus", *target_args(pair))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "REGRESSED: now diverges: 422|422 wire-shape shape:/error:serde-enum",
            "case file: corpus/fill_phantom.json",
            "expected: match",
            'rust  HTTP 422 *{"valid":false,*"Consistency"*',
            'go    HTTP 422 *{"valid":false,*"Kind":"consistency"*',
        ]
    )


def test_another_signature_is_changed(pytester: pytest.Pytester, pair: tuple[Target, Target]) -> None:
    corpus = copy_corpus(pytester)
    edit_expect(
        corpus / "playbook_overfull.json",
        {
            "outcome": "diverge",
            "signature": "0123456789ab",
            "level": "wire-shape",
            "signature_version": SIGNATURE_VERSION,
        },
    )
    result = pytester.runpytest("--parity-corpus", "corpus", *target_args(pair))
    result.assert_outcomes(passed=5, failed=1)
    result.stdout.fnmatch_lines(
        [
            f"CHANGED: expected 0123456789ab (None), got {SIGNATURE} (422|422 wire-shape*",
            "case file: corpus/playbook_overfull.json",
            "FAILED parity-corpus::playbook_overfull*",
        ]
    )


def test_fixed_cases_pass_with_the_promote_hint(pytester: pytest.Pytester, serde_pair: tuple[Target, Target]) -> None:
    copy_corpus(pytester)
    result = pytester.runpytest("--parity-corpus", "corpus", *target_args(serde_pair), "-rP")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["6 cases: 5 FIXED · 1 PASS"])
    for label in DIVERGING:
        result.stdout.fnmatch_lines([f"FIXED: *promote it: parity-fuzz promote corpus/{label}.json"])
        result.stdout.fnmatch_lines([f"FIXED {label}: *parity-fuzz promote corpus/{label}.json"])


def test_junitxml_has_one_testcase_per_case(pytester: pytest.Pytester, pair: tuple[Target, Target]) -> None:
    report = pytester.path / "junit.xml"
    result = pytester.runpytest(
        f"--parity-corpus={CANONICAL}", *target_args(pair), "--parity-strict", f"--junitxml={report}"
    )
    result.assert_outcomes(passed=1, failed=5)
    cases = ElementTree.parse(report).getroot().findall(".//testcase")
    assert sorted(c.get("name") or "" for c in cases) == LABELS
    assert {c.get("classname") for c in cases} == {"parity-corpus"}
    failed = sorted(c.get("name") or "" for c in cases if c.find("failure") is not None)
    assert failed == DIVERGING


def test_without_the_option_no_parity_items_are_collected(pytester: pytest.Pytester) -> None:
    copy_corpus(pytester)
    pytester.makepyfile(test_plain="def test_plain():\n    pass\n")
    plain = pytester.runpytest("--co", "-q")
    plain.stdout.fnmatch_lines(["test_plain.py::test_plain", "1 test collected*"])
    plain.stdout.no_fnmatch_line("*parity-corpus*")
    both = pytester.runpytest("--co", "-q", "--parity-corpus", "corpus")
    both.stdout.fnmatch_lines(["test_plain.py::test_plain", "parity-corpus::fill_phantom", "7 tests collected*"])
    alone = pytester.runpytest("--co", "-q", "--parity-corpus", "corpus", "corpus")
    alone.stdout.fnmatch_lines(["6 tests collected*"])


def test_unreachable_targets_fail_every_item_with_the_cause(pytester: pytest.Pytester) -> None:
    dead = (Target("rust", f"http://127.0.0.1:{free_port()}"), Target("go", f"http://127.0.0.1:{free_port()}"))
    result = pytester.runpytest(f"--parity-corpus={CANONICAL}", *target_args(dead))
    result.assert_outcomes(failed=6)
    result.stdout.fnmatch_lines(["*cannot reach the runtimes: target rust at * is unreachable*--parity-reference*"])


def test_bad_options_are_usage_errors(pytester: pytest.Pytester) -> None:
    missing = pytester.runpytest("--parity-corpus", "nowhere")
    assert missing.ret == pytest.ExitCode.USAGE_ERROR
    missing.stderr.fnmatch_lines(["*--parity-corpus *nowhere: no such file or folder*"])
    one = pytester.runpytest(f"--parity-corpus={CANONICAL}", "--parity-target", "rust=http://127.0.0.1:1")
    one.stderr.fnmatch_lines(["*1 targets given, exactly two*"])
    remote = pytester.runpytest(
        f"--parity-corpus={CANONICAL}",
        "--parity-target",
        "a=http://10.1.2.3:1",
        "--parity-target",
        "b=http://[::1]:2",
    )
    assert remote.ret == pytest.ExitCode.USAGE_ERROR
    remote.stderr.fnmatch_lines(["*not on loopback*--parity-allow-remote*"])
