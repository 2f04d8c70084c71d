"""Adversarial cases: wire-level bodies a JSON object model cannot express, most built on a valid draft.

Families and their labels (`adversarial: <family> ...`), simplest first (shrinking prefers earlier ones):

    empty body          no bytes, or whitespace only
    non-object body     `[]`, `"x"`, `1`, `null`, `true`, `[<envelope>]`
    content-type        a wrong, odd or missing Content-Type with a valid body
    bom                 a UTF-8 byte order mark before the body
    trailing data       bytes after the value (` x`, `{}`, ...)
    duplicate key       a key written twice with different values (envelope `kind`, artifact and context fields)
    number spelling     an integer spelled `01`, `-0`, `1E2`, `2.0`, ...
    non-finite number   `NaN`, `Infinity` literals where an integer belongs
    escaped spelling    a valid string written entirely in `\\uXXXX` escapes
    escape-sensitive    `<`, `>`, `&`, U+2028, U+2029 in a string (raw or \\u-escaped)
    lone surrogate      a `\\ud800`-style escape without its pair inside a string
    invalid utf-8       raw bytes that are not UTF-8 inside a string
    deep nesting        a value nested 100 ... 10001 levels deep in the artifact (the body adds two levels)
    body size           a valid body padded to 1..2 MiB or beyond (rare: built only when drawn)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

from fuzzer._model import JSON, Case, RawJSON
from strategies._paths import Path, get_at, set_at, show, sites
from strategies._schema import Draw, Formats
from strategies._source import Drawn
from strategies._space import CaseSpace
from strategies._valid import Draft, DraftPlan, case_of
from strategies._wire import encode_json, raw_bytes, raw_object

Built = tuple[bytes, str, tuple[tuple[str, str], ...] | None]
"""A family's result: body, label detail, and the headers when they differ from the space's."""

MIB = 1 << 20
DEPTHS = (100, 126, 127, 129, 1000, 10001)
BODY_SIZES = (MIB, MIB + 1, 3 * MIB // 2, 2 * MIB, 2 * MIB + 1, 3 * MIB)
CONTENT_TYPES = (
    "text/plain",
    "application/x-www-form-urlencoded",
    None,
    "application/json; charset=utf-16",
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    "application/problem+json",
    "",
)
INVALID_UTF8 = (b"\xff", b"\xc3\x28", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80", b"\xe2\x82")
LONE_SURROGATES = ("\\ud800", "\\udfff", "\\ud83d", "\\ude00\\ud83d")
TRAILING = (b" x", b"{}", b"\n", b"[]", b"\x00", b",", b'{"kind":"fill"}')
NON_OBJECTS = (b"[]", b'"x"', b"1", b"null", b"true")
EMPTY = (b"", b" ", b"\r\n\t ")
NON_FINITE = ("NaN", "Infinity", "-Infinity", "nan", "inf")
ESCAPE_SENSITIVE = MappingProxyType({"<": "<", ">": ">", "&": "&", "U+2028": "\u2028", "U+2029": "\u2029"})
BOM = b"\xef\xbb\xbf"
_PAD = "\x00padding\x00"
_PAD_ENCODED = b'"\\u0000padding\\u0000"'
"""The padding's placeholder and its encoding (NUL is always escaped, so no other string encodes to it)."""


def adversarial_cases(space: CaseSpace, formats: Formats, families: Sequence[str] | None = None) -> Drawn[Case]:
    """Adversarial cases of the given families (all by default), drawn with the families' weights."""
    chosen = tuple(FAMILIES) if families is None else tuple(families)
    unknown = [f for f in chosen if f not in FAMILIES]
    if unknown or not chosen:
        raise ValueError(f"unknown adversarial families {unknown!r}; choose from {', '.join(FAMILIES)}")
    # sampled_from is uniform: repeat each family by its weight (body size is rare: 2 MiB per draw).
    weighted = tuple(name for name in chosen for _ in range(FAMILIES[name][1]))
    drafts = DraftPlan(space, formats)
    kinds = tuple(spec.name for spec in space.kinds)

    def adversarial(draw: Draw, kind: int | None = None) -> Case:
        draft = drafts(draw, kind)
        family = draw.choose(weighted)
        body, detail, headers = FAMILIES[family][0](draw, draft, space, kinds)
        return case_of(space, draft, "adversarial", f"adversarial: {detail}", body=body, headers=headers)

    return Drawn(adversarial, "adversarial_cases()")


def _body(envelope: JSON) -> bytes:
    return encode_json(envelope)


