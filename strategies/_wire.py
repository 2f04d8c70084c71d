"""JSON to bytes, exactly: compact canonical encoding plus verbatim `RawJSON` tokens.

`encode_json` has `json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)` semantics,
encoded as UTF-8, with two additions a wire-level fuzzer needs:

- a `RawJSON` anywhere in the value is written verbatim. Its text is UTF-8 encoded; a character in
  U+DC80..U+DCFF stands for the raw byte 0x80..0xFF (Python's `surrogateescape` convention), so a token can
  carry invalid UTF-8, and any other lone surrogate is written as its (invalid) 3-byte UTF-8 form;
- a lone surrogate in an ordinary Python string is written as a `\\udXXX` escape, so the value still
  produces bytes.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable
from typing import Any

from fuzzer._model import JSON, RawJSON

_SURROGATE = re.compile("[\ud800-\udfff]")
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_NONCE = f"parity-raw-{secrets.token_hex(8)}-"
_PLACEHOLDER = re.compile(b'"\\\\u0000' + re.escape(_NONCE.encode()) + rb'(\d+)\\u0000"')


def encode_json(value: JSON) -> bytes:
    """The compact UTF-8 encoding of `value`, with `RawJSON` tokens written verbatim."""
    try:
        text = _ENCODER.encode(value)
    except TypeError:
        return _with_tokens(value)
    return _utf8(text)


def _with_tokens(value: JSON) -> bytes:
    """The C encoder writes each RawJSON as a placeholder string, which is then replaced by the token's bytes
    (one pass in C instead of a Python walk of the whole value). A placeholder holds a random nonce drawn once
    per process and NUL characters, which the encoder always escapes, so no string of the value can pass for
    one."""
    tokens: list[bytes] = []

    def placeholder(item: Any) -> str:
        if not isinstance(item, RawJSON):
            raise TypeError(f"Object of type {type(item).__name__} is not JSON serializable")
        tokens.append(_raw(item))
        return f"\x00{_NONCE}{len(tokens) - 1}\x00"

    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=placeholder)
    text = encoder.encode(value)  # TypeError for what JSON cannot hold (a key that is a tuple, a set, ...)
    return _PLACEHOLDER.sub(lambda match: tokens[int(match[1])], _utf8(text))


def raw_object(members: Iterable[tuple[str, JSON]]) -> RawJSON:
    """An object written member by member, in order: the only way to put a duplicate key on the wire."""
    parts = [b"{"]
    for index, (key, value) in enumerate(members):
        if index:
            parts.append(b",")
        parts += [encode_json(key), b":", encode_json(value)]
    parts.append(b"}")
    return RawJSON(b"".join(parts).decode("utf-8", "surrogateescape"))


def raw_bytes(data: bytes) -> RawJSON:
    """A token whose wire form is exactly `data` (which may be invalid UTF-8)."""
    return RawJSON(data.decode("utf-8", "surrogateescape"))


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text).encode("utf-8")


def _raw(token: RawJSON) -> bytes:
    try:
        return token.text.encode("utf-8")
    except UnicodeEncodeError:
        return b"".join(_raw_char(ch) for ch in token.text)


def _raw_char(ch: str) -> bytes:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:
        return bytes([code - 0xDC00])
    return ch.encode("utf-8", "surrogatepass")
