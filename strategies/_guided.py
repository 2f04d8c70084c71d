"""Guided cases: mutations of the cases that showed an outcome pair not seen before (NEZHA's δ-diversity).

The engine keeps a *pool* (`fuzzer._guide`) of cases whose outcome pair — per side, the status and the rule or
rejection template — was new. A guided case takes one pool member's envelope and applies one to three of the
mutated mode's mutations to it, so a rare combination (one mutation inside an otherwise valid fill, a long
array on a valid playbook) is one mutation away instead of thousands of examples. Everything is drawn from the
tape, so guided cases shrink (the member towards the earliest, the mutations away), and a seed gives the same
campaign: the pool a case sees is fixed by the call it is drawn in. An empty pool gives mutated cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from fuzzer._model import JSON, Case
from strategies._mutated import Mutator, mutated_cases
from strategies._paths import Path, sites
from strategies._schema import Draw, Formats
from strategies._source import Drawn
from strategies._space import CaseSpace
from strategies._valid import Draft, case_of


@dataclass(frozen=True, slots=True)
class PoolMember:
    kind: str
    envelope: JSON
    label: str
    places: tuple[tuple[Path, JSON], ...] = ()  # `sites(envelope)`, computed once for every case drawn from it

    @classmethod
    def of(cls, kind: str, envelope: JSON, label: str) -> PoolMember:
        return cls(kind, envelope, label, tuple(sites(envelope)))


class Pool(Protocol):
    def visible(self) -> Sequence[PoolMember]:
        """The members a case drawn now may start from (the same for every draw of one call)."""
        ...


def guided_cases(space: CaseSpace, formats: Formats, pool: Pool) -> Drawn[Case]:
    fallback = mutated_cases(space, formats).function
    mutate = Mutator(space)

    def guided(draw: Draw, kind: int | None = None) -> Case:
        members = pool.visible()
        if not members:
            return fallback(draw, kind)
        member = draw.choose(members)
        envelope, labels = mutate(draw, member.kind, member.envelope, member.places)
        draft = Draft(member.kind, member.envelope)
        return case_of(space, draft, "guided", f"guided {member.kind}: {'; '.join(labels)}", envelope=envelope)

    return Drawn(guided, "guided_cases()")
