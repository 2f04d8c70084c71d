"""Mutated cases: one to three typed mutations, each named in the label, shrinking to one."""

from __future__ import annotations

import re

from drawing import draw_many
from hypothesis import find, settings

from strategies import cases, default_space
from strategies._mutated import BOUNDARY_INTEGERS

SPACE = default_space()
MUTATIONS = ("drop", "null", "extra", "retype", "int", "string", "near-miss", "array", "key-case")
LABEL = re.compile(r"mutated (playbook|fill): (.+)")


def parts(label: str) -> list[str]:
    match = LABEL.fullmatch(label)
    assert match, label
    return match.group(2).split("; ")


def test_labels_name_their_mutations() -> None:
    drawn = draw_many(cases(SPACE, ["mutated"]), 600)
    seen = set()
    for case in drawn:
        names = [part.split(" ")[0] for part in parts(case.label)]
        assert 1 <= len(names) <= 3, case.label
        assert set(names) <= set(MUTATIONS), case.label
        seen |= set(names)
    assert seen == set(MUTATIONS)


def test_mutations_change_the_body() -> None:
    valid = {case.request.body for case in draw_many(cases(SPACE, ["valid"]), 200)}
    mutated = draw_many(cases(SPACE, ["mutated"]), 200)
    assert sum(case.request.body not in valid for case in mutated) >= 0.9 * len(mutated)


def test_boundary_integers_are_written_as_spelled() -> None:
    drawn = draw_many(cases(SPACE, ["mutated"]), 600)
    ints = [case for case in drawn if len(parts(case.label)) == 1 and case.label.split(": ")[1].startswith("int ")]
    assert ints
    for case in ints:
        path, spelled = case.label.split(": ", 1)[1].removeprefix("int ").split(" = ")
        assert f'"{path.rsplit(".", 1)[-1]}":{spelled}'.encode() in case.request.body
    assert {str(v) if isinstance(v, int) else v.text for v in BOUNDARY_INTEGERS} >= {"-0", "1e400", "2.0"}


def test_key_case_variants_reach_the_envelope() -> None:
    drawn = draw_many(cases(SPACE, ["mutated"]), 600)
    labels = [p for case in drawn for p in parts(case.label) if p.startswith("key-case ")]
    assert any(re.match(r"key-case (kind|artifact|context) ", label) for label in labels)
    assert any(".fills[" in label for label in labels)


def test_shrinks_to_a_single_simple_mutation() -> None:
    minimal = find(
        cases(SPACE, ["mutated"]),
        lambda case: b"null" in case.request.body,
        settings=settings(
            database=None, max_examples=2000, derandomize=True
        ),  # a test, not a search: the same run each time
    )
    assert minimal.label == "mutated playbook: null kind"
