"""HTML report: one self-contained page, whose structure follows the report and whose hostile text stays text."""

from __future__ import annotations

import re

from fuzzer._html import campaign_html, discovery_svg, json_lines, line_marks
from fuzzer._model import Finding
from fuzzer._report import CampaignReport

from ..html_page import Page
from .builders import GO, RUST, case, divergence, go_error, ok, rust_error

HOSTILE = "</script><script>alert(1)</script><!-- \"q\" 'a' </pre></div> --> ]]>"
HOSTILE_BYTES = HOSTILE.encode() + b" \x00 \x07 \xff\xfe end"
SECRET = "Bearer s3cr3t-token"


def report() -> CampaignReport:
    hostile_case = case(
        HOSTILE_BYTES,
        label=f"label {HOSTILE}",
        headers=(("content-type", "application/json"), ("Authorization", SECRET), ("X-Odd", HOSTILE)),
    )
    text = divergence(ok(400, HOSTILE_BYTES, "text/plain"), ok(400, b"other \xc3", "text/html"), hostile_case)
    status = divergence(
        ok(200, {"valid": True, "kind": "playbook", "note": HOSTILE, "lone": "\ud800"}),
        ok(422, {"valid": False, "kind": "playbook", "error": {"Kind": "schema", "Field": HOSTILE}}),
    )
    shape = divergence(rust_error("Schema", "f", "missing"), go_error("schema", "f", "missing"))
    findings = (
        Finding(text.signature, text, count=4, known=False, shrunk=True, confirmations=3, reduce_sends=9, minimal=True),
        Finding(status.signature, status, count=2, known=False, shrunk=True, confirmations=3, minimal=False),
        Finding(shape.signature, shape, count=30, known=True, shrunk=False, confirmations=0),
    )
    return CampaignReport(
        targets=(RUST, GO),
        examples=500,
        agreed=464,
        elapsed_s=3.5,
        seed=11,
        modes=("valid", "adversarial"),
        findings=findings,
        paths={text.signature.digest: f"corpus/found/{HOSTILE}.json"},
        flaky=(status,),
        errors=(f"error {HOSTILE}",),
        interrupted=False,
        shrink_calls=40,
        date="2026-01-01",
        noise=(f"/{HOSTILE}",),
        reduce_sends=9,
        # found in another order than listed (the table groups classes by operation)
        discovery=((status.signature.digest, 16, 0.4), (text.signature.digest, 112, 1.9)),
    )


def test_the_page_has_one_row_and_one_side_by_side_section_per_class() -> None:
    built = report()
    page = Page(campaign_html(built))
    rows = [r for r in page.find("tr") if "data-signature" in r.attrs]
    assert [r.attrs["data-signature"] for r in rows] == [f.signature.digest for f in built.findings]
    sections = page.find("section", "class")
    assert [s.attrs["data-signature"] for s in sections] == [f.signature.digest for f in built.findings]
    for section in sections:
        sides = [e for e in section.walk() if "sides" in e.classes()]
        assert len(sides) == 1
        assert [c.tag for c in sides[0].children if "side" in c.classes()] == ["div", "div"]
        assert len([e for e in section.walk() if "curl" in e.classes()]) == 2
    anchors = {a.attrs["href"] for a in page.find("a")}
    assert anchors == {f"#class-{f.signature.digest}" for f in built.findings}
    assert {s.attrs["id"] for s in sections} == {h[1:] for h in anchors}


def test_the_discovery_curve_has_one_point_per_new_class() -> None:
    built = report()
    page = Page(campaign_html(built))
    (svg,) = page.find("svg")
    (curve,) = [e for e in svg.walk() if e.tag == "polyline"]
    points = curve.attrs["points"].split()
    assert len(points) == len(built.discovery) == sum(1 for f in built.findings if not f.known)
    xs = [float(p.split(",")[0]) for p in points]
    ys = [float(p.split(",")[1]) for p in points]
    assert xs == sorted(xs) and ys == sorted(ys, reverse=True)  # more examples to the right, more classes up
    assert len([e for e in svg.walk() if e.tag == "circle"]) == len(points)


