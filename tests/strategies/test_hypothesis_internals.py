"""Every Hypothesis internal parity-fuzz uses, exercised on its own through strategies/_hypothesis_internals.py.

CI runs these on the oldest and on the newest Hypothesis that pyproject.toml admits: an upgrade that changes an
internal fails here, by name, before it shows up as a campaign that no longer shrinks or replays.
"""

from __future__ import annotations

import re
import typing
import unittest
from pathlib import Path

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from strategies import Drawn, Source
from strategies._hypothesis_internals import (
    ChoiceT,
    ConjectureData,
    InMemoryExampleDatabase,
    choice_count,
    choices_since,
    choices_to_bytes,
    draw_tape,
    final_replay,
    replay_choices,
    save_example,
    span_label,
    start_span,
    stop_span,
    use_database_key,
    use_seed,
)

ROOT = Path(__file__).resolve().parents[2]
QUIET = settings(database=None, deadline=None, suppress_health_check=list(HealthCheck))


def tape(size: int) -> Drawn[bytes]:
    return Drawn(lambda source: draw_tape(source._data, size), f"tape({size})")


def test_the_installed_version_is_reported() -> None:
    print(f"hypothesis {hypothesis.__version__}")  # shown with -s, and in CI logs of the two passes
    assert re.fullmatch(r"\d+\.\d+\.\d+", hypothesis.__version__)


def test_choice_type_covers_the_tape() -> None:
    assert bytes in typing.get_args(ChoiceT)
    assert int in typing.get_args(ChoiceT)


def test_span_labels_are_stable_and_distinct() -> None:
    assert span_label("a parity-fuzz span") == span_label("a parity-fuzz span")
    assert span_label("a parity-fuzz span") != span_label("another parity-fuzz span")
    assert isinstance(span_label("x"), int)


def test_draw_tape_is_one_choice_of_exactly_that_many_bytes() -> None:
    assert replay_choices(tape(4), (b"\x01\x02\x03\x04",)) == b"\x01\x02\x03\x04"
    data = ConjectureData.for_choices((b"abcd", b"efgh"))
    assert data.draw(tape(4)) == b"abcd"
    assert choice_count(data) == 1
    assert data.draw(tape(4)) == b"efgh"
    assert choice_count(data) == 2


def test_a_tape_shrinks_byte_by_byte_towards_zeros() -> None:
    minimal = find(tape(8), lambda value: value[0] >= 10 and value[5] >= 3, settings=QUIET)
    assert minimal == bytes([10, 0, 0, 0, 0, 3, 0, 0])


def test_choices_since_returns_the_values_drawn_after_a_point() -> None:
    data = ConjectureData.for_choices((b"aa", b"bb", b"cc"))
    data.draw(tape(2))
    start = choice_count(data)
    data.draw(tape(2))
    data.draw(tape(2))
    assert choices_since(data, start) == (b"bb", b"cc")
    assert choices_since(data, 0) == (b"aa", b"bb", b"cc")


def test_spans_are_recorded_with_their_label() -> None:
    label = span_label("one parity-fuzz test span")

    def spanned(source: Source) -> bytes:
        data = source._data
        start_span(data, label)
        value = draw_tape(data, 2)
        stop_span(data)
        return value

    data = ConjectureData.for_choices((b"xy",))
    assert data.draw(Drawn(spanned, "spanned")) == b"xy"
    data.freeze()
    assert any(span.label == label for span in data.spans)


def test_replay_choices_redraws_a_strategy_from_its_choices() -> None:
    data = ConjectureData.for_choices((b"\x07" * 4, b"\x00" * 4))
    first = data.draw(tape(4))
    assert replay_choices(tape(4), (first,)) == first


def test_a_saved_example_is_replayed_then_shrunk_under_its_database_key() -> None:
    database = InMemoryExampleDatabase()
    save_example(database, b"parity-fuzz-test", (bytes([200, 9, 9, 9]),))
    seen: list[bytes] = []

    @settings(
        database=database,
        phases=[Phase.reuse, Phase.shrink],
        deadline=None,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(tape(4))
    def probe(value: bytes) -> None:
        seen.append(value)
        assert value[0] < 100

    use_database_key(probe, b"parity-fuzz-test")
    try:
        probe()
    except AssertionError:
        pass
    else:  # pragma: no cover - the stored example must fail
        raise AssertionError("the stored example was not replayed")
    assert seen[0] == bytes([200, 9, 9, 9])  # replayed first, exactly
    assert bytes([100, 0, 0, 0]) in seen  # then shrunk to the smallest failing tape


def test_a_run_that_replays_nothing_raises_skiptest() -> None:
    """Under another key the stored example is not found: nothing runs, and Hypothesis says so with SkipTest
    (which the engine reports as a class it could not shrink)."""
    database = InMemoryExampleDatabase()
    save_example(database, b"parity-fuzz-test", (bytes(4),))
    seen: list[bytes] = []

    @settings(database=database, phases=[Phase.reuse], deadline=None)
    @given(tape(4))
    def probe(value: bytes) -> None:
        seen.append(value)

    use_database_key(probe, b"another-key")
    with pytest.raises(unittest.SkipTest):
        probe()
    assert seen == []


def test_choices_to_bytes_round_trips_a_choice_sequence() -> None:
    assert isinstance(choices_to_bytes((b"\x00\x01", 3, True)), bytes)
    assert choices_to_bytes((b"ab",)) != choices_to_bytes((b"ba",))


def test_use_seed_makes_generation_repeatable_and_keeps_the_database() -> None:
    def run(seed: int) -> list[bytes]:
        seen: list[bytes] = []
        database = InMemoryExampleDatabase()

        @settings(database=database, max_examples=20, phases=[Phase.generate], deadline=None, derandomize=False)
        @given(tape(4))
        def probe(value: bytes) -> None:
            seen.append(value)

        use_seed(probe, seed)
        probe()
        return seen

    assert run(1) == run(1)
    assert run(1) != run(2)


def test_final_replay_is_true_only_in_the_last_run_of_a_failing_example() -> None:
    seen: list[tuple[int, bool]] = []

    @settings(QUIET, max_examples=50, report_multiple_bugs=False)
    @given(st.integers(0, 100))
    def probe(value: int) -> None:
        seen.append((value, final_replay()))
        assert value < 10

    assert final_replay() is False  # outside any test
    with pytest.raises(AssertionError):
        probe()
    finals = [value for value, final in seen if final]
    assert finals == [10] and seen[-1] == (10, True)  # the minimal example, replayed once, last


def test_st_data_and_the_tape_work_together() -> None:
    """A Drawn strategy inside an ordinary strategy (st.tuples), as users compose them."""

    @QUIET
    @given(st.tuples(tape(2), st.integers(0, 3)))
    def probe(pair: tuple[bytes, int]) -> None:
        assert len(pair[0]) == 2

    probe()


def test_no_other_module_reaches_into_hypothesis_internals() -> None:
    allowed = {
        Path("strategies/_hypothesis_internals.py"),
        Path("tests/strategies/test_hypothesis_internals.py"),
    }
    inline: dict[Path, set[str]] = {}
    pattern = re.compile(r"hypothesis\.internal|hypothesis\.strategies\._internal|_hypothesis_internal_\w+")
    offenders = []
    for folder in ("fuzzer", "strategies", "tests", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative in allowed:
                continue
            for match in pattern.finditer(path.read_text(encoding="utf-8")):
                if match.group() not in inline.get(relative, set()):
                    offenders.append(f"{relative}: {match.group()}")
    assert offenders == []
