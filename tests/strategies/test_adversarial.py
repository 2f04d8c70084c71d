"""Adversarial cases: each family draws bodies that really have its defect, labelled with its name."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from drawing import draw_many

from fuzzer._model import Case
from strategies import cases, default_space
from strategies._adversarial import BOM, FAMILIES, MIB, adversarial_cases
from strategies._formats import contract_formats

SPACE = default_space()
FORMATS = contract_formats(SPACE.roster)


def not_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return True
    return False


def has_duplicate_key(body: bytes) -> bool:
    found = []

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        keys = [key for key, _ in items]
        found.append(len(keys) != len(set(keys)))
        return dict(items)

    json.loads(body, object_pairs_hook=pairs)
    return any(found)


def not_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def content_type_changed(case: Case) -> bool:
    return case.request.header("content-type") != "application/json"


ESCAPE_SENSITIVE_BYTES = (
    *(b"<", b">", b"&", "\u2028".encode(), "\u2029".encode()),
    *(b"\\u003c", b"\\u003e", b"\\u0026", b"\\u2028", b"\\u2029"),
)
CHECKS: dict[str, Callable[[Case], bool]] = {
    "empty body": lambda case: case.request.body.strip() == b"",
    "non-object body": lambda case: not isinstance(json.loads(case.request.body), dict),
    "content-type": content_type_changed,
    "bom": lambda case: case.request.body.startswith(BOM),
    "trailing data": lambda case: not_json(case.request.body) or case.request.body.endswith(b"\n"),
    "duplicate key": lambda case: has_duplicate_key(case.request.body),
    "number spelling": lambda case: any(
        s in case.request.body for s in (b":0", b".0", b"E0", b"e+0", b"e-1", b":-0", b"E2", b".5")
    ),
    "non-finite number": lambda case: any(s in case.request.body for s in (b"NaN", b"Infinity", b"nan", b"inf")),
    "escaped spelling": lambda case: (
        b"\\u" in case.request.body and json.loads(case.request.body)["artifact"] == case.artifact
    ),
    "escape-sensitive": lambda case: any(s in case.request.body for s in ESCAPE_SENSITIVE_BYTES),
    "lone surrogate": lambda case: (
        b"\\ud8" in case.request.body or b"\\udf" in case.request.body or b"\\ude" in case.request.body
    ),
    "invalid utf-8": lambda case: not_utf8(case.request.body),
    "deep nesting": lambda case: b"[" * 100 in case.request.body or b'{"a":' * 100 in case.request.body,
    "body size": lambda case: len(case.request.body) >= MIB,
}


def test_every_family_is_checked() -> None:
    assert set(CHECKS) == set(FAMILIES)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_family_draws_its_defect(family: str) -> None:
    drawn = draw_many(adversarial_cases(SPACE, FORMATS, [family]), 8 if family == "body size" else 40)
    assert drawn
    for case in drawn:
        assert case.mode == "adversarial"
        assert case.label.startswith(f"adversarial: {family}"), case.label
        assert isinstance(case.request.body, bytes)
        assert CHECKS[family](case), (case.label, case.request.body[:300])


def test_most_families_show_up_in_the_mix() -> None:
    labels = {case.label for case in draw_many(cases(SPACE, ["adversarial"]), 400)}
    seen = {family for family in FAMILIES if any(label.startswith(f"adversarial: {family}") for label in labels)}
    assert len(seen) >= len(FAMILIES) - 2, set(FAMILIES) - seen


def test_body_size_is_rare() -> None:
    drawn = draw_many(cases(SPACE, ["adversarial"]), 400)
    assert sum(len(case.request.body) >= MIB for case in drawn) <= 0.05 * len(drawn)


def test_the_structured_view_is_the_valid_draft() -> None:
    for case in draw_many(cases(SPACE, ["adversarial"]), 100):
        assert isinstance(case.artifact, dict)
        json.dumps(case.artifact)  # plain JSON, no RawJSON tokens


def test_unknown_family_is_named() -> None:
    with pytest.raises(ValueError, match="'nope'"):
        adversarial_cases(SPACE, FORMATS, ["nope"])
