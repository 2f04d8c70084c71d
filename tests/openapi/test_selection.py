"""Operations are chosen as Schemathesis chooses them: any include matches, no exclude matches."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzzer._errors import ConfigError
from strategies.openapi import Api, load_openapi, select

SPECS = Path(__file__).parent / "specs"


@pytest.fixture(scope="module")
def petshop() -> Api:
    return load_openapi(SPECS / "petshop-3.0.yaml")


def keys(api: Api, **filters: object) -> list[str]:
    return [operation.key for operation in select(api, **filters)]  # type: ignore[arg-type]


def test_no_filter_selects_every_operation_in_document_order(petshop: Api) -> None:
    assert keys(petshop) == [operation.key for operation in petshop.operations]


def test_includes_of_any_kind_add_up(petshop: Api) -> None:
    assert keys(petshop, include_operation_id="getFile") == ["getFile"]
    assert keys(petshop, include_operation_id=["getFile", "getOwner"]) == ["getFile", "getOwner"]
    assert keys(petshop, include_tag="orders") == ["drawShape"]
    assert keys(petshop, include_tag="orders", include_operation_id="getFile") == ["getFile", "drawShape"]
    assert keys(petshop, include_path="^/owners/") == ["getOwner", "deleteOwner"]
    assert keys(petshop, include_path=r"\{petId\}$") == ["getPet", "PUT /pets/{petId}"]


def test_excludes_win_over_includes(petshop: Api) -> None:
    assert keys(petshop, include_tag="pets", exclude_operation_id="createPet") == ["listPets", "getPet"]
    assert keys(petshop, exclude_path="^/pets") == [
        "getFile",
        "getOwner",
        "deleteOwner",
        "drawShape",
        "listCategories",
    ]
    assert keys(petshop, include_path="^/pets", exclude_tag="pets") == ["PUT /pets/{petId}"]


def test_a_bad_regular_expression_is_named(petshop: Api) -> None:
    with pytest.raises(ConfigError) as caught:
        select(petshop, include_path="/pets/(")
    assert str(caught.value) == (
        "--include-path '/pets/(' is not a regular expression (missing ), unterminated subpattern at position 6); "
        "fix the pattern"
    )


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (
            {"include_operation_id": "getPett"},
            "--include-operation-id 'getPett': no operation has this operationId; "
            "did you mean 'getPet' or 'createPet'?",
        ),
        ({"exclude_tag": "cats"}, "--exclude-tag 'cats': no operation has this tag; known: 'pets', 'orders'"),
        (
            {"include_path": "^/users"},
            "--include-path '^/users' matches no path; known: '/pets', '/pets/{petId}', "
            "'/files/{path}/{version}', '/owners/{ownerId}', '/shapes', '/categories'",
        ),
    ],
)
def test_a_value_that_names_nothing_is_likely_a_typo(petshop: Api, filters: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        select(petshop, **filters)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_filters_that_leave_nothing_say_so(petshop: Api) -> None:
    with pytest.raises(ConfigError) as caught:
        select(petshop, include_tag="orders", exclude_path="^/shapes$")
    assert str(caught.value) == (
        f"openapi {petshop.source}: the filters select none of its 9 operations; loosen an --include-* or drop an "
        "--exclude-* option"
    )


def test_a_document_without_operations_says_so(tmp_path: Path) -> None:
    path = tmp_path / "hooks.yaml"
    path.write_text("openapi: 3.1.0\ninfo: {title: t, version: '1'}\ncomponents: {}\n")
    with pytest.raises(ConfigError, match="the document has no operation under `paths`"):
        select(load_openapi(path))
