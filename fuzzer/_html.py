"""HTML report: one self-contained page for a campaign. A pure function from a CampaignReport to text.

The page needs nothing but itself: the styles are inline, there is no script, and a Content-Security-Policy
forbids loading anything. It shows the run, the discovery curve (an inline SVG), the class table, and per class
the two answers side by side with the differing JSON paths highlighted, the reproducer request and its curl
commands (`fuzzer._export.curl`).

Everything a runtime or a case holds is untrusted. Every piece of text goes through `_text`, which spells
control characters, lone surrogates and noncharacters as escapes and then applies `html.escape`; nothing is
inserted raw, so a body holding `</pre>`, `<!--`, quotes or NUL stays text.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fuzzer._compare import NOT_JSON, join_pointer, lift_body
from fuzzer._config import ALWAYS_SECRET, REDACTED
from fuzzer._export import Redact, curl
from fuzzer._model import JSON, Difference, DiffKind, Divergence, Finding, Outcome, Response, Target, WireRequest
from fuzzer._outcome import readable
from fuzzer._report import BODY_LIMIT, CampaignReport

MAX_LINES = 400
"""Lines of a pretty-printed JSON body shown; the rest is cut (the case file has it all)."""

MAX_INDENT = 24
"""Nesting levels indented; deeper levels (the adversarial deep nests) are shown at this indent."""

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

# the JSON body differences, whose path is a JSON pointer into both bodies
_BODY_KINDS = frozenset(
    {DiffKind.MISSING, DiffKind.EXTRA, DiffKind.TYPE, DiffKind.VALUE, DiffKind.SIZE, DiffKind.SHAPE}
)


def _visible(text: str) -> str:
    """`text` with control characters, lone surrogates and noncharacters spelled `\\xNN` or `\\uNNNN`."""

    def spell(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _UNSAFE.sub(spell, text)


def _text(value: object) -> str:
    """Any value as HTML text or attribute value: made visible, then escaped (quotes included)."""
    return html.escape(_visible(str(value)), quote=True)


def _always_secret(headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    return tuple((name, REDACTED if name.lower() in ALWAYS_SECRET else value) for name, value in headers)


# ---------------------------------------------------------------- bodies


@dataclass(frozen=True, slots=True)
class BodyLine:
    """One line of a pretty-printed JSON body: its text, the pointer of the value it belongs to, and whether the
    value at that pointer starts on this line (the others are the members of a container and its closing line)."""

    text: str
    pointer: str
    opens: bool


def json_lines(value: JSON, limit: int = MAX_LINES) -> tuple[list[BodyLine], bool]:
    """`value` pretty-printed (sorted keys, two spaces) as lines that know their JSON pointer; True when cut at
    `limit` lines. Iterative, so a deeply nested body cannot exhaust the stack."""
    lines: list[BodyLine] = []
    # (prefix, value, pointer, depth, suffix) to render, or (closing text, pointer, depth) to close a container
    stack: list[tuple[str, JSON, str, int, str] | tuple[str, str, int]] = [("", value, "", 0, "")]
    while stack:
        if len(lines) >= limit:
            return lines, True
        task = stack.pop()
        if len(task) == 3:
            closing, pointer, depth = task
            lines.append(BodyLine(_indent(depth) + closing, pointer, False))
            continue
        prefix, item, pointer, depth, suffix = task
        pad = _indent(depth)
        members: list[tuple[str, JSON, str]]
        if isinstance(item, dict) and item:
            members = [(_scalar(key) + ": ", item[key], join_pointer([key])) for key in sorted(item)]
            brackets = "{}"
        elif isinstance(item, list) and item:
            members = [("", element, join_pointer([str(index)])) for index, element in enumerate(item)]
            brackets = "[]"
        else:
            lines.append(BodyLine(pad + prefix + _scalar(item) + suffix, pointer, True))
            continue
        lines.append(BodyLine(pad + prefix + brackets[0], pointer, True))
        stack.append((brackets[1] + suffix, pointer, depth))
        for index in range(len(members) - 1, -1, -1):
            key, element, token = members[index]
            stack.append((key, element, pointer + token, depth + 1, "," if index < len(members) - 1 else ""))
    return lines, False


def _indent(depth: int) -> str:
    return "  " * min(depth, MAX_INDENT)


def _scalar(value: JSON) -> str:
    return readable(json.dumps(value, ensure_ascii=False))


def _parent(pointer: str) -> str:
    return pointer.rsplit("/", 1)[0] if pointer else ""


def line_marks(lines: Sequence[BodyLine], paths: Iterable[str]) -> dict[int, str]:
    """Which lines to highlight for these JSON pointers: `hl` for every line of the value at a pointer; where a
    side has no value there (a member only the other side has), `near` on the line where its closest ancestor
    starts."""
    starts = {line.pointer: index for index, line in reversed(list(enumerate(lines))) if line.opens}
    marks: dict[int, str] = {}
    for path in paths:
        if path in starts:
            for index, line in enumerate(lines):
                if line.pointer == path or line.pointer.startswith(path + "/") or path == "":
                    marks[index] = "hl"
            continue
        ancestor = _parent(path)
        while ancestor and ancestor not in starts:
            ancestor = _parent(ancestor)
        if ancestor in starts:
            marks.setdefault(starts[ancestor], "near")
    return marks


def _body_html(response: Response, differences: Sequence[Difference]) -> str:
    """A `<pre>` with the body: pretty JSON with the differing paths highlighted, or the text (invalid UTF-8
    as `\\xNN`), highlighted whole when the bodies differ as a whole."""
    if response.outcome is not Outcome.OK:
        detail = f": {response.detail}" if response.detail else ""
        return f'<pre class="body">(no answer: {_text(response.outcome.value + detail)})</pre>'
    whole = any(d.path == "" and d.kind in (DiffKind.TYPE, DiffKind.BYTES) for d in differences)
    value = lift_body(response)
    if value is NOT_JSON:
        text = response.body[: BODY_LIMIT * 4].decode("utf-8", "backslashreplace")
        more = len(text) > BODY_LIMIT or len(response.body) > BODY_LIMIT * 4
        text = text[:BODY_LIMIT]
        cut = f"\n… ({len(response.body)} bytes in all)" if more else ""
        cut += "\n… (truncated by the body cap)" if response.truncated else ""
        shown = f'<span class="hl">{_text(text)}</span>' if whole and text else _text(text)
        return f'<pre class="body">{shown or "(empty body)"}{_text(cut)}</pre>'
    lines, was_cut = json_lines(value)
    paths = [d.path for d in differences if d.kind in _BODY_KINDS and d.path.startswith("/")]
    marks = line_marks(lines, [*paths, *([""] if whole else [])])
    rendered = []
    for index, line in enumerate(lines):
        mark = marks.get(index)
        rendered.append(f'<span class="{mark}">{_text(line.text)}</span>' if mark else _text(line.text))
    if was_cut:
        rendered.append(_text(f"… (cut at {MAX_LINES} lines; {len(response.body)} bytes in all)"))
    return '<pre class="body">' + "\n".join(rendered) + "</pre>"


# ---------------------------------------------------------------- one class


def _answer_html(target: Target, response: Response, other: Response, differences: Sequence[Difference]) -> str:
    kinds = {d.kind for d in differences}
    status_mark = ' class="hl"' if kinds & {DiffKind.STATUS, DiffKind.OUTCOME} else ""
    ctype_mark = ' class="hl"' if DiffKind.CONTENT_TYPE in kinds else ""
    rows = [
        f"<tr{status_mark}><th>status</th><td>{_text(response.status_label)}</td></tr>",
        f"<tr{ctype_mark}><th>content-type</th><td>{_text(response.content_type or '(none)')}</td></tr>",
    ]
    differing = {d.path for d in differences if d.kind is DiffKind.HEADER}
    names = dict.fromkeys([name for name, _ in (*response.headers, *other.headers)] + sorted(differing))
    for name in names:
        value = ", ".join(v for key, v in response.headers if key == name) or "(none)"
        mark = ' class="hl"' if name in differing else ""
        rows.append(f"<tr{mark}><th>{_text(name)}</th><td>{_text(value)}</td></tr>")
    return (
        '<div class="side">'
        f'<h4>{_text(target.name)} <span class="dim">{_text(target.url)}</span></h4>'
        f'<table class="answer">{"".join(rows)}</table>'
        f"{_body_html(response, differences)}"
        "</div>"
    )


def _differences_html(differences: Sequence[Difference], names: tuple[str, str]) -> str:
    if not differences:
        return ""
    rows = "".join(
        f"<tr><td>{_text(d.kind.value)}</td><td><code>{_text(_where(d))}</code></td>"
        f"<td>{_text(d.left)}</td><td>{_text(d.right)}</td></tr>"
        for d in differences
    )
    return (
        '<table class="diffs"><thead><tr><th>difference</th><th>path</th>'
        f"<th>{_text(names[0])}</th><th>{_text(names[1])}</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _where(difference: Difference) -> str:
    """Where a difference is: its JSON pointer, `(body)` for the whole body, `—` for status and content type."""
    if difference.path:
        return difference.path
    return "(body)" if difference.kind in (DiffKind.TYPE, DiffKind.BYTES) else "—"


def _request_html(
    request: WireRequest, targets: tuple[Target, Target], redact: Redact, extra: tuple[tuple[str, str], ...]
) -> str:
    headers = "".join(f"\n{_text(name)}: {_text(value)}" for name, value in redact(request.headers))
    body = request.body[: BODY_LIMIT * 4].decode("utf-8", "backslashreplace")
    cut = len(body) > BODY_LIMIT or len(request.body) > BODY_LIMIT * 4
    more = f"\n… ({len(request.body)} bytes in all)" if cut else ""
    commands = "".join(
        f'<h5>curl · {_text(target.name)}</h5><pre class="curl">{_text(curl(request, target, redact, extra))}</pre>'
        for target in targets
    )
    return (
        '<div class="request"><h4>reproducer request</h4>'
        f'<pre class="wire">{_text(request.method)} {_text(request.path)}{headers}\n\n'
        f"{_text(body[:BODY_LIMIT])}{_text(more)}</pre>{commands}</div>"
    )


def _tag(finding: Finding) -> str:
    return "known" if finding.known else "crash" if finding.crash else "new" if finding.shrunk else "unshrunk"


def _minimal(finding: Finding) -> str:
    return "—" if finding.minimal is None else "yes" if finding.minimal else "no"


def _class_html(
    index: int,
    finding: Finding,
    report: CampaignReport,
    redact: Redact,
    extra: tuple[tuple[str, str], ...],
) -> str:
    divergence: Divergence = finding.reproducer
    exchange = divergence.exchange
    differences = divergence.comparison.differences
    names = (exchange.targets[0].name, exchange.targets[1].name)
    left, right = exchange.responses
    digest = finding.signature.digest
    return (
        f'<section class="class" id="class-{_text(digest)}" data-signature="{_text(digest)}">'
        f"<h3>#{index} <code>{_text(digest)}</code> {_text(_tag(finding))} · {_text(finding.signature.level.value)}"
        f'</h3><p class="key">{_text(finding.signature.key)}</p>'
        f'<p class="dim">{_text(finding.signature.operation or exchange.case.operation_key)} · '
        f"{_text(exchange.case.label)} · {_text(report.paths.get(digest, 'no case file'))}</p>"
        f"{_differences_html(differences, names)}"
        '<div class="sides">'
        f"{_answer_html(exchange.targets[0], left, right, differences)}"
        f"{_answer_html(exchange.targets[1], right, left, differences)}"
        "</div>"
        f"{_request_html(exchange.case.request, report.targets, redact, extra)}"
        "</section>"
    )


# ---------------------------------------------------------------- the page parts


def _facts_html(report: CampaignReport) -> str:
    a, b = report.targets
    rate = report.examples / report.elapsed_s if report.elapsed_s > 0 else 0.0
    new = sum(1 for f in report.findings if not f.known)
    ended = (
        "interrupted"
        if report.interrupted
        else "stopped by --max-time"
        if report.stopped_by_time
        else "crash"
        if report.crashed
        else "budget spent"
    )
    facts = [
        ("targets", f"{a.name} {a.url} · {b.name} {b.url}"),
        ("date", report.date),
        ("seed", str(report.seed)),
        ("examples", str(report.examples)),
        ("elapsed", f"{report.elapsed_s:.1f} s"),
        ("rate", f"{rate:.0f} examples/s"),
        ("modes", ", ".join(report.modes)),
        ("agreed", f"{report.agreed} of {report.examples}"),
        ("classes", f"{len(report.findings)} ({new} new, {len(report.findings) - new} known)"),
        ("flaky", str(len(report.flaky))),
        ("errors", str(len(report.errors))),
        ("shrink calls", str(report.shrink_calls)),
        ("reduce sends", str(report.reduce_sends)),
        ("seen only while shrinking", str(report.unpursued)),
        ("ended", ended),
    ]
    if report.crashed:
        facts.append(("crash", report.crashed))
    items = "".join(f"<dt>{_text(name)}</dt><dd>{_text(value)}</dd>" for name, value in facts)
    return f'<dl class="facts">{items}</dl>'


def _found_at(report: CampaignReport) -> dict[str, tuple[int, float]]:
    """The discovery point of each new class, by digest."""
    return {digest: (n, seconds) for digest, n, seconds in report.discovery}


def _table_html(report: CampaignReport) -> str:
    a, b = report.targets
    found = _found_at(report)
    several = len(report.operations) > 1  # then each class names its operation
    rows = []
    for index, finding in enumerate(report.findings, 1):
        digest = finding.signature.digest
        at = found.get(digest)
        rows.append(
            f'<tr data-signature="{_text(digest)}">'
            f"<td>{index}</td>"
            f'<td><a href="#class-{_text(digest)}"><code>{_text(digest)}</code></a><br>'
            f'<span class="key">{_text(finding.signature.key)}</span>'
            + (f'<br><span class="dim">{_text(finding.signature.operation)}</span>' if several else "")
            + "</td>"
            f"<td>{_text(finding.signature.level.value)}</td>"
            f"<td>{_text(finding.signature.statuses[0])}</td><td>{_text(finding.signature.statuses[1])}</td>"
            f'<td class="num">{finding.count}</td>'
            f'<td class="{_text(_tag(finding))}">{_text(_tag(finding))}</td>'
            f'<td class="num">{finding.reduce_sends if finding.minimal is not None else ""}</td>'
            f"<td>{_text(_minimal(finding))}</td>"
            f'<td class="num">{_text(f"{at[0]} · {at[1]:.1f} s" if at else "")}</td>'
            f"<td><code>{_text(report.paths.get(digest, ''))}</code><br>"
            f'<span class="dim">{_text(finding.reproducer.exchange.case.label)}</span></td>'
            "</tr>"
        )
    head = "".join(
        f"<th>{_text(name)}</th>"
        for name in (
            "#",
            "class",
            "level",
            f"{a.name} status",
            f"{b.name} status",
            "count",
            "known/new",
            "reduce sends",
            "1-minimal",
            "found at (examples · time)",
            "case file · label",
        )
    )
    return f'<table id="classes"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def discovery_svg(discovery: Sequence[tuple[int, float]], examples: int, width: int = 720, height: int = 260) -> str:
    """Classes found against examples sent: one polyline point per new class, at (examples, classes so far)."""
    left, right, top, bottom = 56, 16, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    x_max = max(examples, max((n for n, _ in discovery), default=0), 1)
    y_max = max(len(discovery), 1)
    middle = top + plot_h / 2

    def x(n: float) -> float:
        return left + plot_w * n / x_max

    def y(k: float) -> float:
        return top + plot_h * (1 - k / y_max)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
        ' role="img" aria-label="classes found against examples sent">',
        f'<line class="axis" x1="{left}" y1="{y(0):.1f}" x2="{left + plot_w}" y2="{y(0):.1f}"/>',
        f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{y(0):.1f}"/>',
        f'<text x="{left}" y="{height - 22}" text-anchor="middle">0</text>',
        f'<text x="{left + plot_w}" y="{height - 22}" text-anchor="end">{x_max}</text>',
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle">examples sent</text>',
        f'<text x="{left - 8}" y="{y(0) + 4:.1f}" text-anchor="end">0</text>',
        f'<text x="{left - 8}" y="{top + 4}" text-anchor="end">{y_max}</text>',
        f'<text x="14" y="{middle:.1f}" text-anchor="middle" transform="rotate(-90 14 {middle:.1f})">'
        "new classes</text>",
    ]
    if discovery:
        points = " ".join(f"{x(n):.1f},{y(k):.1f}" for k, (n, _) in enumerate(discovery, 1))
        parts.append(f'<polyline class="curve" points="{points}"/>')
        last = discovery[-1][0]
        if last < x_max:  # nothing new after the last class, up to the examples sent
            parts.append(
                f'<line class="rest" x1="{x(last):.1f}" y1="{y(len(discovery)):.1f}" x2="{x(x_max):.1f}" '
                f'y2="{y(len(discovery)):.1f}"/>'
            )
        for k, (n, seconds) in enumerate(discovery, 1):
            parts.append(
                f'<circle cx="{x(n):.1f}" cy="{y(k):.1f}" r="3">'
                f"<title>class {k}: after {n} examples, {seconds:.1f} s</title></circle>"
            )
    else:
        parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{middle:.1f}" text-anchor="middle">no new class</text>')
    parts.append("</svg>")
    return "".join(parts)


def _discovery_html(report: CampaignReport) -> str:
    caption = "No new class was found."
    if report.discovery:
        _, n, seconds = report.discovery[-1]
        caption = f"{len(report.discovery)} new classes; the last after {n} examples ({seconds:.1f} s)."
    return (
        '<section id="discovery"><h2>Discovery</h2>'
        f"{discovery_svg([(n, s) for _, n, s in report.discovery], report.examples)}<p>{_text(caption)}</p></section>"
    )


def _extras_html(report: CampaignReport) -> str:
    names = (report.targets[0].name, report.targets[1].name)
    coverage = report.coverage.text(names) if report.coverage else "not measured (guidance off)"
    noise = (
        "".join(f"<li><code>{_text(path)}</code></li>" for path in report.noise)
        if report.noise
        else "<li>none learned</li>"
    )
    parts = [
        f'<section id="coverage"><h2>Outcome coverage</h2><p>{_text(coverage)}</p></section>',
        '<section id="noise"><h2>Learned noise</h2><p>Each runtime answered these paths differently to the same '
        f"request; they were ignored.</p><ul>{noise}</ul></section>",
    ]
    if report.flaky:
        flaky = "".join(
            f"<li><code>{_text(d.signature.digest)}</code> {_text(d.signature.key)} "
            f'<span class="dim">{_text(d.exchange.case.label)}</span></li>'
            for d in report.flaky
        )
        title = "Flaky (did not reproduce when sent again)"
        parts.append(f'<section id="flaky"><h2>{title}</h2><ul>{flaky}</ul></section>')
    if report.errors:
        errors = "".join(f"<li>{_text(error)}</li>" for error in report.errors)
        parts.append(f'<section id="errors"><h2>Errors</h2><ul>{errors}</ul></section>')
    return "".join(parts)


STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d2125;background:#fff}
h1{font-size:22px;margin:0 0 12px}h2{font-size:18px;margin:28px 0 8px}h3{font-size:15px;margin:0 0 4px}
h4{font-size:14px;margin:8px 0 4px}h5{font-size:12px;margin:8px 0 2px;color:#555}
code,pre{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace}
pre{background:#f6f8fa;border:1px solid #d8dee4;padding:8px;overflow:auto;max-height:32em;white-space:pre-wrap;
word-break:break-all;margin:4px 0}
table{border-collapse:collapse}th,td{border:1px solid #d8dee4;padding:3px 6px;text-align:left;vertical-align:top}
thead th{background:#f0f3f6}td.num{text-align:right}
dl.facts{display:grid;grid-template-columns:repeat(3,max-content minmax(0,1fr));gap:2px 12px;margin:0}
dt{color:#555}dd{margin:0}
.dim{color:#666;font-weight:normal}.key{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
td.new,td.crash,td.unshrunk{color:#b3261e;font-weight:600}td.known{color:#2e7d32}
.class{border-top:2px solid #d8dee4;margin-top:20px;padding-top:10px}
.sides{display:grid;grid-template-columns:1fr 1fr;gap:12px}.side{min-width:0}
.hl{background:#ffe58f}.near{background:#ffd6d6}tr.hl th,tr.hl td{background:#ffe58f}
svg line.axis{stroke:#888}svg line.rest{stroke:#1f6feb;stroke-dasharray:4 4}
svg polyline.curve{fill:none;stroke:#1f6feb;stroke-width:2}
svg circle{fill:#1f6feb}svg text{font-size:11px;fill:#444}
.legend span{padding:0 4px}
""".strip()

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def campaign_html(
    report: CampaignReport,
    redact: Redact = _always_secret,
    extra_headers: tuple[tuple[str, str], ...] = (),
) -> str:
    """The whole page. `redact` and `extra_headers` are the config's, as for the curl commands of `show`."""
    a, b = report.targets
    title = f"Parity campaign — {a.name} vs {b.name}"
    classes = "".join(
        _class_html(index, finding, report, redact, extra_headers) for index, finding in enumerate(report.findings, 1)
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_text(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_text(title)}</title><style>{STYLE}</style></head>\n<body>"
        f"<h1>{_text(title)}</h1>{_facts_html(report)}"
        f"{_discovery_html(report)}"
        '<section id="table"><h2>Divergence classes</h2>'
        "<p>One row per class: new classes in the order they were found, then known ones, most seen first "
        "(by operation, when there are several).</p>"
        f"{_table_html(report)}</section>"
        '<section id="divergences"><h2>Divergences</h2>'
        '<p class="legend">Highlighted: <span class="hl">the value at a differing path</span> '
        '<span class="near">where the other side has a value this side lacks</span>.</p>'
        f"{classes or '<p>No divergence.</p>'}</section>"
        f"{_extras_html(report)}"
        "</body></html>\n"
    )
