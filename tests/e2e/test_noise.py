"""Learned noise: a runtime that stamps every answer with a request id and a timestamp does not change the list.

The bundled pair is fuzzed twice with one seed: once as it is, once with a proxy in front of Go that adds a
random `request_id` and a microsecond `timestamp` to every JSON answer. Without noise learning every case would
diverge on those two paths; with it, the campaign must find the same classes, none keyed on them.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fuzzer._campaign import CampaignPlan, run_campaign
from fuzzer._config import Config
from fuzzer._engine import EngineSettings
from fuzzer._model import Target

from ..faults.server import Answer, Received, serve
from .conftest import Pair

pytestmark = pytest.mark.e2e

SETTINGS = EngineSettings(examples=500, seed=11, max_seconds=120)


def stamp(request: Received, answer: Answer) -> Answer:
    try:
        body = json.loads(answer.body)
    except ValueError:
        return answer
    if not isinstance(body, dict):
        return answer
    body["request_id"] = str(uuid.uuid4())
    body["timestamp"] = datetime.now(UTC).isoformat()
    return Answer(answer.status, answer.content_type, json.dumps(body).encode())


def _keys(pair: tuple[Target, Target], corpus: Path, learn: bool = True) -> tuple[set[str], tuple[str, ...]]:
    outcome = run_campaign(CampaignPlan(Config(), pair, SETTINGS, corpus, learn_noise=learn))
    return {f.signature.key for f in outcome.report.findings}, outcome.report.noise


def test_noise_fields_are_learned_and_the_classes_are_the_same(reference_pair: Pair, tmp_path: Path) -> None:
    plain, plain_noise = _keys(reference_pair, tmp_path / "plain")
    rust, go = reference_pair
    with serve(f"proxy={go.url}", stamp) as proxy:
        stamped, noise = _keys((rust, Target("go", proxy.url)), tmp_path / "stamped")
    assert plain_noise == ()
    assert set(noise) == {"/request_id", "/timestamp"}
    assert stamped == plain
    assert not any("request_id" in key or "timestamp" in key for key in stamped)


def test_without_noise_learning_the_stamps_are_differences(reference_pair: Pair, tmp_path: Path) -> None:
    rust, go = reference_pair
    settings = EngineSettings(examples=64, seed=11, max_seconds=60)
    with serve(f"proxy={go.url}", stamp) as proxy:
        plan = CampaignPlan(Config(), (rust, Target("go", proxy.url)), settings, tmp_path, learn_noise=False)
        outcome = run_campaign(plan)
    assert outcome.report.noise == ()
    assert any("request_id" in f.signature.key for f in outcome.report.findings)
