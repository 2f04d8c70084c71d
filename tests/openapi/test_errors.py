"""Bad documents get one `OpenAPIError` line that names file, line, JSON pointer and rule; never a traceback."""

from __future__ import annotations

import copy
import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzzer._errors import EXIT_USAGE, ConfigError, OpenAPIError
from strategies.openapi import Api, load_openapi

SPECS = Path(__file__).parent / "specs"

PETS = """\
openapi: 3.0.3
info:
  title: Pets
  version: "1"
paths:
  /pets/{id}:
    get:
      operationId: getPet
      parameters:
        - name: id
          in: path
          required: true
          schema:
            type: string
      responses:
        "200":
          description: ok
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def failure(path: Path) -> OpenAPIError:
    with pytest.raises(OpenAPIError) as caught:
        load_openapi(path)
    error = caught.value
    assert "\n" not in str(error)
    assert str(error).startswith("openapi ")
    return error


def test_the_error_is_a_config_error_with_the_usage_exit_code(tmp_path: Path) -> None:
    error = failure(tmp_path / "absent.yaml")
    assert isinstance(error, ConfigError)
    assert error.exit_code == EXIT_USAGE
    assert str(error) == f"openapi {tmp_path / 'absent.yaml'}: no such file; check the path"


# -- reading -----------------------------------------------------------------------------------------------------


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    text = PETS.replace('        "200":\n', '        "200": {description: ok\n          x: [\n')
    error = failure(write(tmp_path, "api.yaml", text))
    assert error.line == 17
    assert str(error).startswith(f"openapi {tmp_path / 'api.yaml'}:17: not valid YAML: ")
    assert str(error).endswith("; fix the syntax there")


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    error = failure(write(tmp_path, "api.json", '{\n  "openapi": "3.0.3",\n  "info": {,}\n}\n'))
    assert error.line == 3
    assert "not valid JSON: Expecting property name enclosed in double quotes (column 12)" in str(error)


def test_text_that_is_not_utf_8_is_named(tmp_path: Path) -> None:
    path = tmp_path / "api.yaml"
    path.write_bytes(b"openapi: 3.0.3\ninfo: \xff\n")
    assert "not UTF-8 text (byte 21)" in str(failure(path))


def test_a_yaml_alias_that_contains_itself_is_an_error(tmp_path: Path) -> None:
    text = PETS.replace(
        "          in: path\n", "          in: path\n          example: &loop\n            again: *loop\n"
    )
    error = failure(write(tmp_path, "api.yaml", text))
    assert "YAML alias" in str(error)


def test_yaml_keys_are_strings_and_dates_stay_strings(tmp_path: Path) -> None:
    text = PETS.replace('"200":', "200:").replace("type: string", "type: string\n            example: 2024-01-31")
    api = load_openapi(write(tmp_path, "api.yaml", text))
    operation = api.operation("getPet")
    assert operation.responses[0].status == "200"
    assert operation.parameters[0].schema["examples"] == ["2024-01-31"]


# -- versions ----------------------------------------------------------------------------------------------------


def test_swagger_2_gets_one_line_on_how_to_convert(tmp_path: Path) -> None:
    path = write(tmp_path, "swagger.yaml", 'swagger: "2.0"\ninfo: {title: t, version: "1"}\npaths: {}\n')
    assert str(failure(path)) == (
        f'openapi {path}: this is a Swagger "2.0" document, and parity-fuzz reads OpenAPI 3.0 and 3.1; convert '
        f"it to OpenAPI 3 first, e.g. `npx swagger2openapi {path} -o openapi.yaml` (or editor.swagger.io: "
        "Edit > Convert to OpenAPI 3), and pass the result"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a list\n", 'not an OpenAPI document: the top level is ["a list"], not a mapping'),
        ("info: {title: t, version: '1'}\n", "not an OpenAPI document: there is no `openapi` field"),
        ("openapi: 3\ninfo: {}\n", "`openapi: 3` is not a version such as 3.0.3 or 3.1.0"),
        ("openapi: 3.2.0\ninfo: {}\n", "OpenAPI 3.2.0 is not supported; parity-fuzz reads OpenAPI 3.0 and 3.1"),
    ],
)
def test_a_document_that_is_no_openapi_3_0_or_3_1_says_so(tmp_path: Path, text: str, message: str) -> None:
    assert message in str(failure(write(tmp_path, "api.yaml", text)))


# -- the meta-schema ---------------------------------------------------------------------------------------------


def test_a_missing_paths_is_named_with_the_rule(tmp_path: Path) -> None:
    path = write(tmp_path, "api.yaml", PETS.split("paths:")[0])
    assert str(failure(path)) == (
        f"openapi {path}:1: 'paths' is missing (OpenAPI 3.0 schema: required) at the top level; add 'paths' here"
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "in: path",
            "in: body",
            ':11: "body" is not one of "path", "query", "header", "cookie" (OpenAPI 3.0 schema: enum) at '
            "/paths/~1pets~1{id}/get/parameters/0/in; use one of those",
        ),
        (
            "required: true",
            "required: false",
            ":12: false is not true (OpenAPI 3.0 schema: enum) at /paths/~1pets~1{id}/get/parameters/0/required; "
            "make it true",
        ),
        (
            "      responses:\n",
            "      x-responses:\n",
            ":7: 'responses' is missing (OpenAPI 3.0 schema: Operation required) at /paths/~1pets~1{id}/get; "
            "add 'responses' here",
        ),
        (
            "  /pets/{id}:",
            "  pets/{id}:",
            ":6: path 'pets/{id}' does not start with '/' (OpenAPI 3.0 schema: Paths additionalProperties) at "
            "/paths/pets~1{id}; write paths as '/segment/{parameter}' (or 'x-' for an extension)",
        ),
        (
            "type: string",
            "type: strin",
            ':14: "strin" is not one of "array", "boolean", "integer", "number", "object", "string" '
            "(OpenAPI 3.0 schema: enum) at /paths/~1pets~1{id}/get/parameters/0/schema/type; use one of those",
        ),
        (
            "- name: id\n          in: path",
            "- in: path",
            ":10: 'name' is missing (OpenAPI 3.0 schema: Parameter required) at /paths/~1pets~1{id}/get/"
            "parameters/0; add 'name' here",
        ),
    ],
    ids=["bad-in", "optional-path-parameter", "no-responses", "path-without-slash", "bad-type", "no-name"],
)
def test_a_rule_broken_is_named_at_its_line_and_pointer(tmp_path: Path, old: str, new: str, expected: str) -> None:
    path = write(tmp_path, "api.yaml", PETS.replace(old, new, 1))
    assert str(failure(path)) == f"openapi {path}{expected}"


def test_a_3_1_schema_with_a_type_that_is_not_json_schema_is_named(tmp_path: Path) -> None:
    text = PETS.replace("openapi: 3.0.3", "openapi: 3.1.0").replace("type: string", "type: [string, text]")
    error = failure(write(tmp_path, "api.yaml", text))
    assert error.pointer == "/paths/~1pets~1{id}/get/parameters/0/schema/type"
    assert 'type "text" is not a JSON Schema type' in str(error)
    assert error.line == 14


# -- references --------------------------------------------------------------------------------------------------


def test_an_unresolvable_ref_names_its_pointer_and_what_is_missing(tmp_path: Path) -> None:
    text = PETS.replace("            type: string\n", '            $ref: "#/components/schemas/Id"\n')
    text += "components:\n  schemas:\n    Name: {type: string}\n"
    path = write(tmp_path, "api.yaml", text)
    assert str(failure(path)) == (
        f"openapi {path}:14: $ref '#/components/schemas/Id' points to nothing: /components/schemas of {path} has "
        "no 'Id' at /paths/~1pets~1{id}/get/parameters/0/schema/$ref; fix the reference or define what it names"
    )


def test_a_ref_to_a_missing_file_names_the_file(tmp_path: Path) -> None:
    text = PETS.replace("            type: string\n", '            $ref: "common/id.yaml"\n')
    error = failure(write(tmp_path, "api.yaml", text))
    assert "$ref to common/id.yaml: no such file" in str(error) or "id.yaml: no such file" in str(error)
    assert error.pointer == "/paths/~1pets~1{id}/get/parameters/0/schema/$ref"


def test_a_ref_into_another_file_that_misses_names_that_file(tmp_path: Path) -> None:
    write(tmp_path, "common/ids.yaml", "Id:\n  type: string\n")
    text = PETS.replace("            type: string\n", '            $ref: "common/ids.yaml#/Ident"\n')
    error = failure(write(tmp_path, "api.yaml", text))
    assert "$ref 'common/ids.yaml#/Ident' points to nothing: the top level of " in str(error)
    assert "ids.yaml has no 'Ident'" in str(error)


def test_a_bad_value_reached_in_another_file_is_named_there(tmp_path: Path) -> None:
    shared = write(tmp_path, "common/parameters.yaml", "Id: just a string\n")
    declared = PETS[PETS.index("        - name: id") : PETS.index("      responses:")]
    text = PETS.replace(declared, '        - $ref: "common/parameters.yaml#/Id"\n')
    error = failure(write(tmp_path, "api.yaml", text))
    assert error.line == 1
    assert error.pointer == "/Id"
    assert error.source.endswith("parameters.yaml")
    assert 'expected a Parameter Object, found "just a string"' in str(error)
    assert shared.exists()


def test_a_cycle_of_references_is_an_error(tmp_path: Path) -> None:
    text = PETS.replace("            type: string\n", '            $ref: "#/components/schemas/A"\n')
    text += (
        "components:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n    B: {$ref: '#/components/schemas/A'}\n"
    )
    assert "leads to a cycle of references" in str(failure(write(tmp_path, "api.yaml", text)))


def test_a_ref_in_a_value_that_leads_nowhere_is_kept_as_data(tmp_path: Path) -> None:
    text = PETS.replace("            type: string\n", "            type: string\n            example: {$ref: '#/x'}\n")
    text = text.replace("          in: path\n", "          in: path\n          example: {$ref: '#/info'}\n")
    (parameter,) = load_openapi(write(tmp_path, "api.yaml", text)).operation("getPet").parameters
    assert parameter.schema == {"type": "string", "examples": [{"$ref": "#/x"}]}
    assert parameter.examples == ({"title": "Pets", "version": "1"},)


def test_a_remote_ref_is_not_fetched(tmp_path: Path) -> None:
    text = PETS.replace("            type: string\n", '            $ref: "https://example.com/id.json"\n')
    error = failure(write(tmp_path, "api.yaml", text))
    assert "points to another server (https:), which is not fetched" in str(error)
    assert "save that document next to this one" in str(error)


# -- what the model needs ----------------------------------------------------------------------------------------


def test_a_path_template_without_its_parameter_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "api.yaml", PETS.replace("/pets/{id}:", "/pets/{id}/{part}:"))
    assert str(failure(path)) == (
        f"openapi {path}:7: GET /pets/{{id}}/{{part}} has {{part}} in its path but no path parameter 'part' at "
        "/paths/~1pets~1{id}~1{part}/get; declare it under parameters with `name: part`, `in: path`, "
        "`required: true`"
    )


def test_a_duplicate_operation_id_is_named(tmp_path: Path) -> None:
    text = PETS + PETS.split("paths:\n")[1].replace("/pets/{id}:", "/cats/{id}:")
    path = write(tmp_path, "api.yaml", text)
    assert "operationId 'getPet' is used by GET /pets/{id} and by GET /cats/{id}" in str(failure(path))


# -- any mangled document ----------------------------------------------------------------------------------------

REPLACEMENTS: list[Any] = [
    None,
    0,
    -1,
    2.5,
    "",
    "x",
    "/x/{y}",
    True,
    [],
    {},
    ["x"],
    {"x": 1},
    {"$ref": "#/components/schemas/Pet"},
    {"$ref": "#/components/parameters/RequestId"},
    {"$ref": "#/nowhere"},
    {"$ref": "#"},
    {"$ref": 7},
    {"$ref": "common/schemas.yaml#/Owner"},
    {"$ref": "common/missing.yaml"},
    {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/Category"}}},
]


def places(value: Any, trail: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [trail]
    if isinstance(value, dict):
        for key, item in value.items():
            found += places(item, (*trail, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += places(item, (*trail, index))
    return found


@st.composite
def mangled(draw: st.DrawFn, documents: list[Any]) -> Any:
    document = json.loads(json.dumps(draw(st.sampled_from(documents))))
    for _ in range(draw(st.integers(1, 4))):
        trail = draw(st.sampled_from(places(document)))
        if not trail:
            continue
        parent = document
        for step in trail[:-1]:
            parent = parent[step]
        last = trail[-1]
        action = draw(st.sampled_from(["delete", "replace", "rename"]))
        if action == "delete":
            del parent[last]
        elif action == "replace":
            parent[last] = copy.deepcopy(draw(st.sampled_from(REPLACEMENTS)))
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["$ref", "x-y", "in", "type", "/z"]))] = parent.pop(last)
    return document


SOURCES = [
    json.loads(json.dumps(yaml.safe_load((SPECS / name).read_text()), default=str))
    for name in ("petshop-3.0.yaml", "bookshelf-3.1.yaml")
]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the test documents, so that a mangled root still reaches the shared files."""
    directory = tmp_path_factory.mktemp("mangled")
    shutil.copytree(SPECS / "common", directory / "common")
    return directory


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=mangled(SOURCES), as_json=st.booleans())
def test_a_mangled_document_loads_or_gets_the_project_error(workspace: Path, document: Any, as_json: bool) -> None:
    path = workspace / ("api.json" if as_json else "api.yaml")
    path.write_text(json.dumps(document) if as_json else yaml.safe_dump(document), encoding="utf-8")
    try:
        api = load_openapi(path)
    except OpenAPIError as error:
        assert "\n" not in str(error)
        assert str(error).startswith("openapi ")
    else:
        assert isinstance(api, Api)
