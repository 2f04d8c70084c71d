"""Report: Markdown in the seed probe's style, JSON for machines. Pure functions from results to text.

Everything a runtime sent is untrusted: Markdown output escapes table cells and HTML, and fences bodies with a
fence longer than any backtick run inside them, so a report stays well-formed whatever a body contains.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from fuzzer._compare import NOT_JSON, lift_body, readable
from fuzzer._errors import ParityError
from fuzzer._guide import OutcomeCoverage
from fuzzer._model import JSON, Divergence, Finding, Response, Target
from fuzzer._replay import Judged, Verdict, tally
from fuzzer._store import write_file

BODY_LIMIT = 4000


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the parity table: a case (replay) or a class (campaign)."""

    label: str
    statuses: tuple[str, str]
    body_match: bool
    extra: tuple[str, ...] = ()


def cell(text: str) -> str:
    text = html.escape(text, quote=False).replace("\\", "\\\\").replace("|", "\\|")
    text = re.sub(r"[\r\n]+", " ", text)
    return text.replace("`", "'")


def fenced(text: str, info: str = "") -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def body_text(response: Response) -> str:
    """A body for humans: pretty JSON when it is JSON, else text; capped at BODY_LIMIT characters."""
    if response.status is None:
        return f"(no answer: {response.outcome.value}{': ' + response.detail if response.detail else ''})"
    value = lift_body(response)
    if value is not NOT_JSON:
        text = readable(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True))
    else:
        text = response.body[: BODY_LIMIT * 4].decode("utf-8", "backslashreplace")
    if len(text) > BODY_LIMIT:
        text = text[:BODY_LIMIT] + f"\n… ({len(response.body)} bytes in all)"
    if response.truncated:
        text += "\n… (truncated by the body cap)"
    return text


def table(targets: tuple[Target, Target], rows: Sequence[Row], extra_headers: Sequence[str] = ()) -> str:
    a, b = (cell(t.name) for t in targets)
    head = ["Case", f"{a} status", f"{b} status", "Status match", "Body match", *extra_headers]
    lines = ["| " + " | ".join(head) + " |", "|---|---:|---:|:---:|:---:|" + "---|" * len(extra_headers)]
    for row in rows:
        status_ok = "✓" if row.statuses[0] == row.statuses[1] else "✗"
        body_ok = "✓" if row.body_match else "✗"
        cells = [f"`{cell(row.label)}`", cell(row.statuses[0]), cell(row.statuses[1]), status_ok, body_ok]
        lines.append("| " + " | ".join([*cells, *(cell(x) for x in row.extra)]) + " |")
    return "\n".join(lines)


def details(title: str, divergence: Divergence) -> str:
    exchange = divergence.exchange
    parts = [f"<details><summary>{html.escape(title)}</summary>", ""]
    parts.append(f"Signature: `{cell(divergence.signature.key)}` ({divergence.signature.digest})")
    parts.append("")
    parts.append("Request body:")
    parts.append(fenced(exchange.case.request.body[:BODY_LIMIT].decode("utf-8", "backslashreplace")))
    for target, response in zip(exchange.targets, exchange.responses, strict=True):
        parts.append("")
        parts.append(f"**{html.escape(target.name)}** (HTTP {html.escape(response.status_label)}):")
        parts.append(fenced(body_text(response), "json" if lift_body(response) is not NOT_JSON else ""))
    parts.append("")
    parts.append("</details>")
    return "\n".join(parts)


# ---------------------------------------------------------------- campaign


@dataclass(frozen=True, slots=True)
class CampaignReport:
    """Everything a campaign report shows; built by the campaign, rendered here."""

    targets: tuple[Target, Target]
    examples: int
    agreed: int
    elapsed_s: float
    seed: int
    modes: tuple[str, ...]
    findings: tuple[Finding, ...]  # new classes, then known ones
    paths: dict[str, str]  # signature digest -> case file
    flaky: tuple[Divergence, ...]
    errors: tuple[str, ...]
    interrupted: bool
    shrink_calls: int
    date: str
    crashed: str | None = None
    unpursued: int = 0  # signatures seen only while shrinking another class
    stopped_by_time: bool = False
    noise: tuple[str, ...] = ()  # JSON paths learned as noise and ignored
    reduce_sends: int = 0  # requests sent to reduce reproducers after shrinking
    coverage: OutcomeCoverage | None = None  # outcome pairs seen
    shard: str = ""  # `I/N` when the campaign ran one shard (`--shard`)
    jobs: int = 1  # processes that generated (`--jobs`)
    discovery: tuple[tuple[str, int, float], ...] = ()  # per new class, as found: (digest, examples, seconds)

    @property
    def operations(self) -> tuple[str, ...]:
        """The operations the classes belong to, in the order their first class is listed."""
        return tuple(dict.fromkeys(f.signature.operation for f in self.findings))


