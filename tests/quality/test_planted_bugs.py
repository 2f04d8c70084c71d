"""The planted bugs offline: each is triggered by its example (a request and Go's real answer to it), `which_bug`
names it, and `plant` changes the answer; the noise changes only the noise fields. No runtime is started."""

from __future__ import annotations

import json

import pytest

from fuzzer._compare import remove_paths
from fuzzer._model import JSON

from ..faults.server import Answer, Received
from .planted import ALL, BUGS, NOISE, NOISE_PATHS, plant, which_bug

pytestmark = pytest.mark.quality

PLAYBOOK = {"operation": "fill: Welder x1 in Toledo", "endorsed_names": ["Ada Brooks"], "fingerprint": "0"}
FILL = {"fills": [{"candidate_id": "W-1", "name": "Ada Brooks"}]}
CONTEXT = {"target_count": 1, "city": "Toledo", "client_id": "C-1"}
TEXT = "text/plain; charset=utf-8"


def request(
    kind: str = "playbook", artifact: JSON = None, content_type: str = "application/json", **more: JSON
) -> Received:
    envelope = {"kind": kind, "artifact": PLAYBOOK if artifact is None else artifact, **more}
    return Received("POST", "/v1/validate", (("content-type", content_type),), json.dumps(envelope).encode())


def valid(kind: str = "playbook") -> Answer:
    return Answer(200, "application/json", json.dumps({"valid": True, "kind": kind, "elapsed_ms": 0}).encode())


def rejected(kind: str, field: str, reason: str, of: str = "playbook") -> Answer:
    error = {"Kind": kind, "Field": field, "Reason": reason}
    body = {"valid": False, "kind": of, "error": error, "elapsed_ms": 0}
    return Answer(422, "application/json", json.dumps(body).encode())


EXAMPLES: dict[str, tuple[Received, Answer]] = {
    "content-type-415": (request(content_type="application/json; charset=utf-8"), valid()),
    "overflow-500": (request(artifact={**PLAYBOOK, "operation": "fill: Welder x65536 in Toledo"}), valid()),
    "count-limit": (request(artifact={**PLAYBOOK, "operation": "fill: Welder x100 in Toledo"}), valid()),
    "target-count-echo": (request(artifact={**PLAYBOOK, "target_count": 1}), valid()),
    "fill-content-type": (request("fill", FILL, context=CONTEXT), valid("fill")),
    "target-count-unchecked": (
        request(artifact={**PLAYBOOK, "target_count": 2}),
        rejected("consistency", "target_count", "mismatch"),
    ),
    "artifact-400": (request(artifact=[]), rejected("schema", "artifact", "expected object")),
    "folded-id": (
        request("fill", {"fills": [{"candidate_id": "W-X", "name": ""}]}, context=CONTEXT),
        rejected("consistency", "fills[0].candidate_id", "unknown candidate W-X", "fill"),
    ),
    "fingerprint-reason": (
        request(artifact={**PLAYBOOK, "fingerprint": ""}),
        rejected("schema", "fingerprint", "missing"),
    ),
    "unindexed-field": (
        request("fill", {"fills": [*FILL["fills"], {"candidate_id": "W-7"}]}, context=CONTEXT),
        rejected("schema", "fills[1].name", "missing", "fill"),
    ),
    "renamed-reason-key": (request(artifact={}), rejected("schema", "endorsed_names", "missing")),
    "operation-kind": (request(artifact={}), rejected("schema", "operation", "missing")),
    "unknown-kind-text": (request("Fill"), Answer(400, TEXT, b'unknown kind "Fill"\n')),
}


def _view(answer: Answer) -> tuple[int, str | None, JSON]:
    try:
        body: JSON = json.loads(answer.body)
    except ValueError:
        body = answer.body
    return answer.status, answer.content_type, body


def test_every_bug_has_an_example() -> None:
    assert list(EXAMPLES) == [bug.name for bug in BUGS]


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_the_example_shows_its_bug_and_the_answer_changes(name: str) -> None:
    received, real = EXAMPLES[name]
    assert which_bug(received, real) == name
    planted = plant(received, real, noise=False)
    assert _view(planted) != _view(real)
    assert plant(received, real, noise=False) == planted  # the same request and answer, the same rewrite


@pytest.mark.parametrize(
    ("received", "real"),
    [
        (
            request("fill", FILL, context=CONTEXT),
            rejected("consistency", "fills[0].candidate_id", "unknown candidate w-x"),
        ),
        (request(), rejected("completeness", "endorsed_names", "empty")),
        (request(content_type=""), valid()),
    ],
    ids=["lower-case unknown id", "a rule no bug touches", "empty content type"],
)
def test_an_answer_no_bug_touches_gets_only_the_noise(received: Received, real: Answer) -> None:
    assert which_bug(received, real) == NOISE.name
    assert plant(received, real, noise=False) == real


def test_a_text_answer_no_bug_touches_is_left_alone() -> None:
    real = Answer(400, TEXT, b"invalid request body: EOF\n")
    assert which_bug(request(), real) is None
    assert plant(request(), real) == real


def test_the_noise_changes_only_its_fields_and_changes_them_every_time() -> None:
    received, real = request(), valid()
    first, second = (json.loads(plant(received, real).body) for _ in range(2))
    for path in NOISE_PATHS:
        assert first[path[1:]] != second[path[1:]]
    assert remove_paths(first, NOISE_PATHS) == json.loads(real.body)


def test_names_and_shapes_are_distinct() -> None:
    assert len(BUGS) >= 12
    assert len({bug.name for bug in ALL}) == len(ALL)
    assert len({bug.shape for bug in ALL}) == len(ALL)
