"""OpenAPI 3.0 and 3.1 documents as a model of operations, and the choice of operations to fuzz.

    api = load_openapi("openapi.yaml")                 # Api: every operation, every $ref resolved
    operations = select(api, include_tag="workers")    # list[Operation], like Schemathesis' filters

`load_openapi` reads YAML or JSON; follows `$ref`s anywhere, into other files by relative path; checks the
document against the OpenAPI Initiative's JSON Schema for its version; and builds frozen records
(`_records.py`) whose schemas are plain JSON Schemas (`_schemas.py` says how 3.0 and 3.1 are normalised to one
form). Every problem is an `OpenAPIError` (a `ConfigError`, exit code 2) with a one-line message that names the
file, line, JSON pointer and rule; Swagger 2.0 gets one line on how to convert it.

    strategy = operation_cases(api, operations, modes=["valid", "mutated"])   # SearchStrategy[Case]

`operation_cases` draws requests for the operations: each parameter written by its style and explode, a body
of each media type, in the valid, mutated and adversarial modes (`_generate.py`, `_mutations.py`).
"""

from strategies.openapi._generate import MODES, OperationPlan, compile_operations, operation_cases
from strategies.openapi._loading import load_openapi
from strategies.openapi._records import (
    LOCATIONS,
    Api,
    Body,
    Encoding,
    Header,
    Operation,
    Parameter,
    Response,
    Server,
)
from strategies.openapi._selection import select

__all__ = [
    "LOCATIONS",
    "MODES",
    "Api",
    "Body",
    "Encoding",
    "Header",
    "Operation",
    "OperationPlan",
    "Parameter",
    "Response",
    "Server",
    "compile_operations",
    "load_openapi",
    "operation_cases",
    "select",
]