def campaign_markdown(report: CampaignReport) -> str:
    a, b = report.targets
    names = (a.name, b.name)
    rate = report.examples / report.elapsed_s if report.elapsed_s > 0 else 0.0
    rows = [
        Row(
            label=f.reproducer.exchange.case.label,
            statuses=f.signature.statuses,
            body_match=False,
            extra=(
                *((f.signature.operation,) if len(report.operations) > 1 else ()),
                f.signature.level.value,
                str(f.count),
                str(f.reduce_sends),
                "known" if f.known else "new",
                report.paths.get(f.signature.digest, ""),
            ),
        )
        for f in report.findings
    ]
    new = sum(1 for f in report.findings if not f.known)
    lines = [
        f"# Parity campaign — {a.name} vs {b.name}",
        "",
        f"**Date:** {report.date}",
        f"**{a.name}:** `{a.url}` · **{b.name}:** `{b.url}`",
        f"**Examples:** {report.examples} in {report.elapsed_s:.1f}s ({rate:.0f}/s) · seed {report.seed} · "
        f"modes {', '.join(report.modes)}"
        + (f" · shard {report.shard}" if report.shard else "")
        + (f" · {report.jobs} jobs" if report.jobs > 1 else "")
        + (" · **interrupted**" if report.interrupted else "")
        + (" · stopped by --max-time" if report.stopped_by_time else ""),
        *(
            [f"**Crash:** {cell(report.crashed)} — the campaign stopped there; the crash reproducer is below."]
            if report.crashed
            else []
        ),
        "",
        "Each row is one divergence class with its minimal reproducer. Match = identical HTTP status + identical",
        "body after ignored paths.",
        "",
        table(
            report.targets,
            rows,
            [
                *(["Operation"] if len(report.operations) > 1 else []),
                "Level",
                "Count",
                "Reduce sends",
                "Class",
                "Reproducer",
            ],
        ),
        "",
        f"**Tally:** {report.agreed} match · {report.examples - report.agreed} diff (out of {report.examples} "
        f"examples) · {len(report.findings)} classes ({new} new, {len(report.findings) - new} known) · "
        f"{len(report.flaky)} flaky · {len(report.errors)} errors · {report.shrink_calls} shrink calls · "
        f"{report.reduce_sends} reduce sends · "
        f"{report.unpursued} signatures seen only while shrinking (not pursued)",
        *(["", f"**Outcome coverage:** {cell(report.coverage.text(names))}"] if report.coverage else []),
        *(
            [
                "",
                "**Noise** (each runtime answered these differently to the same request; ignored): "
                + ", ".join(f"`{cell(path)}`" for path in report.noise),
            ]
            if report.noise
            else []
        ),
    ]
    if report.findings:
        lines += ["", "## Divergences", ""]
        for finding in report.findings:
            title = f"DIFF — {finding.reproducer.exchange.case.label} ({finding.signature.level.value})"
            lines += [details(title, finding.reproducer), ""]
    if report.flaky:
        lines += ["## Flaky (did not reproduce when sent again)", ""]
        for divergence in report.flaky:
            lines += [details(f"FLAKY — {divergence.exchange.case.label}", divergence), ""]
    if report.errors:
        lines += ["## Errors", ""] + [f"- {cell(error)}" for error in report.errors]
    return "\n".join(lines).rstrip() + "\n"


def response_json(response: Response) -> dict[str, JSON]:
    body = lift_body(response)
    record: dict[str, JSON] = {
        "outcome": response.outcome.value,
        "status": response.status,
        "content_type": response.content_type,
        "truncated": response.truncated,
        "headers": dict(response.headers),
    }
    if body is not NOT_JSON:
        record["body"] = body
    else:
        record["body_text"] = response.body[:BODY_LIMIT].decode("utf-8", "backslashreplace")
    return record


def divergence_json(divergence: Divergence) -> dict[str, JSON]:
    exchange = divergence.exchange
    return {
        "signature": divergence.signature.digest,
        "key": divergence.signature.key,
        "operation": divergence.signature.operation,
        "level": divergence.signature.level.value,
        "statuses": list(divergence.signature.statuses),
        "label": exchange.case.label,
        "differences": [
            {"path": d.path, "kind": d.kind.value, "left": d.left, "right": d.right}
            for d in divergence.comparison.differences
        ],
        "responses": {t.name: response_json(r) for t, r in zip(exchange.targets, exchange.responses, strict=True)},
    }


def campaign_json(report: CampaignReport) -> dict[str, JSON]:
    return {
        "targets": {t.name: t.url for t in report.targets},
        "date": report.date,
        "examples": report.examples,
        "agreed": report.agreed,
        "elapsed_s": round(report.elapsed_s, 3),
        "seed": report.seed,
        "modes": list(report.modes),
        "interrupted": report.interrupted,
        "crashed": report.crashed,
        "shrink_calls": report.shrink_calls,
        "reduce_sends": report.reduce_sends,
        "unpursued": report.unpursued,
        "stopped_by_time": report.stopped_by_time,
        "noise": list(report.noise),
        "coverage": _coverage_json(report.coverage, report.targets),
        "discovery": [
            {"signature": digest, "examples": n, "seconds": seconds} for digest, n, seconds in report.discovery
        ],
        "classes": [
            {
                **divergence_json(f.reproducer),
                "count": f.count,
                "known": f.known,
                "shrunk": f.shrunk,
                "crash": f.crash,
                "reduce_sends": f.reduce_sends,
                "minimal": f.minimal,
                "case": report.paths.get(f.signature.digest),
            }
            for f in report.findings
        ],
        "flaky": [divergence_json(d) for d in report.flaky],
        "errors": list(report.errors),
        **({"shard": report.shard} if report.shard else {}),
        **({"jobs": report.jobs} if report.jobs > 1 else {}),
    }


