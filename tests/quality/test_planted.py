"""Quality: differences planted in front of a real runtime are found, each as its own class, and shrunk to the
known minimal case (after Hypothesis's own `quality/` tests).

Both targets are the real Go runtime; the second is reached through a proxy that plants two differences:

- a *status* difference: 500 for a playbook whose `target_count` is 5 or more — minimal: an artifact holding only
  `target_count` 5 (Go's answer against a text rejection is only `parsed`, so the rest of the playbook goes);
- a *semantic* difference: `kind` echoed in upper case for a fill of 3 or more candidates — minimal: 3 fills
  (the echoed kind is a scope path: the class is "understood differently").
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from fuzzer._campaign import CampaignPlan, run_campaign
from fuzzer._config import Config
from fuzzer._engine import EngineSettings
from fuzzer._model import JSON, Level, Target
from fuzzer._runtimes import reference_pair

from ..faults.server import Answer, Received, serve

pytestmark = pytest.mark.quality


def _artifact(request: Received) -> JSON:
    try:
        return json.loads(request.body).get("artifact")
    except (ValueError, AttributeError):
        return None


def plant(request: Received, answer: Answer) -> Answer:
    artifact = _artifact(request)
    if not isinstance(artifact, dict):
        return answer
    count = artifact.get("target_count")
    if isinstance(count, int) and not isinstance(count, bool) and count >= 5:
        return Answer(500, "text/plain", b"planted: too many")
    fills = artifact.get("fills")
    if isinstance(fills, list) and len(fills) >= 3 and answer.status == 200:
        body = json.loads(answer.body)
        body["kind"] = str(body.get("kind", "")).upper()
        return Answer(answer.status, answer.content_type, json.dumps(body).encode())
    return answer


@pytest.fixture(scope="module")
def planted_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Target, Target]]:
    with reference_pair(log_dir=tmp_path_factory.mktemp("logs")) as runtimes:
        go = runtimes.targets[1]
        with serve(f"proxy={go.url}", plant) as proxy:
            yield Target("go", go.url), Target("planted", proxy.url)


def test_both_planted_differences_are_found_alone_and_shrunk_to_the_minimal_case(
    planted_pair: tuple[Target, Target], tmp_path: Path
) -> None:
    plan = CampaignPlan(Config(), planted_pair, EngineSettings(examples=400, seed=1), tmp_path, modes=("valid",))
    outcome = run_campaign(plan)
    found = {f.signature.level: f for f in outcome.report.findings}
    assert len(outcome.report.findings) == 2, [f.signature.key for f in outcome.report.findings]

    status = found[Level.STATUS]
    assert status.signature.key == 'parsed | 500 text "planted: too many"'
    assert status.reproducer.exchange.case.artifact == {"target_count": 5}

    semantic = found[Level.SEMANTIC]
    assert semantic.signature.key == "understood differently"  # the echoed kind is a scope path
    assert len(semantic.reproducer.exchange.case.artifact["fills"]) == 3
    assert semantic.reproducer.exchange.case.context["target_count"] == 3
