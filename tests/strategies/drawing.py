"""Drawing many values from a strategy the way the engine does: through `@given`, quickly, reproducibly."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from strategies._source import sample_cases


def draw_many(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    return sample_cases(strategy, count)
