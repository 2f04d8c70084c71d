"""The Hypothesis internals parity-fuzz relies on, in one place: nothing else imports `hypothesis.internal` or
sets a `_hypothesis_internal_*` attribute.

None of these is public API, so each can change in any release. pyproject.toml admits a range of Hypothesis
versions; CI runs the whole test suite on the oldest and on the newest of them (`make test`, then
`make test-hypothesis-oldest`), and tests/strategies/test_hypothesis_internals.py exercises every function
here on its own, so an upgrade that changes one fails there first, by name.

What the tape (strategies/_source.py) uses:

- `ConjectureData.draw_bytes(n, n)`: one choice, a byte string of exactly n bytes (`draw_tape`);
- `ConjectureData.start_span` / `stop_span` with a label from `calc_label_from_name`: the structure the shrinker
  sees (`start_span`, `stop_span`, `span_label`);
- `ConjectureData.nodes`, each with its `.value`: the choices drawn so far (`choice_count`, `choices_since`);
- `ConjectureData.for_choices`: a replay of a choice sequence, outside any test (`replay_choices`).

What the engine (fuzzer/_engine.py) uses:

- `ChoiceT`: the type of one choice;
- `choices_to_bytes` and `InMemoryExampleDatabase`, with the `<key>.secondary` corpus that the reuse phase replays
  and then shrinks (`save_example`);
- the attributes `_hypothesis_internal_use_seed` (what `@seed` sets, without the `database=None` `@seed` also
  implies) and `_hypothesis_internal_database_key` (the key under which the test's examples are stored), both read
  by `hypothesis.core` when the test runs (`use_seed`, `use_database_key`).

What the differential test (fuzzer/_property.py) uses:

- `current_build_context().is_final`: True while Hypothesis replays a minimal failing example for the last time,
  the run it reports (`final_replay`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from hypothesis import strategies as st
from hypothesis.control import current_build_context
from hypothesis.database import ExampleDatabase, InMemoryExampleDatabase, choices_to_bytes
from hypothesis.errors import InvalidArgument
from hypothesis.internal.conjecture.choice import ChoiceT
from hypothesis.internal.conjecture.data import ConjectureData
from hypothesis.internal.conjecture.utils import calc_label_from_name

__all__ = [
    "ChoiceT",
    "ConjectureData",
    "InMemoryExampleDatabase",
    "choice_count",
    "choices_since",
    "choices_to_bytes",
    "draw_tape",
    "final_replay",
    "replay_choices",
    "save_example",
    "span_label",
    "start_span",
    "stop_span",
    "use_database_key",
    "use_seed",
]

T = TypeVar("T")


# ---------------------------------------------------------------- drawing (the tape)


def span_label(name: str) -> int:
    """The label of a kind of span, derived from its name (the same name gives the same label in every run)."""
    return calc_label_from_name(name)


def draw_tape(data: ConjectureData, size: int) -> bytes:
    """One choice: a byte string of exactly `size` bytes. The shrinker lowers it byte by byte, towards zeros."""
    return data.draw_bytes(size, size)


def start_span(data: ConjectureData, label: int) -> None:
    data.start_span(label)


def stop_span(data: ConjectureData) -> None:
    data.stop_span()


def choice_count(data: ConjectureData) -> int:
    """How many choices `data` holds so far."""
    return len(data.nodes)


def choices_since(data: ConjectureData, start: int) -> tuple[ChoiceT, ...]:
    """The choices drawn since there were `start` of them."""
    return tuple(node.value for node in data.nodes[start:])


def replay_choices(strategy: st.SearchStrategy[T], choices: Sequence[ChoiceT]) -> T:
    """The value `strategy` draws from exactly these choices, outside any test."""
    return ConjectureData.for_choices(tuple(choices)).draw(strategy)


# ---------------------------------------------------------------- running (the engine)


def save_example(database: ExampleDatabase, key: bytes, choices: Sequence[ChoiceT]) -> None:
    """Store a choice sequence where a test whose database key is `key` replays it (the reuse phase), then shrinks
    it: the secondary corpus. The only way Hypothesis accepts a given choice sequence as a test's example."""
    database.save(key + b".secondary", choices_to_bytes(tuple(choices)))


def use_seed(test: Callable[..., Any], seed: int) -> None:
    """Seed a `@given` test, as `@seed(seed)` does, but keep the test's own database setting."""
    test._hypothesis_internal_use_seed = seed  # type: ignore[attr-defined]


def use_database_key(test: Callable[..., Any], key: bytes) -> None:
    """Store a `@given` test's examples under `key` (by default Hypothesis derives it from the test's source)."""
    test._hypothesis_internal_database_key = key  # type: ignore[attr-defined]


def final_replay() -> bool:
    """True while Hypothesis replays a minimal failing example for the last time, before it reports it (False
    outside a test, and in every other call: generating, shrinking, `fuzz_one_input`)."""
    try:
        return current_build_context().is_final
    except InvalidArgument:  # no test is running
        return False
