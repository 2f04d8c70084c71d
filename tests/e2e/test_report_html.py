"""The HTML report of a real campaign, through the command line: its classes are the JSON report's."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fuzzer.cli import main

from ..html_page import Page
from .conftest import Pair, target_args

pytestmark = pytest.mark.e2e


def test_fuzz_writes_an_html_report_with_the_json_reports_classes(reference_pair: Pair, tmp_path: Path) -> None:
    page_path, json_path = tmp_path / "out" / "report.html", tmp_path / "report.json"
    code = main(
        [
            "fuzz",
            *target_args(reference_pair),
            "-n",
            "300",
            "--seed",
            "3",
            "--corpus",
            str(tmp_path / "corpus"),
            "--report-html",
            str(page_path),
            "--report-json",
            str(json_path),
        ]
    )
    assert code == 1  # the bundled pair always has new classes in an empty corpus
    record = json.loads(json_path.read_text(encoding="utf-8"))
    text = page_path.read_text(encoding="utf-8")
    page = Page(text)

    classes = record["classes"]
    rows = [row for row in page.find("tr") if "data-signature" in row.attrs]
    assert [row.attrs["data-signature"] for row in rows] == [c["signature"] for c in classes]
    for row, recorded in zip(rows, classes, strict=True):
        cells = [cell.all_text() for cell in row.children if cell.tag == "td"]
        assert cells[2] == recorded["level"]
        assert cells[3:5] == recorded["statuses"]
        assert int(cells[5]) == recorded["count"]
        assert cells[6] in (("known",) if recorded["known"] else ("new", "crash", "unshrunk"))
        assert (recorded["case"] or "") in cells[10]
    sections = page.find("section", "class")
    assert [s.attrs["data-signature"] for s in sections] == [c["signature"] for c in classes]
    for section, recorded in zip(sections, classes, strict=True):
        sides = [e for e in section.walk() if "side" in e.classes()]
        assert len(sides) == 2
        for side, name in zip(sides, record["targets"], strict=True):
            status = next(e for e in side.walk() if e.tag == "tr" and e.all_text().startswith("status"))
            assert status.all_text() == "status" + str(recorded["responses"][name]["status"])
        assert len([e for e in section.walk() if "curl" in e.classes()]) == 2

    new = [c for c in classes if not c["known"]]
    assert len(record["discovery"]) == len(new) >= 4
    assert sorted(point["signature"] for point in record["discovery"]) == sorted(c["signature"] for c in new)
    examples = [point["examples"] for point in record["discovery"]]
    seconds = [point["seconds"] for point in record["discovery"]]
    assert examples == sorted(examples) and 0 < examples[-1] <= record["examples"] == 300
    assert seconds == sorted(seconds) and seconds[-1] <= record["elapsed_s"]
    (curve,) = page.find("polyline")
    assert len(curve.attrs["points"].split()) == len(new)

    assert not page.find("script") and not page.find("link")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text)
    facts = page.find("dl", "facts")[0].all_text()
    assert f"seed{record['seed']}" in facts and "examples300" in facts
