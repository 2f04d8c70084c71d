"""The mutated and adversarial modes on every request part: each named mutation is produced, labels say what
was done (and the request shows it), and cases shrink to a single simple mutation."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from hypothesis import find, settings

from strategies._adversarial import FAMILIES
from strategies.openapi import load_openapi, operation_cases

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "strategies"))
from drawing import draw_many

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = load_openapi(ROOT / "targets" / "openapi.yaml")
PETSHOP = load_openapi(ROOT / "tests" / "openapi" / "specs" / "petshop-3.0.yaml")
LABEL = re.compile(r"(mutated|adversarial) ([^:]+): (.+?)(?: \(a path of ([^()]+)\))?")
"""Mode, the operation drawn for, what was done, and the operation whose path the request has when not that one."""


def labels(api, mode: str, count: int = 1500, operations=None) -> list[str]:  # type: ignore[no-untyped-def]
    found = []
    for case in draw_many(operation_cases(api, operations, [mode]), count):
        match = LABEL.fullmatch(case.label)
        assert match and match[1] == mode and (match[4] or match[2]) == case.kind, case.label
        found += match[3].split("; ") if mode == "mutated" else [match[3]]
    return found


def test_every_named_mutation_is_produced() -> None:
    drawn = labels(PETSHOP, "mutated") + labels(BUNDLED, "mutated")
    drawn += labels(BUNDLED, "mutated", 1500, ["listWorkers"]) + labels(PETSHOP, "mutated", 800, ["getPet"])
    seen = " | ".join(drawn)
    expected = [
        # path
        ": trailing slash",
        ": double slash",
        ": dot segment /.",
        ": empty",
        ": %2F",
        ": percent-encoded",
        ": dot segment ..",
        ": long",
        ": non-ascii",
        # query
        ": repeated key",
        ": empty value",
        ": no =",
        ": key ",
        ": + for %20",
        ": raw +",
        ": invalid percent-encoding",
        ": style ",
        ": unknown key",
        # headers and cookies
        ": name ",
        ": duplicate",
        ": missing (required)",
        ": padded",
        "cookie session: missing",
        "cookie session: duplicate",
        # bodies, and typed mutations of values
        "body: missing",
        "body drop ",
        "body null ",
        "body retype ",
        "body int ",
        "body string ",
        "body near-miss ",
        "body array ",
        "body key-case ",
        "query int limit = ",
        "path near-miss id: ",
        "header string ",
    ]
    missing = [name for name in expected if name not in seen]
    assert not missing, missing


def test_query_style_variants_and_plus_show_on_the_wire() -> None:
    cases = draw_many(operation_cases(BUNDLED, ["listWorkers"], ["mutated"]), 800)
    styles = [c for c in cases if c.label.count(";") == 0 and "role: style pipeDelimited explode false" in c.label]
    assert styles and all(re.search(r"role=[^&]*\|", c.request.path) or "role=" in c.request.path for c in styles)
    plus = [c for c in cases if c.label.endswith((": + for %20", ": raw +")) and c.label.count(";") == 0]
    assert plus and all("+" in c.request.path.partition("?")[2] for c in plus)
    assert all("Forklift+Operator" in c.request.path for c in plus if c.label.endswith("+ for %20"))
    missing = [c for c in cases if c.label.endswith("repeated key")]
    assert missing


def test_adversarial_families_reach_bodies_paths_and_queries() -> None:
    seen = labels(BUNDLED, "adversarial", 1500)
    families = {name for name in FAMILIES} - {"body size"}
    found = {name for name in families if any(label.startswith(name) for label in seen)}
    assert found == families
    fills = labels(BUNDLED, "adversarial", 800, ["validateClientFills"])
    assert any(label.startswith("path client_id %2F") for label in fills)
    assert any(label.startswith("path id ") for label in seen)
    assert any(label.startswith("query ") for label in seen)
    assert any(label.startswith("unexpected body") for label in seen)


def test_adversarial_bodies_are_on_the_wire() -> None:
    for case in draw_many(operation_cases(BUNDLED, ["validateClientFills"], ["adversarial"]), 300):
        if case.label.endswith(": bom"):
            assert case.request.body.startswith(b"\xef\xbb\xbf")
        if "path client_id %2F" in case.label:
            assert "%2F/fills" in case.request.path


def test_missing_required_header_is_missing() -> None:
    for case in draw_many(operation_cases(PETSHOP, ["getPet"], ["mutated"]), 400):
        if case.label == "mutated getPet: header x-trace: missing (required)":
            assert case.request.header("x-trace") is None
            return
    raise AssertionError("no missing required header drawn")


def test_mutated_cases_shrink_to_one_simple_mutation() -> None:
    minimal = find(
        operation_cases(BUNDLED, ["validateClientFills"], ["mutated"]),
        lambda case: "body " in case.label,
        settings=settings(database=None, derandomize=True, max_examples=2000),
    )
    assert minimal.label.count(";") == 0, minimal.label
    assert minimal.label.startswith("mutated validateClientFills: body "), minimal.label


def test_adversarial_cases_shrink_to_the_first_family() -> None:
    minimal = find(
        operation_cases(BUNDLED, ["validateClientFills"], ["adversarial"]),
        lambda case: "%2F" in case.request.path,
        settings=settings(database=None, derandomize=True, max_examples=2000),
    )
    assert minimal.label == "adversarial validateClientFills: path client_id %2F", minimal.label


def test_cases_of_all_modes_shrink_to_valid() -> None:
    minimal = find(
        operation_cases(BUNDLED),
        lambda case: case.kind == "listWorkers",
        settings=settings(database=None, derandomize=True, max_examples=2000),
    )
    assert minimal.mode == "valid" and minimal.request.path == "/v1/workers", minimal
