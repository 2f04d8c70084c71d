"""What to generate: the kinds of artifact, their schemas, the request line and the roster."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fuzzer import _bundled
from strategies._contract import Contract, load_contract
from strategies._roster import Roster, load_roster
from strategies._schema import load_schema


@dataclass(frozen=True)
class KindSpec:
    """One value of the envelope's `kind`: the schema of its artifact and of its context (None: no context)."""

    name: str
    artifact_schema: dict[str, Any]
    context_schema: dict[str, Any] | None
    context_required: bool


@dataclass(frozen=True)
class CaseSpace:
    """Everything `cases` needs: the kinds (in shrinking order), the request line, the roster and the contract
    plug-in (the bundled one by default)."""

    kinds: tuple[KindSpec, ...]
    path: str = _bundled.ENDPOINT
    headers: tuple[tuple[str, str], ...] = (("content-type", "application/json"),)
    roster: Roster | None = None
    contract: Contract | str = "bundled"  # the plug-in, or the name of one (`strategies._contract.load_contract`)

    def knowledge(self) -> Contract:
        """The contract plug-in: `contract` itself, or the one it names (over `roster`)."""
        return self.contract if isinstance(self.contract, Contract) else load_contract(self.contract, self.roster)


def default_space(roster_path: str | Path | None = None, kinds: Sequence[str] = tuple(_bundled.KINDS)) -> CaseSpace:
    """The contract's space from the bundled schemas. Without `roster_path`, the repository's
    `targets/roster.json` is used when it exists (no roster otherwise); a given path must be readable."""
    if isinstance(kinds, str) or not kinds:
        raise ValueError(f"kinds must be a non-empty sequence of kind names, got {kinds!r}")
    specs = []
    for name in kinds:
        if name not in _bundled.KINDS:
            raise ValueError(f"unknown kind {name!r}: the bundled schemas cover {', '.join(_bundled.KINDS)}")
        artifact_file, context_file, context_required = _bundled.KINDS[name]
        specs.append(
            KindSpec(
                name=name,
                artifact_schema=load_schema(_bundled.SCHEMAS / artifact_file),
                context_schema=None if context_file is None else load_schema(_bundled.SCHEMAS / context_file),
                context_required=context_required,
            )
        )
    path = roster_path if roster_path is not None else _bundled.default_roster()
    return CaseSpace(kinds=tuple(specs), roster=None if path is None else load_roster(path))
