"""Compare: lifting, ignored paths, adapters, and the level of a divergence."""

from __future__ import annotations

import copy

from fuzzer._compare import ComparePolicy, diff_json, join_pointer, remove_paths, split_pointer
from fuzzer._model import Difference, DiffKind, Level, Outcome

from .builders import SERDE, compared, failed, go_error, ok, rust_error


def kinds(differences: list[Difference]) -> list[tuple[str, DiffKind]]:
    return [(d.path, d.kind) for d in differences]


# ---------------------------------------------------------------- JSON differences


def test_missing_and_extra_keys() -> None:
    assert kinds(diff_json({"a": 1, "b": 2}, {"b": 2, "c": 3})) == [("/a", DiffKind.MISSING), ("/c", DiffKind.EXTRA)]


def test_missing_and_extra_keep_the_present_side_only() -> None:
    missing, extra = diff_json({"a": "x"}, {"b": "y"})
    assert (missing.left, missing.right) == ('"x"', "")
    assert (extra.left, extra.right) == ("", '"y"')


def test_type_difference_names_both_types() -> None:
    (difference,) = diff_json({"a": [1]}, {"a": {"0": 1}})
    assert (difference.path, difference.kind, difference.detail) == ("/a", DiffKind.TYPE, "array vs object")


def test_bool_and_int_are_different_types() -> None:
    (difference,) = diff_json({"valid": True}, {"valid": 1})
    assert difference.kind is DiffKind.TYPE
    assert difference.detail == "boolean vs number"


def test_one_and_one_point_zero_are_equal() -> None:
    assert diff_json({"n": 1}, {"n": 1.0}) == []


def test_value_difference() -> None:
    (difference,) = diff_json({"reason": "missing"}, {"reason": "empty"})
    assert (difference.kind, difference.left, difference.right) == (DiffKind.VALUE, '"missing"', '"empty"')


def test_size_difference_and_the_shared_prefix_is_still_compared() -> None:
    assert kinds(diff_json([1, 2, 3], [1, 9])) == [("", DiffKind.SIZE), ("/1", DiffKind.VALUE)]


def test_pointer_escapes_tilde_and_slash() -> None:
    (difference,) = diff_json({"a/b": {"m~n": 1}}, {"a/b": {"m~n": 2}})
    assert difference.path == "/a~1b/m~0n"


def test_split_and_join_pointer_are_inverse() -> None:
    parts = ["a/b", "m~n", "~1", "0"]
    assert join_pointer(parts) == "/a~1b/m~0n/~01/0"
    assert split_pointer(join_pointer(parts)) == parts


def test_pattern_replaces_array_indexes_with_a_wildcard() -> None:
    (difference,) = diff_json({"fills": [{}, {"name": "A"}]}, {"fills": [{}, {"name": "B"}]})
    assert difference.path == "/fills/1/name"
    assert difference.pattern == "/fills/*/name"


# ---------------------------------------------------------------- ignored paths


def test_remove_paths_with_a_wildcard_over_an_array() -> None:
    value = {"items": [{"id": 1, "keep": "a"}, {"id": 2, "keep": "b"}]}
    assert remove_paths(value, ("/items/*/id",)) == {"items": [{"keep": "a"}, {"keep": "b"}]}


def test_remove_paths_with_a_wildcard_over_object_keys() -> None:
    value = {"a": {"t": 1, "u": 2}, "b": {"t": 3}, "c": 4}
    assert remove_paths(value, ("/*/t",)) == {"a": {"u": 2}, "b": {}, "c": 4}


def test_remove_paths_removes_every_array_element() -> None:
    assert remove_paths({"xs": [1, 2, 3, 4]}, ("/xs/*",)) == {"xs": []}


def test_remove_paths_nested_and_escaped() -> None:
    value = {"meta": {"trace/id": "t", "at": {"ms": 5, "keep": True}}}
    assert remove_paths(value, ("/meta/trace~1id", "/meta/at/ms")) == {"meta": {"at": {"keep": True}}}


def test_remove_paths_ignores_paths_that_are_absent() -> None:
    assert remove_paths({"a": [1]}, ("/b", "/a/5", "/a/0/x")) == {"a": [1]}


def test_remove_paths_does_not_mutate_its_input() -> None:
    value = {"items": [{"id": 1}, {"id": 2}], "elapsed_ms": 3}
    before = copy.deepcopy(value)
    remove_paths(value, ("/items/*/id", "/elapsed_ms"))
    assert value == before


# ---------------------------------------------------------------- compare()


def test_elapsed_ms_is_ignored_by_default() -> None:
    assert ComparePolicy().ignore == ("/elapsed_ms",)
    comparison = compared(ok(200, {"valid": True, "elapsed_ms": 0}), ok(200, {"valid": True, "elapsed_ms": 912}))
    assert comparison.agrees


def test_identical_answers_agree() -> None:
    comparison = compared(ok(200, {"valid": True}), ok(200, {"valid": True}))
    assert comparison.agrees
    assert comparison.differences == ()


def test_json_against_text_is_a_type_difference() -> None:
    comparison = compared(ok(400, {"error": "bad"}), ok(400, b"bad request\n", "application/json"))
    (difference,) = comparison.differences
    assert comparison.level is Level.SEMANTIC
    assert (difference.kind, difference.detail) == (DiffKind.TYPE, "object vs text")


