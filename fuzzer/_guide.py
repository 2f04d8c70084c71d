"""Guide: outcome coverage, and the pool of cases whose outcome pair was new (NEZHA's output δ-diversity).

Every counted case has an outcome pair: per side, the status plus the rule its JSON answer names or the
template of its text rejection (`fuzzer._outcome`). The guide counts the pairs seen (per kind and per side) and
keeps, in a bounded pool, each case whose pair was new and whose body is a JSON object. Guided cases
(`strategies._guided`) mutate pool members.

Determinism: a member is tagged with the segment it was observed in, and the cases of a segment see only the
members of earlier segments. Hypothesis requires the draws of one run to replay alike (the same choices must
lead to the same draws), so the pool cannot change during a run; and a run that starts a segment again after
finding a class, or shrinks a class, sees the pool its first run saw. Only counted cases are observed, so the
pool does not depend on what the corpus knows. Segments start short and double (`EngineSettings.calls_in`), so
the pool grows early in a campaign.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from fuzzer._model import Case, Comparison
from strategies._guided import PoolMember
from strategies._wire import encode_json

POOL_LIMIT = 512
"""Members kept; later new pairs are counted but not kept (memory stays flat)."""

MAX_DEPTH = 16
"""Deeper bodies (the adversarial deep nests) are not pool members: their mutations would only nest deeper."""


@dataclass(frozen=True, slots=True)
class OutcomeCoverage:
    """What the report shows: distinct outcome pairs, per kind, per side, and the pool's size."""

    pairs: int
    per_kind: dict[str, int]
    per_side: tuple[int, int]
    pool: int
    guided: int  # counted cases drawn by the guided mode

    def text(self, names: tuple[str, str]) -> str:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(self.per_kind.items()))
        return (
            f"{self.pairs} outcome pairs ({kinds}) · {names[0]} {self.per_side[0]} outcomes · "
            f"{names[1]} {self.per_side[1]} outcomes · pool {self.pool} · {self.guided} guided cases"
        )


@dataclass
class Guide:
    pairs: Counter[tuple[str, str]] = field(default_factory=Counter)
    kinds: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    members: list[tuple[int, PoolMember]] = field(default_factory=list)
    guided: int = 0
    now: int = 0  # the segment being drawn; set by the engine
    _seen: tuple[int, int, list[PoolMember]] = (-1, -1, [])

    def visible(self) -> list[PoolMember]:
        """The members observed in segments before `now` (kept in the order observed)."""
        moment, size, members = self._seen
        if moment != self.now or size != len(self.members):
            count = sum(1 for observed, _ in self.members if observed < self.now)
            members = [member for _, member in self.members[:count]]
            self._seen = (self.now, len(self.members), members)
        return members

    def observe(self, case: Case, comparison: Comparison, at: int) -> None:
        left, right = comparison.outcomes
        pair = (left.label, right.label)
        if case.mode == "guided":
            self.guided += 1
        new = pair not in self.pairs
        self.pairs[pair] += 1
        self.kinds.setdefault(case.kind, set()).add(pair)
        if new and len(self.members) < POOL_LIMIT:
            envelope = _envelope(case)
            if envelope is not None:
                self.members.append((at, PoolMember.of(case.kind, envelope, case.label)))

    def coverage(self) -> OutcomeCoverage:
        sides = ({left for left, _ in self.pairs}, {right for _, right in self.pairs})
        return OutcomeCoverage(
            pairs=len(self.pairs),
            per_kind={kind: len(pairs) for kind, pairs in self.kinds.items()},
            per_side=(len(sides[0]), len(sides[1])),
            pool=len(self.members),
            guided=self.guided,
        )


def _envelope(case: Case) -> dict | None:  # type: ignore[type-arg]
    """The body as a JSON object, when it is exactly one: written back, it gives the same bytes (wire-level
    bodies, odd number spellings and duplicate keys are not mutated structurally)."""
    try:
        value = json.loads(case.request.body)
        if not isinstance(value, dict) or _depth(value) > MAX_DEPTH or encode_json(value) != case.request.body:
            return None
    except (ValueError, RecursionError):
        return None
    return value


def _depth(value: object) -> int:
    """How deep containers nest in `value`, counted without recursion (bodies may nest thousands deep)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest
