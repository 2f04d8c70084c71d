"""Mutated cases: a valid draft plus one to three typed mutations, each named in the label.

Mutation kinds, simplest first (shrinking prefers earlier kinds, fewer mutations and earlier sites):

    drop <path>                      remove the key
    null <path>                      set the value to null
    extra <path>.<key>               add an unknown field to an object (`extra <key>` at the envelope)
    retype <path> to <type>          a value of another JSON type
    int <path> = <spelling>          one more or one less (off by one), then boundary integers: 0, -1, 2^31-1,
                                     2^31, 2^53+1, 2^63, 2^64, -0, 2.0, 1e2, 1e400
    string <path>: <edit>            empty, padded, upper, lower, non-ascii, confusable, fullwidth-digits, nul, long
    near-miss <path>: <what>         a string that follows a grammar with one part broken (strategies/_nearmiss.py)
    array <path>: <edit>             empty, duplicate, long
    key-case <path> -> <Key>         rename the key (`fingerprint` -> `Fingerprint`, `kind` -> `KIND`)
    key-case <path> + <Key>          add the variant key beside the original

Paths read like `kind`, `artifact.fills[0].name`, `context.city`. Labels: `mutated <kind>: <m1>; <m2>`.

`near-miss` applies where a grammar governs the site (the contract's operation, a schema `pattern`) and is only
offered to the kinds that have such a site; there it is drawn NEAR_MISS_WEIGHT times as often as another kind
of mutation, because a near-miss on its own, everything else valid, is the case that reaches a parser's
branches, and a mutation alone in its case is drawn only one time in two. Without the site in the draft (an
optional property left out) it is an ordinary string mutation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from types import MappingProxyType

from fuzzer._model import JSON, Case, RawJSON
from strategies._nearmiss import Grammars, SiteGrammars
from strategies._paths import MISSING, Path, find_at, replace, set_at, show, sites
from strategies._schema import Draw, Formats
from strategies._source import Drawn
from strategies._space import CaseSpace
from strategies._valid import DraftPlan, case_of

Mutation = Callable[[Draw, JSON, Path, JSON], tuple[JSON, str] | None]
Applies = Callable[[Path, JSON], bool]
Table = tuple[tuple[str, Applies, Mutation], ...]

MAX_MUTATIONS = 3
NEAR_MISS_WEIGHT = 2

BOUNDARY_INTEGERS: tuple[int | RawJSON, ...] = (
    0,
    -1,
    2**31 - 1,
    2**31,
    2**53 + 1,
    2**63,
    2**64,
    RawJSON("-0"),
    RawJSON("2.0"),
    RawJSON("1e2"),
    RawJSON("1e400"),
)
_CONFUSABLE = str.maketrans("aceopxyABCEHKMOPTXW", "асеорхуАВСЕНКМОРТХԜ")
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_LONG = 10_000
_EXTRA_KEYS = ("extra", "", "__proto__", "x-unknown")
# JSON texts, parsed at use: every case gets its own (mutable) containers.
_EXTRA_VALUES = ("1", '"x"', "null", "true", "[]", "{}")

_TYPES = MappingProxyType(
    {"string": '"1"', "integer": "1", "number": "1.5", "boolean": "true", "array": "[]", "object": "{}"}
)


def mutated_cases(space: CaseSpace, formats: Formats) -> Drawn[Case]:
    drafts = DraftPlan(space, formats)
    mutate = Mutator(space)

    def mutated(draw: Draw, kind: int | None = None) -> Case:
        draft = drafts(draw, kind)
        envelope, labels = mutate(draw, draft.kind, draft.envelope)
        return case_of(space, draft, "mutated", f"mutated {draft.kind}: {'; '.join(labels)}", envelope=envelope)

    return Drawn(mutated, "mutated_cases()")


class Mutator:
    """One to three mutations of an envelope, each named (shared by the mutated and the guided modes)."""

    def __init__(self, space: CaseSpace) -> None:
        self.kinds = tuple(spec.name for spec in space.kinds)
        grammars = Grammars(space.kinds)
        self.tables = {spec.name: _table(grammars.of(spec.name)) for spec in space.kinds}

    def __call__(
        self, draw: Draw, kind: str, envelope: JSON, places: Sequence[tuple[Path, JSON]] | None = None
    ) -> tuple[JSON, list[str]]:
        places = sites(envelope) if places is None else places
        table = self.tables.get(kind, _MUTATIONS)
        labels = []
        # Drawn like a list (a span per mutation, "one more?" before each further one), so that the shrinker
        # can delete any mutation the divergence does not need, not only the last ones. Each mutation picks its
        # site among the *draft's* sites: deleting an earlier mutation then leaves the later ones where they were.
        for _ in draw.repeat(1, MAX_MUTATIONS):
            changed = _mutate(draw, table, envelope, places, self.kinds)
            if changed is not None:
                envelope, label = changed
                labels.append(label)
        return envelope, labels


def _table(grammars: SiteGrammars) -> Table:
    """The mutations of a kind: `near-miss`, NEAR_MISS_WEIGHT times, after `string` when a grammar governs one
    of its sites."""
    if not grammars:
        return _MUTATIONS

    def governed(path: Path, value: JSON) -> bool:
        return isinstance(value, str) and grammars.at(path) is not None

    def near_miss(draw: Draw, root: JSON, path: Path, value: JSON) -> tuple[JSON, str] | None:
        grammar = grammars.at(path)
        found = grammar(value) if grammar is not None else ()
        if not found:  # an earlier mutation changed the value into one outside the grammar
            return None
        chosen = draw.choose(found)
        return set_at(root, path, chosen.text), f"near-miss {show(path)}: {chosen.what}"

    at = 1 + next(i for i, entry in enumerate(_MUTATIONS) if entry[0] == "string")
    return (*_MUTATIONS[:at], *[("near-miss", governed, near_miss)] * NEAR_MISS_WEIGHT, *_MUTATIONS[at:])


def _mutate(
    draw: Draw, table: Table, envelope: JSON, places: Sequence[tuple[Path, JSON]], kinds: tuple[str, ...]
) -> tuple[JSON, str] | None:
    """One mutation of `envelope` at one of the draft's `places`, or None when an earlier mutation removed that
    place or changed its value into one this mutation does not apply to."""
    name, applies, mutation = draw.choose(table)
    candidates = [path for path, value in places if applies(path, value)]
    if not candidates and name == "near-miss":  # the governed site is not in this draft: an ordinary string edit
        name, applies, mutation = "string", _is_string, _string
        candidates = [path for path, value in places if applies(path, value)]
    if name == "extra":
        candidates.insert(0, ())
    if not candidates:  # e.g. no integer in the draft: add a field to the envelope instead
        name, applies, mutation, candidates = "extra", _is_object, _extra, [()]
    path = draw.choose(candidates)
    value = find_at(envelope, path)
    if value is MISSING or not applies(path, value):
        return None
    if name == "key-case":
        return _key_case(draw, envelope, path, value, kinds)
    return mutation(draw, envelope, path, value)


def _is_object(path: Path, value: JSON) -> bool:
    return isinstance(value, dict)


def _is_key(path: Path, value: JSON) -> bool:
    return isinstance(path[-1], str)


def _any(path: Path, value: JSON) -> bool:
    return True


def _drop(draw: Draw, root: JSON, path: Path, value: JSON) -> tuple[JSON, str]:
    def change(container: JSON, step: str | int) -> JSON:
        del container[step]
        return container

    return replace(root, path, change), f"drop {show(path)}"


def _null(draw: Draw, root: JSON, path: Path, value: JSON) -> tuple[JSON, str]:
    return set_at(root, path, None), f"null {show(path)}"


def _extra(draw: Draw, root: JSON, path: Path, value: JSON) -> tuple[JSON, str]:
    keys = list(_EXTRA_KEYS)
    if path == () and "context" not in value:
        keys.insert(0, "context")  # optional and ignored for playbook; unexpected for other kinds
    key = draw.choose([k for k in keys if k not in value] or ["extra-2"])
    extra = json.loads(draw.choose(_EXTRA_VALUES))
    grown = {**value, key: extra}
    return set_at(root, path, grown), f"extra {show((*path, key))}"


def _type_of(value: JSON) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _retype(draw: Draw, root: JSON, path: Path, value: JSON) -> tuple[JSON, str]:
    target = draw.choose([t for t in _TYPES if t != _type_of(value)])
    new = json.loads(_TYPES[target])
    if target == "string" and isinstance(value, int | float) and not isinstance(value, bool):
        new = str(value)  # 3 -> "3": a quoted number
    elif target == "array" and value is not None:
        new = [value]  # "x" -> ["x"]: a one-element array
    return set_at(root, path, new), f"retype {show(path)} to {target}"


def _is_int(path: Path, value: JSON) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _integer(draw: Draw, root: JSON, path: Path, value: JSON) -> tuple[JSON, str]:
    new = draw.choose((value + 1, value - 1, *BOUNDARY_INTEGERS))
    spelled = new.text if isinstance(new, RawJSON) else str(new)
    return set_at(root, path, new), f"int {show(path)} = {spelled}"


def _is_string(path: Path, value: JSON) -> bool:
    return isinstance(value, str)


def _string_edits(value: str) -> dict[str, Callable[[], str]]:
    return {
        "empty": lambda: "",
        "padded": lambda: f" {value} ",
        "upper": lambda: value.upper() if value.upper() != value else value + "X",
        "lower": lambda: value.lower() if value.lower() != value else value + "x",
        "non-ascii": lambda: value + "é",
        "confusable": lambda: _first_changed(value, _CONFUSABLE) or value + "а",
        "fullwidth-digits": lambda: (
            value.translate(_FULLWIDTH) if value != value.translate(_FULLWIDTH) else value + "１"
        ),
        "nul": lambda: value + "\x00",
        "long": lambda: (value or "x") * (_LONG // max(len(value), 1) + 1),
    }


def _first_changed(value: str, table: dict[int, int]) -> str | None:
    """`value` with only its first character that `table` maps replaced (one confusable letter)."""
    for index, ch in enumerate(value):
        if ord(ch) in table:
            return value[:index] + chr(table[ord(ch)]) + value[index + 1 :]
    return None


def _string(draw: Draw, root: JSON, path: Path, value: JSON) -> tuple[JSON, str]:
    edits = _string_edits(value)
    edit = draw.choose(list(edits))
    return set_at(root, path, edits[edit]()), f"string {show(path)}: {edit}"


def _is_array(path: Path, value: JSON) -> bool:
    return isinstance(value, list)


def _array(draw: Draw, root: JSON, path: Path, value: JSON) -> tuple[JSON, str]:
    edit = draw.choose(("empty", "duplicate", "long"))
    item = value[0] if value else None
    new = {"empty": [], "duplicate": [*value, item], "long": [*value, *([item] * 1000)]}[edit]
    return set_at(root, path, new), f"array {show(path)}: {edit}"


def _variants(key: str) -> list[str]:
    head, *rest = key.split("_")
    camel = head + "".join(part.capitalize() for part in rest)
    options = [key.capitalize(), key.upper(), camel, key.title().replace("_", "")]
    return [v for v in dict.fromkeys(options) if v != key] or [key + "_"]


def _key_case(draw: Draw, root: JSON, path: Path, value: JSON, kinds: tuple[str, ...] = ()) -> tuple[JSON, str]:
    key = str(path[-1])
    variant = draw.choose(_variants(key))
    add = draw.boolean()
    if add and path == ("kind",):  # beside the original `kind`, another kind's name
        value = next((k for k in kinds if k != value), value)

    def change(container: JSON, step: str | int) -> JSON:
        if add:
            return {**container, variant: value}
        return {(variant if k == step else k): v for k, v in container.items()}

    return replace(root, path, change), f"key-case {show(path)} {'+' if add else '->'} {variant}"


_MUTATIONS: Table = (
    ("drop", _is_key, _drop),
    ("null", _any, _null),
    ("extra", _is_object, _extra),
    ("retype", _any, _retype),
    ("int", _is_int, _integer),
    ("string", _is_string, _string),
    ("array", _is_array, _array),
    ("key-case", _is_key, _key_case),
)
