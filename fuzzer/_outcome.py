"""Outcome: what one runtime answered, reduced to the rule it applied — the unit a class is made of.

Each side of an exchange gets one `SideOutcome` (`fuzzer._model`; built by `fuzzer._compare`):

    form     what it is                                   rule
    none     no answer (timeout, reset, refused, error)    ""
    text     a body that is not JSON: a framework          the message's *template*
             rejection (axum's extractor texts, Go's
             http.Error), or any other text
    json     a JSON body: the contract's answer            the values at the key paths (`/error/kind`,
                                                          `/error/field`), array indexes as `*`

The pair of outcomes is what NEZHA calls an output tuple: a case whose pair was not seen before is new
behaviour (`fuzzer._guide` keeps such cases), and two divergences with different pairs are different classes
(`fuzzer._classify`).

Templates drop what varies from case to case in one rejection: quoted text (`_`), numbers (`N`), field paths,
the JSON type a serde or encoding/json message names (`invalid type: _, expected …`, `cannot unmarshal _ into
…`), and anything past 120 characters. Users add their own rewrite rules (`[[message_rules]]` in the config),
applied after these.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from fuzzer._model import JSON

TEMPLATE_LIMIT = 120
TEXT_SCAN = 65536
"""Bytes of a text body a template is made from: enough for a message that quotes a long value, bounded."""

_QUOTED = re.compile(r"""`[^`]*(?:`|$)|"(?:[^"\\]|\\.)*(?:"|$)|'[^']*'""")  # a cut quote runs to the end
_NUMBER = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_PATH = re.compile(r"\b[a-z_]\w*(?:\.\w+|\[n\])+")
_INDEX = re.compile(r"\[\d+\]|(?<=[./])\d+(?=[./]|$)")


@dataclass(frozen=True, slots=True)
class MessageRule:
    """A rewrite of framework messages: `pattern` (a regular expression over the lower-cased template) is
    replaced by `replace` wherever it matches."""

    pattern: re.Pattern[str]
    replace: str

    @classmethod
    def of(cls, pattern: str, replace: str) -> MessageRule:
        return cls(re.compile(pattern), replace)


DEFAULT_MESSAGE_RULES: tuple[MessageRule, ...] = (
    # serde: `invalid type: integer _, expected …`, `invalid value: string _, expected …`: the JSON type named
    MessageRule.of(r"invalid (type|value|length): [^,]*, expected", r"invalid \1: _, expected"),
    # encoding/json: `cannot unmarshal number into Go value of type …`, `… into Go struct field x of type …`
    MessageRule.of(r"cannot unmarshal \w+ into", "cannot unmarshal _ into"),
    MessageRule.of(r"go struct field _ of type", "go struct field of type"),
    # serde_json: an unpaired surrogate escape is `lone leading surrogate in hex escape` or, when a high surrogate
    # is followed by anything but a low one, `unexpected end of hex escape`: one rejection
    MessageRule.of(r"lone leading surrogate in hex escape|unexpected end of hex escape", "unpaired surrogate escape"),
    # positions: `at line N column N`, `at offset N`, `at position N` are already numbers-free; keep one form
    MessageRule.of(r" at (line n column n|offset n|position n|character n)\b", " at _"),
)


def template(text: str, rules: Sequence[MessageRule] = DEFAULT_MESSAGE_RULES) -> str:
    """A message without what varies from case to case.

    `Failed to deserialize ...: fills[0].name: invalid type: integer `1`, expected a string at line 1 column 9`
    → `failed to deserialize ...: invalid type: _, expected a string at _`: quoted text and numbers go, and so
    do the one-word segments between colons (field paths such as `fills[0].name`) and the type the input had.
    """
    text = _QUOTED.sub("_", text)
    text = _NUMBER.sub("N", text)
    text = _SPACE.sub(" ", text).strip().lower()
    text = _PATH.sub("_", text)
    segments = text.split(": ")
    if len(segments) > 2:
        segments = [segments[0], *(s for s in segments[1:-1] if " " in s), segments[-1]]
    text = ": ".join(segments)
    for rule in rules:
        text = rule.pattern.sub(rule.replace, text)
    return text[:TEMPLATE_LIMIT]


def text_template(body: bytes, rules: Sequence[MessageRule] = DEFAULT_MESSAGE_RULES) -> str:
    return template(body[:TEXT_SCAN].decode("utf-8", "replace"), rules)  # bytes: no lone surrogate survives


def readable(text: str) -> str:
    """`text` with lone surrogates (which JSON may carry and UTF-8 cannot) spelled as `\\udXXX`."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def wildcard(value: str) -> str:
    """`fills[3].name` → `fills[*].name`: which element broke a rule is not part of the rule."""
    return _INDEX.sub(lambda m: "[*]" if m.group().startswith("[") else "*", value)


def rule_of(values: Sequence[JSON | None]) -> str:
    """The rule identity from the values read at the key paths (in their order): `schema/fingerprint`; "" when
    no key path has a value (an acceptance, or an answer without the contract's error)."""
    if all(value is None for value in values):
        return ""
    return "/".join("-" if value is None else wildcard(readable(_text(value))) for value in values)


def _text(value: JSON) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
