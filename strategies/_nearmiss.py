"""Near-miss strings: a value that follows a grammar, with one part of it broken.

Parsers differ most just outside their grammar: a separator missing, a component empty, a digit that is a
digit only to Unicode, a count one past its bound. A near-miss keeps every part of a valid value but one, so
the case reaches the parser's branch for that one part. Two kinds of grammar are known:

- the contract's operation grammar (format `parity-operation`, rule P5). A valid operation is split into its
  parts (`fill:`, ` `, role, ` x`, count, ` in `, place) and each near-miss breaks one of them: no space after
  `fill:`, no ` x`, no ` in `, an empty role, place or count (a lone `x`), a count of 0, of 2^31, with a sign
  or in non-ASCII digits, ...
- a `pattern` in a JSON Schema, for any string a user's schema constrains. The pattern is parsed (with Python's
  `re._parser`), a short string that matches it is built from the parse (the *witness*: the fewest repetitions,
  the first alternative, the first character of each class), and each near-miss breaks one node of the parse
  in the witness: a literal separator dropped, a repetition emptied or given one item too few or too many, a
  character from outside a class, a digit swapped for an Arabic-Indic or fullwidth one, a sign before a digit.

Every near-miss is checked: it must fail the grammar that its original follows (for a pattern, `re.search`
with ASCII classes, as in ECMA-262 where JSON Schema patterns come from: `\\d` is `[0-9]`). A pattern whose
witness cannot be built or does not match (back-references, look-arounds, syntax Python's `re` does not
read), or that forces a witness longer than WITNESS_LIMIT, gets no near-misses.

Near-misses are listed simplest first (emptied and dropped parts, then bounds, then character swaps), so that
shrinking, which lowers the index, prefers the simpler ones.

`Grammars(space.kinds)` reads from the kinds' schemas which grammar governs which site: the one place that
knows. The mutated mode's `near-miss` mutation asks it (strategies/_mutated.py).

This reads Python's regular expression parser (`re._parser`, `re._constants`), which is not public API; a
pattern it cannot read, or a node it does not know, only means no near-misses for that pattern.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from types import MappingProxyType
from typing import Any

from strategies._formats import MAX_COUNT, split_operation
from strategies._paths import Path
from strategies._space import KindSpec

WITNESS_LIMIT = 64
"""Longest witness built for a pattern: near-misses stay short, and so does matching them."""
MAX_NEAR_MISSES = 32
"""Near-misses kept per pattern, simplest first."""

_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_ITEM = None
"""An array index in a site template: every element of an array is governed by the `items` schema."""


@dataclass(frozen=True, slots=True)
class NearMiss:
    """A string just outside a grammar, and what was broken (`no space after "fill:"`)."""

    what: str
    text: str


Grammar = Callable[[str], tuple[NearMiss, ...]]
"""The near-misses of a value (none when the value does not follow the grammar)."""


# ---------------------------------------------------------------- the operation grammar (rule P5)


def operation_near_misses(operation: str) -> tuple[NearMiss, ...]:
    """The near-misses of a valid operation, each breaking one of its parts; none for an invalid one."""
    parts = split_operation(operation)
    if parts is None:
        return ()
    role, digits, place = parts

    def join(
        prefix: str = "fill:",
        space: str = " ",
        role: str = role,
        x: str = " x",
        count: str = digits,
        sep: str = " in ",
        place: str = place,
    ) -> str:
        return f"{prefix}{space}{role}{x}{count}{sep}{place}"

    candidates = (
        ("count 0", join(count="0")),
        ('lone "x": no count', join(count="")),
        ("empty role", join(role="")),
        ("empty place", join(place="")),
        ('no space after "fill:"', join(space="")),
        ('no " x"', join(x="")),
        ('no " in "', join(sep="")),
        ('no space before "x"', join(x="x")),
        ('no space before "in"', join(sep="in ")),
        ('no space after "in"', join(sep=" in")),
        (f"count {MAX_COUNT + 1}, one past 2^31-1", join(count=str(MAX_COUNT + 1))),
        ("count 2^64", join(count=str(2**64))),
        ('leading "+" on the count', join(count="+" + digits)),
        ('leading "-" on the count', join(count="-" + digits)),
        ('space between "x" and the count', join(count=" " + digits)),
        ("count in Arabic-Indic digits", join(count=digits.translate(_ARABIC_INDIC))),
        ("count in fullwidth digits", join(count=digits.translate(_FULLWIDTH))),
        ("count with a decimal point", join(count=digits + ".0")),
        ('"X" for "x"', join(x=" X")),
        ('"IN" for "in"', join(sep=" IN ")),
        ('tab after "fill:"', join(space="\t")),
        ('"Fill:" for "fill:"', join(prefix="Fill:")),
    )
    return _kept(candidates, lambda text: text != operation and split_operation(text) is None)


def _kept(candidates: Iterable[tuple[str, str]], breaks: Callable[[str], bool]) -> tuple[NearMiss, ...]:
    """The candidates that break the grammar, each text once, in the given order."""
    seen: set[str] = set()
    kept = []
    for what, text in candidates:
        if text not in seen and breaks(text):
            seen.add(text)
            kept.append(NearMiss(what, text))
    return tuple(kept)


# ---------------------------------------------------------------- a schema's `pattern`


class _Unsupported(Exception):
    """A part of a pattern the witness cannot be built for."""


@dataclass(frozen=True, slots=True)
class _Edit:
    """Replace witness[start:end] by `text`; `rank` orders edits simplest first."""

    rank: int
    what: str
    start: int
    end: int
    text: str

    def moved(self, offset: int) -> _Edit:
        return _Edit(self.rank, self.what, self.start + offset, self.end + offset, self.text)


_EMPTIED, _DROPPED, _BOUND, _SWAPPED, _SIGN, _DIGIT = range(6)

_REPEATS = frozenset({sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)})
_PROBES = ("0", "a", "A", "-", "_", " ", ".", "/", "é")
"""Characters tried, in order, for a class's witness (after its own) and for a character outside it."""
_CATEGORIES: Mapping[Any, tuple[str, Callable[[str], bool], str]] = MappingProxyType(
    {
        sre.CATEGORY_DIGIT: ("\\d", lambda c: "0" <= c <= "9", "0"),
        sre.CATEGORY_NOT_DIGIT: ("\\D", lambda c: not "0" <= c <= "9", "a"),
        sre.CATEGORY_WORD: ("\\w", lambda c: c.isascii() and (c.isalnum() or c == "_"), "a"),
        sre.CATEGORY_NOT_WORD: ("\\W", lambda c: not (c.isascii() and (c.isalnum() or c == "_")), "-"),
        sre.CATEGORY_SPACE: ("\\s", lambda c: c in " \t\n\r\f\v", " "),
        sre.CATEGORY_NOT_SPACE: ("\\S", lambda c: c not in " \t\n\r\f\v", "a"),
    }
)
"""Class escapes: how each is shown, its membership (ASCII, as in ECMA-262) and its witness."""
_ATOMS = frozenset({sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN, sre.SUBPATTERN})
"""Nodes that a quantifier applies to without a group around them."""
_SPECIAL = frozenset("\\[]^-.*+?(){}|$")
_ANCHORS = MappingProxyType(
    {
        sre.AT_BEGINNING: "^",
        sre.AT_BEGINNING_STRING: "\\A",
        sre.AT_END: "$",
        sre.AT_END_STRING: "\\Z",
        sre.AT_BOUNDARY: "\\b",
        sre.AT_NON_BOUNDARY: "\\B",
    }
)


