"""Drawing many values from a strategy the way the engine does: through `@given`, quickly, reproducibly."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st


def draw_many(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    seen: list[Any] = []

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(value: Any) -> None:
        seen.append(value)

    collect()
    return seen
