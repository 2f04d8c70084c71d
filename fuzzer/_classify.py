"""Classify: the one place where a divergence gets its signature (version 4; docs/engine.md has the rules).

A signature is built from content only — never a seed, a time or a traceback — so two cases with the same
signature are one divergence class, in this campaign, the next one, and in CI. It is made of the two sides'
outcomes (`fuzzer._outcome`): per side, the status plus the rule it applied (the values at the key paths of a
JSON answer) or the template of its text rejection.

- **The outcome pair differs**: the pair is the class. Both rules are part of it at every level, so "Rust
  accepts, Go says Consistency(target_count)" and "Rust accepts, Go says Schema(fingerprint)" are two classes.
- **A framework rejection against a parsed body**: when one side answers text (a parse or extractor error) and
  the other JSON, the JSON side is only `parsed`. What it then says depends on the rest of the body, not on
  the cause (a lone surrogate in `artifact.operation` or in `context.city` is one class).
- **A declared rule order** (`rule_order`: the contract checks its rules in order, the first failure is the
  answer): of two JSON answers with different rules, the side whose rule comes later in the order (or that
  accepted) got past the other side's rule. The class is that earlier rule against `passed`, so "Rust says
  Schema(target_count), Go then says Consistency(endorsed_names)" and "… Go accepts" are one class. Without an
  order (a contract that declares none), both rules are part of the class.
- **Keys that differ only in case**: when one runtime matches object keys whatever their case and the other
  exactly (measured on the runtimes: `fuzzer._readings`), a request holding two keys that differ only in case
  (`artifact` and `Artifact`) is a different request to each side. Every status or body difference it shows is
  that one class, `understood differently: keys that differ only in case`, unless a side refused the request
  before reading it (below): then it read nothing differently.
- **Understood differently**: when two JSON answers echo different values at the scope paths (`/kind`: each
  runtime validated the body as another kind), that is the class, whatever rules followed.
- **A refusal before reading** (413, 414, 415, 431 with a text body): the other side read the body, and what it
  then said is incidental: it is only `parsed` (`parsed | 413 text "request body too large"`).
- **A redirect** (301, 302, 303, 307, 308 with a text body; version 4): the side answered from the request
  target alone, before reading anything else (Go's `ServeMux` cleaning `//` or `..` out of a path). What the
  other side made of that target — no route, a path value `..`, then the body's rules — is incidental: it is only
  `parsed` (`parsed | 307 text "<a href=_>temporary redirect</a>."`).
- **Two framework rejections**: both sides refused the body; the class is the status pair (`422 text | 400
  text`), and under one status what differs is the bytes (`/:bytes`).
- **The same outcome on both sides**: what differs in the bodies is the class: each difference as
  `pattern:kind` (array indexes as `*`), a media-type difference, and each compared header that differs
  (`header:allow`, `header:location`; its name, not its value).
- **Per operation**: a class belongs to one operation (`METHOD /path-template`); the operation is part of the
  digest (and of equality), not of the readable key.
- **Transport**: the side that did not answer, by its outcome, against `answered`; a crash is marked `crash`.
- **Wire shape**: the status pair and the places an adapter reconciled (the key reads as in version 1).
"""

from __future__ import annotations

import hashlib

from fuzzer._model import Comparison, DiffKind, Divergence, Exchange, Level, SideOutcome, Signature

SIGNATURE_VERSION = 4
"""Bumped whenever a signature's key changes for the same answers; `parity-fuzz corpus migrate` re-keys."""

PARSED = "parsed"
MISREAD = "understood differently: keys that differ only in case"
PASSED = "passed"
BEFORE_READING = frozenset({"413", "414", "415", "431", "301", "302", "303", "307", "308"})
"""Statuses that answer a request before its content is read: a refusal by its size or media type, or a redirect
(from the target alone). Facing one, the other side's answer (parsed, or rejected for what the content says)
is incidental."""


