"""`encode_json`: canonical compact encoding of plain values, RawJSON verbatim, bytes even for surrogates."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuzzer._model import RawJSON
from strategies import encode_json
from strategies._wire import raw_bytes, raw_object

PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, database=None, deadline=None)
@given(PLAIN)
def test_plain_values_round_trip_in_canonical_form(value: object) -> None:
    encoded = encode_json(value)
    assert encoded == json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
    assert json.loads(encoded) == value


@settings(max_examples=100, database=None, deadline=None)
@given(PLAIN)
def test_raw_tokens_inside_plain_values_change_nothing_else(value: object) -> None:
    assert encode_json([value, RawJSON("1")]) == encode_json([value, 1])


@pytest.mark.parametrize("text", ["-0", "1e2", "2.0", "1e400", "NaN", "-Infinity", "01", "[[[]]]"])
def test_raw_tokens_are_written_verbatim(text: str) -> None:
    assert encode_json({"n": RawJSON(text)}) == b'{"n":' + text.encode() + b"}"


def test_lone_surrogates_are_escaped() -> None:
    assert encode_json("a\ud800b") == b'"a\\ud800b"'
    assert encode_json({"k\udfff": [RawJSON("1"), "\ud83d"]}) == b'{"k\\udfff":[1,"\\ud83d"]}'


def test_raw_bytes_may_be_invalid_utf8() -> None:
    assert encode_json([raw_bytes(b'"\xff\xc0\xaf"')]) == b'["\xff\xc0\xaf"]'
    assert encode_json(RawJSON('"\ud800"')) == b'"\xed\xa0\x80"'


def test_raw_object_keeps_duplicate_keys_in_order() -> None:
    token = raw_object([("kind", "fill"), ("kind", "playbook"), ("n", RawJSON("-0"))])
    assert encode_json({"a": token}) == b'{"a":{"kind":"fill","kind":"playbook","n":-0}}'


def test_non_finite_floats_are_refused() -> None:
    with pytest.raises(ValueError):
        encode_json(float("nan"))
    with pytest.raises(ValueError):
        encode_json([RawJSON("1"), float("inf")])
