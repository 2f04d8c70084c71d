"""`targets/openapi.yaml`: a valid OpenAPI 3.1 document of the whole bundled contract, whose roster-bound schemas
follow `targets/roster.json` and whose examples follow its own schemas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

yaml = pytest.importorskip("yaml", reason="PyYAML reads the OpenAPI document")

TARGETS = Path(__file__).resolve().parents[2] / "targets"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return yaml.safe_load((TARGETS / "openapi.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def workers() -> list[dict[str, str]]:
    return json.loads((TARGETS / "roster.json").read_text(encoding="utf-8"))["workers"]


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def _validator(doc: dict[str, Any], *parts: str) -> Draft202012Validator:
    """A validator for the schema at `parts`, with `$ref`s resolved inside the document."""
    return Draft202012Validator({**doc, "$ref": _pointer(*parts)})


def test_the_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    validator = pytest.importorskip("openapi_spec_validator", reason="openapi-spec-validator checks the document")
    assert doc["openapi"].startswith("3.1.")
    validator.validate(doc)


def test_it_describes_every_operation_of_the_bundled_runtimes(doc: dict[str, Any]) -> None:
    operations = {
        (method.upper(), path): op
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }
    assert set(operations) == {
        ("GET", "/health"),
        ("POST", "/v1/validate"),
        ("GET", "/v1/workers/{id}"),
        ("GET", "/v1/workers"),
        ("POST", "/v1/clients/{client_id}/fills"),
    }
    ids = [op["operationId"] for op in operations.values()]
    assert len(set(ids)) == len(ids)
    declared = {tag["name"] for tag in doc["tags"]}
    for op in operations.values():
        assert op["tags"] and set(op["tags"]) <= declared, op["operationId"]


def test_city_and_role_enums_are_the_rosters(doc: dict[str, Any], workers: list[dict[str, str]]) -> None:
    schemas = doc["components"]["schemas"]
    assert set(schemas["City"]["enum"]) == {w["city"] for w in workers}
    assert set(schemas["Role"]["enum"]) == {w["role"] for w in workers}


def test_fill_candidates_are_the_rosters_workers_city_by_city(
    doc: dict[str, Any], workers: list[dict[str, str]]
) -> None:
    schemas = doc["components"]["schemas"]
    for city in schemas["City"]["enum"]:
        branches = schemas[f"FillIn{city}"]["oneOf"]
        listed = {(b["properties"]["candidate_id"]["const"], b["properties"]["name"]["const"]) for b in branches}
        assert listed == {(w["id"], w["name"]) for w in workers if w["city"] == city}, city
    for name in ("FillRequest", "ClientFills"):
        cities = [branch["properties"]["context"]["properties"]["city"]["const"] for branch in schemas[name]["oneOf"]]
        assert sorted(cities) == sorted(schemas["City"]["enum"]), name


def test_the_role_parameter_is_a_repeated_key(doc: dict[str, Any]) -> None:
    role = doc["components"]["parameters"]["Role"]
    assert (role["in"], role["style"], role["explode"], role["schema"]["type"]) == ("query", "form", True, "array")


def test_examples_follow_their_schemas(doc: dict[str, Any]) -> None:
    checked = 0
    for path, item in doc["paths"].items():
        for method, op in item.items():
            body = op.get("requestBody", {}).get("content", {})
            responses = [("requestBody", "content", ct) for ct in body]
            responses += [
                ("responses", status, "content", ct)
                for status, r in op["responses"].items()
                for ct in r.get("content", {})
            ]
            for where in responses:
                media: dict[str, Any] = op
                for key in where:
                    media = media[key]
                validator = _validator(doc, "paths", path, method, *where, "schema")
                for name, example in media.get("examples", {}).items():
                    errors = [e.message for e in validator.iter_errors(example["value"])]
                    assert not errors, f"{op['operationId']} {'/'.join(where)} example {name}: {errors[0]}"
                    checked += 1
    for name, schema in doc["components"]["schemas"].items():
        validator = _validator(doc, "components", "schemas", name)
        for example in schema.get("examples", []):
            errors = [e.message for e in validator.iter_errors(example)]
            assert not errors, f"schema {name}: {errors[0]}"
            checked += 1
    assert checked >= 20
