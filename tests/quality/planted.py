"""The planted-bug suite: a proxy in front of the real Go runtime plants thirteen realistic bugs, and noise.

Both targets of a planted campaign are the real Go runtime; the second is reached through the fault server's
proxy (`tests/faults/server.py`), whose transform `plant` rewrites the real answer. So every difference between
the two is a planted one.

`which_bug(request, real_answer)` names the bug a request shows, and `plant` applies exactly that bug: which bug
applies is a pure function of the request and the real answer (only the values of the noise fields change from
one answer to the next, by design). So a finding's reproducer maps to its bug offline, from its request and the
left target's answer, which is the real one (`bug_of`).

Each bug is planted alone, like a mutant: it rewrites the real answer on its own trigger, and the other bugs do
not touch that answer. Most triggers are one answer of the real runtime: one validation rule (its error kind and
field), the success answer of one kind, or one framework rejection; four also read the request (its Content-Type,
its operation's count, whether it has a target_count). The bugs are checked in the order of `BUGS` and the first
that applies wins, which settles the two overlaps:

- `content-type-415` wins over the success-answer bugs below it (`overflow-500`, `count-limit`,
  `target-count-echo`, `fill-content-type`);
- `overflow-500` and `count-limit` win over `target-count-echo` (a rejected playbook has nothing to echo).

`overflow-500` (count 65536 and more) and `count-limit` (100 to 65535) do not overlap.

| bug                    | shape                          | trigger                                              |
|------------------------|--------------------------------|------------------------------------------------------|
| content-type-415       | header-dependent answer        | accepted, with a Content-Type not exactly JSON's     |
| overflow-500           | 500 at an integer boundary     | valid playbook, operation count >= 2^16              |
| count-limit            | rule on a subset of valid      | valid playbook, operation count 100 .. 2^16 - 1      |
| target-count-echo      | extra field                    | valid playbook with a target_count                   |
| fill-content-type      | wrong content type             | valid fill                                           |
| target-count-unchecked | missing rule                   | Consistency(target_count, "mismatch"), rule P9       |
| artifact-400           | wrong status                   | Schema(artifact)                                     |
| folded-id              | case-folding of an echoed value| "unknown candidate <id>", <id> with upper case (F4)  |
| fingerprint-reason     | changed reason text            | Schema(fingerprint), rule P3                         |
| unindexed-field        | field without its array index  | Schema(fills[i].name), rule F1                       |
| renamed-reason-key     | renamed key                    | Schema(endorsed_names), rule P2                      |
| operation-kind         | wrong value (the error's kind) | Schema(operation), rule P1                           |
| unknown-kind-text      | changed framework text         | 400 `unknown kind "..."`                             |
| noise                  | noise fields                   | every JSON answer: must make no class                |

Only one bug rewrites a text rejection into another text under the same status (`unknown-kind-text`): the engine
makes two text rejections one class per status pair (each framework words its rejections its own way), so a
second such bug under 400 would share its class.

Each bug's `expected` is the key of the class it should make (signatures version 2, `fuzzer._classify`): each
side's outcome, its status and rule (`/error/kind` and `/error/field`, array indexes as `*`) or `text "<template>"`;
`parsed` for a JSON side against a text rejection, `passed` for the side that got further in the contract's rule
order; then, when both sides have the same outcome, what differs in the bodies.

The noise (a random `request_id` and a microsecond timestamp `served_at_us` in every JSON answer of the planted
side) must make no class once the engine learns noise: both fields change between two answers of the planted
side to one request.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from fuzzer._config import Config
from fuzzer._model import JSON, Finding, Target
from fuzzer._runtimes import ROSTER, free_port, launch, terminate

from ..faults.server import Answer, Received, serve

CONFIG = replace(Config(), roster=ROSTER)
"""The default config, with the roster found wherever the suite runs from."""

COUNT_LIMIT = 100
UINT16_LIMIT = 2**16
NOISE_PATHS = ("/request_id", "/served_at_us")
"""The planted side's noise fields: what the engine is to learn, and ignore."""

_INDEX = re.compile(r"\[\d+\]")
_TEXT = "text/plain; charset=utf-8"


class Request(Protocol):
    """A request as the proxy received it (`Received`) or as the fuzzer sent it (`WireRequest`)."""

    @property
    def body(self) -> bytes: ...

    def header(self, name: str) -> str | None: ...


