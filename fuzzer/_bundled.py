"""The bundled contract: its endpoint, health path and kinds, where its schemas and roster are, and the default
targets. Every default that names the bundled contract is read from here (the config's defaults, the case
space of `strategies.default_space`, the reference runtimes).

Files are found relative to the package, never to the current folder: the schemas ship with the package, and
the roster and the runtimes are in the checkout's `targets/`.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "strategies" / "schemas"
TARGETS = ROOT / "targets"
ROSTER = TARGETS / "roster.json"

ENDPOINT = "/v1/validate"
HEALTH = "/health"
RUST_ADDR = "127.0.0.1:3100"
GO_ADDR = "127.0.0.1:4110"
TARGET_URLS = (("rust", f"http://{RUST_ADDR}"), ("go", f"http://{GO_ADDR}"))

KINDS = MappingProxyType(
    {
        # kind: (artifact schema file, context schema file or None, context required)
        "playbook": ("playbook.json", None, False),
        "fill": ("fill.json", "fill_context.json", True),
    }
)
"""The bundled kinds in shrinking order; their schema files are in SCHEMAS."""


KEY_PATHS = ("/error/kind", "/error/field")
"""Where an answer names the rule it applied: the error's kind and field."""
SCOPE_PATHS = ("/kind",)
"""What an answer echoes of the request as it understood it."""
RULE_ORDER = (
    # the envelope, then playbook rules P1-P9, then fill rules F1-F8 (docs/contract.md)
    "schema/artifact",
    "schema/operation",
    "schema/endorsed_names",
    "schema/fingerprint",
    "policy/operation",
    "completeness/endorsed_names",
    "schema/target_count",
    "consistency/endorsed_names",
    "consistency/target_count",
    "schema/fills",
    "schema/fills[*]",
    "schema/fills[*].candidate_id",
    "schema/fills[*].name",
    "schema/context",
    "schema/context.target_count",
    "schema/context.city",
    "schema/context.client_id",
    "completeness/fills",
    "consistency/fills[*].candidate_id",
    "consistency/fills[*].name",
    "policy/fills[*].candidate_id",
    "consistency/fills",
)
"""The bundled contract checks its rules in this order and answers with the first that fails."""


def default_roster() -> Path | None:
    """The bundled roster when the checkout holds it (an installed package without `targets/` has none)."""
    return ROSTER if ROSTER.is_file() else None