def test_two_different_texts_are_a_bytes_difference() -> None:
    comparison = compared(ok(400, b"invalid kind", "text/plain"), ok(400, b"unknown kind", "text/plain"))
    (difference,) = comparison.differences
    assert comparison.level is Level.SEMANTIC
    assert difference.kind is DiffKind.BYTES
    assert (difference.left, difference.right) == ("invalid kind", "unknown kind")


def test_two_equal_texts_agree() -> None:
    assert compared(ok(400, b"nope", "text/plain"), ok(400, b"nope", "text/plain")).agrees


def test_truncated_bodies_are_compared_as_bytes() -> None:
    left = ok(200, b'{"a": 1, "b": [', truncated=True)
    right = ok(200, b'{"a": 2, "b": [', truncated=True)
    (difference,) = compared(left, right).differences
    assert difference.kind is DiffKind.BYTES


def test_a_truncated_body_is_not_lifted_even_when_it_parses() -> None:
    left = ok(200, {"a": 1}, truncated=True)
    right = ok(200, {"a": 1})
    (difference,) = compared(left, right).differences
    assert (difference.kind, difference.detail) == (DiffKind.TYPE, "text vs object")


def test_status_difference_is_the_status_level_and_keeps_body_differences() -> None:
    comparison = compared(ok(400, {"e": 1}), ok(422, {"e": 2}))
    assert comparison.level is Level.STATUS
    assert comparison.differences[0].kind is DiffKind.STATUS
    assert (comparison.differences[0].left, comparison.differences[0].right) == ("400", "422")
    assert [d.kind for d in comparison.differences[1:]] == [DiffKind.VALUE]


def test_one_side_timing_out_is_the_transport_level() -> None:
    comparison = compared(ok(200, {"valid": True}), failed(Outcome.TIMEOUT))
    (difference,) = comparison.differences
    assert comparison.level is Level.TRANSPORT
    assert (difference.kind, difference.left, difference.right) == (DiffKind.OUTCOME, "200", "timeout")


def test_different_transport_failures_are_the_transport_level() -> None:
    assert compared(failed(Outcome.TIMEOUT), failed(Outcome.RESET)).level is Level.TRANSPORT


def test_both_timing_out_agree() -> None:
    assert compared(failed(Outcome.TIMEOUT), failed(Outcome.TIMEOUT)).agrees


def test_content_type_difference_is_semantic() -> None:
    comparison = compared(ok(200, {"valid": True}, "application/json"), ok(200, {"valid": True}, "text/plain"))
    (difference,) = comparison.differences
    assert comparison.level is Level.SEMANTIC
    assert (difference.kind, difference.left, difference.right) == (
        DiffKind.CONTENT_TYPE,
        "application/json",
        "text/plain",
    )


def test_content_type_parameters_and_case_are_not_a_difference() -> None:
    left = ok(200, {"valid": True}, "application/json")
    right = ok(200, {"valid": True}, "Application/JSON; charset=utf-8")
    assert compared(left, right).agrees


# ---------------------------------------------------------------- adapters


def test_serde_and_go_error_shapes_are_a_wire_shape_difference() -> None:
    comparison = compared(
        rust_error("Schema", "fingerprint", "missing"), go_error("schema", "fingerprint", "missing"), SERDE
    )
    (difference,) = comparison.differences
    assert comparison.level is Level.WIRE_SHAPE
    assert (difference.kind, difference.path, difference.detail) == (DiffKind.SHAPE, "/error", "/error:serde-enum")


def test_without_the_adapter_the_error_shapes_are_semantic() -> None:
    comparison = compared(
        rust_error("Schema", "fingerprint", "missing"), go_error("schema", "fingerprint", "missing"), ComparePolicy()
    )
    assert comparison.level is Level.SEMANTIC


def test_a_different_field_under_the_adapter_is_semantic() -> None:
    comparison = compared(rust_error("Schema", "fingerprint", "missing"), go_error("schema", "operation", "missing"))
    (difference,) = comparison.differences
    assert comparison.level is Level.SEMANTIC
    assert (difference.path, difference.kind) == ("/error/field", DiffKind.VALUE)
    assert (difference.left, difference.right) == ('"fingerprint"', '"operation"')


def test_a_different_variant_under_the_adapter_is_semantic() -> None:
    comparison = compared(rust_error("Schema", "fills", "empty"), go_error("completeness", "fills", "empty"))
    (difference,) = comparison.differences
    assert comparison.level is Level.SEMANTIC
    assert (difference.path, difference.left, difference.right) == ("/error/kind", '"schema"', '"completeness"')


def test_key_paths_are_read_from_the_adapted_bodies() -> None:
    policy = ComparePolicy(adapters=SERDE.adapters, key_paths=("/error/kind", "/error/field"))
    comparison = compared(rust_error("Schema", "fills[2].name", "missing"), go_error("policy", "a", "x"), policy)
    assert [o.label for o in comparison.outcomes] == ["422 schema/fills[*].name", "422 policy/a"]


def test_every_comparison_reads_both_outcomes_even_when_the_runtimes_agree() -> None:
    policy = ComparePolicy(adapters=SERDE.adapters, key_paths=("/error/kind", "/error/field"))
    agreeing = compared(ok(200, {"valid": True}), ok(200, {"valid": True}), policy)
    text = compared(ok(400, b"Bad `x` at line 3", "text/plain"), ok(400, b"Bad `x` at line 3", "text/plain"), policy)
    assert agreeing.agrees and [o.label for o in agreeing.outcomes] == ["200", "200"]
    assert text.agrees and text.outcomes[0].form == "text" and text.outcomes[0].rule == "bad _ at line n"
