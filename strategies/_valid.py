"""Valid cases: the compiled schemas, refined by contract knowledge.

The custom formats make single strings right (an operation in the grammar, roster ids, names and cities);
a consistency fix-up (`.map`) makes fields agree with each other, which no schema can say:

- playbook: the operation's count is at least the number of endorsed names; `target_count`, when drawn,
  equals that count;
- fill: every fill is a distinct roster worker of `context.city`, with the roster's exact name, and
  `context.target_count` is at least the number of fills.

A kind whose name the contract does not define gets the compiled schemas only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fuzzer._model import JSON, Case, WireRequest
from strategies._formats import split_operation
from strategies._roster import Roster, Worker
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
        fix_ups = _fix_ups(space.roster)
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


def _fix_ups(roster: Roster | None) -> dict[str, Callable[[Envelope], Envelope]]:
    return {"playbook": _fix_playbook, "fill": _FillFixUp(roster)}


def _fix_playbook(envelope: Envelope) -> Envelope:
    artifact = envelope.get("artifact")
    if not isinstance(artifact, dict):
        return envelope
    operation, names = artifact.get("operation"), artifact.get("endorsed_names")
    parsed = parse_operation(operation) if isinstance(operation, str) else None
    if parsed is None or not isinstance(names, list):
        return envelope
    role, count, place = parsed
    artifact = dict(artifact)
    if len(names) > count:
        count = len(names)
        artifact["operation"] = f"fill: {role} x{count} in {place}"
    if "target_count" in artifact:
        artifact["target_count"] = count
    return {**envelope, "artifact": artifact}


class _FillFixUp:
    """Maps each drawn fill to a distinct worker of the context's city (the drawn worker's position in the
    roster picks the first one tried, so shrinking the id shrinks the worker), then raises the target count."""

    __slots__ = ("_by_city", "_position")

    def __init__(self, roster: Roster | None) -> None:
        workers = () if roster is None else roster.workers
        self._position = {w.id: i for i, w in reversed(list(enumerate(workers)))}
        self._by_city: dict[str, tuple[Worker, ...]] = {}
        for worker in workers:
            self._by_city[worker.city] = (*self._by_city.get(worker.city, ()), worker)

    def __call__(self, envelope: Envelope) -> Envelope:
        artifact, context = envelope.get("artifact"), envelope.get("context")
        if not isinstance(artifact, dict) or not isinstance(context, dict):
            return envelope
        fills = artifact.get("fills")
        if not isinstance(fills, list):
            return envelope
        city_workers = self._by_city.get(context.get("city"))  # type: ignore[arg-type]
        if city_workers:
            fills = self._fix_fills(fills, city_workers)
            artifact = {**artifact, "fills": fills}
        target = context.get("target_count")
        if isinstance(target, int) and not isinstance(target, bool) and target < len(fills):
            context = {**context, "target_count": len(fills)}
        return {**envelope, "artifact": artifact, "context": context}

    def _fix_fills(self, fills: list[JSON], city_workers: tuple[Worker, ...]) -> list[JSON]:
        fixed: list[JSON] = []
        used: set[str] = set()
        for fill in fills:
            if len(used) == len(city_workers):
                break
            if not isinstance(fill, dict):
                fixed.append(fill)
                continue
            start = self._position.get(fill.get("candidate_id"), 0)  # type: ignore[arg-type]
            for step in range(len(city_workers)):
                worker = city_workers[(start + step) % len(city_workers)]
                if worker.id not in used:
                    break
            used.add(worker.id)
            fixed.append({**fill, "candidate_id": worker.id, "name": worker.name})
        return fixed
