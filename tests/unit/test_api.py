"""The public API is exactly what `fuzzer/__init__.py` lists in `__all__`."""

from __future__ import annotations

import importlib

import pytest


def test_every_name_in_all_imports() -> None:
    fuzzer = importlib.import_module("fuzzer")
    names = getattr(fuzzer, "__all__", None)
    if names is None:
        pytest.skip("fuzzer/__init__.py defines no __all__ yet")
    assert len(names) == len(set(names)), "a name is listed twice in __all__"
    missing = [name for name in names if not hasattr(fuzzer, name)]
    assert missing == []
    namespace: dict[str, object] = {}
    exec("from fuzzer import *", namespace)
    assert set(names) <= set(namespace)
