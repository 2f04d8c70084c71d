"""Where a case's decisions come from: a tape of bytes drawn from Hypothesis, read a decision at a time.

A case is a dozen small decisions: which mode and kind, which roster worker, which mutation at which site. As
strategy draws (`draw(st.integers(0, n - 1))`) each cost about 85 µs on the reference machine; as single
choices of Hypothesis's choice sequence (`ConjectureData.draw_integer`) still about 30 µs, because Hypothesis
records, sizes and tree-tracks every choice. At a dozen per case that was most of a campaign's time. So a case
draws one choice instead: a *tape*, a fixed-size byte string (`draw_bytes(TAPE, TAPE)`), and every decision
reads the next bytes of it, scaled to its range: one byte for up to 256 values, else two, four or eight. A case
that needs more bytes draws another tape.

Shrinking stays what it was. Hypothesis shrinks a byte string element by element towards zero (all zeros
first, then each byte lowered in turn), and every decision maps lower bytes to a simpler value, monotonically:
index 0, `False`, the low bound. A decision's bytes are read most significant first, so lowering them lowers
the value. Structure the shrinker needs is kept as separate choices in spans: each case of a batch starts a new
tape (so `Batch.alone` can replay it), and so does each element of a `repeat` (so the shrinker can delete a
whole mutation by deleting its tape).

Anything that is not a decision among known values (free text, floats, `hypothesis_jsonschema` fallbacks) is
still drawn as a strategy, with `source.draw(strategy)` or `source(strategy)`.

This uses Hypothesis internals (`ConjectureData.draw_bytes`, spans, `nodes`) that are not public API, all
through strategies/_hypothesis_internals.py, whose tests run on the oldest and the newest supported Hypothesis.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Generic, TypeVar

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from strategies._hypothesis_internals import (
    ChoiceT,
    ConjectureData,
    choice_count,
    choices_since,
    draw_tape,
    span_label,
    start_span,
    stop_span,
)

T = TypeVar("T")

TAPE = 32
"""Bytes per tape: a valid case reads about ten, a mutated one about twenty (over two or three tapes)."""
_ONE_OF_BATCH = span_label("one case of a parity-fuzz batch")
_ONE_MORE = span_label("one more element of a parity-fuzz repeat")
_WIDE = 128
"""Like `st.integers`: a range wider than this makes its bounds and near-bounds more likely."""


class Source:
    """The decisions of one Hypothesis example. `source(strategy)` draws from any strategy; the methods read
    decisions from the current tape, each shrinking towards its simplest value."""

    __slots__ = ("_at", "_data", "_tape")

    def __init__(self, data: ConjectureData) -> None:
        self._data = data
        self._tape = b""
        self._at = 0

    def __call__(self, strategy: st.SearchStrategy[T]) -> T:
        return self._data.draw(strategy)

    draw = __call__

    def new_tape(self) -> None:
        """The next decision starts a tape of its own (a new choice for Hypothesis)."""
        self._tape, self._at = b"", 0

    def _read(self, count: int) -> int:
        """The next `count` bytes of the tape as an unsigned integer, most significant first."""
        if self._at + count > len(self._tape):
            self._tape, self._at = draw_tape(self._data, TAPE), 0
        value = int.from_bytes(self._tape[self._at : self._at + count], "big")
        self._at += count
        return value

    def _byte(self) -> int:
        """`_read(1)`, the common case, without the slicing."""
        at = self._at
        if at >= len(self._tape):
            self._tape, at = draw_tape(self._data, TAPE), 0
        self._at = at + 1
        return self._tape[at]

    def boolean(self) -> bool:
        """True or False, equally likely; shrinks towards False."""
        return self._byte() >= 128

    def index(self, count: int) -> int:
        """0 .. count-1, shrinking towards 0; reads nothing when count is 1."""
        if count <= 1:
            if count < 1:
                raise ValueError("index() needs a count of at least 1")
            return 0
        if count <= 1 << 8:
            return self._byte() * count >> 8
        width = 2 if count <= 1 << 16 else 4 if count <= 1 << 32 else 8
        return self._read(width) * count >> (8 * width)

    def choose(self, values: Sequence[T]) -> T:
        """One of `values`, shrinking towards the first."""
        if not values:
            raise ValueError("choose() needs at least one value")
        return values[self.index(len(values))]

    def integer(self, low: int, high: int) -> int:
        """low .. high, shrinking towards low; in a wide range the bounds and their neighbours come up about one
        time in twenty, as with `st.integers(low, high)`."""
        if low > high:
            raise ValueError(f"integer({low}, {high}): empty range")
        span = high - low + 1
        if span <= _WIDE:
            return low + self.index(span)
        pick = self._byte()
        if pick < len(_BOUNDS):
            return _BOUNDS[pick](low, high)
        return low + self.index(span)

    def repeat(self, low: int, high: int) -> Iterator[int]:
        """Yields 0, 1, ... for `low` to `high` elements, each in a span and on a tape of its own. An element's
        tape ends with the "one more?" decision for the next one (ignored before `low`), so every element carries
        its own continuation: deleting any element's tape leaves the rest aligned and still ended, and the
        shrinker can delete any element, not only the last."""
        data = self._data
        for count in range(high):
            start_span(data, _ONE_MORE)
            self.new_tape()
            yield count
            more = self.boolean()
            stop_span(data)
            if count + 1 >= low and not more:
                return

    def collect(self, function: Callable[[Source], T], count: int) -> Batch[T]:
        """`count` values of `function`, each in a span of its own, remembering the choices each was drawn from."""
        data = self._data
        values: Batch[T] = Batch()
        for _ in range(count):
            start_span(data, _ONE_OF_BATCH)
            self.new_tape()
            start = choice_count(data)
            values.append(function(self))
            values.choices.append(choices_since(data, start))
            stop_span(data)
        return values


_BOUNDS: tuple[Callable[[int, int], int], ...] = (
    lambda low, high: low,
    lambda low, high: low,
    lambda low, high: low + 1,
    lambda low, high: high - 1,
    lambda low, high: high,
    lambda low, high: high,
)
"""A wide range's first byte below len(_BOUNDS) picks a bound (6 in 256: the weights of `st.integers`)."""