@dataclass(frozen=True, slots=True)
class PatternGrammar:
    """A schema pattern, the witness built from it and the witness's near-misses. As a Grammar it gives those
    near-misses whatever the value at the site: the near-miss replaces the value."""

    pattern: str
    witness: str
    near_misses: tuple[NearMiss, ...]

    def __call__(self, value: str) -> tuple[NearMiss, ...]:
        return self.near_misses


def pattern_grammar(pattern: str) -> PatternGrammar | None:
    """The grammar of a JSON Schema `pattern`, or None when no witness (or no near-miss) can be built for it."""
    try:
        matcher = _compile(pattern)
        witness, edits = _sequence(sre_parse.parse(pattern))
    except (re.error, _Unsupported, RecursionError, OverflowError, ValueError):
        return None
    if matcher.search(witness) is None:
        return None
    ordered = sorted(edits, key=lambda edit: edit.rank)  # stable: in pattern order within a rank
    candidates = [
        (edit.what, witness[: edit.start] + edit.text + witness[edit.end :])
        for edit in ordered
        if edit.rank != _SIGN or not witness[edit.start - 1 : edit.start].isdigit()  # a sign starts a number
    ]
    near = tuple(
        NearMiss(f"{miss.what} in {_quoted(witness)}: {_quoted(miss.text)}", miss.text)
        for miss in _kept(candidates, lambda text: matcher.search(text) is None)[:MAX_NEAR_MISSES]
    )
    return PatternGrammar(pattern, witness, near) if near else None


