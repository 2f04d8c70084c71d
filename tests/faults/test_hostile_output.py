"""Report under faults: whatever a runtime answers, Markdown, JSON, JUnit and case files stay well-formed."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest

from fuzzer._classify import classify
from fuzzer._compare import compare
from fuzzer._config import Config
from fuzzer._html import campaign_html
from fuzzer._model import Case, Divergence, Finding, Target, WireRequest
from fuzzer._replay import Judged, Verdict, judge
from fuzzer._report import (
    CampaignReport,
    campaign_json,
    campaign_markdown,
    junit_xml,
    replay_json,
    replay_markdown,
    write_atomic,
)
from fuzzer._send import Transport
from fuzzer._store import DIVERGE, MATCH, Expectation, StoredCase, read_case

from ..html_page import Page
from .conftest import Run
from .server import HOSTILE_BYTES, HOSTILE_TEXT, FaultServer

Fault = Callable[..., FaultServer]
BODIES = ["hostile_text", "hostile_json", "invalid_utf8", "huge=5000000"]
LABEL = "label | with pipes `ticks` </details> <script> ]]>\x00\x1b"


# ---------------------------------------------------------------- what well-formed means


def _lines(text: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", text)  # CommonMark's line endings


def _pipes(line: str) -> int:
    """Cell delimiters in a GFM table row: `|` not taken by a backslash escape (`\\\\|` is an escaped backslash
    and then a delimiter)."""
    count, index = 0, 0
    while index < len(line):
        if line[index] == "\\":
            index += 2
            continue
        count += line[index] == "|"
        index += 1
    return count


def check_markdown(text: str) -> int:
    """Fences balance, `<details>` opens and closes outside fences, no raw HTML from a body outside fences, every
    table row has the header's number of cells, and the text can be written as UTF-8. Returns the number of
    `<details>` blocks."""
    text.encode("utf-8")  # a report is a UTF-8 file
    fence: str | None = None
    opened = closed = 0
    header_pipes: int | None = None
    for number, line in enumerate(_lines(text), 1):
        if fence is not None:
            match = re.match(r" {0,3}(`{3,})\s*$", line)
            if match and len(match.group(1)) >= len(fence):
                fence = None
            continue
        match = re.match(r" {0,3}(`{3,})([^`]*)$", line)
        if match:
            fence = match.group(1)
            header_pipes = None
            continue
        opened += len(re.findall(r"<details>", line, re.IGNORECASE))
        closed += len(re.findall(r"</details>", line, re.IGNORECASE))
        assert opened >= closed, f"line {number} closes a <details> that is not open: {line!r}"
        assert not re.search(r"<script|<!\[CDATA|\]\]>|<!--", line, re.IGNORECASE), f"raw HTML at line {number}"
        if line.startswith("|"):
            if header_pipes is None:
                header_pipes = _pipes(line)
            else:
                assert _pipes(line) == header_pipes, f"table row at line {number} has other cells: {line!r}"
        else:
            header_pipes = None
    assert fence is None, "a fence is never closed"
    assert opened == closed, f"{opened} <details> but {closed} </details>"
    return opened


def check_html(text: str) -> Page:
    """Every tag closes in order, nothing from a body became markup, and no control character is left raw."""
    text.encode("utf-8")
    assert not re.search(r"<script|<!\[CDATA|\]\]>|<!--|<details|<summary", text, re.IGNORECASE)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]", text), "a raw control character"
    page = Page(text)
    assert page.find("svg") and not page.find("script")
    return page


def check_junit(text: str) -> ElementTree.Element:
    root = ElementTree.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuite"
    return root


# ---------------------------------------------------------------- divergences from real answers


def hostile_case() -> Case:
    request = WireRequest("POST", "/v1/validate", (("content-type", "application/json"),), HOSTILE_BYTES)
    return Case("playbook", request, "adversarial", LABEL)


def divergence_from(fault: Fault, spec: str) -> Divergence:
    a, b = fault("ok"), fault(spec)
    with Transport((Target("a", a.url), Target("b", b.url)), timeout=2.0) as transport:
        exchange = transport.exchange(hostile_case())
    found = classify(exchange, compare(exchange, Config().policy))
    assert found is not None, "the fault server's answer must differ from the ok server's"
    return found


def campaign_report(divergence: Divergence) -> CampaignReport:
    signature = divergence.signature
    return CampaignReport(
        targets=divergence.exchange.targets,
        examples=20,
        agreed=19,
        elapsed_s=1.0,
        seed=1,
        modes=("valid", "adversarial"),
        findings=(
            Finding(signature, divergence, 3, known=False, shrunk=True, confirmations=3),
            Finding(signature, divergence, 1, known=True, shrunk=False, confirmations=0),
        ),
        paths={signature.digest: "corpus/found/x | `y` </details>.json"},
        flaky=(divergence,),
        errors=(f"comparing case failed: {HOSTILE_TEXT}",),
        interrupted=False,
        shrink_calls=5,
        date="2026-01-01T00:00:00Z",
    )


def judged_cases(divergence: Divergence) -> list[Judged]:
    exchange = divergence.exchange
    stored = StoredCase(exchange.case, Expectation(MATCH), "fuzz", "2026-01-01T00:00:00Z", "0.1.0")
    other = Expectation(DIVERGE, "000000000000", "an older signature", "semantic")
    return [
        judge(stored, exchange, divergence),  # REGRESSED: the signature key is in the table
        judge(StoredCase(exchange.case, other, "fuzz", "", ""), exchange, divergence),  # CHANGED
        Judged(LABEL, "corpus/x.json", Verdict.ERROR, "not valid JSON (Expecting value: line 1 column 1)"),
    ]


@pytest.mark.parametrize("spec", BODIES)
def test_campaign_markdown_stays_well_formed(fault: Fault, spec: str, tmp_path: Path) -> None:
    text = campaign_markdown(campaign_report(divergence_from(fault, spec)))
    assert check_markdown(text) == 3  # new, known and flaky are each shown
    write_atomic(tmp_path / "report.md", text)


@pytest.mark.parametrize("spec", BODIES)
def test_campaign_html_stays_well_formed(fault: Fault, spec: str, tmp_path: Path) -> None:
    report = campaign_report(divergence_from(fault, spec))
    page = check_html(campaign_html(report))
    assert len(page.find("section", "class")) == 2  # the new class and the known one
    assert "alert(1)" in page.root.all_text()  # the hostile text is on the page, as text
    write_atomic(tmp_path / "report.html", campaign_html(report))


@pytest.mark.parametrize("spec", BODIES)
def test_replay_markdown_stays_well_formed(fault: Fault, spec: str, tmp_path: Path) -> None:
    divergence = divergence_from(fault, spec)
    text = replay_markdown(divergence.exchange.targets, judged_cases(divergence), "2026-01-01")
    assert check_markdown(text) == 2
    write_atomic(tmp_path / "replay.md", text)


@pytest.mark.parametrize("spec", BODIES)
def test_junit_parses(fault: Fault, spec: str) -> None:
    judged = judged_cases(divergence_from(fault, spec))
    root = check_junit(junit_xml(judged, strict=True))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "2", "1")
    assert next(c.get("name") or "" for c in root.iter("testcase")).startswith("label | with")


@pytest.mark.parametrize("spec", BODIES)
def test_json_reports_can_be_written(fault: Fault, spec: str, tmp_path: Path) -> None:
    divergence = divergence_from(fault, spec)
    for name, value in (
        ("campaign.json", campaign_json(campaign_report(divergence))),
        ("replay.json", replay_json(divergence.exchange.targets, judged_cases(divergence), "2026-01-01")),
    ):
        write_atomic(tmp_path / name, json.dumps(value, indent=2, ensure_ascii=False) + "\n")
        json.loads((tmp_path / name).read_text(encoding="utf-8"))


# ---------------------------------------------------------------- end to end, through the CLI


@pytest.mark.parametrize("spec", ["hostile_text", "hostile_json"])
def test_campaign_against_a_hostile_server_writes_sound_reports_and_cases(
    fault: Fault, parity: Callable[..., Run], tmp_path: Path, spec: str
) -> None:
    a, b = fault("ok"), fault(spec)
    targets = ("--target", f"a={a.url}", "--target", f"b={b.url}")
    run = parity(
        "fuzz",
        *targets,
        "-n",
        "20",
        "--seed",
        "7",
        "--timeout",
        "2",
        "--confirm",
        "1",
        "--corpus",
        "corpus",
        "--report-md",
        "report.md",
        "--report-json",
        "report.json",
        "--report-html",
        "report.html",
    )
    assert "Traceback" not in run.err
    assert run.code == 1, run.err
    check_markdown((tmp_path / "report.md").read_text(encoding="utf-8"))
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["examples"] == 20 and report["classes"]
    page = check_html((tmp_path / "report.html").read_text(encoding="utf-8"))
    assert len(page.find("section", "class")) == len(report["classes"])
    saved = sorted((tmp_path / "corpus").rglob("*.json"))
    assert saved, "a reproducer must be saved"
    assert not [p for p in (tmp_path / "corpus").rglob("*") if p.name.startswith(".")]
    for path in saved:
        json.loads(path.read_text(encoding="utf-8"))
        assert read_case(path).expect.outcome == DIVERGE

    replayed = parity("replay", "corpus", *targets, "--strict", "--junit", "junit.xml", "--report-md", "replay.md")
    assert "Traceback" not in replayed.err
    assert replayed.code == 1  # KNOWN divergences fail with --strict
    root = check_junit((tmp_path / "junit.xml").read_text(encoding="utf-8"))
    assert root.get("tests") == str(len(saved))
    check_markdown((tmp_path / "replay.md").read_text(encoding="utf-8"))
