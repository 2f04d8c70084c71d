"""Bodies as JSON trees, exactly: `parse` reads a body into a value whose encoding gives the same bytes back.

A body holds one JSON value, perhaps with a prefix (whitespace, a BOM) before it and trailing data after it. The
value is parsed with hooks that keep what Python would otherwise change or lose:
- a spelling Python writes differently becomes a `RawJSON` token (`-0`, `1E2`, `1.10`, `1e400`, `NaN`);
- an object with a duplicate key becomes `Members`, its members in order (a dict keeps one per key), written
  back member by member with `raw_object`;
- invalid UTF-8 is decoded with `surrogateescape`: each byte 0x80..0xFF that is not part of a UTF-8 character
  becomes U+DC80..U+DCFF. A string (or key) holding such a character is written back as a `RawJSON` token, whose
  U+DC80..U+DCFF characters stand for the raw bytes (`raw_bytes`' convention);
- a lone surrogate from a `\\udXXX` escape stays a lone surrogate and is written back as an escape.

Escapes and raw bytes are decoded apart: raw bytes by `surrogateescape` before the JSON is parsed, escapes by the
parser. The two meet only in U+DC80..U+DCFF: in a value with invalid UTF-8 those characters stand for raw bytes,
so a value that also holds an escape `\\udc80`..`\\udcff` is not read at all (`parse` gives None: it is bytes).

`Parsed.framed`: the body is exactly prefix + the value's encoding + suffix; it is not, for example, with other
whitespace or an escape written otherwise than `encode_json` writes it (`\\u0041`, `\\uD800`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from fuzzer._model import JSON, RawJSON
from strategies import encode_json
from strategies._wire import raw_object

_LEADING = " \t\r\n\ufeff"
_RAW_BYTE = re.compile("[\udc80-\udcff]")
_OTHER_SURROGATE = re.compile("[\ud800-\udc7f\udd00-\udfff]")
_RAW_BYTE_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u[dD][cC][89a-fA-F][0-9a-fA-F]")
"""An escape `\\udc80`..`\\udcff`, not an escaped backslash followed by `udc80`."""


@dataclass(frozen=True, slots=True)
class Members:
    """An object with a duplicate key, which a dict cannot hold: its members, in order."""

    pairs: tuple[tuple[str, JSON], ...]


def _object(pairs: list[tuple[str, JSON]]) -> dict[str, JSON] | Members:
    value = dict(pairs)
    return value if len(value) == len(pairs) else Members(tuple(pairs))


def _int(text: str) -> JSON:
    try:
        value = int(text)
        return value if str(value) == text else RawJSON(text)  # `-0`
    except ValueError:  # more digits than Python converts
        return RawJSON(text)


def _float(text: str) -> JSON:
    value = float(text)
    return value if repr(value) == text else RawJSON(text)  # `1e2`, `1.10`, `1e400`


_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_int=_int, parse_float=_float, parse_constant=RawJSON)


@dataclass(frozen=True, slots=True)
class Parsed:
    """A body holding one JSON value: `prefix` (whitespace, BOM) and `suffix` (trailing data) around it. `framed`
    when the body is exactly `prefix + encoding + suffix`; `exact` when it is the value's encoding. `plain` when
    `encode_json` writes the value as it is; otherwise (a `Members` object or raw bytes inside) its strings with raw
    bytes and the objects that need it become tokens first. Values made from this one are written the same way."""

    value: JSON
    prefix: bytes
    suffix: bytes
    framed: bool
    plain: bool

    @property
    def exact(self) -> bool:
        return self.framed and not self.prefix and not self.suffix

    def encode(self, value: JSON) -> bytes | None:
        """The compact encoding of `value` (a variant of this body's value), None when it has none."""
        return _encode(value, plain=self.plain)

    def body(self, value: JSON) -> bytes | None:
        """A body holding `value` in this body's frame."""
        encoded = self.encode(value)
        return None if encoded is None else self.prefix + encoded + self.suffix


def parse(body: bytes) -> Parsed | None:
    """The JSON value at the start of `body`, or None: no value, a nest too deep, escapes that read as raw bytes."""
    try:
        text, raw = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, raw = body.decode("utf-8", "surrogateescape"), True
    try:
        start = len(text) - len(text.lstrip(_LEADING))
        value, end = _DECODER.raw_decode(text, start)
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        return None
    raw = raw and _RAW_BYTE.search(text, start, end) is not None  # raw bytes inside the value, not only after it
    if raw and _RAW_BYTE_ESCAPE.search(text, start, end):
        return None  # U+DC80..U+DCFF would stand for raw bytes and for escapes
    encoded = None if raw else _encode(value, plain=True)  # None as well with `Members` inside
    plain = encoded is not None
    if encoded is None and (encoded := _encode(value, plain=False)) is None:
        return None
    prefix, suffix = text[:start].encode(), text[end:].encode("utf-8", "surrogateescape")
    framed = len(prefix) + len(encoded) + len(suffix) == len(body) and body[len(prefix) :].startswith(encoded)
    return Parsed(value, prefix, suffix, framed, plain)


def _encode(value: JSON, *, plain: bool) -> bytes | None:
    try:
        return encode_json(value if plain else _tokens(value))
    except (ValueError, TypeError, RecursionError):
        return None


def _tokens(value: JSON) -> JSON:
    """`value` with what `encode_json` would not write as it came made tokens: each string holding raw bytes, and
    each `Members` object or object with such a key, written member by member."""
    if isinstance(value, str):
        return _string(value) if _RAW_BYTE.search(value) else value
    if isinstance(value, list):
        return [_tokens(item) for item in value]
    if isinstance(value, dict) and not any(_RAW_BYTE.search(key) for key in value):
        return {key: _tokens(item) for key, item in value.items()}
    if isinstance(value, dict | Members):  # `raw_object` writes each key with `encode_json`: it may be a token
        pairs = value.items() if isinstance(value, dict) else value.pairs
        return raw_object((_tokens(key), _tokens(item)) for key, item in pairs)
    return value


def _string(text: str) -> RawJSON:
    """A string holding raw bytes as a token: U+DC80..U+DCFF stay (the token writes them as the bytes), any other
    lone surrogate is escaped as `encode_json` escapes it."""
    spelled = json.dumps(text, ensure_ascii=False)
    return RawJSON(_OTHER_SURROGATE.sub(lambda match: f"\\u{ord(match[0]):04x}", spelled))


# ---------------------------------------------------------------- key case (fuzzer._readings)


def fold(key: str) -> str:
    """A key as a runtime that ignores key case sees it (`casefold` also maps the Kelvin sign and the long s,
    which Go's case folding matches to `k` and `s`)."""
    return key.casefold()


def keys_differing_in_case(body: bytes) -> bool:
    """Whether a JSON object body holds two top-level keys that are different but equal under `fold`."""
    try:
        pairs = json.loads(body, object_pairs_hook=lambda pairs: pairs)
    except (ValueError, RecursionError):
        return False
    if not isinstance(pairs, list) or not pairs or not isinstance(pairs[0], tuple):
        return False  # not an object (an array of arrays is a list of lists, never of tuples)
    keys = {key for key, _ in pairs}
    return len({fold(key) for key in keys}) < len(keys)
