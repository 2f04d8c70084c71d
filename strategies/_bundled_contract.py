"""The bundled contract as a plug-in (`contract = "bundled"`, the default): its formats and fix-ups.

Formats (`strategies._formats.contract_formats`): an operation in the grammar `fill: <role> x<count> in <place>`,
roster ids, names, cities, roles, fingerprints, client ids.

Fix-ups, for the envelope's kinds and for the same bodies in `targets/openapi.yaml`:

- playbook (`validateArtifact` with kind playbook): the operation's count is at least the number of endorsed
  names; `target_count`, when drawn, equals that count;
- fill (`validateArtifact` with kind fill, and `validateClientFills`, whose body is a fill's artifact and
  context): every fill is a distinct roster worker of `context.city`, with the roster's exact name, and
  `context.target_count` is at least the number of fills.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fuzzer._model import JSON
from strategies._contract import Contract
from strategies._formats import contract_formats
from strategies._roster import Roster, Worker
from strategies._valid import parse_operation

Envelope = dict[str, Any]


def bundled(roster: Roster | None) -> Contract:
    """The bundled contract's plug-in, drawing workers from `roster` (None: fallback names and cities)."""
    fill = _FillFixUp(roster)
    by_kind: dict[str, Callable[[Envelope], Envelope]] = {"playbook": _fix_playbook, "fill": fill}
    return Contract(
        "bundled",
        formats=contract_formats(roster),
        fix_ups={
            **by_kind,
            "validateArtifact": lambda body: _by_kind(by_kind, body),
            "validateClientFills": lambda body: _as_fill(fill, body),
        },
    )


def _by_kind(by_kind: dict[str, Callable[[Envelope], Envelope]], body: JSON) -> JSON:
    if not isinstance(body, dict) or not isinstance(body.get("kind"), str) or body["kind"] not in by_kind:
        return body
    return by_kind[body["kind"]](body)


def _as_fill(fill: Callable[[Envelope], Envelope], body: JSON) -> JSON:
    """A client's fills (`{"fills": [...], "context": {...}}`) fixed as the artifact and context of a fill."""
    if not isinstance(body, dict):
        return body
    artifact = {key: value for key, value in body.items() if key != "context"}
    envelope = fill(
        {"kind": "fill", "artifact": artifact, **({"context": body["context"]} if "context" in body else {})}
    )
    return {**envelope["artifact"], **({"context": envelope["context"]} if "context" in envelope else {})}


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
