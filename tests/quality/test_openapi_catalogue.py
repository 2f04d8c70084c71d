"""Quality: the demo's campaign over targets/openapi.yaml, mapped onto the catalogue per operation
(tests/quality/catalogue.py: the route causes and the body causes; docs/divergences.md).

The campaign is the demo's: 1,000 examples, seed 7, every operation. Every class must show a catalogued cause and
be listed under the operation whose path template its request matches; a cause the catalogue does not mark as
splitting must be one class per operation; the route causes the budget reaches must be found.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fuzzer._campaign import CampaignOutcome, CampaignPlan, run_campaign
from fuzzer._config import Config
from fuzzer._engine import EngineSettings
from fuzzer._runtimes import reference
from strategies.openapi import load_openapi
from strategies.openapi._routes import Router

from .catalogue import OPENAPI_CAUSES, ROUTE_CAUSES, classes_by_operation_and_cause

pytestmark = [pytest.mark.quality, pytest.mark.e2e]

DOCUMENT = Path(__file__).resolve().parents[2] / "targets" / "openapi.yaml"
UNREACHED = ("encoded-slash-segment", "repeated-scalar-query-key")
"""Route causes 1,000 examples may not reach: `%2F` as a whole segment of listWorkers' path (the 2,000-example
campaign reaches it), and a query key given twice (found on the newest Hypothesis, not on the oldest: which of
these rare ones a fixed seed reaches depends on the Hypothesis version's draws)."""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CampaignOutcome]:
    settings = EngineSettings(examples=1000, seed=7, max_seconds=240)
    with reference(log_dir=tmp_path_factory.mktemp("logs")) as pair:
        plan = CampaignPlan(Config(openapi=DOCUMENT), pair, settings, tmp_path_factory.mktemp("corpus"))
        yield run_campaign(plan)


def test_every_class_shows_a_catalogued_cause(demo: CampaignOutcome) -> None:
    grouped = classes_by_operation_and_cause(demo.report.findings)
    unexplained = [(op, f.signature.key) for (op, cause), found in grouped.items() if cause is None for f in found]
    assert unexplained == []


def test_every_class_is_listed_under_the_operation_its_request_is_for(demo: CampaignOutcome) -> None:
    router = Router(load_openapi(DOCUMENT).operations)
    wrong = []
    for finding in demo.report.findings:
        request = finding.reproducer.exchange.case.request
        route = router.route(request.method, request.path)
        if route is not None and route.name != finding.signature.operation:
            wrong.append((finding.signature.operation, request.path))
    assert wrong == []


def test_a_cause_that_does_not_split_is_one_class_per_operation(demo: CampaignOutcome) -> None:
    splitting = {cause.name for cause in OPENAPI_CAUSES if cause.splits}
    grouped = classes_by_operation_and_cause(demo.report.findings)
    several = {
        (op, cause): [f.signature.key for f in found]
        for (op, cause), found in grouped.items()
        if cause not in splitting and len(found) > 1
    }
    assert several == {}


def test_every_reachable_route_cause_is_found(demo: CampaignOutcome) -> None:
    found = {cause for _, cause in classes_by_operation_and_cause(demo.report.findings)}
    assert [c.name for c in ROUTE_CAUSES if c.name not in UNREACHED and c.name not in found] == []
