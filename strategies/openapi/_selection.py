"""Choosing operations the way Schemathesis does: `--include-*` and `--exclude-*` by operationId, path, tag.

An operation is selected when no include filter is given or at least one matches, and no exclude filter
matches. Operation ids and tags match exactly; paths match as regular expressions (`re.search` on the path
template, so `^/v1/` or `workers`). A bad regular expression, a value that matches nothing in the document
(likely a typo), or filters that leave no operation are each a `ConfigError` that names the option.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable

from fuzzer._errors import ConfigError
from strategies.openapi._records import Api, Operation

Filter = str | Iterable[str]


def select(
    api: Api,
    *,
    include_operation_id: Filter = (),
    include_path: Filter = (),
    include_tag: Filter = (),
    exclude_operation_id: Filter = (),
    exclude_path: Filter = (),
    exclude_tag: Filter = (),
) -> list[Operation]:
    """The operations of `api` that the filters select, in document order."""
    includes: list[Callable[[Operation], bool]] = []
    excludes: list[Callable[[Operation], bool]] = []
    for side, into in (("include", includes), ("exclude", excludes)):
        given = include_operation_id if side == "include" else exclude_operation_id
        into.extend(_by_id(api, f"--{side}-operation-id", value) for value in _values(given))
        given = include_path if side == "include" else exclude_path
        into.extend(_by_path(api, f"--{side}-path", value) for value in _values(given))
        given = include_tag if side == "include" else exclude_tag
        into.extend(_by_tag(api, f"--{side}-tag", value) for value in _values(given))
    chosen = [
        operation
        for operation in api.operations
        if (not includes or any(match(operation) for match in includes))
        and not any(match(operation) for match in excludes)
    ]
    if not chosen:
        if not api.operations:
            raise ConfigError(
                f"openapi {api.source}: the document has no operation under `paths`; describe at least one"
            )
        raise ConfigError(
            f"openapi {api.source}: the filters select none of its {len(api.operations)} operations; "
            "loosen an --include-* or drop an --exclude-* option"
        )
    return chosen


def _values(given: Filter) -> list[str]:
    values = [given] if isinstance(given, str) else list(given)
    for value in values:
        if not isinstance(value, str):
            raise ConfigError(f"an operation filter is {value!r}, not a string; pass strings")
    return values


def _by_id(api: Api, option: str, value: str) -> Callable[[Operation], bool]:
    known = [operation.operation_id for operation in api.operations if operation.operation_id]
    if value not in known:
        raise ConfigError(f"{option} {value!r}: no operation has this operationId; {_suggest(value, known)}")
    return lambda operation: operation.operation_id == value


def _by_tag(api: Api, option: str, value: str) -> Callable[[Operation], bool]:
    known = list(dict.fromkeys(tag for operation in api.operations for tag in operation.tags))
    if value not in known:
        raise ConfigError(f"{option} {value!r}: no operation has this tag; {_suggest(value, known)}")
    return lambda operation: value in operation.tags


def _by_path(api: Api, option: str, value: str) -> Callable[[Operation], bool]:
    try:
        pattern = re.compile(value)
    except re.error as err:
        raise ConfigError(
            f"{option} {value!r} is not a regular expression ({err.msg} at position {err.pos}); fix the pattern"
        ) from err
    if not any(pattern.search(operation.path) for operation in api.operations):
        paths = list(dict.fromkeys(operation.path for operation in api.operations))
        raise ConfigError(f"{option} {value!r} matches no path; {_suggest(value, paths)}")
    return lambda operation: pattern.search(operation.path) is not None


def _suggest(value: str, known: list[str]) -> str:
    close = difflib.get_close_matches(value, known, n=3)
    if close:
        return "did you mean " + " or ".join(repr(name) for name in close) + "?"
    if not known:
        return "the document declares none"
    shown = ", ".join(repr(name) for name in known[:8])
    return f"known: {shown}{', …' if len(known) > 8 else ''}"
