"""The plugin tests run pytest inside pytest with the `pytester` fixture.

`pytest_plugins = ["pytester"]` is only allowed in the rootdir's conftest, and `pytest tests` loads this one
during collection, so the pytester plugin is imported here instead, when this conftest is registered.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")
