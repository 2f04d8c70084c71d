"""Report: untrusted bodies cannot break the Markdown or the XML, and the JSON has the documented keys."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from xml.etree import ElementTree

from fuzzer._model import Finding
from fuzzer._replay import Judged, Verdict, judge
from fuzzer._report import (
    CampaignReport,
    Row,
    campaign_json,
    campaign_markdown,
    cell,
    fenced,
    junit_xml,
    replay_json,
    replay_markdown,
    table,
)
from fuzzer._store import Expectation

from .builders import GO, RUST, case, divergence, exchange, go_error, ok, rust_error, stored

NASTY = b"</details>]]><script>|`` ```` \x00\x01\x07\x1b\x0b\x0c\xff\xfe \xef\xbf\xbe end"


def test_cell_escapes_pipes_html_newlines_and_backticks() -> None:
    assert cell("a|b <i>x</i> & `c`\r\nd\ne") == "a\\|b &lt;i&gt;x&lt;/i&gt; &amp; 'c' d e"


def test_table_row_stays_one_row_whatever_the_label() -> None:
    rows = [Row("evil | label\n| x |", ("200", "422"), False, ("a|b",))]
    text = table((RUST, GO), rows, ["Extra"])
    lines = text.splitlines()
    assert len(lines) == 3
    assert len(re.findall(r"(?<!\\)\|", lines[2])) == len(re.findall(r"\|", lines[0]))


def test_fenced_uses_a_longer_fence_than_any_backtick_run() -> None:
    text = "a ``````` b ` c"
    fenced_text = fenced(text, "json")
    assert fenced_text.startswith("````````json\n")
    assert fenced_text.endswith("\n````````")
    assert fenced(text).count("`" * 8) == 2


def test_fenced_uses_three_backticks_at_least() -> None:
    assert fenced("plain") == "```\nplain\n```"


def judged_all() -> list[Judged]:
    nasty = exchange(ok(200, NASTY, "text/plain"), ok(422, b"<b>&", "text/html"), case(NASTY, label="nasty ]]> <x>"))
    diverging = divergence(ok(200, NASTY, "text/plain"), ok(422, b"<b>&", "text/html"), case(NASTY))
    matching = exchange(ok(200, {"valid": True}), ok(200, {"valid": True}))
    wire_shape = divergence(rust_error("Schema", "f", "missing"), go_error("schema", "f", "missing"))
    known = Expectation("diverge", wire_shape.signature.digest, wire_shape.signature.key, "wire-shape")
    return [
        judge(stored(nasty.case), nasty, diverging),  # REGRESSED
        judge(stored(), matching, None),  # PASS
        judge(stored(expect=known), wire_shape.exchange, wire_shape),  # KNOWN
        Judged("bad\x00file.json", "corpus/bad\x00file.json", Verdict.ERROR, "not valid JSON (]]> \x01)"),
    ]


def test_junit_xml_is_well_formed_whatever_the_bodies_hold() -> None:
    text = junit_xml(judged_all(), strict=True)
    root = ElementTree.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuite"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "2", "1")
    cases = root.findall("testcase")
    assert cases[0].get("name") == "nasty ]]> <x>"
    failure = cases[0].find("failure")
    assert failure is not None and "]]>" in (failure.text or "")
    assert cases[3].find("error") is not None


def test_junit_xml_known_is_not_a_failure_unless_strict() -> None:
    root = ElementTree.fromstring(junit_xml(judged_all()).encode("utf-8"))
    assert root.get("failures") == "1"
    known = root.findall("testcase")[2]
    assert known.find("failure") is None
    assert (known.findtext("system-out") or "").startswith("KNOWN: ")


def test_replay_json_has_the_documented_keys() -> None:
    record = replay_json((RUST, GO), judged_all(), "2026-01-01")
    json.dumps(record)
    assert record["targets"] == {"rust": RUST.url, "go": GO.url}
    first = record["cases"][0]
    assert {"label", "path", "outcome", "statuses", "signature"} <= set(first)
    assert (first["outcome"], first["statuses"]) == ("REGRESSED", ["200", "422"])
    assert record["cases"][1]["signature"] is None
    assert record["tally"] == {"PASS": 1, "KNOWN": 1, "FIXED": 0, "CHANGED": 0, "REGRESSED": 1, "ERROR": 1}


def test_replay_markdown_escapes_labels_and_fences_bodies() -> None:
    text = replay_markdown((RUST, GO), judged_all(), "2026-01-01")
    assert "<script>" not in text.split("## Divergences")[0]
    assert "nasty ]]&gt; &lt;x&gt;" in text
    assert "1 PASS · 1 KNOWN · 1 REGRESSED · 1 ERROR" in text


def campaign() -> CampaignReport:
    first = divergence(ok(200, {"valid": True}), ok(422, {"valid": False}))
    second = divergence(rust_error("Schema", "f", "missing"), go_error("schema", "f", "missing"))
    findings = (
        Finding(first.signature, first, count=5, known=False, shrunk=True, confirmations=3),
        Finding(second.signature, second, count=2, known=True, shrunk=False, confirmations=3),
    )
    return CampaignReport(
        targets=(RUST, GO),
        examples=100,
        agreed=93,
        elapsed_s=2.34567,
        seed=7,
        modes=("valid", "adversarial"),
        findings=findings,
        paths={first.signature.digest: "corpus/found/x.json"},
        flaky=(first,),
        errors=("a | b",),
        interrupted=False,
        shrink_calls=12,
        date="2026-01-01",
    )


def test_campaign_json_has_the_documented_keys() -> None:
    report = campaign()
    record = campaign_json(report)
    json.dumps(record)
    assert (record["examples"], record["elapsed_s"]) == (100, 2.346)
    assert record["errors"] == ["a | b"]
    assert len(record["flaky"]) == 1
    first, second = record["classes"]
    assert {"signature", "statuses", "level", "count", "case"} <= set(first)
    assert first["signature"] == report.findings[0].signature.digest
    assert (first["statuses"], first["level"], first["count"]) == (["200", "422"], "status", 5)
    assert first["case"] == "corpus/found/x.json"
    assert (second["level"], second["case"]) == ("wire-shape", None)


def test_campaign_markdown_tallies_and_escapes_errors() -> None:
    text = campaign_markdown(campaign())
    assert "93 match · 7 diff (out of 100 examples) · 2 classes (1 new, 1 known) · 1 flaky · 1 errors" in text
    assert "- a \\| b" in text
    assert text.count("<details>") == text.count("</details>") == 3


def test_campaign_json_lists_when_each_new_class_was_found() -> None:
    report = replace(campaign(), discovery=(("a" * 12, 16, 0.4), ("b" * 12, 112, 1.9)))
    record = campaign_json(report)
    assert record["discovery"] == [
        {"signature": "a" * 12, "examples": 16, "seconds": 0.4},
        {"signature": "b" * 12, "examples": 112, "seconds": 1.9},
    ]
    assert campaign_json(campaign())["discovery"] == []
