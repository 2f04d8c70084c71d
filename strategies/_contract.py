"""Contract plug-ins: what a contract knows beyond what its schemas can say.

A schema says what each value may be; it cannot say that a playbook's operation counts its endorsed names, or
that a fill names a worker of the roster. A *contract plug-in* carries that knowledge, in two parts:

- `formats`: the values (or a strategy of them) of each custom `format` a schema names
  (`"format": "parity-operation"`), for the envelope's kinds and for an OpenAPI document's schemas alike;
- `fix_ups`: per envelope kind, or per OpenAPI operation (operationId, or `METHOD /path`), a function that
  makes a valid body consistent (a pure function from the drawn JSON value to the value sent).

Generation works without any plug-in: formats are then plain strings and bodies are sent as drawn. The bundled
contract's knowledge is the plug-in `bundled` (`strategies/_bundled_contract.py`); a config names its plug-in
with `contract = "bundled"` (the default), `contract = "none"`, or `contract = "package.module:NAME"`, where
NAME is a `Contract` or a function of the roster (`Roster | None`) that returns one.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from hypothesis import strategies as st

from fuzzer._model import JSON
from strategies._roster import Roster

FixUp = Callable[[JSON], JSON]
_REFERENCE = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


@dataclass(frozen=True)
class Contract:
    """A contract plug-in (see the module docstring)."""

    name: str
    formats: Mapping[str, st.SearchStrategy[str] | tuple[str, ...]] = field(default_factory=dict)
    fix_ups: Mapping[str, FixUp] = field(default_factory=dict)


NONE = Contract("none")
"""No plug-in: schemas only."""


def load_contract(name: str, roster: Roster | None = None) -> Contract:
    """The plug-in a config names: `bundled`, `none`, or `package.module:NAME`. Raises ValueError with what to
    write instead when it cannot be loaded."""
    if name in ("", "none"):
        return NONE
    if name == "bundled":
        from strategies._bundled_contract import bundled

        return bundled(roster)
    if not _REFERENCE.fullmatch(name):
        raise ValueError(f'contract {name!r} is not "bundled", "none" or "package.module:NAME"')
    module_name, attribute = name.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ValueError(f"contract {name!r}: cannot import {module_name} ({err}); is it on the Python path?") from err
    found = getattr(module, attribute, None)
    if found is None:
        raise ValueError(f"contract {name!r}: {module_name} has no {attribute}")
    contract = found(roster) if callable(found) and not isinstance(found, Contract) else found
    if not isinstance(contract, Contract):
        raise ValueError(f"contract {name!r}: {attribute} gave {type(contract).__name__}, not a Contract")
    return contract
