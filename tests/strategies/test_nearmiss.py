"""Near-misses: one part of a grammar's value broken, for the contract's operation and for a schema's pattern."""

from __future__ import annotations

import json
import re
import time

import pytest
from contract_oracle import judge, parse_operation
from drawing import draw_many
from hypothesis import HealthCheck, find, settings

from strategies import CaseSpace, KindSpec, cases, default_space
from strategies._formats import contract_formats, split_operation
from strategies._nearmiss import WITNESS_LIMIT, Grammars, operation_near_misses, pattern_grammar

SPACE = default_space()
OPERATIONS: tuple[str, ...] = contract_formats(SPACE.roster)["parity-operation"]  # type: ignore[assignment]
MALFORMED = ("Schema", "operation", "malformed operation")
FIND = settings(database=None, max_examples=3000, derandomize=True, suppress_health_check=list(HealthCheck))


def go_rejection(operation: str) -> str | None:
    """Which return of ParseOperation and parseCount (targets/go/validate.go) rejects `operation`; None when it
    is accepted. A model of the Go code's branches, to check that the near-misses reach each of them."""
    if not operation.startswith("fill: "):
        return "no prefix"
    rest = operation[len("fill: ") :]
    i = rest.rfind(" in ")
    if i < 0:
        return 'no " in "'
    head, place = rest[:i], rest[i + len(" in ") :]
    j = head.rfind(" x")
    if j < 0:
        return 'no " x"'
    role, digits = head[:j], head[j + len(" x") :]
    if not role or not place:
        return "empty role or place"
    if not digits:
        return "empty count"
    if any(not "0" <= c <= "9" for c in digits):
        return "not ASCII digits"
    return "out of range" if not 1 <= int(digits) <= 2**31 - 1 else None


def part_spans(operation: str) -> list[tuple[int, int]]:
    """Where `fill:`, ` `, role, ` x`, count, ` in ` and place stand in a valid operation."""
    parts = split_operation(operation)
    assert parts is not None, operation
    role, digits, place = parts
    spans, at = [], 0
    for part in ("fill:", " ", role, " x", digits, " in ", place):
        spans.append((at, at + len(part)))
        at += len(part)
    assert at == len(operation)
    return spans


