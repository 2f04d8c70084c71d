"""Pins: hypothesis-jsonschema 0.23.1 works only with hypothesis <= 6.170.9.

hypothesis 6.170.10 changed `cu.many` (no `.more()`), which `from_schema` uses to draw arrays and objects;
it then fails with "'many' object has no attribute 'more'". Drawing from every bundled schema, whose
artifacts all hold arrays, catches such an upgrade.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
from drawing import draw_many
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from strategies import default_space, load_schema
from strategies._formats import contract_formats

SCHEMAS = sorted((Path(__file__).parents[2] / "strategies" / "schemas").glob("*.json"))
CUSTOM = {
    name: source if isinstance(source, st.SearchStrategy) else st.sampled_from(source)
    for name, source in contract_formats(default_space().roster).items()
}


def test_every_bundled_schema_is_pinned() -> None:
    assert {path.name for path in SCHEMAS} == {"envelope.json", "playbook.json", "fill.json", "fill_context.json"}


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda p: p.name)
def test_from_schema_draws_from_each_bundled_schema(path: Path) -> None:
    schema = load_schema(path)
    values = draw_many(from_schema(schema, custom_formats=CUSTOM), 15)
    assert values
    for value in values:
        jsonschema.validate(value, schema)


def test_from_schema_draws_arrays() -> None:
    schema: dict[str, Any] = load_schema(SCHEMAS[[p.name for p in SCHEMAS].index("fill.json")])
    values = draw_many(from_schema(schema, custom_formats=CUSTOM), 15)
    assert all(value["fills"] for value in values)
