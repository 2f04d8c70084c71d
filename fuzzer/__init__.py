"""parity-fuzz: a property-based differential fuzzer for two implementations of one HTTP contract.

The public API is what `__all__` lists; everything in `_`-prefixed modules may change. Names are imported on
first use, so that `import fuzzer` (and the pytest plugin, which loads with every pytest run) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "Case": "_model",
    "Comparison": "_model",
    "DiffKind": "_model",
    "Difference": "_model",
    "Divergence": "_model",
    "Exchange": "_model",
    "Finding": "_model",
    "Level": "_model",
    "Outcome": "_model",
    "RawJSON": "_model",
    "Response": "_model",
    "Signature": "_model",
    "Target": "_model",
    "WireRequest": "_model",
    "ComparePolicy": "_compare",
    "compare": "_compare",
    "classify": "_classify",
    "signature_of": "_classify",
    "Transport": "_send",
    "WireTransport": "_send",
    "Engine": "_engine",
    "EngineSettings": "_engine",
    "Observer": "_engine",
    "CampaignPlan": "_campaign",
    "run_campaign": "_campaign",
    "differential_test": "_property",
    "NewDivergence": "_property",
    "divergence_type": "_property",
    "Config": "_config",
    "load_config": "_config",
    "Verdict": "_replay",
    "replay": "_replay",
    "StoredCase": "_store",
    "Expectation": "_store",
    "load": "_store",
    "write_case": "_store",
    "ParityError": "_errors",
    "ConfigError": "_errors",
    "OpenAPIError": "_errors",
    "TargetError": "_errors",
    "TargetUnreachable": "_errors",
    "CorpusError": "_errors",
    "CaseFileError": "_errors",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'fuzzer' has no attribute {name!r}")
    return getattr(importlib.import_module(f"fuzzer.{module}"), name)


def __dir__() -> list[str]:
    return __all__
