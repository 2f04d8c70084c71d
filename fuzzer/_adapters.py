"""Adapters: map one runtime's wire shape of a value to a canonical shape before bodies are compared.

An adapter looks at the JSON value found at a path and returns its canonical form, or `None` when it does not
recognise the value (the value is then compared as it is). A divergence that disappears once adapters have run
is *wire-shape only*; one that remains is *semantic*.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol

from fuzzer._model import JSON


class Adapter(Protocol):
    name: str

    def adapt(self, value: JSON) -> JSON | None: ...


@dataclass(frozen=True, slots=True)
class SerdeEnum:
    """serde's externally tagged enum and Go's exported struct fields, both as `{"kind", "field", ...}`.

    - serde: `{"Schema": {"field": "x", "reason": "y"}}` (one key, a capitalised variant, an object inside)
    - Go:    `{"Kind": "schema", "Field": "x", "Reason": "y"}` (exported field names, one of them `Kind`)
    - canonical: `{"kind": "schema", "field": "x", "reason": "y"}`
    """

    name: str = "serde-enum"

    def adapt(self, value: JSON) -> JSON | None:
        if not isinstance(value, dict):
            return None
        if len(value) == 1:
            ((variant, inner),) = value.items()
            if variant[:1].isupper() and isinstance(inner, dict):
                return {"kind": variant.lower(), **{str(k).lower(): v for k, v in inner.items()}}
        if "Kind" in value and all(key[:1].isupper() for key in value):
            canonical = {key.lower(): item for key, item in value.items()}
            if isinstance(canonical["kind"], str):
                canonical["kind"] = canonical["kind"].lower()
            return canonical
        return None


BUILTIN: Mapping[str, Adapter] = MappingProxyType({"serde-enum": SerdeEnum()})


@dataclass(frozen=True, slots=True)
class AdapterRule:
    """Apply `adapter` to the value at JSON pointer `path`, on the named targets (all when `targets` is empty)."""

    adapter: Adapter
    path: str
    targets: frozenset[str] = frozenset()

    def applies_to(self, target: str) -> bool:
        return not self.targets or target in self.targets


def adapter_named(name: str) -> Adapter:
    try:
        return BUILTIN[name]
    except KeyError:
        known = ", ".join(sorted(BUILTIN))
        raise ValueError(f"unknown adapter {name!r}; known adapters: {known}") from None