def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.ASCII)
    except (re.error, ValueError):  # e.g. an inline (?u): match as written
        return re.compile(pattern)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _sequence(items: Iterable[tuple[Any, Any]]) -> tuple[str, list[_Edit]]:
    """The witness of a sequence of parsed nodes, and the edits of each node moved to where it stands."""
    text, edits = "", []
    for op, av in items:
        part, own = _node(op, av)
        edits += [edit.moved(len(text)) for edit in own]
        text += part
        if len(text) > WITNESS_LIMIT:
            raise _Unsupported(f"witness longer than {WITNESS_LIMIT}")
    return text, edits


def _node(op: Any, av: Any) -> tuple[str, list[_Edit]]:
    if op is sre.LITERAL:
        return _literal(chr(av))
    if op is sre.NOT_LITERAL:
        banned = chr(av)
        swapped = _Edit(_SWAPPED, f"{_quoted(banned)} for [^{_char(banned)}]", 0, 1, banned)
        return ("a" if banned != "a" else "b"), [swapped]
    if op is sre.ANY:
        return "a", [_Edit(_SWAPPED, 'line break for "."', 0, 1, "\n")]
    if op is sre.IN:
        return _class(av)
    if op in _REPEATS:
        return _repeat(op, *av)
    if op is sre.SUBPATTERN:
        return _sequence(av[-1])
    if op is getattr(sre, "ATOMIC_GROUP", None):
        return _sequence(av)
    if op is sre.BRANCH:
        return _sequence(av[1][0])  # the first alternative; a near-miss matching another is dropped later
    if op is sre.AT:
        return "", []
    raise _Unsupported(str(op))


def _literal(char: str) -> tuple[str, list[_Edit]]:
    if "0" <= char <= "9":
        return char, _digit_edits(char, f"digit {char}")
    if char.isalpha() and char.swapcase() != char:
        return char, [_Edit(_SWAPPED, f"{_quoted(char.swapcase())} for {_quoted(char)}", 0, 1, char.swapcase())]
    return char, [_Edit(_DROPPED, f"no {_quoted(char)}", 0, 1, "")]


def _digit_edits(digit: str, shown: str) -> list[_Edit]:
    return [
        _Edit(_SIGN, f'leading "+" before {shown}', 0, 0, "+"),
        _Edit(_SIGN, f'leading "-" before {shown}', 0, 0, "-"),
        _Edit(_DIGIT, f"Arabic-Indic digit for {shown}", 0, 1, digit.translate(_ARABIC_INDIC)),
        _Edit(_DIGIT, f"fullwidth digit for {shown}", 0, 1, digit.translate(_FULLWIDTH)),
    ]