def _pick(draw: Draw, candidates: list[tuple[Path, JSON]], envelope: JSON, key: str) -> tuple[Path, JSON]:
    """One of `candidates`; without any, a new field `key` in the artifact (in the envelope when the
    artifact is not an object)."""
    if candidates:
        return draw.choose(candidates)
    return (("artifact", key) if isinstance(envelope.get("artifact"), dict) else (key,)), None


def _strings(envelope: JSON) -> list[tuple[Path, JSON]]:
    """String sites, artifact and context first (`kind` last: it is rejected before validation)."""
    found = [(p, v) for p, v in sites(envelope) if isinstance(v, str)]
    return [s for s in found if s[0] != ("kind",)] + [s for s in found if s[0] == ("kind",)]


def _integers(envelope: JSON) -> list[tuple[Path, JSON]]:
    return [(p, v) for p, v in sites(envelope) if isinstance(v, int) and not isinstance(v, bool)]


def _in_string(value: str, inner: bytes) -> RawJSON:
    """The string `value` with `inner` (raw wire bytes) written just before its closing quote."""
    return raw_bytes(encode_json(value)[:-1] + inner + b'"')


def _other(path: Path, value: JSON, kinds: tuple[str, ...]) -> JSON:
    if path == ("kind",):
        return next((k for k in kinds if k != value), "unknown")
    if isinstance(value, bool) or value is None:
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + "-2" if value else "x"
    return [] if isinstance(value, list) else {}


def _duplicate_key(draw: Draw, draft: Draft, space: CaseSpace, kinds: tuple[str, ...]) -> Built:
    keyed = [(p, v) for p, v in sites(draft.envelope) if isinstance(p[-1], str)]
    path, value = draw.choose(keyed)
    other = _other(path, value, kinds)
    last = draw.boolean()
    container = get_at(draft.envelope, path[:-1])
    members: list[tuple[str, JSON]] = []
    for key, item in container.items():
        pair = [(key, item), (key, other)] if last else [(key, other), (key, item)]
        members += pair if key == path[-1] else [(key, item)]
    body = _body(set_at(draft.envelope, path[:-1], raw_object(members)))
    return body, f"duplicate key {show(path)}, other value {'last' if last else 'first'}", None


def _invalid_utf8(draw: Draw, draft: Draft, space: CaseSpace, kinds: tuple[str, ...]) -> Built:
    path, value = _pick(draw, _strings(draft.envelope), draft.envelope, "text")
    bad = draw.choose(INVALID_UTF8)
    body = _body(set_at(draft.envelope, path, _in_string(value or "", bad)))
    return body, f"invalid utf-8 {bad.hex(' ')} in {show(path)}", None


def _lone_surrogate(draw: Draw, draft: Draft, space: CaseSpace, kinds: tuple[str, ...]) -> Built:
    path, value = _pick(draw, _strings(draft.envelope), draft.envelope, "text")
    escape = draw.choose(LONE_SURROGATES)
    body = _body(set_at(draft.envelope, path, _in_string(value or "", escape.encode())))
    return body, f"lone surrogate {escape} in {show(path)}", None


def _bom(draw: Draw, draft: Draft, space: CaseSpace, kinds: tuple[str, ...]) -> Built:
    return BOM + _body(draft.envelope), "bom", None


def _trailing(draw: Draw, draft: Draft, space: CaseSpace, kinds: tuple[str, ...]) -> Built:
    suffix = draw.choose(TRAILING)
    return _body(draft.envelope) + suffix, f"trailing data {suffix!r}", None


def _deep(draw: Draw, draft: Draft, space: CaseSpace, kinds: tuple[str, ...]) -> Built:
    depth = draw.choose(DEPTHS)
    shape = draw.choose(("arrays", "objects"))
    text = "[" * depth + "]" * depth if shape == "arrays" else '{"a":' * depth + "1" + "}" * depth
    artifact = draft.envelope.get("artifact")
    fields = [("artifact", "nested")] + [("artifact", k) for k in artifact] if isinstance(artifact, dict) else []
    path = draw.choose(fields or [("artifact",)])
    body = _body(set_at(draft.envelope, path, RawJSON(text)))
    return body, f"deep nesting {depth} {shape} at {show(path)}", None


def _non_object(draw: Draw, draft: Draft, space: CaseSpace, kinds: tuple[str, ...]) -> Built:
    body = draw.choose((*NON_OBJECTS, b"wrapped"))
    if body == b"wrapped":  # the valid envelope inside an array
        return b"[" + _body(draft.envelope) + b"]", "non-object body [envelope]", None
    return body, f"non-object body {body.decode()}", None


def _empty(draw: Draw, draft: Draft, space: CaseSpace, kinds: tuple[str, ...]) -> Built:
    body = draw.choose(EMPTY)
    return body, "empty body" + (f" {body!r}" if body else ""), None


