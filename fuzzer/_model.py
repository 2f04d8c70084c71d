"""The records that flow through the pipeline.

    strategies ─Case─▶ send ─Exchange─▶ compare ─Comparison─▶ classify ─Divergence─▶ engine ─Finding─▶ store, report

Every record is frozen. A stage is a function from one record to the next; no record is mutated on the way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeAlias

JSON: TypeAlias = Any
"""A value that `json.loads` can return."""


class RawJSON:
    """A JSON token written to the wire verbatim (`-0`, `1e2`, `NaN`, ...): spellings Python cannot keep."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"RawJSON({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RawJSON) and other.text == self.text

    def __hash__(self) -> int:
        return hash(("RawJSON", self.text))


@dataclass(frozen=True, slots=True)
class WireRequest:
    """Exactly what goes on the wire: method, path, headers (in order) and body bytes."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Case:
    """One generated (or stored) input: its structured view and its wire form.

    `artifact` and `context` are the structured view when the body was built from one; for wire-level
    adversarial bodies they describe the value the body was derived from. `mode` is the generator that made
    it (`valid`, `mutated`, `adversarial`, `canonical`, `corpus`), `label` a short human description.
    `operation` is the OpenAPI operation the request is for, as `METHOD /path-template` (empty for cases of the
    `kind` envelope).
    """

    kind: str
    request: WireRequest
    mode: str
    label: str
    artifact: JSON = None
    context: JSON = None
    operation: str = ""  # `METHOD /path-template`; empty: the request's method and path (query dropped)

    @property
    def operation_key(self) -> str:
        """The operation a class belongs to: `operation`, or `METHOD /path` of the request."""
        return self.operation or f"{self.request.method} {self.request.path.split('?', 1)[0]}"


class Outcome(StrEnum):
    """How a request ended at the transport level."""

    OK = "ok"
    TIMEOUT = "timeout"
    REFUSED = "refused"
    RESET = "reset"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class Response:
    """One runtime's answer, or the transport outcome that replaced it. `body` is capped; see `truncated`."""

    outcome: Outcome
    status: int | None = None
    content_type: str | None = None
    body: bytes = b""
    truncated: bool = False
    detail: str = ""
    headers: tuple[tuple[str, str], ...] = ()  # the compared headers it carried (lower-case names), in order

    @property
    def status_label(self) -> str:
        """`422`, or the transport outcome (`timeout`, `reset`, ...) when there was no status."""
        return str(self.status) if self.outcome is Outcome.OK else self.outcome.value


@dataclass(frozen=True, slots=True)
class Exchange:
    """A case and the answers of the two targets, in target order."""

    case: Case
    targets: tuple[Target, Target]
    responses: tuple[Response, Response]


class DiffKind(StrEnum):
    """The family of one difference between two lifted responses (after Diffy's difference types)."""

    OUTCOME = "outcome"  # transport outcomes differ (ok vs timeout ...)
    STATUS = "status"
    CONTENT_TYPE = "content-type"
    MISSING = "missing"  # present on the left only
    EXTRA = "extra"  # present on the right only
    TYPE = "type"  # JSON types differ (object vs array, json vs text ...)
    VALUE = "value"  # same primitive type, other value
    SIZE = "size"  # arrays of different length
    BYTES = "bytes"  # non-JSON bodies differ
    HEADER = "header"  # a compared response header differs (Allow, Location, …)
    SHAPE = "shape"  # an adapter reconciled two wire shapes at this path


@dataclass(frozen=True, slots=True)
class Difference:
    """One difference at a JSON pointer `path`; `pattern` is the same path with array indexes as `*`."""

    path: str
    pattern: str
    kind: DiffKind
    left: str = ""
    right: str = ""
    detail: str = ""  # what the signature may use beyond path and kind (an adapter name, a text template)


class Level(StrEnum):
    """How serious a divergence is, most serious first."""

    TRANSPORT = "transport"  # one side did not answer (timeout, reset, refused)
    STATUS = "status"  # statuses differ
    SEMANTIC = "semantic"  # bodies differ after ignored paths and adapters
    WIRE_SHAPE = "wire-shape"  # bodies differ only in a shape an adapter maps to the same canonical value


@dataclass(frozen=True, slots=True)
class SideOutcome:
    """One side's answer as a class sees it: its status (or transport outcome), its form and its rule."""

    status: str
    form: str  # "none" (no answer), "answered" (beside a side without one), "text" or "json"
    rule: str = ""
    rank: int | None = None  # where the rule stands in the contract's declared rule order (acceptance: last)
    scope: str = ""  # what a JSON answer echoes of the request as it understood it (values at the scope paths)

    @property
    def label(self) -> str:
        """`422 schema/fingerprint`, `400 text "failed to parse …"`, `200`, `timeout`."""
        if self.form == "text":
            return f'{self.status} text "{self.rule}"'
        return f"{self.status} {self.rule}" if self.rule else self.status


OutcomePair = tuple[SideOutcome, SideOutcome]
UNREAD = SideOutcome("?", "none")
"""The outcome of a side nobody read (a comparison built by hand)."""


@dataclass(frozen=True, slots=True)
class Comparison:
    """The outcome of comparing an exchange: no differences means the two runtimes agree.

    `outcomes` is what each side answered, reduced to its rule (`fuzzer._outcome.SideOutcome`), for agreeing
    exchanges too; `crash` marks the last exchange before a runtime died; `misread` that the two sides read the
    request as two different ones (keys that differ only in case, one side folding them: `fuzzer._readings`)."""

    differences: tuple[Difference, ...]
    level: Level | None
    outcomes: OutcomePair = (UNREAD, UNREAD)
    crash: bool = False
    misread: bool = False

    @property
    def agrees(self) -> bool:
        return self.level is None


@dataclass(frozen=True, slots=True)
class Signature:
    """The content-based identity of a divergence class: its `key` (readable) and `digest` (its hash). Computed
    only by `fuzzer._classify.signature_of`; two signatures are equal when their operations and keys are. A class
    belongs to one operation: `operation` is part of its identity and of its digest, not of the readable key.
    `level` and `statuses` describe the divergence it was computed from; `version` is the signature scheme's."""

    key: str
    digest: str = field(compare=False)
    level: Level = field(compare=False)
    statuses: tuple[str, str] = field(compare=False)
    parts: tuple[str, ...] = field(compare=False, default=())
    version: int = field(compare=False, default=0)  # set by signature_of: `fuzzer._classify.SIGNATURE_VERSION`
    operation: str = ""  # the operation the class belongs to (`METHOD /path-template`), part of the digest

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True, slots=True)
class Divergence:
    exchange: Exchange
    comparison: Comparison
    signature: Signature


@dataclass(frozen=True, slots=True)
class Finding:
    """A divergence class found by a campaign: its minimal confirmed reproducer and how often it was seen."""

    signature: Signature
    reproducer: Divergence
    count: int
    known: bool
    shrunk: bool
    confirmations: int
    crash: bool = False  # a runtime died on (or right after) this case
    reduce_sends: int = 0  # requests sent to reduce the reproducer after Hypothesis shrank it
    minimal: bool | None = None  # 1-minimal under the one-step simplifications (None: not reduced)