@dataclass(frozen=True, slots=True)
class _Class:
    """A character class read from its parsed members: as shown, its membership and its own characters."""

    text: str
    inside: Callable[[str], bool]
    own: tuple[str, ...]
    negated: bool


def _read_class(members: list[tuple[Any, Any]]) -> _Class:
    negated = bool(members) and members[0][0] is sre.NEGATE
    tests: list[Callable[[str], bool]] = []
    own, shown = [], []
    for op, av in members[1:] if negated else members:
        if op is sre.LITERAL:
            tests.append(lambda c, av=av: c == chr(av))
            own.append(chr(av))
            shown.append(_char(chr(av)))
        elif op is sre.RANGE:
            tests.append(lambda c, av=av: av[0] <= ord(c) <= av[1])
            own.append(chr(av[0]))
            shown.append(f"{_char(chr(av[0]))}-{_char(chr(av[1]))}")
        elif op is sre.CATEGORY and av in _CATEGORIES:
            show, test, witness = _CATEGORIES[av]
            tests.append(test)
            own.append(witness)
            shown.append(show)
        else:
            raise _Unsupported(str(op))
    text = "[" + ("^" if negated else "") + "".join(shown) + "]"
    if not negated and len(shown) == 1 and shown[0].startswith("\\"):
        text = shown[0]  # \d, not [\d]

    def inside(char: str) -> bool:
        return any(test(char) for test in tests) != negated

    return _Class(text, inside, tuple(own), negated)


def _class(members: list[tuple[Any, Any]]) -> tuple[str, list[_Edit]]:
    """A class's witness: its own first character (a negated class: the first probe it accepts)."""
    read = _read_class(members)
    tried = (*_PROBES, *read.own) if read.negated else (*read.own, *_PROBES)
    witness = next((c for c in tried if read.inside(c)), None)
    if witness is None:
        raise _Unsupported(f"no witness for {read.text}")
    edits = []
    outside = next((c for c in (*read.own, *_PROBES) if not read.inside(c)), None)
    if outside is not None:
        edits.append(_Edit(_SWAPPED, f"{_quoted(outside)} for {read.text}", 0, 1, outside))
    if "0" <= witness <= "9":
        edits += _digit_edits(witness, read.text)
    return witness, edits


def _repeat(op: Any, low: int, high: int, body_items: Any) -> tuple[str, list[_Edit]]:
    body, inner = _sequence(body_items)
    shown = _show_repeat(op, low, high, body_items)
    copies = low if low > 0 else min(high, 1)  # an optional part is present once: its parts can be broken
    if copies * len(body) > WITNESS_LIMIT:
        raise _Unsupported(f"witness longer than {WITNESS_LIMIT}")
    text = body * copies
    edits = list(inner) if copies else []  # the first copy's own edits
    if low >= 1 and body:
        edits.append(_Edit(_EMPTIED, f"empty {shown}", 0, len(text), ""))
    if low >= 2 and body:
        edits.append(_Edit(_BOUND, f"one too few for {shown}", 0, len(text), body * (low - 1)))
    if high != sre.MAXREPEAT and body and (high + 1) * len(body) <= WITNESS_LIMIT:
        edits.append(_Edit(_BOUND, f"one too many for {shown}", 0, len(text), body * (high + 1)))
    return text, edits


def _char(char: str) -> str:
    """A character as written in a pattern."""
    return "\\" + char if char in _SPECIAL else char


def _show(items: Iterable[tuple[Any, Any]]) -> str:
    """A parsed pattern written back (for labels): close to the source, not necessarily the same text."""
    parts = []
    for op, av in items:
        if op is sre.LITERAL:
            parts.append(_char(chr(av)))
        elif op is sre.NOT_LITERAL:
            parts.append(f"[^{_char(chr(av))}]")
        elif op is sre.ANY:
            parts.append(".")
        elif op is sre.IN:
            parts.append(_class_text(av))
        elif op in _REPEATS:
            parts.append(_show_repeat(op, *av))
        elif op is sre.SUBPATTERN:
            parts.append(f"({_show(av[-1])})")
        elif op is sre.BRANCH:
            parts.append("|".join(_show(alternative) for alternative in av[1]))
        elif op is sre.AT:
            parts.append(_ANCHORS.get(av, ""))
        else:
            parts.append("…")
    return "".join(parts)


