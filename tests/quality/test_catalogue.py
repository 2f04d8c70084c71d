"""Quality: the default campaign on the bundled pair, mapped onto the catalogue of root causes
(tests/quality/catalogue.py, docs/divergences.md).

The campaign is the demo's: 2,000 examples, seed 7, default options. Every class must show a catalogued cause,
the causes the budget reaches must be found, a cause the catalogue does not mark as splitting must be exactly
one class. `bench/quality.py` prints the classes per cause.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fuzzer._campaign import CampaignOutcome, CampaignPlan, run_campaign
from fuzzer._config import Config
from fuzzer._engine import EngineSettings
from fuzzer._runtimes import reference

from .catalogue import CAUSES, classes_by_cause

pytestmark = [pytest.mark.quality, pytest.mark.e2e]

UNREACHED = ("number-out-of-range", "skipped-value-depth")
REACHED = tuple(cause.name for cause in CAUSES if cause.name not in UNREACHED)
"""The causes the demo campaign reaches: every cause of the catalogue but an out-of-range number in a field Go
never reads, which the 20,000-example campaign reaches, and a value nested over 10,000 deep under a key serde
skips, which the campaign over targets/openapi.yaml reaches (docs/divergences.md)."""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CampaignOutcome]:
    settings = EngineSettings(examples=2000, seed=7, max_seconds=240)
    with reference(log_dir=tmp_path_factory.mktemp("logs")) as pair:
        yield run_campaign(CampaignPlan(Config(), pair, settings, tmp_path_factory.mktemp("corpus")))


def test_every_class_shows_a_catalogued_cause(demo: CampaignOutcome) -> None:
    unexplained = classes_by_cause(demo.report.findings)[None]
    assert [f.signature.key for f in unexplained] == []


def test_every_reachable_cause_is_found(demo: CampaignOutcome) -> None:
    grouped = classes_by_cause(demo.report.findings)
    assert [name for name in REACHED if not grouped[name]] == []


def test_a_cause_that_does_not_split_is_one_class(demo: CampaignOutcome) -> None:
    grouped = classes_by_cause(demo.report.findings)
    several = {c.name: [f.signature.key for f in grouped[c.name]] for c in CAUSES if not c.splits}
    assert {name: keys for name, keys in several.items() if len(keys) > 1} == {}
