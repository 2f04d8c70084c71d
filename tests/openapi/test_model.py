"""Every operation of the two test documents loads as the model says (specs/petshop-3.0.yaml, bookshelf-3.1.yaml)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import strategies.openapi
from strategies.openapi import Api, Body, Encoding, Header, Operation, Parameter, Response, Server, load_openapi

SPECS = Path(__file__).parent / "specs"


@pytest.fixture(scope="module")
def petshop() -> Api:
    return load_openapi(SPECS / "petshop-3.0.yaml")


@pytest.fixture(scope="module")
def bookshelf() -> Api:
    return load_openapi(SPECS / "bookshelf-3.1.yaml")


def parameter(operation: Operation, name: str) -> Parameter:
    (found,) = [p for p in operation.parameters if p.name == name]
    return found


def all_operations(api: Api) -> list[Operation]:
    return [*api.operations, *api.webhooks]


# -- the documents as a whole ------------------------------------------------------------------------------------


def test_the_3_0_document_has_every_operation_in_document_order(petshop: Api) -> None:
    assert petshop.openapi == "3.0.3"
    assert (petshop.title, petshop.version) == ("Pet shop", "1.0.0")
    assert [(op.key, op.method, op.path) for op in petshop.operations] == [
        ("listPets", "GET", "/pets"),
        ("createPet", "POST", "/pets"),
        ("getPet", "GET", "/pets/{petId}"),
        ("PUT /pets/{petId}", "PUT", "/pets/{petId}"),
        ("getFile", "GET", "/files/{path}/{version}"),
        ("getOwner", "GET", "/owners/{ownerId}"),
        ("deleteOwner", "DELETE", "/owners/{ownerId}"),
        ("drawShape", "POST", "/shapes"),
        ("listCategories", "GET", "/categories"),
    ]
    assert petshop.webhooks == ()


def test_the_3_1_document_has_its_operations_and_keeps_webhooks_apart(bookshelf: Api) -> None:
    assert bookshelf.openapi == "3.1.0"
    assert [op.key for op in bookshelf.operations] == ["searchBooks", "addBook", "getBook", "patchBook", "putTree"]
    (hook,) = bookshelf.webhooks
    assert (hook.key, hook.method, hook.path) == ("bookAdded", "POST", "bookAdded")
    assert hook.bodies[0].schema["required"] == ["isbn", "title"]


def test_servers_have_their_variables_at_default_and_their_path(petshop: Api, bookshelf: Api) -> None:
    assert petshop.servers == (Server("https://shop.example/api/v1/", "/api/v1"),)
    assert bookshelf.servers == (Server("/shelf", "/shelf"),)
    assert all(op.servers == petshop.servers for op in petshop.operations)


def test_an_operation_is_found_by_id_or_by_method_and_path(petshop: Api) -> None:
    assert petshop.operation("getPet").path == "/pets/{petId}"
    assert petshop.operation("put /pets/{petId}").method == "PUT"
    assert petshop.operation("PUT /pets/{petId}").operation_id is None
    with pytest.raises(KeyError):
        petshop.operation("nope")


def test_records_are_frozen(petshop: Api) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        petshop.operations[0].path = "/x"  # type: ignore[misc]


def test_the_public_names_are_what_all_lists() -> None:
    public = {name for name in vars(strategies.openapi) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(strategies.openapi, name)).__name__ == "module"}
    assert set(strategies.openapi.__all__) == public - modules


# -- parameters --------------------------------------------------------------------------------------------------


def test_query_parameters_keep_style_and_explode_with_the_defaults_filled_in(petshop: Api) -> None:
    op = petshop.operation("listPets")
    styles = {p.name: (p.location, p.style, p.explode) for p in op.parameters}
    assert styles == {
        "limit": ("query", "form", True),
        "kinds": ("query", "form", False),
        "ids": ("query", "spaceDelimited", False),
        "colours": ("query", "pipeDelimited", False),
        "filter": ("query", "deepObject", True),
        "q": ("query", "form", True),
        "X-Request-Id": ("header", "simple", False),
        "session": ("cookie", "form", True),
    }
    q = parameter(op, "q")
    assert (q.allow_reserved, q.allow_empty_value, q.required) == (True, True, False)
    assert parameter(op, "limit").examples == (20,)
    assert parameter(op, "filter").schema == {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "additionalProperties": False,
    }


def test_3_0_exclusive_bounds_become_numbers(petshop: Api) -> None:
    assert parameter(petshop.operation("listPets"), "limit").schema == {
        "type": "integer",
        "minimum": 1,
        "exclusiveMaximum": 100,
    }
    circle = petshop.operation("drawShape").bodies[0].schema["oneOf"][0]
    assert circle["allOf"][1]["properties"]["radius"] == {"type": "number", "exclusiveMinimum": 0}


def test_a_header_parameter_named_accept_is_ignored_and_a_referenced_one_resolved(petshop: Api) -> None:
    op = petshop.operation("listPets")
    assert "Accept" not in {p.name for p in op.parameters}
    request_id = parameter(op, "X-Request-Id")
    assert request_id.schema == {"type": "string", "format": "uuid"}
    assert request_id.examples == ("00000000-0000-0000-0000-000000000000", "11111111-1111-1111-1111-111111111111")


def test_a_cookie_parameter_keeps_required_and_pattern(petshop: Api) -> None:
    session = parameter(petshop.operation("listPets"), "session")
    assert session == Parameter(
        name="session",
        location="cookie",
        required=True,
        schema={"type": "string", "pattern": "^[a-f0-9]{8}$"},
        style="form",
        explode=True,
    )


def test_operation_parameters_override_path_item_parameters_by_name_and_location(petshop: Api) -> None:
    get = petshop.operation("getPet")
    assert [(p.name, p.location) for p in get.parameters] == [("petId", "path"), ("x-trace", "header")]
    assert parameter(get, "x-trace").required is True
    assert parameter(get, "x-trace").schema == {"type": "string", "format": "uuid"}
    put = petshop.operation("PUT /pets/{petId}")
    assert [(p.name, p.required) for p in put.parameters] == [("petId", True), ("X-Trace", False)]
    assert parameter(put, "petId").schema == {"type": "integer", "format": "int64"}


def test_path_parameters_keep_label_and_matrix_styles(petshop: Api) -> None:
    op = petshop.operation("getFile")
    assert [(p.name, p.style, p.explode, p.required) for p in op.parameters] == [
        ("path", "label", True, True),
        ("version", "matrix", False, True),
    ]


def test_a_parameter_with_content_has_its_media_type_and_schema(bookshelf: Api) -> None:
    where = parameter(bookshelf.operation("searchBooks"), "where")
    assert where.content_type == "application/json"
    assert where.schema == {"type": "object", "properties": {"author": {"type": "string"}}}
    assert where.examples == ({"author": "Le Guin"},)


def test_3_1_parameters_keep_const_type_arrays_and_numeric_exclusive_bounds(bookshelf: Api) -> None:
    op = bookshelf.operation("searchBooks")
    assert parameter(op, "sort").schema == {"type": "string", "const": "title"}
    assert parameter(op, "sort").required is True
    assert parameter(op, "X-Shelf").schema == {"type": ["integer", "null"], "exclusiveMinimum": 0}
    assert parameter(op, "X-Shelf").examples == (3,)
    lang = parameter(op, "lang")
    assert (lang.location, lang.style, lang.explode) == ("cookie", "form", False)


def test_path_item_in_components_brings_its_parameters(bookshelf: Api) -> None:
    for key in ("getBook", "patchBook"):
        (isbn,) = bookshelf.operation(key).parameters
        assert isbn.schema == {"type": "string", "pattern": "^97[89][0-9]{10}$", "examples": ["9780441478125"]}


# -- bodies ------------------------------------------------------------------------------------------------------


def test_a_json_and_a_form_body_each_with_its_schema_examples_and_encoding(petshop: Api) -> None:
    op = petshop.operation("createPet")
    assert op.body_required is True
    json_body, form_body = op.bodies
    assert json_body.media_type == "application/json"
    assert json_body.examples == ({"name": "Tom", "kind": "cat"},)  # the externalValue example is left out
    assert json_body.schema["required"] == ["name", "kind"]
    assert form_body == Body(
        media_type="application/x-www-form-urlencoded",
        schema={
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "photo": {"type": "string", "format": "binary"},
            },
        },
        required=True,
        encoding=(
            Encoding("tags", None, "form", False),
            Encoding("photo", "image/png", "form", True),
        ),
    )
    assert op.body("application/json") is json_body
    assert op.body("text/plain") is None


def test_a_referenced_request_body_is_resolved(petshop: Api) -> None:
    (body,) = petshop.operation("PUT /pets/{petId}").bodies
    assert body.required is True
    assert body.examples == ({"name": "Rex", "kind": "dog"},)
    assert body.schema["properties"]["kind"] == {"type": "string", "enum": ["cat", "dog"]}


def test_schema_keywords_survive_and_3_0_forms_are_normalised(petshop: Api) -> None:
    pet = petshop.operation("createPet").bodies[0].schema
    properties = pet["properties"]
    assert properties["id"] == {"type": "integer", "format": "int64", "readOnly": True}
    assert properties["secret"] == {"type": "string", "writeOnly": True}
    assert properties["name"] == {"type": "string", "minLength": 1, "examples": ["Rex"]}
    assert properties["nickname"] == {"type": ["string", "null"]}
    assert properties["birthday"] == {"type": "string", "format": "date", "examples": ["2020-01-01"]}
    assert properties["attributes"] == {"type": "object", "additionalProperties": {"type": "string"}}


def test_a_ref_into_another_file_is_resolved_and_its_recursion_kept_as_a_local_def(petshop: Api) -> None:
    pet = petshop.operation("createPet").bodies[0].schema
    assert pet["properties"]["owner"] == {"$ref": "#/$defs/Owner"}
    owner = pet["$defs"]["Owner"]
    assert owner["properties"]["manager"] == {"$ref": "#/$defs/Owner"}
    assert owner["properties"]["id"] == {"type": "string", "pattern": "^o-[0-9]+$"}
    assert owner["properties"]["pets"] == {"type": "array", "items": {"type": "string", "maxLength": 20}}
    assert set(pet["$defs"]) == {"Owner"}
    validator = jsonschema.Draft202012Validator(pet)
    assert validator.is_valid({"name": "Rex", "kind": "dog", "owner": {"id": "o-1", "manager": {"id": "o-2"}}})
    assert not validator.is_valid({"name": "Rex", "kind": "dog", "owner": {"id": "o-1", "manager": {"id": "x"}}})


def test_a_recursive_schema_is_a_ref_to_its_own_def(petshop: Api, bookshelf: Api) -> None:
    root = parameter(petshop.operation("listCategories"), "root").schema
    assert root == {
        "$ref": "#/$defs/Category",
        "$defs": {
            "Category": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/Category"}},
                },
            }
        },
    }
    node = bookshelf.operation("putTree").bodies[0].schema
    assert node["$ref"] == "#/$defs/Node"
    assert node["$defs"]["Node"]["properties"]["parent"] == {
        "$ref": "#/$defs/Node",
        "description": "The node above, if any",
    }
    assert jsonschema.Draft202012Validator(node).is_valid({"value": 1, "children": [{"value": "a", "children": []}]})


def test_one_of_with_a_discriminator_maps_each_value_to_its_branch(petshop: Api, bookshelf: Api) -> None:
    shape = petshop.operation("drawShape").bodies[0].schema
    assert shape["discriminator"] == {
        "propertyName": "shape",
        "mapping": {"round": "#/components/schemas/Circle"},
        "x-branches": {"round": 0, "Square": 1},
    }
    circle, square = shape["oneOf"]
    base = {"type": "object", "required": ["shape"], "properties": {"shape": {"type": "string"}}}
    assert circle["allOf"][0] == base
    assert square["allOf"] == [base, {"type": "object", "properties": {"side": {"type": "number"}}}]
    book_format = bookshelf.operation("addBook").bodies[0].schema["properties"]["format"]
    assert book_format["discriminator"] == {"propertyName": "medium", "x-branches": {"Paper": 0, "Ebook": 1}}
    assert [branch["properties"]["medium"] for branch in book_format["oneOf"]] == [
        {"const": "Paper"},
        {"const": "Ebook"},
    ]


def test_nullable_without_type_wraps_the_schema_in_any_of() -> None:
    from strategies.openapi._reading import Files
    from strategies.openapi._schemas import Schemas

    files = Files(SPECS / "petshop-3.0.yaml")
    maybe = files.document().child("components").child("schemas").child("MaybeOwner")
    schema = Schemas(files, "3.0").schema(maybe)
    assert isinstance(schema, dict)
    assert schema["anyOf"][1] == {"type": "null"}
    assert schema["anyOf"][0]["anyOf"][1] == {"type": "string", "enum": ["unknown"]}
    assert set(schema["$defs"]) == {"Owner"}
    assert jsonschema.Draft202012Validator(schema).is_valid(None)


def test_3_1_type_arrays_nullable_and_defaults_in_a_body(bookshelf: Api) -> None:
    book = bookshelf.operation("addBook").bodies[0].schema
    properties = book["properties"]
    assert properties["subtitle"] == {"type": ["string", "null"]}
    assert properties["series"] == {"type": ["string", "null"]}  # 3.0's nullable, found in a 3.1 document
    assert properties["edition"] == {"type": "integer", "minimum": 1, "default": 1}
    assert properties["added"] == {"type": "string", "format": "date-time", "readOnly": True}
    assert properties["tags"] == {"type": "array", "items": {"type": "string"}, "uniqueItems": True}
    assert properties["extra"]["additionalProperties"] is False


def test_3_1_ref_siblings_are_laid_over_or_combined(bookshelf: Api) -> None:
    patch_json, merge_patch = bookshelf.operation("patchBook").bodies
    assert patch_json.schema["description"] == "Only the fields to change"
    assert patch_json.schema["writeOnly"] is True
    assert patch_json.schema["required"] == ["isbn", "title"]
    assert merge_patch.schema["required"] == ["title"]
    (book,) = merge_patch.schema["allOf"]
    assert book["required"] == ["isbn", "title"]


def test_multipart_and_form_bodies_keep_their_encodings(bookshelf: Api) -> None:
    op = bookshelf.operation("addBook")
    assert [body.media_type for body in op.bodies] == [
        "application/json",
        "multipart/form-data",
        "application/x-www-form-urlencoded",
    ]
    multipart = op.body("multipart/form-data")
    form = op.body("application/x-www-form-urlencoded")
    assert multipart is not None and form is not None
    assert multipart.encoding == (Encoding("cover", "image/jpeg", "form", True),)
    assert form.encoding == (Encoding("authors", None, "spaceDelimited", False),)
    assert multipart.schema["properties"]["cover"] == {"type": "string", "contentMediaType": "image/jpeg"}


# -- responses ---------------------------------------------------------------------------------------------------


def test_responses_declare_statuses_headers_and_media_types(petshop: Api) -> None:
    list_pets = petshop.operation("listPets")
    assert list_pets.responses == (
        Response("200", "A page of pets", (Header("X-Total-Count", required=True),), ("application/json",)),
        Response("default", "An error", (Header("Retry-After"),), ("application/json", "application/problem+json")),
    )
    assert [r.status for r in petshop.operation("getPet").responses] == ["200", "404"]
    created = petshop.operation("createPet").responses[0]
    assert created.headers == (Header("Location"),)


def test_a_response_in_another_file_reaches_a_json_file(bookshelf: Api) -> None:
    refused = bookshelf.operation("putTree").responses[1]
    assert (refused.status, refused.media_types) == ("4XX", ("application/json",))


# -- every schema and example of the model -----------------------------------------------------------------------


def schemas_and_examples(api: Api) -> list[tuple[str, Any, tuple[Any, ...]]]:
    found: list[tuple[str, Any, tuple[Any, ...]]] = []
    for op in all_operations(api):
        found += [(f"{op.key} {p.location} {p.name}", p.schema, p.examples) for p in op.parameters]
        found += [(f"{op.key} body {b.media_type}", b.schema, b.examples) for b in op.bodies]
    return found


@pytest.mark.parametrize("document", ["petshop-3.0.yaml", "bookshelf-3.1.yaml"])
def test_every_schema_is_a_valid_json_schema_and_every_example_fits_it(document: str) -> None:
    api = load_openapi(SPECS / document)
    found = schemas_and_examples(api)
    assert len(found) > 10
    for where, schema, examples in found:
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema)
        for example in examples:
            assert validator.is_valid(example), f"{where}: {example!r}"
        if isinstance(schema, dict):
            for example in schema.get("examples", []):
                assert validator.is_valid(example), f"{where}: {example!r}"
            if "$defs" not in schema:
                assert "'$ref'" not in repr(schema), f"{where}: a $ref left outside recursion"


def test_inlined_definitions_are_shared_not_copied(petshop: Api) -> None:
    first = petshop.operation("createPet").bodies[0].schema
    second = petshop.operation("PUT /pets/{petId}").bodies[0].schema
    assert first["properties"] is second["properties"]
