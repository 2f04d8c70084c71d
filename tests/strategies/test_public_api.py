"""The public API is exactly what `strategies.__all__` lists."""

from __future__ import annotations

import strategies


def test_all_lists_the_public_names() -> None:
    public = {name for name in vars(strategies) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(strategies, name)).__name__ == "module"}
    assert set(strategies.__all__) == public - modules
    assert strategies.__all__ == sorted(strategies.__all__, key=lambda n: (not n.isupper(), n))