def changed(original: str, new: str) -> tuple[int, int]:
    """The span of `original` that differs from `new` (what is left after their common prefix and suffix)."""
    prefix = 0
    while prefix < min(len(original), len(new)) and original[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(original), len(new)) - prefix and original[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    return prefix, len(original) - suffix


def test_every_near_miss_of_a_valid_operation_fails_the_grammar_in_one_part() -> None:
    assert len(OPERATIONS) > 1000
    for operation in OPERATIONS:
        spans = part_spans(operation)
        near = operation_near_misses(operation)
        assert len(near) >= 20, operation
        assert len({miss.text for miss in near}) == len(near)
        for miss in near:
            assert parse_operation(miss.text) is None, (operation, miss)
            start, end = changed(operation, miss.text)
            assert any(low <= start and end <= high for low, high in spans), (operation, miss)
            assert len(miss.text) - len(operation) <= 20, miss


def test_near_misses_reach_every_way_the_go_parser_rejects_an_operation() -> None:
    for operation in ("fill: Welder x1 in Toledo", "fill: Forklift Operator x2147483647 in Toledo, OH"):
        reached = {go_rejection(miss.text) for miss in operation_near_misses(operation)}
        assert reached == {
            "no prefix",
            'no " in "',
            'no " x"',
            "empty role or place",
            "empty count",
            "not ASCII digits",
            "out of range",
        }


def test_near_misses_are_labelled_by_what_was_broken() -> None:
    near = {miss.what: miss.text for miss in operation_near_misses("fill: Welder x3 in Toledo")}
    assert near['no space after "fill:"'] == "fill:Welder x3 in Toledo"
    assert near['no " in "'] == "fill: Welder x3Toledo"
    assert near["empty role"] == "fill:  x3 in Toledo"
    assert near['lone "x": no count'] == "fill: Welder x in Toledo"
    assert near["count 2147483648, one past 2^31-1"] == "fill: Welder x2147483648 in Toledo"
    assert near["count in Arabic-Indic digits"] == "fill: Welder x٣ in Toledo"
    assert next(iter(near)) == "count 0"  # simplest first


def test_an_operation_outside_the_grammar_has_no_near_misses() -> None:
    assert operation_near_misses("fill: Welder x0 in Toledo") == ()
    assert operation_near_misses("") == ()


def test_near_miss_operations_come_in_otherwise_valid_cases() -> None:
    drawn = draw_many(cases(SPACE), 3000)
    alone = [case for case in drawn if case.label.startswith("mutated playbook: near-miss ") and ";" not in case.label]
    assert len(alone) >= 0.015 * len(drawn), len(alone)
    errors = set()
    for case in alone:
        assert case.label.startswith("mutated playbook: near-miss artifact.operation: ")
        error = judge(json.loads(case.request.body), SPACE.roster)
        assert error in (MALFORMED, ("Policy", "operation", "unsupported operation"))
        errors.add(error)
    assert MALFORMED in errors


def test_fill_mutations_are_unchanged_by_near_misses() -> None:
    """No fill site follows a grammar: its mutations are drawn from the same table as before near-misses."""
    assert not Grammars(SPACE.kinds).of("fill")
    assert Grammars(SPACE.kinds).of("playbook").at(("artifact", "operation")) is not None
    drawn = draw_many(cases(SPACE, ["mutated"]), 300)
    assert not any("near-miss" in case.label for case in drawn if case.kind == "fill")


def test_a_near_miss_shrinks_to_the_simplest_case_that_shows_it() -> None:
    def count_zero(case: object) -> bool:
        artifact = json.loads(case.request.body).get("artifact")  # type: ignore[attr-defined]
        operation = artifact.get("operation") if isinstance(artifact, dict) else None
        return isinstance(operation, str) and re.fullmatch(r"fill: \S.* x0 in \S.*", operation) is not None

    minimal = find(cases(SPACE, ["mutated"]), count_zero, settings=FIND)
    assert minimal.label == "mutated playbook: near-miss artifact.operation: count 0"
    assert minimal.request.body == (
        b'{"kind":"playbook","artifact":{"operation":"fill: Welder x0 in Toledo",'
        b'"endorsed_names":["Ada Brooks"],"fingerprint":"0"}}'
    )


PATTERNS = (
    r"^[A-Z]{2}-\d{3,5}$",
    r"^C-[1-9][0-9]*$",
    r"^(?:\+|00)[0-9]{6,12}$",
    r"^[a-z]+(?:\.[a-z]+)*@[a-z]+\.(?:com|org)$",
    r"\d{3}",
    r"^[^,]+, [A-Z]{2}$",
    r"^v\d+\.\d+\.\d+(-[a-z0-9]+)?$",
    r"^.{2,4}$",
    r"^\w+$",
    r"^fill: .+ x[0-9]+ in .+$",
)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_pattern_near_misses_do_not_match_where_the_witness_does(pattern: str) -> None:
    grammar = pattern_grammar(pattern)
    assert grammar is not None
    ascii_classes = re.compile(pattern, re.ASCII)  # \d and \w as ECMA-262 reads them
    assert ascii_classes.search(grammar.witness)
    assert len(grammar.witness) <= WITNESS_LIMIT
    assert grammar.near_misses
    for miss in grammar.near_misses:
        assert ascii_classes.search(miss.text) is None, miss
        assert miss.text != grammar.witness
        assert f"in {json.dumps(grammar.witness, ensure_ascii=False)}: " in miss.what


def test_pattern_near_misses_break_one_node_each() -> None:
    grammar = pattern_grammar(r"^[A-Z]{2}-\d{3,5}$")
    assert grammar is not None and grammar.witness == "AA-000"
    assert [miss.text for miss in grammar.near_misses] == [
        "-000",  # empty [A-Z]{2}
        "AA-",  # empty \d{3,5}
        "AA000",  # no "-"
        "A-000",  # one too few for [A-Z]{2}
        "AAA-000",  # one too many for [A-Z]{2}
        "AA-00",  # one too few for \d{3,5}
        "AA-000000",  # one too many for \d{3,5}
        "0A-000",  # "0" for [A-Z]
        "AA-a00",  # "a" for \d
        "AA-+000",  # leading "+" before \d
        "AA--000",  # leading "-" before \d
        "AA-٠00",  # Arabic-Indic digit for \d
        "AA-０00",  # fullwidth digit for \d
    ]
    assert grammar.near_misses[2].what == 'no "-" in "AA-000": "AA000"'


@pytest.mark.parametrize(
    "pattern",
    [r"^(a)\1$", r"^a{100}$", r"^\p{L}+$", "(?i)^abc$", r"^(?=b)a$", "["],
    ids=["back-reference", "too long", "not Python syntax", "no near-miss", "look-ahead", "not a pattern"],
)
def test_a_pattern_without_a_witness_gets_no_grammar(pattern: str) -> None:
    assert pattern_grammar(pattern) is None


def test_nested_repetitions_are_matched_quickly() -> None:
    started = time.perf_counter()
    for pattern in (r"^(a+)+$", r"^(a|a)*b$", r"^(\w+\s?)*$", r"^((ab)*)+c$"):
        pattern_grammar(pattern)
    assert time.perf_counter() - started < 1.0


CODE = r"^[A-Z]{2}-\d{3}$"
PATTERNED = CaseSpace(
    kinds=(
        KindSpec(
            "widget",
            {
                "type": "object",
                "required": ["code", "tags"],
                "properties": {
                    "code": {"type": "string", "pattern": CODE},
                    "tags": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": "^t[0-9]$"}},
                },
            },
            None,
            False,
        ),
    )
)


def test_a_schema_pattern_governs_its_sites_array_items_included() -> None:
    sites = Grammars(PATTERNED.kinds).of("widget")
    assert sites.at(("artifact", "code")) is not None
    assert sites.at(("artifact", "tags", 2)) is not None
    assert sites.at(("artifact", "tags")) is None
    assert sites.at(("kind",)) is None


def test_pattern_near_misses_reach_mutated_cases() -> None:
    drawn = draw_many(cases(PATTERNED, ["mutated"]), 600)
    seen = set()
    for case in drawn:
        for part in case.label.split(": ", 1)[1].split("; "):
            if part.startswith("near-miss "):
                path = part.removeprefix("near-miss ").split(":", 1)[0]
                seen.add(re.sub(r"\[\d+\]", "[]", path))
        if case.label.count("near-miss") == 1 and ";" not in case.label:
            artifact = json.loads(case.request.body)["artifact"]
            if "near-miss artifact.code" in case.label:
                assert re.search(CODE, artifact["code"], re.ASCII) is None
            else:
                assert not all(re.search("^t[0-9]$", tag, re.ASCII) for tag in artifact["tags"])
    assert seen == {"artifact.code", "artifact.tags[]"}