def _class_text(members: list[tuple[Any, Any]]) -> str:
    try:
        return _read_class(members).text
    except _Unsupported:
        return "[…]"


def _show_repeat(op: Any, low: int, high: int, body_items: Any) -> str:
    body = _show(body_items)
    if len(body_items) != 1 or body_items[0][0] not in _ATOMS:
        body = f"(?:{body})"
    if (low, high) == (0, sre.MAXREPEAT):
        quantifier = "*"
    elif (low, high) == (1, sre.MAXREPEAT):
        quantifier = "+"
    elif (low, high) == (0, 1):
        quantifier = "?"
    elif high == sre.MAXREPEAT:
        quantifier = f"{{{low},}}"
    elif low == high:
        quantifier = f"{{{low}}}"
    else:
        quantifier = f"{{{low},{high}}}"
    if op is sre.MIN_REPEAT:
        quantifier += "?"
    elif op is not sre.MAX_REPEAT:
        quantifier += "+"
    return body + quantifier


# ---------------------------------------------------------------- which grammar governs which site


FORMAT_GRAMMARS: Mapping[str, Grammar] = MappingProxyType({"parity-operation": operation_near_misses})
"""Custom formats whose strings follow a grammar the strategies know (docs/contract.md)."""


class SiteGrammars:
    """The grammars of one kind's sites: `at(path)` for a path into the envelope, array indexes included."""

    __slots__ = ("_by_template",)

    def __init__(self, by_template: Mapping[tuple[str | None, ...], Grammar]) -> None:
        self._by_template = dict(by_template)

    def __bool__(self) -> bool:
        return bool(self._by_template)

    def at(self, path: Path) -> Grammar | None:
        if not self._by_template:
            return None
        return self._by_template.get(tuple(_ITEM if isinstance(step, int) else step for step in path))


class Grammars:
    """Which grammar governs which site, for each kind of a space, read once from its schemas: a string schema
    with a known `format` (FORMAT_GRAMMARS) or with a `pattern`, found through `properties` and `items` from the
    envelope's `artifact` and `context` (not through `$ref`, `anyOf` and the like)."""

    __slots__ = ("_kinds",)

    def __init__(self, kinds: Iterable[KindSpec]) -> None:
        patterns: dict[str, PatternGrammar | None] = {}
        self._kinds: dict[str, SiteGrammars] = {}
        for spec in kinds:
            found: dict[tuple[str | None, ...], Grammar] = {}
            _walk(spec.artifact_schema, ("artifact",), found, patterns)
            _walk(spec.context_schema, ("context",), found, patterns)
            self._kinds[spec.name] = SiteGrammars(found)

    def of(self, kind: str) -> SiteGrammars:
        return self._kinds.get(kind, SiteGrammars({}))


def _walk(
    schema: Any,
    template: tuple[str | None, ...],
    found: dict[tuple[str | None, ...], Grammar],
    patterns: dict[str, PatternGrammar | None],
) -> None:
    if not isinstance(schema, dict):
        return
    grammar = FORMAT_GRAMMARS.get(schema.get("format"))  # type: ignore[arg-type]
    pattern = schema.get("pattern")
    if grammar is None and isinstance(pattern, str):
        if pattern not in patterns:
            patterns[pattern] = pattern_grammar(pattern)
        grammar = patterns[pattern]
    if grammar is not None:
        found[template] = grammar
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for key, sub in properties.items():
            _walk(sub, (*template, key), found, patterns)
    _walk(schema.get("items"), (*template, _ITEM), found, patterns)
