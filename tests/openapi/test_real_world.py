"""The public documents of ../shared/openapi-specs (see its INDEX.md) load whole; Swagger 2.0 gets its line.

The folder sits beside the project (it is never copied in); without it, these tests are skipped.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from fuzzer._errors import OpenAPIError
from strategies.openapi import load_openapi
from strategies.openapi._records import METHODS

REAL_WORLD = Path(__file__).resolve().parents[2].parent / "shared" / "openapi-specs"
DOCUMENTS = sorted(path for path in REAL_WORLD.glob("*") if path.suffix in (".yaml", ".yml", ".json"))
SWAGGER = [path for path in DOCUMENTS if "swagger:" in path.read_text(encoding="utf-8")[:2000]]
OPENAPI = [path for path in DOCUMENTS if path not in SWAGGER]

pytestmark = pytest.mark.skipif(not DOCUMENTS, reason=f"no real-world documents at {REAL_WORLD}")


def declared(document: dict[str, Any], section: str) -> set[tuple[str, str]]:
    """Every METHOD and path (or webhook name) under `section`, read directly from the document."""
    found = set()
    for path, item in (document.get(section) or {}).items():
        while isinstance(item, dict) and isinstance(item.get("$ref"), str) and item["$ref"].startswith("#/"):
            target: Any = document
            for part in item["$ref"][2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            item = target
        if not path.startswith("x-") and isinstance(item, dict):
            found |= {(method.upper(), path) for method in item if method in METHODS}
    return found


def test_the_folder_holds_the_documents_its_index_lists() -> None:
    assert (len(OPENAPI), len(SWAGGER)) == (18, 2)


@pytest.mark.parametrize("path", OPENAPI, ids=lambda path: path.name)
def test_a_3_x_document_loads_with_every_operation(path: Path) -> None:
    api = load_openapi(path)
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert api.operations or api.webhooks
    assert {(op.method, op.path) for op in api.operations} == declared(document, "paths")
    assert {(op.method, op.path) for op in api.webhooks} == declared(document, "webhooks")
    for operation in (*api.operations, *api.webhooks):
        for schema in [p.schema for p in operation.parameters] + [b.schema for b in operation.bodies]:
            jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", SWAGGER, ids=lambda path: path.name)
def test_a_swagger_2_document_gets_the_one_line_on_converting_it(path: Path) -> None:
    with pytest.raises(OpenAPIError) as caught:
        load_openapi(path)
    message = str(caught.value)
    assert "\n" not in message
    assert 'this is a Swagger "2.0" document, and parity-fuzz reads OpenAPI 3.0 and 3.1' in message
    assert f"npx swagger2openapi {path}" in message


def test_all_documents_load_in_seconds() -> None:
    started = time.perf_counter()
    for path in OPENAPI:
        load_openapi(path)
    assert time.perf_counter() - started < 20  # about 2 s here; minutes would mean a lost cache or a loop
