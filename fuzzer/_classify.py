"""Classify: the one place where a divergence gets its signature.

A signature is built from content only — never a seed, a time or a traceback — so two cases with the same
signature are one divergence class, in this campaign, the next one, and in CI:

- the status pair (or transport outcomes) and the level;
- for `transport`: nothing more;
- for `wire-shape`: the paths where an adapter reconciled two shapes, and the adapter's name;
- for `status`: each difference as `pattern:kind` (array indexes as `*`) plus the *templates* of non-JSON
  bodies (framework rejections), so that different root causes behind one status pair stay apart; what the
  validating side says is not included, because it depends on the rest of the artifact, not on the cause;
- for `semantic`: the same, plus the values read at the policy's key paths (`/error/kind`); two framework
  texts under the same status are one class (`/:bytes`) whatever they say.

Templates drop what varies from case to case: quoted text, numbers (as `n`), field paths, and anything past
120 characters.
"""

from __future__ import annotations

import hashlib
import re

from fuzzer._model import Comparison, DiffKind, Divergence, Exchange, Level, Signature

_QUOTED = re.compile(r"""`[^`]*(?:`|$)|"(?:[^"\\]|\\.)*(?:"|$)|'[^']*'""")  # cut quotes run to the end
_NUMBER = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_PATH = re.compile(r"\b[a-z_]\w*(?:\.\w+|\[n\])+")
TEMPLATE_LIMIT = 120


def template(text: str) -> str:
    """A message without what varies from case to case.

    `Failed to deserialize ...: fills[0].name: invalid type: integer `1`, expected a string at line 1 column 9`
    → `failed to deserialize ...: invalid type: integer _, expected a string at line N column N`: quoted text and
    numbers go, and so do the one-word segments between colons (field paths such as `fills[0].name`).
    """
    text = _QUOTED.sub("_", text)
    text = _NUMBER.sub("N", text)
    text = _SPACE.sub(" ", text).strip().lower()
    text = _PATH.sub("_", text)
    segments = text.split(": ")
    if len(segments) > 2:
        segments = [segments[0], *(s for s in segments[1:-1] if " " in s), segments[-1]]
    return ": ".join(segments)[:TEMPLATE_LIMIT]


def _part(kind: DiffKind, pattern: str, detail: str, left: str, right: str, level: Level) -> str:
    if kind is DiffKind.BYTES and level is Level.SEMANTIC:
        return f"{pattern or '/'}:{kind.value}"  # same status, two framework texts: one class, whatever they say
    if kind is DiffKind.BYTES or (kind is DiffKind.TYPE and "text" in detail):
        forms = detail.split(" vs ")
        texts = [template(text) if form == "text" else form for form, text in zip(forms, (left, right), strict=False)]
        return f"{pattern or '/'}:{kind.value}:{'|'.join(texts)}"
    if kind is DiffKind.TYPE:
        return f"{pattern or '/'}:{kind.value}:{detail}"
    if kind is DiffKind.CONTENT_TYPE:
        return f"content-type:{left}|{right}"
    if kind is DiffKind.SHAPE:
        return f"shape:{detail}"
    return f"{pattern or '/'}:{kind.value}"


def signature_of(exchange: Exchange, comparison: Comparison) -> Signature:
    if comparison.level is None:
        raise ValueError("an agreeing comparison has no signature")
    statuses = (exchange.responses[0].status_label, exchange.responses[1].status_label)
    parts: set[str] = set()
    for difference in comparison.differences:
        if difference.kind in (DiffKind.STATUS, DiffKind.OUTCOME):
            continue
        parts.add(
            _part(
                difference.kind,
                difference.pattern,
                difference.detail,
                difference.left,
                difference.right,
                comparison.level,
            )
        )
    if comparison.level is Level.SEMANTIC:
        parts.update(_key(key) for key in comparison.keys)
    ordered = tuple(sorted(parts))
    key = " ".join([f"{statuses[0]}|{statuses[1]}", comparison.level.value, *ordered])
    return Signature(statuses=statuses, level=comparison.level, parts=ordered, key=key, digest=digest_of(key))


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def _key(key: str) -> str:
    side_pointer, _, value = key.partition("=")
    return f"{side_pointer}={template(value) if value else value}"


def classify(exchange: Exchange, comparison: Comparison) -> Divergence | None:
    """The divergence an exchange shows, or None when the two runtimes agree."""
    if comparison.agrees:
        return None
    return Divergence(exchange=exchange, comparison=comparison, signature=signature_of(exchange, comparison))
