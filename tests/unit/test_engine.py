"""The engine's bookkeeping, on an in-process transport whose differences are planted (the real runtimes are
exercised in tests/e2e and tests/quality): exact example counts, segment boundaries, determinism per seed,
known classes left alone, flaky answers never raised into Hypothesis."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import pytest
from hypothesis import strategies as st

from fuzzer._compare import ComparePolicy
from fuzzer._engine import Engine, EngineSettings
from fuzzer._model import Case, Exchange, Outcome, Response, Target, WireRequest

PAIR = (Target("a", "http://127.0.0.1:1"), Target("b", "http://127.0.0.1:2"))
Answer = Callable[[int], tuple[int, int]]


class PlantedTransport:
    """Answers `(status_a, status_b) = answer(n)` for the case carrying the number n."""

    def __init__(self, answer: Answer) -> None:
        self.targets = PAIR
        self.answer = answer
        self.sent: list[int] = []

    def exchange_many(self, cases: Sequence[Case]) -> list[Exchange]:
        exchanges = []
        for case in cases:
            number = int(case.request.body)
            self.sent.append(number)
            a, b = self.answer(number)
            responses = (Response(Outcome.OK, a, "text/plain", b"x"), Response(Outcome.OK, b, "text/plain", b"x"))
            exchanges.append(Exchange(case, PAIR, responses))
        return exchanges

    def exchange(self, case: Case) -> Exchange:
        return self.exchange_many([case])[0]

    def start(self, cases: Sequence[Case]) -> list[Exchange]:
        return self.exchange_many(cases)

    def finish(self, flight: list[Exchange]) -> list[Exchange]:
        return flight

    def abandon(self, flight: list[Exchange]) -> None:
        pass

    def get(self, index: int, path: str) -> Response:
        return Response(Outcome.OK, 200)


def numbers() -> st.SearchStrategy[Case]:
    return st.integers(0, 10_000).map(
        lambda n: Case("k", WireRequest("POST", "/", (), str(n).encode()), "valid", f"n={n}")
    )


def planted(n: int) -> tuple[int, int]:
    """Three classes: n ≥ 9000 → 200|500, 5000 ≤ n < 6000 → 200|404, 3000 ≤ n < 3500 → 200|400."""
    if n >= 9000:
        return 200, 500
    if 5000 <= n < 6000:
        return 200, 404
    if 3000 <= n < 3500:
        return 200, 400
    return 200, 200


def run(transport: PlantedTransport, known: frozenset[str] = frozenset(), **settings: int) -> Engine:
    engine = Engine(transport, numbers(), ComparePolicy(), known, EngineSettings(**settings))  # type: ignore[arg-type]
    engine.result = engine.run()  # type: ignore[attr-defined]
    return engine


def test_exactly_n_examples_whatever_is_found_even_across_small_segments() -> None:
    for segment in (1, 3, 10, 200):
        engine = run(PlantedTransport(planted), examples=500, seed=4, segment=segment, confirm=1)
        assert engine.result.examples == 500, segment  # type: ignore[attr-defined]


def test_each_class_is_shrunk_alone_to_its_own_minimal_case() -> None:
    engine = run(PlantedTransport(planted), examples=1000, seed=1, confirm=2)
    findings = engine.result.findings  # type: ignore[attr-defined]
    minimal = {f.signature.statuses: int(f.reproducer.exchange.case.request.body) for f in findings}
    # Each class shrinks to the lower edge of its own range: none slipped into a smaller class's range.
    assert minimal == {("200", "500"): 9000, ("200", "404"): 5000, ("200", "400"): 3000}
    assert all(f.shrunk and f.confirmations == 2 for f in engine.result.findings)  # type: ignore[attr-defined]


@pytest.mark.parametrize("batch", [1, 4, 16])
def test_the_same_seed_sends_the_same_cases_and_finds_nothing_new_once_known(batch: int) -> None:
    first = PlantedTransport(planted)
    engine = run(first, examples=600, seed=9, segment=50, confirm=0, batch=batch)
    known = frozenset(signature.digest for signature in engine.ledger.classes)
    again = PlantedTransport(planted)
    rerun = run(again, known, examples=600, seed=9, segment=50, confirm=0, batch=batch)
    assert rerun.result.findings == []  # type: ignore[attr-defined]
    assert rerun.result.examples == 600  # type: ignore[attr-defined]
    assert {f.signature for f in rerun.result.known} == set(engine.ledger.classes)  # type: ignore[attr-defined]


def test_known_classes_are_counted_not_shrunk() -> None:
    engine = run(PlantedTransport(planted), examples=300, seed=2, confirm=0)
    known = frozenset(signature.digest for signature in engine.ledger.classes)
    transport = PlantedTransport(planted)
    rerun = run(transport, known, examples=300, seed=3, confirm=0)
    assert rerun.shrink_calls == 0 or rerun.result.findings  # type: ignore[attr-defined]
    assert all(f.count >= 1 for f in rerun.result.known)  # type: ignore[attr-defined]


def test_an_answer_that_changes_when_sent_again_is_flaky_not_a_class() -> None:
    flips = itertools.count()

    def unstable(n: int) -> tuple[int, int]:
        return (200, 503) if n >= 9000 and next(flips) % 2 == 0 else (200, 200)

    engine = run(PlantedTransport(unstable), examples=400, seed=1, confirm=3)
    assert engine.result.findings == []  # type: ignore[attr-defined]
    assert engine.result.flaky  # type: ignore[attr-defined]
