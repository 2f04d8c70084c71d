"""Valid requests for every operation of the bundled document and of the loader's test documents: read back,
every parameter and body validates against its own schema, required parameters are there, and nothing
read-only is sent."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from fuzzer._model import Case
from strategies.openapi import compile_operations, load_openapi, operation_cases
from tests.openapi.requests import MISSING, parse, validator

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "strategies"))
from drawing import draw_many

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [
    ROOT / "targets" / "openapi.yaml",
    ROOT / "tests" / "openapi" / "specs" / "petshop-3.0.yaml",
    ROOT / "tests" / "openapi" / "specs" / "bookshelf-3.1.yaml",
]
OPERATIONS = [(document, operation.key) for document in DOCUMENTS for operation in load_openapi(document).operations]


def _read_only(value: object, schema: object) -> list[str]:
    if not isinstance(value, dict) or not isinstance(schema, dict):
        return []
    properties = schema.get("properties") or {}
    return [k for k in value if isinstance(properties.get(k), dict) and properties[k].get("readOnly")]


@pytest.mark.parametrize(("document", "key"), OPERATIONS, ids=[f"{d.stem}:{k}" for d, k in OPERATIONS])
def test_valid_requests_fit_the_document(document: Path, key: str) -> None:
    api = load_openapi(document)
    (plan,) = compile_operations(api, [key])
    cases: list[Case] = draw_many(operation_cases(api, [key], ["valid"]), 60)
    assert cases
    for case in cases:
        assert case.mode == "valid" and case.label.startswith(f"valid {key}")
        assert case.operation == f"{plan.operation.method} {plan.operation.path}"
        values, body = parse(plan, case.request)
        for item in plan.parameters:
            parameter = item.parameter
            if parameter.required:
                assert item.key in values, (case.request, parameter.name)
            if item.key in values:
                errors = list(validator(parameter.schema).iter_errors(values[item.key]))
                assert not errors, (parameter.name, values[item.key], case.request.path, errors[0].message)
        if plan.bodies:
            assert body is not MISSING, case.request
            media = case.request.header("content-type").split(";")[0]
            chosen = next(b for b in plan.bodies if b.content_type.split(";")[0] == media)
            errors = list(validator(chosen.body.schema).iter_errors(body))
            assert not errors, (body, errors[0].message)
            assert not _read_only(body, chosen.body.schema)
        else:
            assert not case.request.body


def test_every_media_type_is_sent() -> None:
    api = load_openapi(ROOT / "tests" / "openapi" / "specs" / "petshop-3.0.yaml")
    cases = draw_many(operation_cases(api, ["createPet"], ["valid"]), 80)
    assert {c.request.header("content-type") for c in cases} == {
        "application/json",
        "application/x-www-form-urlencoded",
    }


def test_examples_are_seeds() -> None:
    api = load_openapi(ROOT / "targets" / "openapi.yaml")
    examples = {repr(e) for e in api.operation("validateArtifact").bodies[0].examples}
    cases = draw_many(operation_cases(api, ["validateArtifact"], ["valid"]), 200)
    seeded = sum(repr(c.artifact) in examples for c in cases)
    assert 0.1 * len(cases) <= seeded <= 0.6 * len(cases)


def test_discriminator_branches_are_all_drawn() -> None:
    api = load_openapi(ROOT / "tests" / "openapi" / "specs" / "petshop-3.0.yaml")
    cases = draw_many(operation_cases(api, ["drawShape"], ["valid"]), 100)
    assert {c.artifact["shape"] for c in cases} >= {"round", "Square"}
    assert all(("radius" in c.artifact) <= (c.artifact["shape"] == "round") for c in cases)


def test_bad_arguments_are_refused() -> None:
    api = load_openapi(ROOT / "targets" / "openapi.yaml")
    with pytest.raises(ValueError, match="unknown mode 'fuzzy'"):
        operation_cases(api, modes=["fuzzy"])
    with pytest.raises(ValueError, match="no operation 'nope'"):
        operation_cases(api, ["nope"])
    with pytest.raises(ValueError, match="not the string"):
        operation_cases(api, "getWorker")  # type: ignore[arg-type]
