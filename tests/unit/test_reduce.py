"""Reduce: requests shrink to what the judge needs, 1-minimal by `simplifications`, within the send budget."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fuzzer._model import JSON, WireRequest
from fuzzer._reduce import Reduction, reduce_request, simplifications
from strategies import encode_json

JSON_TYPE = (("content-type", "application/json"),)
NOT_JSON = object()
MIB = 1 << 20


def request(body: bytes | JSON, headers: tuple[tuple[str, str], ...] = JSON_TYPE) -> WireRequest:
    data = body if isinstance(body, bytes) else encode_json(body)
    return WireRequest("POST", "/v1/validate", headers, data)


def parsed(body: bytes) -> JSON:
    try:
        return json.loads(body)
    except ValueError:
        return NOT_JSON


@dataclass
class Recorder:
    """A judge over one predicate that remembers every batch it was given."""

    keeps: Callable[[WireRequest], bool]
    calls: list[list[WireRequest]] = field(default_factory=list)

    def __call__(self, candidates: Sequence[WireRequest]) -> list[bool]:
        self.calls.append(list(candidates))
        return [self.keeps(candidate) for candidate in candidates]

    @property
    def sent(self) -> int:
        return sum(len(call) for call in self.calls)


def reduced(original: WireRequest, keeps: Callable[[WireRequest], bool], **options: int) -> tuple[Reduction, Recorder]:
    judge = Recorder(keeps)
    result = reduce_request(original, judge, **options)
    assert result.sends == judge.sent
    assert keeps(result.request) or result.request == original
    return result, judge


def one_minimal(result: Reduction, keeps: Callable[[WireRequest], bool]) -> bool:
    return not any(keeps(candidate) for candidate in simplifications(result.request))


# ---------------------------------------------------------------- JSON trees


def test_an_unneeded_envelope_goes_at_the_top_level_in_few_sends() -> None:
    artifact = {"name": "x" * 300, "steps": [{"id": i, "run": f"echo {i}", "tags": ["a", "b"]} for i in range(50)]}
    original = request({"mode": "strict", "artifact": artifact})

    def keeps(candidate: WireRequest) -> bool:
        value = parsed(candidate.body)
        return isinstance(value, dict) and "kind" not in value

    result, _ = reduced(original, keeps)
    assert result.request.body == b"{}"
    assert result.minimal
    assert result.sends <= 4


def test_a_thousand_element_array_keeps_exactly_what_the_class_needs() -> None:
    original = request({"kind": "fill", "fills": [{"n": i, "at": "2024-01-01"} for i in range(1000)]})

    def keeps(candidate: WireRequest) -> bool:
        value = parsed(candidate.body)
        return isinstance(value, dict) and isinstance(value.get("fills"), list) and len(value["fills"]) >= 3

    result, _ = reduced(original, keeps)
    assert result.request.body == b'{"fills":[{},{},{}]}'
    assert result.minimal and one_minimal(result, keeps)
    assert result.sends < 50


def test_a_long_string_shrinks_to_the_one_character_the_class_needs() -> None:
    original = request({"text": "a" * 700 + "\x00" + "b" * 300, "n": 12})

    def keeps(candidate: WireRequest) -> bool:
        value = parsed(candidate.body)
        return isinstance(value, dict) and "\x00" in str(value.get("text"))

    result, _ = reduced(original, keeps)
    assert result.request.body == b'{"text":"\\u0000"}'
    assert result.minimal
    assert result.sends < 40


def test_integers_move_toward_zero_and_stop_where_the_class_needs_them() -> None:
    def keeps(candidate: WireRequest) -> bool:
        value = parsed(candidate.body)
        return isinstance(value, dict) and isinstance(value.get("n"), int) and value["n"] >= 1000

    result, _ = reduced(request({"n": 123_456_789, "m": -77, "f": 2.5}), keeps)
    value = json.loads(result.request.body)
    assert set(value) == {"n"} and 1000 <= value["n"] < 2000
    assert result.minimal


def test_raw_spellings_survive_when_the_class_needs_them() -> None:
    original = request(b'{"a":1e400,"b":-0,"c":2.0,"d":1E2,"e":"text","f":[1,2,3]}')

    def keeps(candidate: WireRequest) -> bool:
        return all(token in candidate.body for token in (b"1e400", b"-0", b"2.0", b"1E2"))

    result, judge = reduced(original, keeps)
    assert result.request.body == b'{"a":1e400,"b":-0,"c":2.0,"d":1E2}'
    assert result.minimal
    assert all(parsed(c.body) is not NOT_JSON for call in judge.calls for c in call), "reduced as a tree"


def test_raw_spellings_are_set_to_zero_when_the_class_does_not_need_them() -> None:
    result, _ = reduced(request(b"[1e400,NaN,1E2,-5]"), lambda c: parsed(c.body) is not NOT_JSON and c.body != b"[]")
    assert result.request.body == b"[0]"


def test_lone_surrogates_are_kept_as_their_escape() -> None:
    original = request({"text": "ab\ud800cd", "other": "x"})
    result, _ = reduced(original, lambda c: b"\\ud800" in c.body)
    assert result.request.body == b'{"text":"\\ud800"}'
    assert result.minimal


# ---------------------------------------------------------------- duplicate keys and invalid UTF-8 as trees


def wire(body: bytes) -> JSON:
    """The body's value as a server could read it: invalid UTF-8 as U+DC80..U+DCFF, each object as a tuple of its
    (key, value) members with duplicates kept; NOT_JSON when the body is not one JSON value."""
    try:
        return json.loads(body.decode("utf-8", "surrogateescape"), object_pairs_hook=tuple)
    except ValueError:
        return NOT_JSON


def members(value: JSON, key: str) -> list[JSON]:
    return [item for name, item in value if name == key] if isinstance(value, tuple) else []


def first_fill_last_playbook(candidate: WireRequest) -> bool:
    """The class of a duplicate `kind`: one runtime reads the first, the other the last."""
    kinds = members(wire(candidate.body), "kind")
    return len(kinds) >= 2 and kinds[0] == "fill" and kinds[-1] == "playbook"


def test_a_duplicate_key_the_class_needs_keeps_both_members_and_drops_the_rest() -> None:
    original = request(b'{"kind":"fill","kind":"playbook","a":[1,2],"b":"x"}')
    result, judge = reduced(original, first_fill_last_playbook)
    assert result.request.body == b'{"kind":"fill","kind":"playbook"}'
    assert result.minimal and one_minimal(result, first_fill_last_playbook)
    assert all(wire(c.body) is not NOT_JSON for call in judge.calls for c in call), "reduced as a tree"
    assert result.sends <= 40  # 161 as bytes


def test_a_nested_duplicate_key_is_reduced_as_a_tree_around_it() -> None:
    original = request(b'{"kind":"playbook","artifact":{"name":"n","steps":[1,2,3],"name":"m"},"context":{}}')

    def keeps(candidate: WireRequest) -> bool:
        artifact = members(wire(candidate.body), "artifact")
        return bool(artifact) and len(members(artifact[0], "name")) == 2

    result, _ = reduced(original, keeps)
    assert result.request.body == b'{"artifact":{"name":"","name":""}}'
    assert result.minimal and one_minimal(result, keeps)


def raw_ff_in_context(candidate: WireRequest) -> bool:
    context = members(wire(candidate.body), "context")
    return bool(context) and any(isinstance(text, str) and "\udcff" in text for _, text in context[0])


def test_an_invalid_byte_the_class_needs_is_kept_and_every_other_member_dropped() -> None:
    original = request(b'{"kind":"fill","artifact":{"fills":[{"candidate_id":"W-1"}]},"context":{"city":"\xff"}}')
    result, judge = reduced(original, raw_ff_in_context)
    assert result.request.body == b'{"context":{"city":"\xff"}}'
    assert result.minimal and one_minimal(result, raw_ff_in_context)
    assert all(wire(c.body) is not NOT_JSON for call in judge.calls for c in call), "reduced as a tree"
    assert result.sends <= 15  # 214 as bytes


def test_a_string_with_an_invalid_byte_shrinks_to_that_byte() -> None:
    original = request(b'{"name":"ab\xffcd","steps":[1,2,3]}')
    result, _ = reduced(original, lambda c: b"\xff" in c.body and wire(c.body) is not NOT_JSON)
    assert result.request.body == b'{"name":"\xff"}'
    assert result.minimal


def test_raw_bytes_and_surrogate_escapes_in_one_body_are_written_back_as_they_came() -> None:
    original = request(b'{"a":"x\xff\\ud800","\xc3k":["\\udfff",2],"b":"y"}')

    def keeps(candidate: WireRequest) -> bool:
        return all(part in candidate.body for part in (b"\xff", b"\\ud800", b"\xc3", b"\\udfff"))

    assert bodies(original)[1:4] == [
        b'{"\xc3k":["\\udfff",2],"b":"y"}',
        b'{"a":"x\xff\\ud800","b":"y"}',
        b'{"a":"x\xff\\ud800","\xc3k":["\\udfff",2]}',
    ], "each member dropped, the others written back as they came"
    result, judge = reduced(original, keeps)
    assert judge.calls[0] == [request(b"{}")], "exact: no compact spelling offered first"
    assert result.request.body == b'{"a":"\xff\\ud800","\xc3k":["\\udfff"]}'
    assert result.minimal and one_minimal(result, keeps)


def test_an_escape_that_would_read_as_a_raw_byte_beside_raw_bytes_makes_the_body_bytes() -> None:
    alone = request(b'{"a":"\\udcff","b":1}')  # U+DCFF from an escape: a tree, written back as the escape
    assert bodies(alone)[:3] == [b"{}", b'{"b":1}', b'{"a":"\\udcff"}']
    text = request(b'{"a":"\\\\udcff","b":"\xff"}')  # an escaped backslash, then text: a tree
    assert bodies(text)[:3] == [b"{}", b'{"b":"\xff"}', b'{"a":"\\\\udcff"}']

    body = b'{"a":"\\udcff","b":"\xff"}'  # U+DCFF would stand for the escape and for the raw byte
    half = len(body) // 2
    assert bodies(request(body))[:3] == [body[half:], body[:half], body[1:]], "byte steps"
    result, judge = reduced(request(body), lambda c: b"\\udcff" in c.body and b"\xff" in c.body)
    assert all(c.body.count(b"\xff") <= 1 for call in judge.calls for c in call), "the escape never became a byte"
    assert result.request.body == b"\\udcff\xff"
    assert result.minimal


# ---------------------------------------------------------------- bodies that are not exactly a tree


def test_a_body_with_whitespace_is_offered_compact_first() -> None:
    original = request(b'{ "kind" : "fill",\n  "n": [1, 2] }')
    result, judge = reduced(original, lambda c: isinstance(parsed(c.body), dict))
    assert judge.calls[0] == [request(b'{"kind":"fill","n":[1,2]}')]
    assert result.request.body == b"{}"
    assert result.minimal


def test_trailing_data_is_kept_around_a_reduced_tree() -> None:
    original = request(b'{"kind":"playbook","artifact":{"name":"n","steps":[1,2,3]}} x')

    def keeps(candidate: WireRequest) -> bool:
        return candidate.body.endswith(b" x") and isinstance(parsed(candidate.body[:-2]), dict)

    result, _ = reduced(original, keeps)
    assert result.request.body == b"{} x"
    assert result.minimal and one_minimal(result, keeps)
    assert result.sends < 30


def test_a_byte_order_mark_is_kept_when_needed() -> None:
    original = request(b'\xef\xbb\xbf{"kind":"playbook","artifact":{"steps":[1,2,3]}}')

    def keeps(candidate: WireRequest) -> bool:
        body = candidate.body
        return body.startswith(b"\xef\xbb\xbf") and isinstance(parsed(body[3:]), dict)

    result, _ = reduced(original, keeps)
    assert result.request.body == b"\xef\xbb\xbf{}"
    assert result.minimal


def test_a_padded_two_mib_body_shrinks_to_the_size_threshold_within_budget() -> None:
    original = request(b"{" + b" " * (2 * MIB) + b'"kind":"playbook","artifact":{}}')
    result, _ = reduced(original, lambda c: len(c.body) > MIB)
    assert MIB < len(result.request.body) <= MIB + 1024
    assert result.minimal
    assert result.sends <= 60


def test_a_deep_nest_the_class_needs_stops_at_the_budget() -> None:
    original = request(b"[" * 900 + b"]" * 900)
    result, _ = reduced(original, lambda c: c.body.count(b"[") >= 900)
    assert result.sends == 400 and not result.minimal
    assert result.request.body == original.body


def test_a_nest_too_deep_to_parse_is_reduced_as_bytes() -> None:
    original = request(b"[" * 20_000 + b"]" * 20_000)
    result, _ = reduced(original, lambda c: c.body.startswith(b"[[[["), budget=60)
    assert result.request.body == b"[[[["


# ---------------------------------------------------------------- headers and Content-Length


def test_headers_the_class_does_not_need_are_dropped() -> None:
    headers = (("x-trace", "1"), ("content-type", "application/json"), ("accept", "*/*"), ("x-b", "2"))
    original = request({"kind": "fill"}, headers)
    result, _ = reduced(original, lambda c: c.header("content-type") == "application/json")
    assert result.request.headers == (("content-type", "application/json"),)
    assert result.minimal


def test_a_matching_content_length_follows_the_body() -> None:
    headers = (("content-type", "text/plain"), ("Content-Length", "17"))
    original = request(b'{"n":"abcdefghi"}', headers)
    result, judge = reduced(original, lambda c: c.header("content-length") == str(len(c.body)))
    assert result.request == request(b"{}", (("Content-Length", "2"),))
    assert all(c.header("content-length") in (None, str(len(c.body))) for call in judge.calls for c in call)


def test_a_mismatched_content_length_is_written_as_it_was() -> None:
    original = request(b'{"n":"abcdefghi"}', (("content-length", "99"),))
    result, _ = reduced(original, lambda c: c.header("content-length") == "99")
    assert result.request == request(b"{}", (("content-length", "99"),))


# ---------------------------------------------------------------- budget, batches, determinism


def fills_at_least_three(candidate: WireRequest) -> bool:
    value = parsed(candidate.body)
    return isinstance(value, dict) and isinstance(value.get("fills"), list) and len(value["fills"]) >= 3


FILLS = request({"fills": [{"n": i} for i in range(1000)]})


@pytest.mark.parametrize("budget", [0, 1, 2, 7, 10, 25])
def test_the_budget_is_never_exceeded(budget: int) -> None:
    result, judge = reduced(FILLS, fills_at_least_three, budget=budget)
    assert judge.sent == result.sends == budget
    assert not result.minimal
    assert fills_at_least_three(result.request)


def test_a_request_with_nothing_to_simplify_is_minimal_without_sends() -> None:
    result, judge = reduced(request(b"", ()), lambda c: True, budget=0)
    assert result == Reduction(request(b"", ()), 0, 0, True)
    assert not judge.calls


@pytest.mark.parametrize("batch", [1, 3, 8])
def test_batches_grow_to_the_batch_size_while_nothing_is_kept(batch: int) -> None:
    original = request({f"k{i}": f"v{i}" for i in range(20)})
    result, judge = reduced(original, lambda c: c == original, batch=batch)
    assert max(len(call) for call in judge.calls) == batch
    assert result.request == original and result.minimal and result.steps == 0


def test_the_same_answers_give_the_same_reduction() -> None:
    def arbitrary(candidate: WireRequest) -> bool:  # no structure to exploit: a hash decides
        return hashlib.sha256(candidate.body).digest()[0] < 160

    original = request({"a": [1, 2, {"b": "text" * 10}], "c": {"d": None, "e": 17}, "f": "x" * 40})
    first, first_judge = reduced(original, arbitrary)
    second, second_judge = reduced(original, arbitrary)
    assert first == second
    assert first_judge.calls == second_judge.calls
    assert first.steps > 0


def test_a_judge_must_answer_each_candidate() -> None:
    with pytest.raises(ValueError, match="answer each"):
        reduce_request(request({"a": 1}), lambda candidates: [])
    with pytest.raises(ValueError, match="batch=0"):
        reduce_request(request({"a": 1}), lambda candidates: [], batch=0)


# ---------------------------------------------------------------- simplifications


def bodies(original: WireRequest) -> list[bytes]:
    return [candidate.body for candidate in simplifications(original) if candidate.headers == original.headers]


def test_simplifications_of_a_tree_cover_each_kind_top_level_first() -> None:
    original = request(b'{"a":[1,"xy"],"b":"z"}', (("x-a", "1"), ("x-b", "2")))
    assert bodies(original) == [
        b"{}",
        b'{"b":"z"}',
        b'{"a":[1,"xy"]}',
        b'{"a":[],"b":"z"}',
        b'{"a":["xy"],"b":"z"}',
        b'{"a":[1],"b":"z"}',
        b'{"a":[1,"xy"],"b":""}',
        b'{"a":[0,"xy"],"b":"z"}',
        b'{"a":[1,""],"b":"z"}',
        b'{"a":[1,"x"],"b":"z"}',
    ]
    dropped = [c.headers for c in simplifications(original) if c.headers != original.headers]
    assert dropped == [(("x-b", "2"),), (("x-a", "1"),)]
    assert all(candidate != original for candidate in simplifications(original))


def test_simplifications_of_a_duplicate_key_drop_each_member_and_reach_into_each_value() -> None:
    assert bodies(request(b'{"k":1,"k":"xy"}')) == [
        b"{}",
        b'{"k":"xy"}',
        b'{"k":1}',
        b'{"k":0,"k":"xy"}',
        b'{"k":1,"k":""}',
        b'{"k":1,"k":"x"}',
    ]


def test_simplifications_of_a_string_with_raw_bytes_count_each_byte_as_one_character() -> None:
    assert bodies(request(b'["a\xff\xfe"]')) == [b"[]", b'[""]', b'["a"]']
    assert bodies(request(b'{"\xff":"\xc3("}')) == [b"{}", b'{"\xff":""}', b'{"\xff":"\xc3"}']


def test_simplifications_zero_only_non_zero_numbers() -> None:
    assert bodies(request(b"[1e400,-0,0,0.0,true,null,NaN]"))[-2:] == [
        b"[0,-0,0,0.0,true,null,NaN]",
        b"[1e400,-0,0,0.0,true,null,0]",
    ]
    assert bodies(request(b'"a"')) == [b'""']


def test_simplifications_of_other_bodies_remove_halves_and_small_bodies_single_bytes() -> None:
    assert bodies(request(b"abcd", ())) == [b"cd", b"ab", b"bcd", b"acd", b"abd", b"abc"]
    assert bodies(request(b"{} x", ())) == [b" x", b"{}", b"} x", b"{ x", b"{}x", b"{} "]
    large = b"x" * 300
    assert bodies(request(large, ())) == [b"x" * 150]  # both halves are the same body
    assert bodies(request(b"", ())) == []


# ---------------------------------------------------------------- 1-minimal for monotone predicates

KEYS = "abk"
CHARS = "xy\x00\ud800"
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-50, 50) | st.text(CHARS, max_size=6),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(KEYS, max_size=2), inner, max_size=4),
    max_leaves=16,
)


@dataclass(frozen=True)
class Somewhere:
    """True when some node of the value passes `test`: monotone under every simplification."""

    name: str
    test: Callable[[JSON], bool] = field(repr=False)

    def __call__(self, value: JSON) -> bool:
        if self.test(value):
            return True
        if isinstance(value, dict):
            return any(self(item) for item in value.values())
        if isinstance(value, tuple):  # an object as `wire` reads it
            return any(self(item) for _, item in value)
        return isinstance(value, list) and any(self(item) for item in value)


def has_key(key: str) -> Somewhere:
    return Somewhere(f"key {key!r}", lambda v: key in v if isinstance(v, dict) else bool(members(v, key)))


has_duplicate_key = Somewhere("duplicate key", lambda v: isinstance(v, tuple) and len(dict(v)) < len(v))


def has_char(char: str) -> Somewhere:
    return Somewhere(f"string with {char!r}", lambda v: isinstance(v, str) and char in v)


def has_array(length: int) -> Somewhere:
    return Somewhere(f"array of {length}+", lambda v: isinstance(v, list) and len(v) >= length)


def has_integer(least: int) -> Somewhere:
    return Somewhere(f"integer >= {least}", lambda v: type(v) is int and v >= least)


PREDICATES = st.one_of(
    st.sampled_from(KEYS).map(has_key),
    st.sampled_from(CHARS).map(has_char),
    st.integers(1, 4).map(has_array),
    st.integers(1, 40).map(has_integer),
)


@settings(max_examples=80, derandomize=True, database=None, deadline=None)
@given(VALUES, PREDICATES)
def test_reductions_are_one_minimal_for_monotone_predicates(value: JSON, predicate: Somewhere) -> None:
    def keeps(candidate: WireRequest) -> bool:
        body = parsed(candidate.body)
        return body is not NOT_JSON and predicate(body)

    original = request(value)
    if not keeps(original):
        return
    result, _ = reduced(original, keeps)
    assert keeps(result.request)
    assert result.minimal
    assert one_minimal(result, keeps)
    assert result.sends <= 200


WIRE_TEXT = st.lists(st.sampled_from([b"x", b"\\u0000", b"\\ud800", b"\xff", b"\xc3"]), max_size=5).map(
    lambda parts: b'"' + b"".join(parts) + b'"'  # no continuation byte: removing characters never joins raw bytes
)
WIRE_VALUES = st.recursive(
    st.sampled_from([b"null", b"true", b"-3", b"0", b"17"]) | WIRE_TEXT,
    lambda inner: (
        st.lists(inner, max_size=4).map(lambda items: b"[" + b",".join(items) + b"]")
        | st.lists(st.tuples(st.sampled_from([b'"a"', b'"k"', b'"\xff"']), inner), max_size=4).map(
            lambda pairs: b"{" + b",".join(key + b":" + item for key, item in pairs) + b"}"
        )
    ),
    max_leaves=12,
)
WIRE_PREDICATES = st.one_of(
    st.just(has_duplicate_key),
    st.sampled_from(["a", "k", "\udcff"]).map(has_key),
    st.sampled_from("x\x00\ud800\udcff\udcc3").map(has_char),
    st.integers(1, 3).map(has_array),
    st.integers(1, 17).map(has_integer),
)


@settings(max_examples=150, derandomize=True, database=None, deadline=None)
@given(WIRE_VALUES, WIRE_PREDICATES)
def test_duplicate_keys_and_raw_bytes_reduce_as_trees_to_one_minimal(body: bytes, predicate: Somewhere) -> None:
    def keeps(candidate: WireRequest) -> bool:
        value = wire(candidate.body)
        return value is not NOT_JSON and predicate(value)

    original = request(body)
    if not keeps(original):
        return
    result, judge = reduced(original, keeps)
    assert result.minimal
    assert one_minimal(result, keeps)
    assert all(wire(c.body) is not NOT_JSON for call in judge.calls for c in call), "reduced as a tree"
    assert result.sends <= 200


# ---------------------------------------------------------------- the request target


def get(path: str) -> WireRequest:
    return WireRequest("GET", path, (), b"")


def test_query_pairs_the_class_does_not_need_go() -> None:
    original = get("/v1/workers?city=Akron&role=a&role=b&limit=1;x=1&offset=0")
    result, _ = reduced(original, lambda candidate: "limit=1;x=1" in candidate.path)
    assert result.request.path == "/v1/workers?limit=1;x=1"
    assert result.minimal


def test_a_query_the_class_does_not_need_goes_whole() -> None:
    result, _ = reduced(get("/v1/workers?city=Akron&limit=2"), lambda candidate: candidate.path.startswith("/v1/"))
    assert result.request.path == "/v1/workers"


def test_stacked_slashes_collapse_to_the_one_the_class_needs() -> None:
    result, _ = reduced(get("/v1/workers//?limit=1"), lambda candidate: candidate.path.split("?")[0].endswith("/"))
    assert result.request.path == "/v1/workers/"
    assert result.minimal


def test_named_segments_are_never_dropped() -> None:
    steps = {candidate.path for candidate in simplifications(get("/v1/workers/W-1/"))}
    assert steps == {"/v1/workers/W-1"}