class RealAnswer(Protocol):
    """The real runtime's answer: the proxy's `Answer`, or the fuzzer's `Response` of the left target."""

    @property
    def status(self) -> int | None: ...

    @property
    def content_type(self) -> str | None: ...

    @property
    def body(self) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Seen:
    """What the bugs look at: the request and the real answer, with the answer's JSON and Go error read once."""

    request: Request
    status: int | None
    content_type: str | None
    body: bytes
    answer: JSON  # the answer's JSON object, or None

    @classmethod
    def of(cls, request: Request, real: RealAnswer) -> Seen:
        answer = None
        with contextlib.suppress(ValueError, RecursionError):
            answer = json.loads(real.body)  # lifted whatever its Content-Type says, as the comparison does
        return cls(request, real.status, real.content_type, real.body, answer if isinstance(answer, dict) else None)

    @property
    def kind(self) -> str | None:
        """The kind the runtime echoed (Go matches the envelope's keys case-insensitively, Python would not)."""
        return self.answer.get("kind") if self.answer is not None else None

    def valid(self, kind: str) -> bool:
        return self.status == 200 and self.kind == kind

    def error(self, kind: str, field: str) -> str | None:
        """The reason of a Go error `{"Kind", "Field", "Reason"}` of this kind and field (indexes as `[*]`)."""
        error = self.answer.get("error") if self.answer is not None else None
        if not isinstance(error, dict) or error.get("Kind") != kind:
            return None
        if _INDEX.sub("[*]", str(error.get("Field"))) != field:
            return None
        reason = error.get("Reason")
        return reason if isinstance(reason, str) else None

    def count(self) -> int | None:
        """The count in the request's operation (`fill: <role> x<count> in <place>`), for a playbook Go accepted."""
        artifact = self.artifact()
        operation = artifact.get("operation") if isinstance(artifact, dict) else None
        if not isinstance(operation, str):
            return None
        head, found, _ = operation.removeprefix("fill: ").rpartition(" in ")
        _, found_x, digits = head.rpartition(" x")
        return int(digits) if found and found_x and digits.isascii() and digits.isdigit() else None

    def artifact(self) -> JSON:
        """The request's artifact, found the way Go's decoder finds it (see `_member`)."""
        return _member(_envelope(self.request.body), "artifact")


@dataclass(frozen=True, slots=True)
class Bug:
    """One planted bug: what it is, when it applies, and how it rewrites the real answer."""

    name: str
    shape: str
    trigger: str
    expected: str
    applies: Callable[[Seen], bool]
    rewrite: Callable[[Seen], Answer]


# ---------------------------------------------------------------- the planted side's answers


def _json(status: int, value: JSON, content_type: str = "application/json") -> Answer:
    return Answer(status, content_type, json.dumps(value, ensure_ascii=False).encode() + b"\n")


def _with_error(seen: Seen, **changes: str) -> JSON:
    return {**seen.answer, "error": {**seen.answer["error"], **changes}}


def _odd_media_type(seen: Seen) -> bool:
    """A Content-Type given and not exactly `application/json` (Go: `ct != "" && ct != "application/json"`)."""
    given = seen.request.header("content-type")
    return bool(given) and given != "application/json"


def _unsupported_media_type(seen: Seen) -> Answer:
    given = seen.request.header("content-type") or ""
    return Answer(415, _TEXT, f"unsupported media type {json.dumps(given)}\n".encode())


def _overflow(seen: Seen) -> Answer:
    return Answer(500, _TEXT, b"internal error: operation count overflows uint16\n")


def _count_limited(seen: Seen) -> Answer:
    error = {"Kind": "policy", "Field": "operation", "Reason": "unsupported operation"}
    return _json(422, {**seen.answer, "valid": False, "error": error})


def _has_target_count(seen: Seen) -> bool:
    artifact = seen.artifact()
    return isinstance(artifact, dict) and "target_count" in artifact


def _target_count_echoed(seen: Seen) -> Answer:
    return _json(200, {**seen.answer, "target_count": seen.artifact()["target_count"]})


def _sniffed(seen: Seen) -> Answer:
    """Go's body without the Content-Type it set: Go sniffs `text/plain; charset=utf-8` for it."""
    return Answer(200, _TEXT, seen.body)


def _accepted(seen: Seen) -> Answer:
    return _json(200, {**{key: value for key, value in seen.answer.items() if key != "error"}, "valid": True})


def _unknown_id(seen: Seen) -> str | None:
    reason = seen.error("consistency", "fills[*].candidate_id")
    prefix = "unknown candidate "
    return reason.removeprefix(prefix) if reason is not None and reason.startswith(prefix) else None


