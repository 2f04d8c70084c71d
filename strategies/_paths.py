"""Paths into an envelope, and copy-on-write edits along them.

A path is a tuple of keys and indexes from the envelope: `("artifact", "fills", 0, "name")`, shown as
`artifact.fills[0].name`. Edits copy only the containers on the path; the drawn value is never modified.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from fuzzer._model import JSON

Path = tuple[str | int, ...]

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
SITES_PER_ARRAY = 3
"""Array elements offered as sites: the first few are enough, and keep long arrays cheap to walk."""


def show(path: Path) -> str:
    """`("artifact", "fills", 0, "name")` -> `artifact.fills[0].name`; an odd key is quoted: `artifact[""]`."""
    text = ""
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        elif not _PLAIN_KEY.fullmatch(step):
            text += f"[{json.dumps(step, ensure_ascii=False)}]"
        else:
            text += f".{step}" if text else step
    return text


def sites(root: JSON) -> list[tuple[Path, JSON]]:
    """Every (path, value) below `root`, breadth first (shallow sites first); a few elements per array."""
    found: list[tuple[Path, JSON]] = []
    queue: list[tuple[Path, JSON]] = [((), root)]
    while queue:
        here, item = queue.pop(0)
        children: list[tuple[Path, JSON]] = []
        if isinstance(item, dict):
            children = [((*here, key), child) for key, child in item.items()]
        elif isinstance(item, list):
            children = [((*here, i), child) for i, child in enumerate(item[:SITES_PER_ARRAY])]
        found += children
        queue += children
    return found


def replace(root: JSON, path: Path, change: Callable[[JSON, str | int], JSON]) -> JSON:
    """A copy of `root` whose container at `path[:-1]` is `change(copy of that container, path[-1])`."""
    if len(path) == 1:
        return change(_copy(root), path[0])
    copied = _copy(root)
    copied[path[0]] = replace(root[path[0]], path[1:], change)
    return copied


def set_at(root: JSON, path: Path, value: JSON) -> JSON:
    """A copy of `root` with `value` at `path` (a key is added when absent); `path == ()` gives `value`."""
    if not path:
        return value

    def change(container: JSON, step: str | int) -> JSON:
        container[step] = value
        return container

    return replace(root, path, change)


MISSING = object()
"""`find_at`'s answer for a path that leads nowhere."""


def find_at(root: JSON, path: Path) -> JSON:
    """The value at `path`, or MISSING when a step is not there."""
    for step in path:
        in_object = isinstance(root, dict) and isinstance(step, str) and step in root
        in_array = isinstance(root, list) and isinstance(step, int) and 0 <= step < len(root)
        if not (in_object or in_array):
            return MISSING
        root = root[step]  # type: ignore[index]
    return root


def get_at(root: JSON, path: Path) -> JSON:
    for step in path:
        root = root[step]
    return root


def _copy(container: JSON) -> JSON:
    return dict(container) if isinstance(container, dict) else list(container)
