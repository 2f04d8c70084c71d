"""Quality: the planted-bug suite (tests/quality/planted.py). One campaign of the default strategies and budget
against the real Go runtime and the same runtime behind the planting proxy must find every planted bug, each as
exactly one class, with a 1-minimal reproducer, and make no class for the noise or for anything not planted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from fuzzer._campaign import CampaignOutcome, CampaignPlan, run_campaign
from fuzzer._engine import EngineSettings
from fuzzer._model import Finding, Target
from fuzzer._send import Transport

from .minimal import campaign_policy, minimality
from .planted import BUGS, CONFIG, NOISE, NOISE_PATHS, Bug, classes_by_bug, planted_pair

pytestmark = pytest.mark.quality

SEED = 5
MAX_SECONDS = 75.0
"""A safety bound only: the campaign spends its default budget (1,000 examples) well within it."""


@dataclass(frozen=True, slots=True)
class Planted:
    targets: tuple[Target, Target]
    outcome: CampaignOutcome
    by_bug: dict[str | None, list[Finding]]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Planted]:
    with planted_pair(tmp_path_factory.mktemp("logs")) as targets:
        plan = CampaignPlan(
            CONFIG, targets, EngineSettings(seed=SEED, max_seconds=MAX_SECONDS), tmp_path_factory.mktemp("corpus")
        )
        outcome = run_campaign(plan)
        yield Planted(targets, outcome, classes_by_bug(outcome.report.findings))


def _keys(findings: list[Finding]) -> list[str]:
    return [finding.signature.key for finding in findings]


def test_the_campaign_spends_the_default_budget(planted: Planted) -> None:
    result = planted.outcome.result
    assert result.examples == EngineSettings().examples
    assert not result.stopped_by_time and not result.crashed and not result.errors, result.errors


def test_no_class_shows_no_planted_bug(planted: Planted) -> None:
    assert _keys(planted.by_bug[None]) == []


def test_the_noise_makes_no_class(planted: Planted) -> None:
    assert _keys(planted.by_bug[NOISE.name]) == []


def test_the_campaign_learns_exactly_the_planted_noise(planted: Planted) -> None:
    assert sorted(planted.outcome.result.noise) == sorted(NOISE_PATHS)


@pytest.mark.parametrize("bug", BUGS, ids=[bug.name for bug in BUGS])
def test_each_bug_is_found_as_exactly_one_class(planted: Planted, bug: Bug) -> None:
    found = planted.by_bug[bug.name]
    assert len(found) == 1, f"{bug.name} ({bug.shape}) expected one class, {bug.expected}; got {_keys(found)}"


@pytest.mark.parametrize("bug", BUGS, ids=[bug.name for bug in BUGS])
def test_each_bug_s_class_is_the_expected_one(planted: Planted, bug: Bug) -> None:
    assert _keys(planted.by_bug[bug.name]) == [bug.expected]


@pytest.mark.parametrize("bug", BUGS, ids=[bug.name for bug in BUGS])
def test_each_reproducer_is_one_minimal(planted: Planted, bug: Bug) -> None:
    found = planted.by_bug[bug.name]
    if not found:
        pytest.fail(f"{bug.name} was not found")
    policy = campaign_policy(CONFIG.policy, planted.outcome.result)
    with Transport(planted.targets) as transport:
        for finding in found:
            checked = minimality(transport, finding.reproducer.exchange.case, finding.signature, policy)
            assert checked.minimal, checked.explain()
