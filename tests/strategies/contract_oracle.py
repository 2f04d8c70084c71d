"""A small pure-Python reading of docs/contract.md: the playbook and fill rules, for checking valid cases.

`judge(envelope, roster)` returns None when the contract accepts the request (200) and the first failing
rule's error as (variant, field, reason) otherwise. It works on the decoded request object; wire-level
questions (number spellings, duplicate keys) are the runtimes' own and not modelled here.
"""

from __future__ import annotations

import json
from typing import Any

from strategies import Roster

MAX_INT = 2**31 - 1
Error = tuple[str, str, str]


class Rejected(Exception):
    """The envelope is not accepted at all (not an object, unknown kind): a 4xx without validation."""


def judge_body(body: bytes, roster: Roster) -> Error | None:
    try:
        envelope = json.loads(body)
    except ValueError as exc:
        raise Rejected(f"not JSON: {exc}") from exc
    return judge(envelope, roster)


def judge(envelope: Any, roster: Roster) -> Error | None:
    if not isinstance(envelope, dict) or envelope.get("kind") not in ("playbook", "fill"):
        raise Rejected("not an object with a known kind")
    if "artifact" not in envelope:
        return ("Schema", "artifact", "missing")
    artifact = envelope["artifact"]
    if not isinstance(artifact, dict):
        return ("Schema", "artifact", "expected object")
    if envelope["kind"] == "playbook":
        return playbook(artifact)
    return fill(artifact, "context" in envelope, envelope.get("context"), roster)


def _positive_int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if value != int(value) or not 1 <= value <= MAX_INT:
        return None
    return int(value)


def parse_operation(operation: str) -> int | None:
    """The count of an operation in the P5 grammar, or None."""
    if not operation.startswith("fill: "):
        return None
    rest = operation[len("fill: ") :]
    i = rest.rfind(" in ")
    if i < 0:
        return None
    head, place = rest[:i], rest[i + 4 :]
    j = head.rfind(" x")
    if j < 0:
        return None
    role, digits = head[:j], head[j + 2 :]
    if not role or not place or not digits or any(c not in "0123456789" for c in digits):
        return None
    count = int(digits)
    return count if 1 <= count <= MAX_INT else None


def playbook(a: dict[str, Any]) -> Error | None:
    if "operation" not in a:
        return ("Schema", "operation", "missing")
    if not isinstance(a["operation"], str):
        return ("Schema", "operation", "expected string")
    if "endorsed_names" not in a:
        return ("Schema", "endorsed_names", "missing")
    names = a["endorsed_names"]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return ("Schema", "endorsed_names", "expected array of strings")
    if not isinstance(a.get("fingerprint"), str) or not a["fingerprint"]:
        return ("Schema", "fingerprint", "missing")
    if not a["operation"].startswith("fill:"):
        return ("Policy", "operation", "unsupported operation")
    count = parse_operation(a["operation"])
    if count is None:
        return ("Schema", "operation", "malformed operation")
    if not names:
        return ("Completeness", "endorsed_names", "empty")
    target = count
    if "target_count" in a:
        target = _positive_int(a["target_count"])
        if target is None:
            return ("Schema", "target_count", "expected integer >= 1")
    if len(names) > target:
        return ("Consistency", "endorsed_names", f"overfull: {len(names)} > {target}")
    if "target_count" in a and target != count:
        return ("Consistency", "target_count", "mismatch")
    return None


def _string(obj: dict[str, Any], key: str, field: str) -> Error | None:
    if key not in obj:
        return ("Schema", field, "missing")
    if not isinstance(obj[key], str):
        return ("Schema", field, "expected string")
    return None


def fill(a: dict[str, Any], has_context: bool, context: Any, roster: Roster) -> Error | None:
    if "fills" not in a:
        return ("Schema", "fills", "missing")
    fills = a["fills"]
    if not isinstance(fills, list):
        return ("Schema", "fills", "expected array")
    for i, f in enumerate(fills):
        if not isinstance(f, dict):
            return ("Schema", f"fills[{i}]", "expected object")
        error = _string(f, "candidate_id", f"fills[{i}].candidate_id") or _string(f, "name", f"fills[{i}].name")
        if error:
            return error
    if not has_context:
        return ("Schema", "context", "missing")
    if not isinstance(context, dict):
        return ("Schema", "context", "expected object")
    if "target_count" not in context:
        return ("Schema", "context.target_count", "missing")
    target = _positive_int(context["target_count"])
    if target is None:
        return ("Schema", "context.target_count", "expected integer >= 1")
    error = _string(context, "city", "context.city") or _string(context, "client_id", "context.client_id")
    if error:
        return error
    if not fills:
        return ("Completeness", "fills", "empty")
    for i, f in enumerate(fills):
        if roster.worker(f["candidate_id"]) is None:
            return ("Consistency", f"fills[{i}].candidate_id", f"unknown candidate {f['candidate_id']}")
    for i, f in enumerate(fills):
        if roster.worker(f["candidate_id"]).name != f["name"]:
            return ("Consistency", f"fills[{i}].name", "name mismatch")
    seen: set[str] = set()
    for i, f in enumerate(fills):
        if f["candidate_id"] in seen:
            return ("Consistency", f"fills[{i}].candidate_id", "duplicate")
        seen.add(f["candidate_id"])
    for i, f in enumerate(fills):
        if roster.worker(f["candidate_id"]).city != context["city"]:
            return ("Policy", f"fills[{i}].candidate_id", "city mismatch")
    if len(fills) > target:
        return ("Consistency", "fills", f"overfull: {len(fills)} > {target}")
    return None
