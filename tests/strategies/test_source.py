"""The tape: how a case's decisions come from Hypothesis, replay alone, and shrink towards the simplest value.

The Hypothesis internals underneath are tested one by one in test_hypothesis_internals.py.
"""

from __future__ import annotations

from drawing import draw_many
from hypothesis import HealthCheck, find, settings

from strategies import Batch, Drawn, Source, batches, cases, default_space
from strategies._hypothesis_internals import replay_choices
from strategies._source import TAPE

SPACE = default_space()


def decisions(source: Source) -> tuple[int, bool, int, int, int]:
    return (source.index(3), source.boolean(), source.integer(5, 9), source.integer(1, 2**31 - 1), source.index(1908))


def replay(strategy: Drawn[object], choices: tuple[object, ...]) -> object:
    return replay_choices(strategy, choices)  # type: ignore[arg-type]


def test_an_all_zero_tape_gives_every_decision_its_simplest_value() -> None:
    assert replay(Drawn(decisions, "d"), (bytes(TAPE),)) == (0, False, 5, 1, 0)


def test_lower_bytes_never_give_a_larger_value() -> None:
    strategy = Drawn(lambda source: source.index(7), "index")
    values = [replay(strategy, (bytes([byte]) + bytes(TAPE - 1),)) for byte in range(256)]
    assert values == sorted(values) and set(values) == set(range(7))
    wide = Drawn(lambda source: source.index(1908), "wide")
    values = [replay(wide, (bytes([high, 0]) + bytes(TAPE - 2),)) for high in range(256)]
    assert values == sorted(values) and values[0] == 0 and values[-1] >= 1900


def test_a_case_needing_more_bytes_draws_another_tape() -> None:
    long = Drawn(lambda source: [source.index(256) for _ in range(TAPE + 3)], "long")
    choices = (bytes(range(TAPE)), bytes([7, 8, 9]) + bytes(TAPE - 3))
    assert replay(long, choices) == [*range(TAPE), 7, 8, 9]


def test_each_case_of_a_batch_replays_alone_from_its_own_choices() -> None:
    drawn: list[Batch[object]] = draw_many(batches(cases(SPACE), 16), 5)
    for batch in drawn:
        assert len(batch) == 16 == len(batch.choices)
        for index in (0, 7, 15):
            alone = replay(batches(cases(SPACE), 1), batch.alone(index))
            assert alone == [batch[index]]


def test_cases_take_few_choices() -> None:
    """The point of the tape: a handful of Hypothesis choices per case, not one per decision."""
    drawn: list[Batch[object]] = draw_many(batches(cases(SPACE), 16), 40)
    counts = [len(choices) for batch in drawn for choices in batch.choices]
    assert sum(counts) / len(counts) < 4, counts


def test_any_case_shrinks_to_the_simplest_valid_case() -> None:
    minimal = find(
        cases(SPACE),
        lambda case: True,
        settings=settings(database=None, derandomize=True, suppress_health_check=list(HealthCheck)),
    )
    assert minimal.label == "valid playbook"
    assert minimal.mode == "valid"