def _coverage_json(coverage: OutcomeCoverage | None, targets: tuple[Target, Target]) -> dict[str, JSON] | None:
    if coverage is None:
        return None
    return {
        "pairs": coverage.pairs,
        "per_kind": dict(sorted(coverage.per_kind.items())),
        "per_side": {t.name: n for t, n in zip(targets, coverage.per_side, strict=True)},
        "pool": coverage.pool,
        "guided": coverage.guided,
    }


def write_atomic(path: Path, text: str) -> None:
    """Write a report atomically (see `_store.write_file`); ParityError with the reason on failure."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_file(path, text, overwrite=True, errors="backslashreplace")
    except OSError as err:
        raise ParityError(f"report {path}: cannot write it ({err.strerror}); choose another path") from err


# ---------------------------------------------------------------- replay

_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def replay_markdown(targets: tuple[Target, Target], judged: Sequence[Judged], date: str) -> str:
    a, b = targets
    rows = [Row(j.label, j.statuses, j.agrees, (j.verdict.value, j.detail)) for j in judged]
    counts = tally(judged)
    body_matches = sum(1 for j in judged if j.agrees)
    status_matches = sum(1 for j in judged if j.status_match)
    lines = [
        f"# Corpus replay — {a.name} vs {b.name}",
        "",
        f"**Date:** {date}",
        f"**{a.name}:** `{a.url}` · **{b.name}:** `{b.url}`",
        "",
        "Identical request → both runtimes. Match = identical HTTP status + identical body (after ignored paths).",
        "",
        table(targets, rows, ["Outcome", "Detail"]),
        "",
        f"**Tally:** {status_matches}/{len(rows)} status match · {body_matches}/{len(rows)} body match · "
        + " · ".join(f"{count} {name}" for name, count in counts.items() if count),
    ]
    diverging = [j for j in judged if j.divergence is not None]
    if diverging:
        lines += ["", "## Divergences", ""]
        for j in diverging:
            assert j.divergence is not None
            lines += [details(f"{j.verdict.value} — {j.label}", j.divergence), ""]
    return "\n".join(lines).rstrip() + "\n"


def replay_json(targets: tuple[Target, Target], judged: Sequence[Judged], date: str) -> dict[str, JSON]:
    return {
        "targets": {t.name: t.url for t in targets},
        "date": date,
        "cases": [
            {
                "label": j.label,
                "path": j.path,
                "outcome": j.verdict.value,
                "statuses": list(j.statuses),
                "signature": j.signature,
                "expected": j.stored.expect.signature if j.stored else None,
                "detail": j.detail,
            }
            for j in judged
        ],
        "tally": tally(judged),
    }


def _xml_text(text: str) -> str:
    return _XML_UNSAFE.sub("\ufffd", text)


def junit_xml(judged: Sequence[Judged], strict: bool = False, suite: str = "parity-fuzz replay") -> str:
    """One testcase per case; CHANGED, REGRESSED, ERROR (and KNOWN with `strict`) are failures."""
    root = ElementTree.Element(
        "testsuite",
        name=suite,
        tests=str(len(judged)),
        failures=str(sum(1 for j in judged if j.fails(strict) and j.verdict is not Verdict.ERROR)),
        errors=str(sum(1 for j in judged if j.verdict is Verdict.ERROR)),
    )
    for j in judged:
        case = ElementTree.SubElement(root, "testcase", classname="corpus", name=_xml_text(j.label))
        case.set("file", _xml_text(j.path))
        if j.verdict is Verdict.ERROR:
            ElementTree.SubElement(case, "error", message=_xml_text(j.detail[:500])).text = _xml_text(j.detail)
        elif j.fails(strict):
            failure = ElementTree.SubElement(case, "failure", message=_xml_text(f"{j.verdict.value}: {j.detail}"[:500]))
            failure.text = _xml_text(_junit_body(j))
        elif j.verdict is Verdict.KNOWN:
            ElementTree.SubElement(case, "system-out").text = _xml_text(f"KNOWN: {j.detail}")
        elif j.verdict is Verdict.FIXED:
            ElementTree.SubElement(case, "system-out").text = _xml_text(f"FIXED: {j.detail}")
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _junit_body(j: Judged) -> str:
    if j.exchange is None:
        return j.detail
    parts = [f"{j.verdict.value}: {j.detail}"]
    for target, response in zip(j.exchange.targets, j.exchange.responses, strict=True):
        parts.append(f"--- {target.name} (HTTP {response.status_label})\n{body_text(response)}")
    return "\n".join(parts)