class Batch(list[T]):
    """The values of `Source.collect`, with the choices that drew each: `alone(i)` is the choice sequence of
    a one-value batch holding value i, so that value can be replayed (and shrunk) on its own."""

    def __init__(self) -> None:
        super().__init__()
        self.choices: list[tuple[ChoiceT, ...]] = []

    def alone(self, index: int) -> tuple[ChoiceT, ...]:
        return self.choices[index]


class Drawn(SearchStrategy[T], Generic[T]):
    """The strategy of a function of a `Source`. Cheaper than `st.composite`, whose `draw` is a strategy
    draw per call; `function` may call another Drawn's function directly to skip a span."""

    def __init__(self, function: Callable[[Source], T], name: str) -> None:
        super().__init__()
        self.function = function
        self.name = name

    def do_draw(self, data: ConjectureData) -> T:
        return self.function(Source(data))

    def __repr__(self) -> str:
        return self.name


def drawn_function(strategy: st.SearchStrategy[T]) -> Callable[[Source], T]:
    """`strategy` as a function of a Source: a Drawn's own function, any other strategy drawn whole."""
    if isinstance(strategy, Drawn):
        return strategy.function
    return lambda source: source.draw(strategy)


def batches(strategy: st.SearchStrategy[T], size: int) -> st.SearchStrategy[Batch[T]]:
    """Lists of exactly `size` values of `strategy`: one Hypothesis example carries `size` cases, so its
    per-example work (a few hundred microseconds) is shared by all of them. Nothing shrinks a batch: a value
    worth shrinking is replayed alone, in a batch of size 1, from `Batch.alone`."""
    if size < 1:
        raise ValueError(f"batch size {size} must be at least 1")
    function = drawn_function(strategy)

    def batch(source: Source) -> Batch[T]:
        return source.collect(function, size)

    return Drawn(batch, f"batches({strategy!r}, {size})")


def sample_cases(strategy: st.SearchStrategy[T], count: int, seed: int | None = None) -> list[T]:
    """Up to `count` values of `strategy`, as a campaign would draw them (fewer when the strategy has fewer
    distinct ones): reproducible, the same ones for the same seed (None: Hypothesis's fixed derandomised run)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as with_seed

    drawn: list[T] = []

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        derandomize=seed is None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: T) -> None:
        drawn.append(value)

    (collect if seed is None else with_seed(seed)(collect))()
    return drawn[:count]
