"""A real campaign on the reference pair: distinct classes, minimal reproducers saved, and replays that agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzzer._campaign import CampaignOutcome, CampaignPlan, read_policy, run_campaign
from fuzzer._config import Config
from fuzzer._engine import EngineSettings
from fuzzer._model import Level
from fuzzer._replay import Verdict, replay
from fuzzer._send import Transport
from fuzzer._store import load

from .conftest import Pair

pytestmark = pytest.mark.e2e
SEED = 20261125


def campaign(pair: Pair, corpus: Path, examples: int = 300) -> CampaignOutcome:
    plan = CampaignPlan(Config(), pair, EngineSettings(examples=examples, seed=SEED), corpus)
    return run_campaign(plan)


@pytest.fixture(scope="module")
def first(reference_pair: Pair, tmp_path_factory: pytest.TempPathFactory) -> tuple[CampaignOutcome, Path]:
    corpus = tmp_path_factory.mktemp("corpus")
    return campaign(reference_pair, corpus), corpus


def test_finds_the_error_shape_class_and_at_least_three_others(first: tuple[CampaignOutcome, Path]) -> None:
    outcome, _ = first
    assert outcome.result.examples == 300
    new = [f for f in outcome.report.findings if not f.known]
    levels = [f.signature.level for f in new]
    assert levels.count(Level.WIRE_SHAPE) == 1, [f.signature.key for f in new]
    assert len(new) >= 4
    assert len({f.signature.digest for f in new}) == len(new)


def test_every_reproducer_is_saved_minimal_and_replays_to_its_own_signature(
    first: tuple[CampaignOutcome, Path], reference_pair: Pair
) -> None:
    outcome, corpus = first
    saved, errors = load([corpus])
    assert not errors
    assert len(saved) == outcome.new_classes == len(outcome.saved)
    assert all(path.parent.name == "found" for path in outcome.saved.values())
    with Transport(reference_pair) as transport:
        judged = replay(saved, transport, read_policy(transport, Config()))  # as `parity-fuzz replay` does
    assert [j.verdict for j in judged] == [Verdict.KNOWN] * len(saved), [(j.label, j.detail) for j in judged]
    shape = next(f for f in outcome.report.findings if f.signature.level is Level.WIRE_SHAPE)
    # Shrunk: the wire-shape reproducer is a short request, not a grown random artifact.
    assert len(shape.reproducer.exchange.case.request.body) < 120, shape.reproducer.exchange.case.request.body


def test_running_the_same_campaign_again_adds_nothing(
    first: tuple[CampaignOutcome, Path], reference_pair: Pair
) -> None:
    _, corpus = first
    before = sorted(corpus.rglob("*.json"))
    again = campaign(reference_pair, corpus)
    assert again.new_classes == 0, [f.signature.key for f in again.report.findings if not f.known]
    assert sorted(corpus.rglob("*.json")) == before
    assert again.result.examples == 300


def test_with_go_serde_errors_the_shape_class_is_gone(serde_pair: Pair, tmp_path: Path) -> None:
    outcome = campaign(serde_pair, tmp_path)
    levels = {f.signature.level for f in outcome.report.findings}
    assert Level.WIRE_SHAPE not in levels
    assert outcome.new_classes >= 3
