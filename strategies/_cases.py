"""`cases`: the one strategy the engine draws from, combining the modes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from hypothesis import strategies as st

from fuzzer._model import Case
from strategies._adversarial import adversarial_cases
from strategies._guided import Pool, guided_cases
from strategies._mutated import mutated_cases
from strategies._source import Drawn, Source
from strategies._space import CaseSpace, KindSpec
from strategies._valid import valid_cases

ModeFunction = Callable[[Source, int | None], Case]
"""A mode's case for the kind at an index of `space.kinds` (None: a drawn kind)."""

MODES = ("valid", "mutated", "adversarial")
"""In shrinking order: a failure reproduced by a valid case is preferred to a mutated one, and so on."""


def cases(space: CaseSpace, modes: Sequence[str] = MODES, pool: Pool | None = None) -> st.SearchStrategy[Case]:
    """Cases of the given modes (combined in the order valid, mutated, adversarial, whatever order given).

    With a `pool` (the engine's cases that showed a new outcome pair) and the mutated mode, guided cases —
    mutations of pool members, see `strategies._guided` — come after the others, as one more table entry (a
    seventh of the cases with the three default modes and two kinds).

    Raises ValueError for an unknown mode, no mode, or a space without kinds.
    """
    if isinstance(modes, str):
        raise ValueError(f"modes must be a sequence of mode names, not the string {modes!r}; try [{modes!r}]")
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        raise ValueError(f"unknown mode {unknown[0]!r} in modes={list(modes)!r}; allowed: {', '.join(MODES)}")
    if not modes:
        raise ValueError(f"modes is empty; give at least one of {', '.join(MODES)}")
    _check_space(space)
    space = replace(space, contract=space.knowledge())  # a plug-in named by name is loaded once, here
    formats = space.knowledge().formats
    builders = {"valid": valid_cases, "mutated": mutated_cases, "adversarial": adversarial_cases}
    # One choice picks the mode and the kind together (mode first, then kind, in shrinking order): every choice
    # costs as much as the rest of a small case, and a case is a dozen of them.
    table: tuple[tuple[ModeFunction, int], ...] = tuple(
        (builders[mode](space, formats).function, kind)  # type: ignore[misc]
        for mode in MODES
        if mode in modes
        for kind in range(len(space.kinds))
    )
    if pool is not None and "mutated" in modes:  # one entry: a member brings its own kind
        table += ((guided_cases(space, formats, pool).function, 0),)

    def case(draw: Source) -> Case:
        function, kind = draw.choose(table)
        return function(draw, kind)

    return Drawn(case, f"cases(modes={[mode for mode in MODES if mode in modes]!r})")


def _check_space(space: CaseSpace) -> None:
    if not isinstance(space, CaseSpace):
        raise ValueError(f"space must be a CaseSpace (see default_space()), not {type(space).__name__}")
    if not space.kinds:
        raise ValueError("space.kinds is empty; give at least one KindSpec")
    names = [spec.name for spec in space.kinds]
    if len(set(names)) != len(names):
        raise ValueError(f"space.kinds names must be distinct, got {names!r}")
    for spec in space.kinds:
        if not isinstance(spec, KindSpec):
            raise ValueError(f"space.kinds holds {spec!r}; every kind must be a KindSpec")
        if spec.context_required and spec.context_schema is None:
            raise ValueError(f"kind {spec.name!r}: context_required=True needs a context_schema")
