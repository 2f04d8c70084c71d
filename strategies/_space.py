"""What to generate: the kinds of artifact, their schemas, the request line and the roster."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from strategies._roster import Roster, load_roster
from strategies._schema import load_schema

SCHEMA_DIR = Path(__file__).parent / "schemas"
DEFAULT_ROSTER = Path(__file__).parents[1] / "targets" / "roster.json"

# kind -> (artifact schema file, context schema file or None, context required)
_BUNDLED_KINDS = MappingProxyType(
    {
        "playbook": ("playbook.json", None, False),
        "fill": ("fill.json", "fill_context.json", True),
    }
)


@dataclass(frozen=True)
class KindSpec:
    """One value of the envelope's `kind`: the schema of its artifact and of its context (None: no context)."""

    name: str
    artifact_schema: dict[str, Any]
    context_schema: dict[str, Any] | None
    context_required: bool


@dataclass(frozen=True)
class CaseSpace:
    """Everything `cases` needs: the kinds (in shrinking order), the request line and the roster."""

    kinds: tuple[KindSpec, ...]
    path: str = "/v1/validate"
    headers: tuple[tuple[str, str], ...] = (("content-type", "application/json"),)
    roster: Roster | None = None


def default_space(roster_path: str | Path | None = None, kinds: Sequence[str] = ("playbook", "fill")) -> CaseSpace:
    """The contract's space from the bundled schemas. Without `roster_path`, the repository's
    `targets/roster.json` is used when it exists (no roster otherwise); a given path must be readable."""
    if isinstance(kinds, str) or not kinds:
        raise ValueError(f"kinds must be a non-empty sequence of kind names, got {kinds!r}")
    specs = []
    for name in kinds:
        if name not in _BUNDLED_KINDS:
            raise ValueError(f"unknown kind {name!r}: the bundled schemas cover {', '.join(_BUNDLED_KINDS)}")
        artifact_file, context_file, context_required = _BUNDLED_KINDS[name]
        specs.append(
            KindSpec(
                name=name,
                artifact_schema=load_schema(SCHEMA_DIR / artifact_file),
                context_schema=None if context_file is None else load_schema(SCHEMA_DIR / context_file),
                context_required=context_required,
            )
        )
    if roster_path is not None:
        roster = load_roster(roster_path)
    else:
        roster = load_roster(DEFAULT_ROSTER) if DEFAULT_ROSTER.is_file() else None
    return CaseSpace(kinds=tuple(specs), roster=roster)
