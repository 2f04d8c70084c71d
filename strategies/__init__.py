"""Hypothesis strategies that generate cases for the contract under test.

    space = default_space()            # bundled schemas + targets/roster.json
    strategy = cases(space)            # valid | mutated | adversarial, in that shrinking order

Valid cases come from the JSON Schemas in `strategies/schemas/` (compiled to fast strategies), refined by the
contract's custom formats and a consistency fix-up; mutated cases add one to three typed mutations;
adversarial cases are wire-level bodies. Every case's label says what was done to it.
"""

from strategies._cases import MODES, cases
from strategies._roster import Roster, Worker, load_roster
from strategies._schema import compile_schema, load_schema
from strategies._source import Batch, Drawn, Source, batches
from strategies._space import CaseSpace, KindSpec, default_space
from strategies._wire import encode_json

__all__ = [
    "MODES",
    "Batch",
    "CaseSpace",
    "Drawn",
    "KindSpec",
    "Roster",
    "Source",
    "Worker",
    "batches",
    "cases",
    "compile_schema",
    "default_space",
    "encode_json",
    "load_roster",
    "load_schema",
]
