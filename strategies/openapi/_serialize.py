"""Parameter values and form bodies on the wire, by their `style` and `explode` (OpenAPI 3.x, Parameter Object).

    path_segment("id", 5, "label", explode=False)                  -> ".5"
    query_pairs("color", ["blue", "black"], "form", explode=True)  -> [("color", "blue"), ("color", "black")]
    encode_query(pairs)                                            -> "color=blue&color=black"

| style          | primitive      | array (explode false / true)          | object (explode false / true)      |
|----------------|----------------|---------------------------------------|------------------------------------|
| simple         | `5`            | `3,4,5` / `3,4,5`                     | `R,100,G,200` / `R=100,G=200`      |
| label          | `.5`           | `.3,4,5` / `.3.4.5`                   | `.R,100,G,200` / `.R=100.G=200`    |
| matrix         | `;id=5`        | `;id=3,4,5` / `;id=3;id=4;id=5`       | `;id=R,100,G,200` / `;R=100;G=200` |
| form           | `id=5`         | `id=3,4,5` / `id=3&id=4&id=5`         | `id=R,100,G,200` / `R=100&G=200`   |
| spaceDelimited | (as form)      | `id=3%204%205` / (as form)            | `id=R%20100%20G%20200` / (as form) |
| pipeDelimited  | (as form)      | `id=3|4|5` / (as form)                | `id=R|100|G|200` / (as form)       |
| deepObject     | (as form)      | (as form)                             | `id[R]=100&id[G]=200`              |

A primitive is written as JSON spells it (`true`, `1.5`), a string as it is, null as the empty string, and a
nested array or object as its JSON text. Every value is percent-encoded (UTF-8) except the unreserved
characters; a query parameter with `allowReserved` keeps the reserved ones that do not end a query value
(`:/?[]@!$'()*,;`). A parameter with `content` is its value's JSON text. Query pairs are kept apart from their
encoding (`query_pairs`, then `encode_query`), so that the mutated mode can change them in between.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import quote

from fuzzer._model import JSON, RawJSON
from strategies._wire import encode_json

UNRESERVED = "-._~"
"""Besides letters and digits: the characters never percent-encoded (RFC 3986, section 2.3)."""
RESERVED_KEPT = ":/?[]@!$'()*,;"
"""The reserved characters `allowReserved` leaves as they are (`#`, `&`, `=` and `+` would end or change a
value, so they are encoded even then)."""

Pairs = list[tuple[str, str]]
"""Query (or form) pairs, each part already percent-encoded."""


def text_of(value: JSON) -> str:
    """A primitive as a parameter writes it; a nested array or object as its JSON text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, RawJSON):
        return value.text
    if isinstance(value, float | int):
        return json.dumps(value)
    return encode_json(value).decode("utf-8", "surrogateescape")


def encode(text: str, safe: str = "") -> str:
    """Percent-encoded UTF-8, keeping letters, digits, UNRESERVED and `safe`."""
    return quote(text, safe=UNRESERVED + safe, encoding="utf-8", errors="surrogatepass")


def _items(value: JSON, explode: bool, safe: str = "") -> list[str] | list[tuple[str, str]]:
    if isinstance(value, list):
        return [encode(text_of(item), safe) for item in value]
    return [(encode(str(key), safe), encode(text_of(item), safe)) for key, item in value.items()]


def _flat(value: dict[str, JSON], safe: str = "") -> list[str]:
    """`{"R": 100, "G": 200}` -> `["R", "100", "G", "200"]`, encoded."""
    return [part for key, item in value.items() for part in (encode(str(key), safe), encode(text_of(item), safe))]


def path_segment(name: str, value: JSON, style: str, explode: bool) -> str:
    """The text that replaces `{name}` in the path template."""
    if style == "simple":
        return simple(value, explode)
    if style == "label":
        if isinstance(value, list):
            return "." + ("." if explode else ",").join(_items(value, explode))  # type: ignore[arg-type]
        if isinstance(value, dict):
            if explode:
                return "." + ".".join(f"{k}={v}" for k, v in _items(value, explode))
            return "." + ",".join(_flat(value))
        return "." + encode(text_of(value))
    if style == "matrix":
        key = encode(name)
        if isinstance(value, list):
            items = _items(value, explode)
            if explode:
                return "".join(f";{key}={item}" for item in items) or f";{key}"
            return f";{key}=" + ",".join(items)  # type: ignore[arg-type]
        if isinstance(value, dict):
            if explode:
                return "".join(f";{k}={v}" for k, v in _items(value, explode))
            return f";{key}=" + ",".join(_flat(value))
        text = encode(text_of(value))
        return f";{key}={text}" if text else f";{key}"
    raise ValueError(f"style {style!r} is not a path style (simple, label, matrix)")


