"""The public API is exactly what `fuzzer/__init__.py` lists in `__all__`."""

from __future__ import annotations

import importlib


def test_every_name_in_all_imports() -> None:
    fuzzer = importlib.import_module("fuzzer")
    names = fuzzer.__all__
    assert len(names) == len(set(names)), "a name is listed twice in __all__"
    missing = [name for name in names if not hasattr(fuzzer, name)]
    assert missing == []
    namespace: dict[str, object] = {}
    exec("from fuzzer import *", namespace)
    assert set(names) <= set(namespace)


def test_importing_the_package_stays_cheap() -> None:
    """The pytest plugin imports `fuzzer` in every pytest run: it must not pull in Hypothesis or httpx."""
    import subprocess
    import sys

    code = "import sys, fuzzer, fuzzer.pytest_plugin; print('hypothesis' in sys.modules, 'httpx' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
