"""Compare: lift both responses into one form, remove ignored paths, run adapters, and list the differences.

Lifting (after Diffy): a body is compared as JSON when both sides parse as JSON, else as bytes. Ignored paths
(JSON pointers, `*` matches any key or index) are removed from both sides first. A comparison says which level
the divergence is at; `fuzzer._classify` turns it into a signature.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from fuzzer._adapters import AdapterRule
from fuzzer._body import keys_differing_in_case
from fuzzer._model import (
    JSON,
    Comparison,
    Difference,
    DiffKind,
    Exchange,
    Level,
    Outcome,
    OutcomePair,
    Response,
    SideOutcome,
)
from fuzzer._outcome import DEFAULT_MESSAGE_RULES, MessageRule, readable, rule_of, text_template

EXCERPT = 200
TEXT_EXCERPT = 1000  # framework messages can name a long field path before their cause


@dataclass(frozen=True, slots=True)
class ComparePolicy:
    """What comparison ignores and reconciles, and how each side's rule is read: the values at `key_paths` of a
    JSON answer, or the template of a text answer under `message_rules` (see `fuzzer._outcome`)."""

    ignore: tuple[str, ...] = ("/elapsed_ms",)
    adapters: tuple[AdapterRule, ...] = ()
    key_paths: tuple[str, ...] = field(default=())
    message_rules: tuple[MessageRule, ...] = DEFAULT_MESSAGE_RULES
    rule_order: tuple[str, ...] = ()  # rules (as `rule_of` writes them) in the order a runtime checks them
    scope_paths: tuple[str, ...] = ()  # values an answer echoes of the request as it understood it (`/kind`)
    headers: tuple[str, ...] = ("content-type", "allow", "location")  # compared response headers (lower case)
    folds_key_case: tuple[bool, bool] | None = None  # per side, measured on the runtimes (`fuzzer._readings`)

    @property
    def reads_key_case_apart(self) -> bool:
        """One side matches object keys whatever their case and the other exactly (False: not measured)."""
        return self.folds_key_case is not None and self.folds_key_case[0] != self.folds_key_case[1]

    def misreads(self, exchange: Exchange) -> bool:
        """The two sides read this request as two different ones: keys that differ only in case, one side
        folding them."""
        return self.reads_key_case_apart and keys_differing_in_case(exchange.case.request.body)

    @property
    def kept_headers(self) -> tuple[str, ...]:
        """The headers a transport must keep for this policy (Content-Type is always kept, as its own field)."""
        return tuple(name for name in self.headers if name != "content-type")

    def rank(self, status: int | None, rule: str) -> int | None:
        """Where `rule` stands in `rule_order`; an acceptance (a 2xx without a rule) passed them all."""
        if not self.rule_order:
            return None
        if not rule:
            return len(self.rule_order) if status is not None and 200 <= status < 300 else None
        try:
            return self.rule_order.index(rule)
        except ValueError:
            return None

    def ignoring(self, pointers: tuple[str, ...]) -> ComparePolicy:
        """This policy with more ignored paths (learned noise), each once."""
        added = tuple(p for p in dict.fromkeys(pointers) if p not in self.ignore)
        return replace(self, ignore=(*self.ignore, *added)) if added else self


# ---------------------------------------------------------------- JSON pointers


def split_pointer(pointer: str) -> list[str]:
    if pointer in ("", "/"):
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"JSON pointer {pointer!r} must start with '/'")
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


def join_pointer(parts: list[str]) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def _matches(value: JSON, parts: list[str]) -> Iterator[tuple[JSON, str | int]]:
    """Yield (container, key) for every place the pointer `parts` names in `value`."""
    if not parts:
        return
    head, rest = parts[0], parts[1:]
    if isinstance(value, dict):
        keys: list[str | int] = list(value) if head == "*" else ([head] if head in value else [])
    elif isinstance(value, list):
        if head == "*":
            keys = list(range(len(value)))
        else:
            keys = [int(head)] if head.isdigit() and int(head) < len(value) else []
    else:
        return
    for key in keys:
        if rest:
            yield from _matches(value[key], rest)  # type: ignore[index]
        else:
            yield value, key


def remove_paths(value: JSON, pointers: tuple[str, ...], *, in_place: bool = False) -> JSON:
    """A copy of `value` without the places the pointers name (`value` itself, changed, with `in_place`)."""
    if not pointers or not isinstance(value, dict | list):
        return value
    if not in_place:
        value = copy.deepcopy(value)
    for pointer in pointers:
        for container, key in sorted(_matches(value, split_pointer(pointer)), key=_removal_order):
            del container[key]  # type: ignore[index]
    return value


def _removal_order(match: tuple[JSON, str | int]) -> tuple[int, int]:
    key = match[1]
    return (0, -key) if isinstance(key, int) else (1, 0)


def values_at(value: JSON, pointer: str) -> list[JSON]:
    return [container[key] for container, key in _matches(value, split_pointer(pointer))]  # type: ignore[index]


def apply_adapters(value: JSON, rules: tuple[AdapterRule, ...], target: str) -> tuple[JSON, tuple[str, ...]]:
    """A copy of `value` with every applicable adapter run, and the `path:adapter` places where one changed it."""
    rules = tuple(rule for rule in rules if rule.applies_to(target))
    if not rules:
        return value, ()
    root = [copy.deepcopy(value)]  # a holder, so that the root itself can be replaced
    changed: list[str] = []
    for rule in rules:
        for container, key in list(_matches(root, ["0", *split_pointer(rule.path)])):
            original = container[key]  # type: ignore[index]
            adapted = rule.adapter.adapt(original)
            if adapted is not None and adapted != original:
                container[key] = adapted  # type: ignore[index]
                changed.append(f"{rule.path}:{rule.adapter.name}")
    return root[0], tuple(changed)


# ---------------------------------------------------------------- lifting


NOT_JSON = object()


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def lift_body(response: Response) -> JSON:
    """The body as a JSON value, or `NOT_JSON` (not JSON, not UTF-8, or truncated)."""
    if response.truncated or not response.body:
        return NOT_JSON
    try:
        return json.loads(response.body, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return NOT_JSON


def media_type(response: Response) -> str:
    return (response.content_type or "").split(";", 1)[0].strip().lower()


def excerpt(data: bytes | JSON) -> str:
    limit = EXCERPT
    if isinstance(data, bytes):
        limit = TEXT_EXCERPT
        text = data[: limit * 4].decode("utf-8", "replace")
    else:
        text = json.dumps(data, ensure_ascii=False, sort_keys=True)
        text = readable(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def json_type(value: JSON) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def diff_json(left: JSON, right: JSON, path: list[str] | None = None) -> list[Difference]:
    """Differences between two JSON values, as field paths (pointer with indexes, pattern with `*`)."""
    path = path or []
    differences: list[Difference] = []
    _diff(left, right, path, [], differences)
    return differences


def _diff(left: JSON, right: JSON, path: list[str], pattern: list[str], out: list[Difference]) -> None:
    left_type, right_type = json_type(left), json_type(right)
    if left_type != right_type:
        out.append(_difference(path, pattern, DiffKind.TYPE, left, right, f"{left_type} vs {right_type}"))
    elif left_type == "object":
        for key in sorted(left.keys() | right.keys()):
            here, shape = [*path, key], [*pattern, key]
            if key not in right:
                out.append(_difference(here, shape, DiffKind.MISSING, left[key], None))
            elif key not in left:
                out.append(_difference(here, shape, DiffKind.EXTRA, None, right[key]))
            else:
                _diff(left[key], right[key], here, shape, out)
    elif left_type == "array":
        if len(left) != len(right):
            out.append(_difference(path, pattern, DiffKind.SIZE, len(left), len(right)))
        for index, (a, b) in enumerate(zip(left, right, strict=False)):
            _diff(a, b, [*path, str(index)], [*pattern, "*"], out)
    elif left != right:
        out.append(_difference(path, pattern, DiffKind.VALUE, left, right))


def _difference(
    path: list[str], pattern: list[str], kind: DiffKind, left: JSON, right: JSON, detail: str = ""
) -> Difference:
    return Difference(
        path=join_pointer(path),
        pattern=join_pointer(pattern),
        kind=kind,
        left="" if left is None and kind is DiffKind.EXTRA else excerpt(left),
        right="" if right is None and kind is DiffKind.MISSING else excerpt(right),
        detail=detail,
    )


# ---------------------------------------------------------------- comparison


def compare(exchange: Exchange, policy: ComparePolicy) -> Comparison:
    left, right = exchange.responses
    if left.outcome is not Outcome.OK or right.outcome is not Outcome.OK:
        outcomes = (_unanswered(left), _unanswered(right))
        if left.outcome is right.outcome:
            return Comparison((), None, outcomes=outcomes)
        return Comparison(
            (Difference("", "", DiffKind.OUTCOME, left.status_label, right.status_label),),
            Level.TRANSPORT,
            outcomes=outcomes,
        )

    names = (exchange.targets[0].name, exchange.targets[1].name)
    bodies = [lift_body(left), lift_body(right)]
    adapted: list[JSON] = []
    shapes: list[tuple[str, ...]] = []
    sides: list[SideOutcome] = []
    for side, (name, body) in enumerate(zip(names, bodies, strict=True)):
        response = exchange.responses[side]
        if body is NOT_JSON:
            adapted.append(body)
            shapes.append(())
            sides.append(SideOutcome(str(response.status), "text", text_template(response.body, policy.message_rules)))
            continue
        body = remove_paths(body, policy.ignore, in_place=True)  # parsed here: nobody else holds it
        bodies[side] = body
        canonical, changed = apply_adapters(body, policy.adapters, name)
        adapted.append(canonical)
        shapes.append(changed)
        values = [next(iter(values_at(canonical, pointer)), None) for pointer in policy.key_paths]
        rule = rule_of(values)
        scope = rule_of([next(iter(values_at(canonical, pointer)), None) for pointer in policy.scope_paths])
        sides.append(SideOutcome(str(response.status), "json", rule, policy.rank(response.status, rule), scope))
    outcomes: OutcomePair = (sides[0], sides[1])

    differences = _body_differences(left, right, bodies, adapted)
    if left.status != right.status:
        status = Difference("", "", DiffKind.STATUS, str(left.status), str(right.status))
        return Comparison((status, *differences), Level.STATUS, outcomes, misread=policy.misreads(exchange))
    ctype = []
    if "content-type" in policy.headers and media_type(left) != media_type(right):
        ctype = [Difference("", "", DiffKind.CONTENT_TYPE, media_type(left), media_type(right))]
    ctype += header_differences(left, right, policy.kept_headers)
    if differences or ctype:
        return Comparison((*ctype, *differences), Level.SEMANTIC, outcomes, misread=policy.misreads(exchange))
    if bodies[0] is not NOT_JSON and bodies[0] != bodies[1]:
        places = sorted(set(shapes[0]) | set(shapes[1]))
        shape = tuple(
            Difference(place.split(":")[0], place.split(":")[0], DiffKind.SHAPE, detail=place) for place in places
        )
        return Comparison(shape, Level.WIRE_SHAPE, outcomes=outcomes)
    return Comparison((), None, outcomes=outcomes)


def header_differences(left: Response, right: Response, names: tuple[str, ...]) -> list[Difference]:
    """A difference for each compared header whose value differs (missing on one side included). `Allow` is a
    list of methods: its order and spacing are not a difference."""
    found = []
    for name in names:
        one, two = _header(left, name), _header(right, name)
        if one != two:
            found.append(
                Difference(
                    name, name, DiffKind.HEADER, one or "", two or "", "missing" if None in (one, two) else "value"
                )
            )
    return found


def _header(response: Response, name: str) -> str | None:
    values = [value for key, value in response.headers if key == name]
    if not values:
        return None
    text = ", ".join(values).strip()
    if name == "allow":
        return ", ".join(sorted({method.strip().upper() for method in text.split(",") if method.strip()}))
    return text


def crashed(exchange: Exchange, policy: ComparePolicy) -> Comparison:
    """The comparison of the last exchange before a runtime died: a transport divergence marked as a crash,
    whatever the answers were (the side that died may still have answered this one)."""
    left, right = exchange.responses
    outcomes = compare(exchange, policy).outcomes
    return Comparison(
        (Difference("", "", DiffKind.OUTCOME, left.status_label, right.status_label),),
        Level.TRANSPORT,
        outcomes=outcomes,
        crash=True,
    )


def _unanswered(response: Response) -> SideOutcome:
    return SideOutcome(response.status_label, "none" if response.outcome is not Outcome.OK else "answered")


def _body_differences(left: Response, right: Response, bodies: list[JSON], adapted: list[JSON]) -> list[Difference]:
    left_json, right_json = adapted
    if left_json is not NOT_JSON and right_json is not NOT_JSON:
        return diff_json(left_json, right_json)
    if left_json is NOT_JSON and right_json is NOT_JSON:
        if left.body == right.body:
            return []
        return [Difference("", "", DiffKind.BYTES, excerpt(left.body), excerpt(right.body), "text vs text")]
    left_form = "text" if left_json is NOT_JSON else json_type(left_json)
    right_form = "text" if right_json is NOT_JSON else json_type(right_json)
    return [Difference("", "", DiffKind.TYPE, excerpt(left.body), excerpt(right.body), f"{left_form} vs {right_form}")]