def simple(value: JSON, explode: bool, safe: str = "") -> str:
    """The `simple` style (path and header parameters)."""
    if isinstance(value, list):
        return ",".join(_items(value, explode, safe))  # type: ignore[arg-type]
    if isinstance(value, dict):
        if explode:
            return ",".join(f"{k}={v}" for k, v in _items(value, explode, safe))
        return ",".join(_flat(value, safe))
    return encode(text_of(value), safe)


def query_pairs(name: str, value: JSON, style: str, explode: bool, allow_reserved: bool = False) -> Pairs:
    """The encoded (key, value) pairs of one query parameter (or one property of a form body)."""
    safe = RESERVED_KEPT if allow_reserved else ""
    key = encode(name)
    if isinstance(value, dict):
        if style == "deepObject":
            return [(f"{key}[{k}]", v) for k, v in _items(value, True, safe)]  # type: ignore[misc]
        if explode:
            return list(_items(value, True, safe))  # type: ignore[arg-type]
        return [(key, _delimiter(style).join(_flat(value, safe)))]
    if isinstance(value, list):
        items = _items(value, explode, safe)
        if explode:
            return [(key, item) for item in items]  # type: ignore[misc]
        return [(key, _delimiter(style).join(items))]  # type: ignore[arg-type]
    return [(key, encode(text_of(value), safe))]


def _delimiter(style: str) -> str:
    return {"spaceDelimited": "%20", "pipeDelimited": "|"}.get(style, ",")


def encode_query(pairs: Sequence[tuple[str, str]]) -> str:
    """`k=v&k2=v2` from pairs already encoded (a pair whose value is None is a bare key)."""
    return "&".join(key if value is None else f"{key}={value}" for key, value in pairs)


def header_value(value: JSON, explode: bool) -> str:
    """A header parameter's value (`simple`). Headers are not percent-encoded, except the characters a header
    cannot carry (controls and anything outside visible ASCII, which valid values never hold)."""
    if isinstance(value, list | dict):
        return simple(value, explode, safe=_HEADER_SAFE)
    return encode(text_of(value), _HEADER_SAFE)


_HEADER_SAFE = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) not in "%")


def cookie_pairs(name: str, value: JSON, explode: bool) -> list[tuple[str, str]]:
    """The `name=value` pairs of a cookie parameter (`form`): an exploded array is one cookie per item, an
    exploded object one cookie per property."""
    safe = "!#$&'()*+-./:<=>?@[]^_`{|}~"
    key = encode(name, safe)
    if isinstance(value, list):
        items = [encode(text_of(item), safe) for item in value]
        return [(key, item) for item in items] if explode else [(key, ",".join(items))]
    if isinstance(value, dict):
        if explode:
            return [(encode(str(k), safe), encode(text_of(v), safe)) for k, v in value.items()]
        return [(key, ",".join(_flat(value, safe)))]
    return [(key, encode(text_of(value), safe))]


def cookie_header(pairs: Sequence[tuple[str, str]]) -> str:
    return "; ".join(f"{key}={value}" for key, value in pairs)


def form_pairs(value: JSON, encodings: dict[str, tuple[str | None, str, bool, bool]]) -> Pairs:
    """An `application/x-www-form-urlencoded` body's pairs: each property by its Encoding (content type, style,
    explode, allowReserved), by default `form` and exploded; a property with a JSON content type as JSON text."""
    if not isinstance(value, dict):
        return [("value", encode(text_of(value)))]
    pairs: Pairs = []
    for name, item in value.items():
        content_type, style, explode, allow_reserved = encodings.get(name, (None, "form", True, False))
        if content_type is not None and "json" in content_type:
            item = encode_json(item).decode("utf-8", "surrogateescape")
        pairs += query_pairs(name, item, style, explode, allow_reserved)
    return pairs
