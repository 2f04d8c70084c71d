"""Strategies for the custom `format` names our schemas use: contract knowledge about single strings.

    parity-operation    fill: <role> x<count> in <place>, role and place from the roster (`split_operation`
                        reads one back into its parts)
    parity-roster-id    a worker id from the roster
    parity-roster-name  a worker name from the roster
    parity-city         a city from the roster
    parity-role         a role from the roster
    parity-fingerprint  a non-empty string: short hex digests first, then other valid spellings
    parity-client-id    C-<n>

Each is one or two choices (`sampled_from` over precomputed values): drawing fast matters more here than
variety, which the mutated and adversarial modes supply. Without a roster, ids, names, cities and roles come
from small built-in lists (such cases are well formed but no runtime's roster will accept them).

STANDARD_FORMATS holds strategies for the most used formats that JSON Schema defines (`date`, `date-time`,
`email`, `uuid`, ...), so that a user's schema with them compiles without the fallback; a custom format of the
same name wins.
"""

from __future__ import annotations

import datetime
from types import MappingProxyType

from hypothesis import strategies as st

from strategies._roster import Roster

MAX_COUNT = 2**31 - 1
COUNTS = (
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    10,
    12,
    20,
    99,
    100,
    255,
    256,
    65535,
    65536,
    10**6,
    10**9,
    MAX_COUNT - 1,
    MAX_COUNT,
)
"""Operation counts, small first; the fix-up raises a count below the number of endorsed names."""
FINGERPRINTS = (
    *(f"{n:x}" for n in (0, 1, 0xA3F, 0xBEEF, 0x5D41402A, 0xE3B0C44298FC1C14)),
    "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "x",
    "fp-1",
    "FP 2",
    "ünïcødé",
    "指纹",
    "🙂",
    'a"b\\c',
    "tab\tnew\nline",
    " ",
)
CLIENT_IDS = tuple(f"C-{n}" for n in range(1, 1000))
_STATES = MappingProxyType(
    {"Toledo": "OH", "Columbus": "OH", "Cleveland": "OH", "Dayton": "OH", "Akron": "OH", "Detroit": "MI"}
)
_FALLBACK_NAMES = ("Ada Brooks", "Ben Ito", "Cora Park")
_FALLBACK_CITIES = ("Toledo", "Columbus")
_FALLBACK_ROLES = ("Welder", "Electrician")


STANDARD_FORMATS: MappingProxyType[str, st.SearchStrategy[str]] = MappingProxyType(
    {
        "date": st.dates().map(datetime.date.isoformat),
        "time": st.times().map(lambda t: t.isoformat() + "Z"),
        "date-time": st.datetimes(timezones=st.just(datetime.UTC)).map(datetime.datetime.isoformat),
        "email": st.emails(),
        "hostname": st.from_regex(r"\A[a-z]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z]{2,6}){0,2}\Z"),
        "ipv4": st.ip_addresses(v=4).map(str),
        "ipv6": st.ip_addresses(v=6).map(str),
        "uri": st.from_regex(r"\Ahttps://[a-z]{1,10}\.example(/[a-z0-9]{1,8}){0,3}\Z"),
        "uuid": st.uuids().map(str),
    }
)


def contract_formats(roster: Roster | None) -> dict[str, st.SearchStrategy[str] | tuple[str, ...]]:
    """The values (or the strategy) of each custom format, drawing from `roster` where it names workers."""
    if roster is None:
        ids: tuple[str, ...] = tuple(f"W-{n}" for n in range(1, 10))
        names, cities, roles = _FALLBACK_NAMES, _FALLBACK_CITIES, _FALLBACK_ROLES
    else:
        ids = tuple(w.id for w in roster.workers)
        names = tuple(w.name for w in roster.workers)
        cities, roles = roster.cities, roster.roles
    return {
        "parity-operation": operations(roles, cities),
        "parity-roster-id": ids,
        "parity-roster-name": names,
        "parity-city": cities,
        "parity-role": roles,
        "parity-fingerprint": FINGERPRINTS,
        "parity-client-id": CLIENT_IDS,
    }


def operations(roles: tuple[str, ...], cities: tuple[str, ...]) -> tuple[str, ...]:
    """Operations in the grammar, `fill: <role> x<count> in <place>`, in shrinking order: small counts first,
    then places with a state, then a few counts with a leading zero (`x03`, which the grammar allows).
    One precomputed tuple, so that an operation is one draw."""
    places = [*cities, *(f"{c}, {_STATES[c]}" for c in cities if c in _STATES)]
    plain = [f"fill: {r} x{n} in {p}" for n in COUNTS for p in places for r in roles]
    padded = [f"fill: {r} x0{n} in {p}" for n in COUNTS[:9] for p in cities for r in roles]
    return (*plain, *padded)


def split_operation(operation: str) -> tuple[str, str, str] | None:
    """(role, count as written, place) of an operation in the contract's grammar (rule P5), or None. The text
    after `fill: ` is split at the last ` in `, the part before it at the last ` x`; the count is ASCII digits
    with a value from 1 to 2^31-1."""
    prefix = "fill: "
    if not operation.startswith(prefix):
        return None
    head, sep, place = operation[len(prefix) :].rpartition(" in ")
    role, sep2, digits = head.rpartition(" x")
    if not sep or not sep2 or not role or not place or not digits:
        return None
    if not all("0" <= ch <= "9" for ch in digits) or not 1 <= int(digits) <= MAX_COUNT:
        return None
    return role, digits, place