def test_each_row_shows_when_its_own_class_was_found() -> None:
    built = report()
    rows = [r for r in Page(campaign_html(built)).find("tr") if "data-signature" in r.attrs]
    found = {r.attrs["data-signature"]: [c.all_text() for c in r.children if c.tag == "td"][9] for r in rows}
    text, status, shape = (f.signature.digest for f in built.findings)
    assert found == {text: "112 · 1.9 s", status: "16 · 0.4 s", shape: ""}


def test_no_class_no_curve() -> None:
    svg = discovery_svg((), 300)
    assert "<polyline" not in svg and "no new class" in svg


def test_the_page_loads_nothing_and_runs_nothing() -> None:
    text = campaign_html(report())
    page = Page(text)
    assert not page.find("script") and not page.find("link") and not page.find("iframe")
    for element in page.root.walk():
        for name in ("src", "href", "action", "xlink:href"):
            assert not re.match(r"\s*(https?:)?//", element.attrs.get(name, "")), (element.tag, element.attrs)
        assert not any(name.startswith("on") for name in element.attrs), element.attrs
    (policy,) = page.find("meta", **{"http-equiv": "Content-Security-Policy"})
    assert "default-src 'none'" in policy.attrs["content"]
    assert page.find("style")


def test_hostile_text_appears_only_escaped() -> None:
    text = campaign_html(report())
    for raw in ("<script", "</script>", "<!--", "-->", "</pre></div> -->", "\x00", "\x07", "\ud800"):
        assert raw not in text, raw
    text.encode("utf-8")  # no lone surrogate
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!-- &quot;q&quot; &#x27;a&#x27;" in text
    page = Page(text)
    shown = page.root.all_text()
    assert HOSTILE in shown  # the text arrived, as text
    assert "\\x00 \\x07 \\xff\\xfe end" in shown  # NUL, a bell, and invalid UTF-8 spelled out
    assert "\\ud800" in shown  # a lone surrogate from a JSON string spelled out


def test_secret_headers_are_redacted_in_the_request_and_the_curl_commands() -> None:
    text = campaign_html(report())
    assert SECRET not in text
    shown = Page(text).root.all_text()
    assert "Authorization: <redacted>" in shown
    assert shown.count("'Authorization: <redacted>'") == 2  # one curl per target


def test_differing_paths_are_highlighted_on_both_sides() -> None:
    built = report()
    page = Page(campaign_html(built))
    section = page.find("section", "class", **{"data-signature": built.findings[1].signature.digest})[0]
    left, right = [e for e in section.walk() if "side" in e.classes()]
    for side in (left, right):
        marked = " ".join(e.all_text() for e in side.walk() if e.tag == "span" and "hl" in e.classes())
        assert '"valid"' in marked
        assert '"kind"' not in marked  # the same on both sides: not highlighted
        status_row = next(e for e in side.walk() if e.tag == "tr" and "status" in e.all_text())
        assert "hl" in status_row.classes()
    left_marked = " ".join(e.all_text() for e in left.walk() if "hl" in e.classes())
    assert '"note"' in left_marked  # only Rust has it
    right_near = [e.all_text() for e in right.walk() if "near" in e.classes()]
    assert right_near == ["{"]  # Go lacks it: its parent (the root) is marked instead


def test_json_lines_know_their_pointers() -> None:
    lines, cut = json_lines({"b": [1, {"c/d": None}], "a": {}})
    assert not cut
    assert [(line.text.strip(), line.pointer, line.opens) for line in lines] == [
        ("{", "", True),
        ('"a": {},', "/a", True),
        ('"b": [', "/b", True),
        ("1,", "/b/0", True),
        ("{", "/b/1", True),
        ('"c/d": null', "/b/1/c~1d", True),
        ("}", "/b/1", False),
        ("]", "/b", False),
        ("}", "", False),
    ]
    marks = line_marks(lines, ["/b/1", "/b/1/x/y"])
    assert marks == {4: "hl", 5: "hl", 6: "hl"}
    assert line_marks(lines, ["/z"]) == {0: "near"}


def test_json_lines_survive_deep_nesting_and_cut_long_bodies() -> None:
    deep: object = 1
    for _ in range(5000):
        deep = [deep]
    lines, cut = json_lines(deep, limit=100)
    assert cut and len(lines) == 100
    lines, cut = json_lines(list(range(1000)))
    assert cut
