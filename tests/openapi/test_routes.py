"""Routing: a request is the operation's whose path template it matches, as the document's paths are matched,
so that a mutation which moves a request onto another operation is a case of that operation."""

from __future__ import annotations

import sys
from pathlib import Path

from strategies.openapi import load_openapi, operation_cases
from strategies.openapi._records import Operation
from strategies.openapi._routes import Router

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "strategies"))
from drawing import draw_many

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = load_openapi(ROOT / "targets" / "openapi.yaml")


def _router(*templates: str, base_path: str | None = None) -> Router:
    return Router([Operation(key=f"op{i}", method="GET", path=t) for i, t in enumerate(templates)], base_path)


def _reached(router: Router, target: str, method: str = "GET") -> str | None:
    route = router.route(method, target)
    return route.key if route is not None else None


def test_a_variable_is_one_non_empty_segment() -> None:
    router = _router("/items", "/items/{id}", "/items/{id}/parts/{part}")
    assert _reached(router, "/items") == "op0"
    assert _reached(router, "/items/%FF") == "op1"
    assert _reached(router, "/items/.?limit=1") == "op1"
    assert _reached(router, "/items/") is None
    assert _reached(router, "/items//") is None
    assert _reached(router, "/items/a/b") is None
    assert _reached(router, "/items/a/parts/b") == "op2"


def test_a_concrete_path_wins_over_a_templated_one_and_literals_are_raw() -> None:
    router = _router("/items/{id}", "/items/mine", "/files/{name}.json")
    assert _reached(router, "/items/mine") == "op1"
    assert _reached(router, "/items/min%65") == "op0"  # not percent-decoded: another item
    assert _reached(router, "/files/a.json") == "op2"
    assert _reached(router, "/files/a.txt") is None


def test_the_method_and_the_path_prefix_are_part_of_the_route() -> None:
    router = _router("/items/{id}", base_path="/api/v1/")
    assert _reached(router, "/api/v1/items/1") == "op0"
    assert _reached(router, "/items/1") is None
    assert _reached(router, "/api/v1/items/1", "POST") is None


def test_a_segment_appended_to_list_workers_is_a_get_worker_case() -> None:
    cases = draw_many(operation_cases(BUNDLED, ["listWorkers"], ["mutated", "adversarial"]), 600)
    moved = [case for case in cases if case.request.path.split("?")[0].count("/") == 3]
    moved = [case for case in moved if not case.request.path.split("?")[0].endswith("/")]
    assert moved, "no listWorkers case with a segment appended was drawn"
    for case in moved:
        assert case.operation == "GET /v1/workers/{id}" and case.kind == "getWorker", (case.label, case.request.path)
        assert case.label.endswith("(a path of getWorker)"), case.label
    stayed = [case for case in cases if case.request.path.split("?")[0] in ("/v1/workers", "/v1/workers/")]
    assert stayed and all(case.operation == "GET /v1/workers" for case in stayed)