def _part(kind: DiffKind, pattern: str, detail: str) -> str:
    if kind is DiffKind.TYPE:
        return f"{pattern or '/'}:{kind.value}:{detail}"
    if kind is DiffKind.SHAPE:
        return f"shape:{detail}"
    return f"{pattern or '/'}:{kind.value}"


def labels(outcomes: tuple[SideOutcome, SideOutcome]) -> tuple[str, str]:
    """The two sides as a class names them: a JSON side facing a text rejection is only `parsed`, and two text
    rejections are their statuses (`422 text | 400 text`): both runtimes refused the body, each framework in
    its own words, and which words is not a cause of its own. With a declared rule order, of two JSON answers
    the one that got further is only `passed`."""
    left, right = outcomes
    if left.status != right.status and left.form != "none" and right.form != "none":
        if left.form == "text" and left.status in BEFORE_READING:
            return left.label, PARSED
        if right.form == "text" and right.status in BEFORE_READING:
            return PARSED, right.label
    if left.form == right.form == "json" and left.rank is not None and right.rank is not None:
        if left.rank < right.rank:
            return left.label, PASSED
        if right.rank < left.rank:
            return PASSED, right.label
    if left.form == "text" and right.form == "json":
        return left.label, PARSED
    if left.form == "json" and right.form == "text":
        return PARSED, right.label
    if left.form == "text" and right.form == "text":
        return f"{left.status} text", f"{right.status} text"
    return left.label, right.label


def signature_of(exchange: Exchange, comparison: Comparison) -> Signature:
    level = comparison.level
    if level is None:
        raise ValueError("an agreeing comparison has no signature")
    statuses = (exchange.responses[0].status_label, exchange.responses[1].status_label)
    outcomes = comparison.outcomes
    parts: tuple[str, ...] = ()
    if level is Level.TRANSPORT:
        sides = tuple(o.status if o.form == "none" else "answered" for o in outcomes)
        parts = ("crash",) if comparison.crash else ()
        head = f"{sides[0]} | {sides[1]}"
    elif level is Level.WIRE_SHAPE:
        parts = tuple(sorted({_part(d.kind, d.pattern, d.detail) for d in comparison.differences}))
        head = f"{statuses[0]}|{statuses[1]} wire-shape"
    elif comparison.misread and not any(o.form == "text" and o.status in BEFORE_READING for o in outcomes):
        head = MISREAD  # each side answered another request: what it then said is not a cause of its own
    elif outcomes[0].form == outcomes[1].form == "json" and outcomes[0].scope != outcomes[1].scope:
        head = "understood differently"  # the answers echo another scope (kind): nothing after it is a cause
    else:
        left, right = labels(outcomes)
        if left == right:  # one outcome on both sides: the bodies say what differs
            found = set()
            for difference in comparison.differences:
                if difference.kind is DiffKind.CONTENT_TYPE:
                    found.add(f"content-type:{difference.left}|{difference.right}")
                elif difference.kind is DiffKind.HEADER:
                    found.add(f"header:{difference.path}")
                elif difference.kind not in (DiffKind.STATUS, DiffKind.OUTCOME):
                    found.add(_part(difference.kind, difference.pattern, difference.detail))
            parts = tuple(sorted(found))
        head = f"{left} | {right}"
    key = " ".join([head, *parts])
    operation = exchange.case.operation_key
    return Signature(
        key=key,
        digest=digest_of(key, operation),
        level=level,
        statuses=statuses,
        parts=parts,
        version=SIGNATURE_VERSION,
        operation=operation,
    )


def digest_of(key: str, operation: str) -> str:
    """The first 12 hex digits of the SHA-256 of the operation and the key: a class is one per operation."""
    return hashlib.sha256(f"{operation}\n{key}".encode()).hexdigest()[:12]


def classify(exchange: Exchange, comparison: Comparison) -> Divergence | None:
    """The divergence an exchange shows, or None when the two runtimes agree."""
    if comparison.agrees:
        return None
    return Divergence(exchange=exchange, comparison=comparison, signature=signature_of(exchange, comparison))