def _content_type(draw: Draw, draft: Draft, space: CaseSpace, kinds: tuple[str, ...]) -> Built:
    value = draw.choose(CONTENT_TYPES)
    headers = tuple((k, v) for k, v in space.headers if k.lower() != "content-type")
    if value is not None:
        headers = (("content-type", value), *headers)
    shown = "none" if value is None else (value or repr(value))
    return _body(draft.envelope), f"content-type {shown}", headers


def _body_size(draw: Draw, draft: Draft, space: CaseSpace, kinds: tuple[str, ...]) -> Built:
    size = draw.choose(BODY_SIZES)
    method = draw.choose(("whitespace", "extra field"))
    if method == "whitespace" or not isinstance(draft.envelope.get("artifact"), dict):
        method = "whitespace"
        body = _body(draft.envelope)
        body = body[:1] + b" " * max(size - len(body), 0) + body[1:]
    else:  # encoded once with a placeholder, which the padding replaces: a 3 MiB string is not encoded at all
        base = _body(set_at(draft.envelope, ("artifact", "padding"), _PAD))
        head, _, tail = base.partition(_PAD_ENCODED)
        body = head + b'"' + b"x" * max(size - len(head) - len(tail) - 2, 0) + b'"' + tail
    return body, f"body size {len(body)} bytes ({method})", None


def _integer_site(draw: Draw, draft: Draft) -> tuple[Path, JSON]:
    return _pick(draw, _integers(draft.envelope), draft.envelope, "target_count")


def _non_finite(draw: Draw, draft: Draft, space: CaseSpace, kinds: tuple[str, ...]) -> Built:
    path, _ = _integer_site(draw, draft)
    token = draw.choose(NON_FINITE)
    return _body(set_at(draft.envelope, path, RawJSON(token))), f"non-finite number {show(path)} = {token}", None


def _spellings(n: int) -> tuple[str, ...]:
    return (f"0{n}", f"{n}.0", f"{n}E0", f"{n}e+0", f"{n}0e-1", "-0", "1E2", f"{n}.5")


def _number_spelling(draw: Draw, draft: Draft, space: CaseSpace, kinds: tuple[str, ...]) -> Built:
    path, value = _integer_site(draw, draft)
    token = draw.choose(_spellings(value if value is not None else 1))
    body = _body(set_at(draft.envelope, path, RawJSON(token)))
    return body, f"number spelling {show(path)} = {token}", None


def _escape_sensitive(draw: Draw, draft: Draft, space: CaseSpace, kinds: tuple[str, ...]) -> Built:
    path, value = _pick(draw, _strings(draft.envelope), draft.envelope, "text")
    name = draw.choose(list(ESCAPE_SENSITIVE))
    escaped = draw.boolean()
    char = ESCAPE_SENSITIVE[name]
    new: JSON = (value or "") + char
    if escaped:
        new = _in_string(value or "", f"\\u{ord(char):04x}".encode())
    body = _body(set_at(draft.envelope, path, new))
    return body, f"escape-sensitive {name}{' escaped' if escaped else ''} in {show(path)}", None


def _escaped_spelling(draw: Draw, draft: Draft, space: CaseSpace, kinds: tuple[str, ...]) -> Built:
    found = [(p, v) for p, v in sites(draft.envelope) if isinstance(v, str) and v]
    path, value = _pick(draw, found, draft.envelope, "text")
    units = (value or "").encode("utf-16-be", "surrogatepass")
    escaped = "".join(f"\\u{int.from_bytes(units[i : i + 2], 'big'):04x}" for i in range(0, len(units), 2))
    body = _body(set_at(draft.envelope, path, RawJSON(f'"{escaped}"')))
    return body, f"escaped spelling {show(path)}", None


Family = Callable[[Draw, Draft, CaseSpace, tuple[str, ...]], Built]

FAMILIES: Mapping[str, tuple[Family, int]] = MappingProxyType(
    {
        "empty body": (_empty, 4),
        "non-object body": (_non_object, 4),
        "content-type": (_content_type, 4),
        "bom": (_bom, 4),
        "trailing data": (_trailing, 4),
        "duplicate key": (_duplicate_key, 4),
        "number spelling": (_number_spelling, 4),
        "non-finite number": (_non_finite, 4),
        "escaped spelling": (_escaped_spelling, 4),
        "escape-sensitive": (_escape_sensitive, 4),
        "lone surrogate": (_lone_surrogate, 4),
        "invalid utf-8": (_invalid_utf8, 4),
        "deep nesting": (_deep, 4),
        "body size": (_body_size, 1),
    }
)
"""Family name -> (builder, weight). Order is shrinking order: earlier families are preferred."""
