"""The noise probe: paths at which one runtime's two answers to one request differ, beyond the ignore list."""

from __future__ import annotations

from fuzzer._compare import ComparePolicy
from fuzzer._model import JSON
from fuzzer._noise import SAMPLE, NoiseProbe, noisy_paths

from .builders import case, exchange, ok

IGNORE = ComparePolicy().ignore


def answer(request_id: str, elapsed: int) -> JSON:
    return {"valid": True, "kind": "playbook", "request_id": request_id, "elapsed_ms": elapsed}


def test_a_value_that_changes_between_two_answers_is_noise() -> None:
    assert noisy_paths(ok(200, answer("a", 0)), ok(200, answer("b", 0))) == {"/request_id"}


def test_a_path_the_ignore_list_removes_is_not_learned_again() -> None:
    first, second = ok(200, answer("a", 0)), ok(200, answer("a", 1))
    assert noisy_paths(first, second) == {"/elapsed_ms"}
    assert noisy_paths(first, second, IGNORE) == set()


def test_array_elements_are_learned_as_a_pattern() -> None:
    first, second = ok(200, {"trace": [{"at": 1}, {"at": 2}]}), ok(200, {"trace": [{"at": 1}, {"at": 3}]})
    assert noisy_paths(first, second) == {"/trace/*/at"}


def test_different_statuses_or_text_answers_teach_nothing() -> None:
    assert noisy_paths(ok(200, answer("a", 0)), ok(422, answer("b", 0))) == set()
    assert noisy_paths(ok(200, b"id a", "text/plain"), ok(200, b"id b", "text/plain")) == set()


def test_the_probe_learns_each_path_once_and_never_an_ignored_one() -> None:
    probe = NoiseProbe(IGNORE)
    first = [
        exchange(ok(200, answer(f"a{i}", 0)), ok(200, answer("same", 0)), case(label=str(i))) for i in range(SAMPLE)
    ]
    again = [exchange(ok(200, answer(f"b{i}", 1)), ok(200, answer("same", 2))) for i in range(SAMPLE)]
    assert probe.wants(first) == first
    assert probe.learn(0, first, again) == {"/request_id"}
    assert probe.wants(first) == []
    assert not probe.due(probe.interval - 1) and probe.due(probe.interval)
    assert probe.reprobe(probe.interval, again) == set()
    assert probe.learned == {"/request_id"} and probe.sends == 2 * SAMPLE
