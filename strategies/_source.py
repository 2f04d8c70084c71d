"""Where a case's choices come from: Hypothesis's choice sequence, read directly.

A case is a handful of small decisions: which mode, which kind, which roster worker, which mutation at which
site. Drawn as `draw(st.integers(0, n - 1))`, each decision costs a strategy draw: a span, argument
validation and the strategy's own bookkeeping, about 60 µs on the reference machine on top of the choice itself
(about 25 µs). A campaign makes a dozen decisions per case, so this overhead alone capped it near 600 cases/s
before anything was sent. `Source` makes each decision one choice of Hypothesis's choice sequence
(`ConjectureData.draw_integer` / `draw_boolean`, what `st.integers` and `st.booleans` end in), so the shrinker
sees exactly the same kind of choices and minimises them the same way: towards index 0, `False`, the low
bound. Structure the shrinker needs is kept as spans: one per case and one per element of a repeated part
(`repeat`, the same `many` that `st.lists` uses), so it can delete a whole case or a whole mutation.

Anything that is not a single decision (free text, floats, `hypothesis_jsonschema` fallbacks) is still drawn
as a strategy, with `source.draw(strategy)` or `source(strategy)`.

This reads Hypothesis internals (`ConjectureData`, `conjecture.utils.many`) that are not public API; the
hypothesis version is pinned in pyproject.toml and tests/strategies/test_pins.py fails when they change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Generic, TypeVar

from hypothesis import strategies as st
from hypothesis.internal.conjecture.choice import ChoiceT
from hypothesis.internal.conjecture.data import ConjectureData
from hypothesis.internal.conjecture.utils import calc_label_from_name
from hypothesis.strategies._internal.strategies import SearchStrategy

T = TypeVar("T")

_ONE_OF_BATCH = calc_label_from_name("one case of a parity-fuzz batch")
_ONE_MORE = calc_label_from_name("one more element of a parity-fuzz repeat")
_WIDE = 127
"""Like `st.integers`: a range wider than this makes its bounds and near-bounds more likely."""


class Source:
    """The choices of one Hypothesis example. `source(strategy)` draws from any strategy; the methods draw
    single decisions directly, each shrinking towards its simplest value."""

    __slots__ = ("_data",)

    def __init__(self, data: ConjectureData) -> None:
        self._data = data

    def __call__(self, strategy: st.SearchStrategy[T]) -> T:
        return self._data.draw(strategy)

    draw = __call__

    def boolean(self) -> bool:
        """True or False, equally likely; shrinks towards False."""
        return self._data.draw_boolean()

    def index(self, count: int) -> int:
        """0 .. count-1, shrinking towards 0; no choice at all when count is 1."""
        if count <= 1:
            if count < 1:
                raise ValueError("index() needs a count of at least 1")
            return 0
        return self._data.draw_integer(0, count - 1)

    def choose(self, values: Sequence[T]) -> T:
        """One of `values`, shrinking towards the first."""
        if not values:
            raise ValueError("choose() needs at least one value")
        return values[self.index(len(values))]

    def integer(self, low: int, high: int) -> int:
        """low .. high, shrinking towards low (towards 0 when the range holds it), bounds favoured like
        `st.integers(low, high)`."""
        if low > high:
            raise ValueError(f"integer({low}, {high}): empty range")
        weights = None
        if high - low > _WIDE:
            weights = {low: 2 / 128, low + 1: 1 / 128, high - 1: 1 / 128, high: 2 / 128}
        return self._data.draw_integer(low, high, weights=weights)

    def repeat(self, low: int, high: int) -> Iterator[int]:
        """Yields 0, 1, ... for `low` to `high` elements, each in a span of its own: `low` of them, then a
        "one more?" choice before each further one (as `st.lists` draws, less the choices it forces), so the
        shrinker can delete any element, not only the last."""
        data = self._data
        for count in range(high):
            data.start_span(_ONE_MORE)  # the "one more?" choice inside: deleting the span deletes both
            if count >= low and not data.draw_boolean():
                data.stop_span()
                return
            yield count
            data.stop_span()

    def collect(self, function: Callable[[Source], T], count: int) -> Batch[T]:
        """`count` values of `function`, each in a span of its own, remembering the choices each was drawn from."""
        data = self._data
        values: Batch[T] = Batch()
        for _ in range(count):
            data.start_span(_ONE_OF_BATCH)
            start = len(data.nodes)
            values.append(function(self))
            values.choices.append(tuple(node.value for node in data.nodes[start:]))
            data.stop_span()
        return values


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
