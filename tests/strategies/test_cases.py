"""`cases`: every mode draws well-formed cases; valid cases follow the schemas and the contract."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from contract_oracle import judge_body
from drawing import draw_many
from hypothesis import find, settings

from fuzzer._model import Case
from strategies import MODES, CaseSpace, KindSpec, cases, default_space, load_schema

SPACE = default_space()
SCHEMAS = Path(__file__).parents[2] / "strategies" / "schemas"


def validator(name: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(load_schema(SCHEMAS / name))


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_draws_well_formed_cases(mode: str) -> None:
    for case in draw_many(cases(SPACE, [mode]), 150):
        assert isinstance(case, Case)
        assert case.mode == mode
        assert case.kind in ("playbook", "fill")
        assert case.label and case.label.startswith(mode)
        assert case.request.method == "POST"
        assert case.request.path == "/v1/validate"
        assert isinstance(case.request.body, bytes)
        assert isinstance(case.request.headers, tuple)


def test_valid_cases_follow_the_schemas_and_the_contract() -> None:
    drawn = draw_many(cases(SPACE, ["valid"]), 300)
    assert len(drawn) >= 250
    envelope, context = validator("envelope.json"), validator("fill_context.json")
    artifacts = {"playbook": validator("playbook.json"), "fill": validator("fill.json")}
    accepted = 0
    for case in drawn:
        body = json.loads(case.request.body)
        envelope.validate(body)
        artifacts[case.kind].validate(body["artifact"])
        if case.kind == "fill":
            context.validate(body["context"])
        assert case.label == f"valid {case.kind}"
        assert (case.artifact, case.context) == (body["artifact"], body.get("context"))
        assert case.request.header("content-type") == "application/json"
        accepted += judge_body(case.request.body, SPACE.roster) is None
    assert accepted >= 0.9 * len(drawn)
    assert {case.kind for case in drawn} == {"playbook", "fill"}


def test_modes_combine_in_shrinking_order_whatever_order_given() -> None:
    minimal = find(
        cases(SPACE, ["adversarial", "valid"]), lambda case: True, settings=settings(database=None, derandomize=True)
    )
    assert minimal.mode == "valid"
    assert minimal.request.body == (
        b'{"kind":"playbook","artifact":{"operation":"fill: Welder x1 in Toledo",'
        b'"endorsed_names":["Ada Brooks"],"fingerprint":"0"}}'
    )


def test_modes_seen_together() -> None:
    assert {case.mode for case in draw_many(cases(SPACE), 300)} == set(MODES)


@pytest.mark.parametrize("modes", [["bogus"], ["valid", "bogus"]])
def test_unknown_mode_is_named(modes: list[str]) -> None:
    with pytest.raises(ValueError, match="bogus") as info:
        cases(SPACE, modes)
    assert "valid, mutated, adversarial" in str(info.value)


@pytest.mark.parametrize("modes", ["valid", []])
def test_modes_must_be_a_non_empty_sequence(modes: object) -> None:
    with pytest.raises(ValueError, match="modes"):
        cases(SPACE, modes)  # type: ignore[arg-type]


def test_space_is_checked() -> None:
    with pytest.raises(ValueError, match="kinds is empty"):
        cases(CaseSpace(kinds=()))
    spec = SPACE.kinds[0]
    with pytest.raises(ValueError, match="distinct"):
        cases(CaseSpace(kinds=(spec, spec)))


def test_a_kind_without_contract_knowledge_gets_its_schema() -> None:
    schema = {
        "type": "object",
        "required": ["n", "tags"],
        "properties": {"n": {"type": "integer", "minimum": 5}, "tags": {"type": "array", "items": {"type": "string"}}},
    }
    space = CaseSpace(kinds=(KindSpec("widget", schema, {"type": "object"}, True),))
    for case in draw_many(cases(space), 100):
        assert case.kind == "widget"
        if case.mode == "valid":
            assert case.label == "valid widget"
            jsonschema.validate(json.loads(case.request.body)["artifact"], schema)


def test_without_a_roster_cases_are_still_drawn() -> None:
    space = CaseSpace(kinds=SPACE.kinds, roster=None)
    assert len(draw_many(cases(space), 100)) >= 50


def test_default_space() -> None:
    assert [spec.name for spec in SPACE.kinds] == ["playbook", "fill"]
    assert SPACE.kinds[1].context_required and SPACE.kinds[0].context_schema is None
    assert SPACE.roster is not None and SPACE.roster.worker("W-1").name == "Ada Brooks"
    assert [spec.name for spec in default_space(kinds=["fill"]).kinds] == ["fill"]
    with pytest.raises(ValueError, match="unknown kind 'widget'"):
        default_space(kinds=["widget"])


def test_a_given_roster_path_must_be_readable(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        default_space(roster_path=tmp_path / "missing.json")