def _folds(seen: Seen) -> bool:
    candidate = _unknown_id(seen)
    return candidate is not None and candidate.lower() != candidate


def _folded(seen: Seen) -> Answer:
    return _json(422, _with_error(seen, Reason=f"unknown candidate {(_unknown_id(seen) or '').lower()}"))


def _renamed(seen: Seen) -> Answer:
    error = {("Message" if key == "Reason" else key): value for key, value in seen.answer["error"].items()}
    return _json(422, {**seen.answer, "error": error})


def _kind_text(seen: Seen) -> Answer:
    got = seen.body.removeprefix(b"unknown kind ")
    return Answer(400, _TEXT, b'kind must be "playbook" or "fill", got ' + got)


def _noisy(seen: Seen) -> Answer:
    noise = {"request_id": uuid.uuid4().hex, "served_at_us": time.time_ns() // 1000}
    return _json(seen.status or 200, {**seen.answer, **noise}, seen.content_type or "application/json")


BUGS: tuple[Bug, ...] = (
    Bug(
        "content-type-415",
        "header-dependent answer",
        "a request Go accepts, with a Content-Type that is not exactly `application/json` (a charset parameter, "
        "upper case, text/plain, ...): the planted side compares the header byte for byte",
        'parsed | 415 text "unsupported media type _"',
        lambda seen: seen.status == 200 and _odd_media_type(seen),
        _unsupported_media_type,
    ),
    Bug(
        "overflow-500",
        "500 at an integer boundary",
        f"a valid playbook whose operation count is {UINT16_LIMIT} or more: the planted side converts the count to "
        "16 bits, with a check that fails",
        'parsed | 500 text "internal error: operation count overflows uintn"',
        lambda seen: seen.valid("playbook") and (seen.count() or 0) >= UINT16_LIMIT,
        _overflow,
    ),
    Bug(
        "count-limit",
        "a rule that disagrees on a subset of valid inputs",
        f"a valid playbook whose operation count is {COUNT_LIMIT} or more (below {UINT16_LIMIT}): the planted side "
        "rejects it as an unsupported operation",
        "passed | 422 policy/operation",
        lambda seen: seen.valid("playbook") and COUNT_LIMIT <= (seen.count() or 0) < UINT16_LIMIT,
        _count_limited,
    ),
    Bug(
        "target-count-echo",
        "extra field",
        "a valid playbook with a target_count: the planted side echoes it in its answer",
        "200 | 200 /target_count:extra",
        lambda seen: seen.valid("playbook") and _has_target_count(seen),
        _target_count_echoed,
    ),
    Bug(
        "fill-content-type",
        "wrong content type",
        "a valid fill: the planted side's success writer for fills sets no Content-Type, so Go sniffs text/plain",
        "200 | 200 content-type:application/json|text/plain",
        lambda seen: seen.valid("fill"),
        _sniffed,
    ),
    Bug(
        "target-count-unchecked",
        "missing rule",
        "a target_count that is not the operation's count (rule P9, the last playbook rule): the planted side lacks "
        "the rule and accepts the playbook",
        "422 consistency/target_count | passed",
        lambda seen: seen.error("consistency", "target_count") == "mismatch",
        _accepted,
    ),
    Bug(
        "artifact-400",
        "wrong status",
        "an artifact that is missing or not an object: the planted side answers 400, as for a bad envelope, with "
        "the same body",
        "422 schema/artifact | 400 schema/artifact",
        lambda seen: seen.error("schema", "artifact") is not None,
        lambda seen: _json(400, seen.answer),
    ),
    Bug(
        "folded-id",
        "case-folding of an echoed value",
        "an unknown candidate id with an upper-case letter (rule F4): the planted side echoes it lower-cased",
        "422 consistency/fills[*].candidate_id | 422 consistency/fills[*].candidate_id /error/reason:value",
        _folds,
        _folded,
    ),
    Bug(
        "fingerprint-reason",
        "changed reason text",
        "a missing or empty fingerprint (rule P3): the planted side's reason is `required`, not `missing`",
        "422 schema/fingerprint | 422 schema/fingerprint /error/reason:value",
        lambda seen: seen.error("schema", "fingerprint") is not None,
        lambda seen: _json(422, _with_error(seen, Reason="required")),
    ),
    Bug(
        "unindexed-field",
        "error field without its array index",
        "a fill whose name is missing or not a string (rule F1): the planted side names the field `fills.name`",
        "422 schema/fills[*].name | 422 schema/fills.name",
        lambda seen: seen.error("schema", "fills[*].name") is not None,
        lambda seen: _json(422, _with_error(seen, Field="fills.name")),
    ),
    Bug(
        "renamed-reason-key",
        "renamed key",
        "endorsed_names missing or not an array of strings (rule P2): the planted side's error calls its reason "
        "`Message`",
        "422 schema/endorsed_names | 422 schema/endorsed_names /error/message:extra /error/reason:missing",
        lambda seen: seen.error("schema", "endorsed_names") is not None,
        _renamed,
    ),
    Bug(
        "operation-kind",
        "wrong value (the error's kind)",
        "operation missing or not a string (rule P1): the planted side reports it as a policy error",
        "422 schema/operation | passed",
        lambda seen: seen.error("schema", "operation") is not None,
        lambda seen: _json(422, _with_error(seen, Kind="policy")),
    ),
    Bug(
        "unknown-kind-text",
        "changed framework rejection text",
        "a kind that is neither playbook nor fill: the planted side's 400 text is worded otherwise",
        "400 text | 400 text /:bytes",
        lambda seen: seen.status == 400 and seen.body.startswith(b"unknown kind "),
        _kind_text,
    ),
)
"""The bugs that must each make exactly one class, in the order they are checked (the first that applies wins)."""

NOISE = Bug(
    "noise",
    "noise fields",
    "every JSON answer of the planted side gets a random request_id and a microsecond timestamp, served_at_us",
    "no class: a sample of requests sent twice shows both fields change between two answers of one runtime",
    lambda seen: seen.answer is not None,
    _noisy,
)
"""Not a bug of `BUGS`: it must make no class."""

ALL = (*BUGS, NOISE)


def _envelope(body: bytes) -> JSON:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _member(envelope: JSON, name: str) -> JSON:
    """The envelope's member `name` the way Go's decoder finds it: keys matched case-insensitively, the last wins."""
    if not isinstance(envelope, dict):
        return None
    found = None
    for key, value in envelope.items():
        if key.lower() == name:
            found = value
    return found


def _planted(seen: Seen) -> Bug | None:
    return next((bug for bug in BUGS if bug.applies(seen)), None)


def which_bug(request: Request, real_answer: RealAnswer) -> str | None:
    """The name of the bug `request` shows, given the real runtime's answer to it: a bug of `BUGS`, `noise` when
    none applies but the answer is JSON (the noise fields are then its only difference), or None."""
    seen = Seen.of(request, real_answer)
    bug = _planted(seen) or (NOISE if NOISE.applies(seen) else None)
    return bug.name if bug is not None else None


def plant(request: Received, answer: Answer, *, noise: bool = True) -> Answer:
    """The proxy's transform: the real answer with the bug `which_bug` names, then (unless `noise` is False) the
    noise fields."""
    seen = Seen.of(request, answer)
    bug = _planted(seen)
    planted = bug.rewrite(seen) if bug is not None else answer
    noisy = Seen.of(request, planted)
    return NOISE.rewrite(noisy) if noise and NOISE.applies(noisy) else planted


def bug_of(finding: Finding) -> str | None:
    """The bug a finding's reproducer shows; the left target is the real runtime."""
    exchange = finding.reproducer.exchange
    return which_bug(exchange.case.request, exchange.responses[0])


def classes_by_bug(findings: Sequence[Finding]) -> dict[str | None, list[Finding]]:
    """The findings grouped by the bug their reproducer shows: every name of `ALL` is a key, and so is None
    (classes that show no planted bug)."""
    grouped: dict[str | None, list[Finding]] = {bug.name: [] for bug in ALL}
    grouped[None] = []
    for finding in findings:
        grouped.setdefault(bug_of(finding), []).append(finding)
    return grouped


@contextlib.contextmanager
def planted_pair(log_dir: Path, *, noise: bool = True) -> Iterator[tuple[Target, Target]]:
    """The real Go runtime, and the same runtime behind the planting proxy: (go, planted). Without `noise`, the
    proxy plants the bugs only."""
    go = launch("go", f"127.0.0.1:{free_port()}", log_dir=log_dir)
    try:
        with serve(f"proxy={go.url}", functools.partial(plant, noise=noise)) as proxy:
            yield Target("go", go.url), Target("planted", proxy.url)
    finally:
        terminate(go)
