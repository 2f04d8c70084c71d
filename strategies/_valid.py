"""Valid cases: the compiled schemas, refined by the contract plug-in (`strategies._contract`).

The plug-in's formats make single strings right (for the bundled contract: an operation in the grammar, roster
ids, names and cities); its fix-up for a kind makes fields agree with each other, which no schema can say (see
`strategies._bundled_contract`). A kind the plug-in has no fix-up for, or a space without a plug-in, gets the
compiled schemas only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fuzzer._model import JSON, Case, WireRequest
from strategies._formats import split_operation
from strategies._schema import Draw, Formats, Plan, compile_plan
from strategies._source import Drawn
from strategies._space import CaseSpace
from strategies._wire import encode_json

Envelope = dict[str, Any]
"""A request object: `kind`, `artifact` and, when present, `context` (possibly mutated into anything)."""


@dataclass(frozen=True, slots=True)
class Draft:
    """A drawn envelope and the kind it was drawn for. Later stages copy, never modify, the envelope."""

    kind: str
    envelope: Envelope


class DraftPlan:
    """Draws a valid draft: the kind (shrinking towards the first of `space.kinds`), the artifact, the
    context (when the kind has one), then the kind's fix-up. A plan, not a strategy: the mutated and
    adversarial modes call it inside their own composite, which saves strategy draws."""

    __slots__ = ("_kinds",)

    def __init__(self, space: CaseSpace, formats: Formats) -> None:
        fix_ups = space.knowledge().fix_ups
        self._kinds = tuple(
            (
                spec.name,
                _compiled(spec.name, "artifact", spec.artifact_schema, formats),
                None if spec.context_schema is None else _compiled(spec.name, "context", spec.context_schema, formats),
                spec.context_required,
                fix_ups.get(spec.name, _unchanged),
            )
            for spec in space.kinds
        )

    def __call__(self, draw: Draw, kind: int | None = None) -> Draft:
        """A draft of the kind at index `kind` of `space.kinds`, or of a drawn kind."""
        name, artifact, context, context_required, fix = draw.choose(self._kinds) if kind is None else self._kinds[kind]
        envelope = {"kind": name, "artifact": artifact(draw)}
        if context is not None:
            present = context_required or draw.boolean()
            drawn = context(draw)  # drawn even when absent: see _Object
            if present:
                envelope["context"] = drawn
        return Draft(name, fix(envelope))


def _compiled(kind: str, part: str, schema: JSON, formats: Formats) -> Plan:
    try:
        return compile_plan(schema, formats)
    except ValueError as err:
        raise ValueError(f"kind {kind!r}, {part} schema: {err}") from err


def valid_cases(space: CaseSpace, formats: Formats) -> Drawn[Case]:
    plan = DraftPlan(space, formats)

    def valid(draw: Draw, kind: int | None = None) -> Case:
        draft = plan(draw, kind)
        return case_of(space, draft, "valid", f"valid {draft.kind}")

    return Drawn(valid, "valid_cases()")


def case_of(
    space: CaseSpace,
    draft: Draft,
    mode: str,
    label: str,
    *,
    envelope: JSON = None,
    body: bytes | None = None,
    headers: tuple[tuple[str, str], ...] | None = None,
) -> Case:
    """The case for `draft` (or for `envelope`, a changed copy of it), encoded unless `body` is given."""
    sent = draft.envelope if envelope is None else envelope
    structured = sent if isinstance(sent, dict) else draft.envelope
    return Case(
        kind=draft.kind,
        request=WireRequest(
            method="POST",
            path=space.path,
            headers=space.headers if headers is None else headers,
            body=encode_json(sent) if body is None else body,
        ),
        mode=mode,
        label=label,
        artifact=structured.get("artifact"),
        context=structured.get("context"),
    )


def parse_operation(operation: str) -> tuple[str, int, str] | None:
    """(role, count, place) of an operation in the contract's grammar (rule P5), or None."""
    parts = split_operation(operation)
    if parts is None:
        return None
    role, digits, place = parts
    return role, int(digits), place


def _unchanged(envelope: Envelope) -> Envelope:
    return envelope
