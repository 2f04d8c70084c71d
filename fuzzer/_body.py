"""Bodies as JSON trees, exactly: `parse` reads a body into a value whose encoding gives the same bytes back.

A body holds one JSON value, perhaps with a prefix (whitespace, a BOM) before it and trailing data after it. The
value is parsed with hooks that keep spellings Python would write differently as `RawJSON` tokens (`-0`, `1E2`,
`1.10`, `1e400`, `NaN`); a lone surrogate from a `\\udXXX` escape stays a lone surrogate and is written back as an
escape. A duplicate key, invalid UTF-8 or a nest too deep make `parse` give None.

`Parsed.framed`: the body is exactly prefix + the value's encoding + suffix; it is not, for example, with other
whitespace or an escape written otherwise than `encode_json` writes it (`\\u0041`, `\\uD800`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from fuzzer._model import JSON, RawJSON
from strategies import encode_json

_LEADING = " \t\r\n\ufeff"


def _object(pairs: list[tuple[str, JSON]]) -> dict[str, JSON]:
    value = dict(pairs)
    if len(value) != len(pairs):
        raise ValueError("duplicate key")  # a dict cannot hold the body: it is reduced as bytes
    return value


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
    when the body is exactly `prefix + encode_json(value) + suffix`; `exact` when it is the value's encoding."""

    value: JSON
    prefix: bytes
    suffix: bytes
    framed: bool

    @property
    def exact(self) -> bool:
        return self.framed and not self.prefix and not self.suffix

    def encode(self, value: JSON) -> bytes | None:
        """The compact encoding of `value` (a variant of this body's value), None when it has none."""
        return _encode(value)

    def body(self, value: JSON) -> bytes | None:
        """A body holding `value` in this body's frame."""
        encoded = self.encode(value)
        return None if encoded is None else self.prefix + encoded + self.suffix


def parse(body: bytes) -> Parsed | None:
    """The JSON value at the start of `body`, or None: not UTF-8, no value, a duplicate key, too deep."""
    try:
        text = body.decode("utf-8")
        start = len(text) - len(text.lstrip(_LEADING))
        value, end = _DECODER.raw_decode(text, start)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None
    encoded = _encode(value)
    if encoded is None:
        return None
    prefix, suffix = text[:start].encode(), text[end:].encode()
    framed = len(prefix) + len(encoded) + len(suffix) == len(body) and body[len(prefix) :].startswith(encoded)
    return Parsed(value, prefix, suffix, framed)


def _encode(value: JSON) -> bytes | None:
    try:
        return encode_json(value)
    except (ValueError, TypeError, RecursionError):
        return None
