"""Reduce: make a class's reproducer request smaller while it keeps the class.

Hypothesis shrinks the choices a strategy made, so structure the strategy always builds stays; this stage reduces
the request itself. The engine gives a `Judge`: for candidate requests, in order, it says which still show the
class's exact signature. This module only proposes candidates; it sends nothing.

One-step simplifications (`simplifications`, the definition of 1-minimal), each a request other than the input:
- a body that is exactly a JSON tree (duplicate keys and invalid UTF-8 in strings included, see below): drop one
  object member or array element; empty one non-empty container; empty one non-empty string; halve one string of
  two or more code points (keep its first half); set one non-zero number to 0 (a raw token such as `1e400` or
  `NaN` counts when it is numeric). The root counts as well;
- any other body: remove its first half or its second half and, up to `BYTE_STEPS_UP_TO` (256) bytes, any one
  byte (every byte of a 2 MiB body would be two million candidates);
- drop one empty path segment (a `//` or a trailing `/`; named segments choose the route and stay), drop the
  query, or drop one of its `&`-separated pairs;
- drop one header.

A body is exactly a tree when its value, parsed and written back exactly (`fuzzer/_body.py`), gives the body back.
Spellings Python would change stay `RawJSON` (`-0`, `1E2`, `1.10`, `1e400`, `NaN`); an object with a duplicate key
is its members in order, so its members drop one by one like any object's; invalid UTF-8 inside a string stays raw
bytes, each byte one character the string steps keep or remove like any other; a lone surrogate from an escape stays
an escape. A nest too deep to parse, or an escape `\\udc80`..`\\udcff` beside raw bytes, makes the body bytes.

The reducer, cheap big wins first:
1. A body that parses but is not exact (whitespace, BOM, trailing data, other spellings) is offered compact, as
   one candidate; kept, it is a tree from then on. A body that is exactly `prefix + tree + suffix` (a BOM or
   whitespace before, trailing data after) is then reduced as that tree, prefix and suffix kept, then as bytes.
2. Tree pass, in the spirit of hierarchical delta debugging: breadth first, so a container's members are reduced
   before any of its children is visited. Members, and a string's code points (a string thus ends as short as the
   class allows, not only halved), are reduced as a sequence: all of it, either half, as much as possible from
   each end (a cut that doubles while kept, then halves), then chunks ddmin-style, quarters, eighths ... single
   items, each round over at most `SWEEP_CHUNKS` chunks and only while the budget leaves room for the last pass.
   A number goes to 0; an integer is then halved toward 0 while kept.
3. Byte pass (a body that is not exactly a tree), then the query's pairs, then the headers: the same sequence
   reduction.
4. Last pass: every one-step simplification of the current request is judged; a kept one is accepted and the pass
   goes on from its position; a pass that accepted any starts over, until one keeps none: `minimal=True`.

Judging: candidates go to the judge in batches of at most `batch`. A batch starts at one candidate, doubles after a
batch that keeps none and halves after one that keeps some, so passes that mostly fail use full batches and passes
that mostly succeed waste few sends. The first kept candidate of a batch, in order, is accepted and the others are
dropped; every answer is remembered, so no request is sent twice and the result depends on the answers alone.
`sends` counts every candidate given to the judge, never more than `budget`; when it runs out, the request reduced
so far comes back with `minimal=False`.

Content-Length: the transport writes it from the body unless the request has one, which it then writes verbatim.
A `content-length` header equal to the body's length follows each candidate body (and may be dropped like any
header: the transport then writes its own); any other value is a deliberate mismatch and is kept as it is.

Worst cases: a deep nest the class needs costs a send per level (900 levels spend the whole budget); a body of up
to 256 bytes that is not a tree needs about a send per byte in the last pass.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, TypeVar

from fuzzer._body import Members, Parsed, parse
from fuzzer._model import JSON, RawJSON, WireRequest

Judge = Callable[[Sequence[WireRequest]], Sequence[bool]]
"""True for each candidate request that still shows the class (the engine sends them together, in order)."""

BYTE_STEPS_UP_TO = 256
"""A body that is not a JSON tree has every one-byte removal among its one-step simplifications up to this size."""

SWEEP_CHUNKS = 64
"""The reducer removes chunks of a sequence at granularities of at most this many chunks."""

_NUMERIC = re.compile(r"-?(?:\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|Infinity)|NaN")

S = TypeVar("S", bound=Sequence[Any])


@dataclass(frozen=True, slots=True)
class Reduction:
    request: WireRequest  # the reduced request (the original when nothing could be removed)
    sends: int  # candidate requests given to the judge
    steps: int  # simplifications accepted
    minimal: bool  # True: no one-step simplification of `request` keeps the class; False: budget ran out


# ---------------------------------------------------------------- bodies as JSON trees


def _child(node: JSON, key: Any) -> JSON:
    return node.pairs[key][1] if isinstance(node, Members) else node[key]  # a `Members` member by its index


def _get(root: JSON, path: tuple[Any, ...]) -> JSON:
    for key in path:
        root = _child(root, key)
    return root


def _replace(root: JSON, path: tuple[Any, ...], new: JSON) -> JSON:
    """`root` with the node at `path` replaced by `new`; only the containers on the path are copied."""
    if not path:
        return new
    chain = [root]
    for key in path[:-1]:
        chain.append(_child(chain[-1], key))
    for container, key in zip(reversed(chain), reversed(path), strict=True):
        if isinstance(container, Members):
            pairs = list(container.pairs)
            pairs[key] = pairs[key][0], new
            new = Members(tuple(pairs))
        else:
            copy = dict(container) if isinstance(container, dict) else list(container)
            copy[key] = new
            new = copy
    return new


def _children(node: JSON, path: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
    keys = node if isinstance(node, dict) else range(len(_members(node)))
    return ((*path, key) for key in keys)


def _nonzero(node: JSON) -> bool:
    if isinstance(node, bool):
        return False
    if isinstance(node, int | float):
        return node != 0
    return isinstance(node, RawJSON) and bool(_NUMERIC.fullmatch(node.text)) and Decimal(node.text) != 0


def _members(node: JSON) -> list[Any]:
    """A container's members (an object's as (key, value) pairs), in order; none for any other node."""
    if isinstance(node, dict):
        return list(node.items())
    if isinstance(node, Members):
        return list(node.pairs)
    return list(node) if isinstance(node, list) else []


def _container(like: JSON, members: list[Any]) -> JSON:
    if isinstance(like, Members):
        return Members(tuple(members))
    return dict(members) if isinstance(like, dict) else members


def _without(node: JSON, index: int) -> JSON:
    members = _members(node)
    return _container(node, members[:index] + members[index + 1 :])


# ---------------------------------------------------------------- one-step simplifications


def _with_body(request: WireRequest, body: bytes | None) -> WireRequest | None:
    """`request` with another body; a Content-Length header that matched the old body follows the new one."""
    if body is None:
        return None
    old, new = str(len(request.body)), str(len(body))
    headers = tuple(
        (name, new if name.lower() == "content-length" and value == old else value) for name, value in request.headers
    )
    return replace(request, headers=headers, body=body)


def _steps(request: WireRequest, parsed: Parsed | None) -> Iterator[Callable[[], WireRequest | None]]:
    """Every one-step simplification of `request`, unbuilt: the body's first (tree top level first), then each
    header's drop."""
    if parsed is not None and parsed.exact:
        for path, new in _tree_edits(parsed.value):
            yield lambda path=path, new=new: _with_body(
                request, parsed.body(_replace(parsed.value, path, new(_get(parsed.value, path))))
            )
    else:
        body = request.body
        half = len(body) // 2
        cuts = [(0, half), (half, len(body))]
        if len(body) <= BYTE_STEPS_UP_TO:
            cuts += [(i, i + 1) for i in range(len(body))]
        for lo, hi in cuts:
            yield lambda lo=lo, hi=hi: _with_body(request, body[:lo] + body[hi:])
    yield from _target_steps(request)
    for index in range(len(request.headers)):
        yield lambda index=index: replace(request, headers=request.headers[:index] + request.headers[index + 1 :])


def _query(request: WireRequest) -> tuple[str, tuple[str, ...] | None]:
    """The request target's path and its query's `&`-separated pairs as written (None: no `?` at all)."""
    path, mark, query = request.path.partition("?")
    return path, tuple(query.split("&")) if mark else None


def _with_query(request: WireRequest, pairs: Sequence[str] | None) -> WireRequest:
    path, _ = _query(request)
    return replace(request, path=path if not pairs else f"{path}?{'&'.join(pairs)}")


def _target_steps(request: WireRequest) -> Iterator[Callable[[], WireRequest | None]]:
    """The request target's one-step simplifications: drop one empty path segment (`//`, a trailing `/`), drop
    the query, drop one of its pairs. Segments with a name are left alone: they choose the route."""
    path, pairs = _query(request)
    segments = path.split("/")
    for index in range(1, len(segments)):
        shorter = "/".join(segments[:index] + segments[index + 1 :])
        if segments[index] == "" and shorter.startswith("/"):
            yield lambda shorter=shorter: replace(request, path=request.path.replace(path, shorter, 1))
    if pairs is not None:
        yield lambda: _with_query(request, None)
        for index in range(len(pairs)):
            yield lambda index=index: _with_query(request, pairs[:index] + pairs[index + 1 :])


def _tree_edits(root: JSON) -> Iterator[tuple[tuple[Any, ...], Callable[[JSON], JSON]]]:
    """(path, node -> simpler node) for every node, breadth first."""
    queue: deque[tuple[Any, ...]] = deque([()])
    while queue:
        path = queue.popleft()
        node = _get(root, path)
        if members := _members(node):
            yield path, lambda node: _container(node, [])
            for index in range(len(members)):
                yield path, lambda node, i=index: _without(node, i)
        elif isinstance(node, str) and node:
            yield path, lambda node: ""
            if len(node) >= 2:
                yield path, lambda node: node[: len(node) // 2]
        elif _nonzero(node):
            yield path, lambda node: 0
        queue.extend(_children(node, path))


def simplifications(request: WireRequest) -> Iterator[WireRequest]:
    """Every one-step simplification of the request: the definition of 1-minimal (a request is 1-minimal for a
    class when none of these keeps the class). Used by the reducer's last pass and by tests/bench to check."""
    seen = {_key(request)}
    for step in _steps(request, parse(request.body)):
        candidate = step()
        if candidate is not None and (key := _key(candidate)) not in seen:
            seen.add(key)
            yield candidate


def _key(request: WireRequest) -> bytes:
    digest = hashlib.blake2b(repr((request.method, request.path, request.headers)).encode(), digest_size=16)
    digest.update(request.body)
    return digest.digest()


# ---------------------------------------------------------------- the reducer


class _Exhausted(Exception):
    """The budget ran out before the work did."""


def reduce_request(request: WireRequest, judge: Judge, *, budget: int = 400, batch: int = 8) -> Reduction:
    """`request` reduced while `judge` keeps it, giving the judge at most `budget` candidates, `batch` at a time."""
    if budget < 0:
        raise ValueError(f"budget={budget!r} must be at least 0")
    if batch < 1:
        raise ValueError(f"batch={batch!r} must be at least 1")
    reducer = _Reducer(request, judge, budget, batch)
    try:
        reducer.run()
        minimal = reducer.verify()
    except _Exhausted:
        minimal = False
    return Reduction(reducer.current, reducer.sends, reducer.steps, minimal)


class _Reducer:
    def __init__(self, request: WireRequest, judge: Judge, budget: int, batch: int) -> None:
        self.current = request
        self.judge = judge
        self.budget = budget
        self.batch = batch
        self.sends = 0
        self.steps = 0
        self.window = 1
        self.current_key = _key(request)
        self.known: dict[bytes, bool] = {self.current_key: True}
        self._parsed: tuple[WireRequest, Parsed | None] | None = None
        self._reserve: tuple[WireRequest, int] | None = None

    # ------------------------------------------------------------ judging

    def first(self, candidates: Iterable[WireRequest | None]) -> int | None:
        """The index of the first candidate that keeps the class, which becomes the current request; None when none
        does. Candidates are judged `window` at a time; the window widens while none is kept, narrows when one is.
        A candidate judged before is not sent again."""
        pending: list[tuple[int, WireRequest, bytes]] = []
        for index, candidate in enumerate(candidates):
            if candidate is None or (key := _key(candidate)) == self.current_key:
                continue
            known = self.known.get(key)
            if known is False or any(key == k for _, _, k in pending):
                continue
            if known is None:
                if self.sends + len(pending) == self.budget:
                    if (found := self._judge(pending)) is not None:
                        return self._accept(*found)
                    raise _Exhausted
                pending.append((index, candidate, key))
                if len(pending) < self.window:
                    continue
            found = self._judge(pending)
            if found is None and known:
                found = index, candidate
            if found is not None:
                return self._accept(*found)
            pending = []
        found = self._judge(pending)
        return None if found is None else self._accept(*found)

    def _judge(self, pending: list[tuple[int, WireRequest, bytes]]) -> tuple[int, WireRequest] | None:
        if not pending:
            return None
        answers = list(self.judge([candidate for _, candidate, _ in pending]))
        if len(answers) != len(pending):
            raise ValueError(f"the judge answered {len(answers)} times for {len(pending)} candidates; answer each")
        self.sends += len(pending)
        kept = None
        for (index, candidate, key), answer in zip(pending, answers, strict=True):
            self.known[key] = bool(answer)
            if answer and kept is None:
                kept = index, candidate
        self.window = max(1, self.window // 2) if kept else min(self.batch, self.window * 2)
        return kept

    def _accept(self, index: int, candidate: WireRequest) -> int:
        self.current = candidate
        self.current_key = _key(candidate)
        self.steps += 1
        return index

    def parsed(self) -> Parsed | None:
        if self._parsed is None or self._parsed[0] is not self.current:
            self._parsed = self.current, parse(self.current.body)
        return self._parsed[1]

    def affordable(self, cost: int) -> bool:
        """Whether `cost` more sends still leave the budget for a last pass over the current request."""
        if self._reserve is None or self._reserve[0] is not self.current:
            self._reserve = self.current, sum(1 for _ in _steps(self.current, self.parsed()))
        return self.sends + cost + self._reserve[1] <= self.budget

    # ------------------------------------------------------------ passes

    def run(self) -> None:
        """The reduction passes, cheap big wins first: the body (as a tree when it is one), the query's pairs,
        then the headers."""
        parsed = self.parsed()
        if parsed is not None and not parsed.exact:
            self.first([_with_body(self.current, parsed.encode(parsed.value))])
            parsed = self.parsed()
        if parsed is not None and parsed.framed:
            self.tree()
        if (parsed := self.parsed()) is None or not parsed.exact:
            self.sequence(lambda: self.current.body, lambda body: _with_body(self.current, body))
        if _query(self.current)[1] is not None:
            self.sequence(lambda: _query(self.current)[1] or (), lambda pairs: _with_query(self.current, pairs))
        self.sequence(lambda: self.current.headers, lambda headers: replace(self.current, headers=headers))

    def verify(self) -> bool:
        """Judge every one-step simplification of the current request, continuing after an accepted one from where
        it was found, until a whole round keeps none: the request is then 1-minimal."""
        while True:
            position, accepted = 0, False
            while (found := self.first(self._built(position))) is not None:
                position += found
                accepted = True
            if not accepted:
                return True

    def _built(self, position: int) -> Iterator[WireRequest | None]:
        return (step() for step in itertools.islice(_steps(self.current, self.parsed()), position, None))

    def tree(self) -> None:
        """Hierarchical: each container, string and number, top level first, then the children that remain. A
        queued path stays valid: a container's members are final before its children are visited."""
        queue: deque[tuple[Any, ...]] = deque([()])
        while queue and (parsed := self.parsed()) is not None and parsed.framed:
            path = queue.popleft()
            node = _get(parsed.value, path)
            if isinstance(node, dict | list | Members):
                self.sequence(
                    lambda path=path: _members(self._node(path)),
                    lambda members, path=path, like=node: self._set(path, _container(like, members)),
                )
                queue.extend(_children(self._node(path), path))
            elif isinstance(node, str):
                self.sequence(lambda path=path: self._node(path) or "", lambda text, path=path: self._set(path, text))
            elif _nonzero(node):
                self._number(path, node)

    def _number(self, path: tuple[Any, ...], number: JSON) -> None:
        """0 first; an integer is then halved toward 0 while the class stays."""
        if self.first([self._set(path, 0)]) is not None or not isinstance(number, int):
            return
        while half := number // 2 if number > 0 else -(-number // 2):
            if self.first([self._set(path, half)]) is None:
                return
            number = half

    def _node(self, path: tuple[Any, ...]) -> JSON:
        """The node at `path` of the current body (None once the body is no longer a tree)."""
        parsed = self.parsed()
        return _get(parsed.value, path) if parsed is not None and parsed.framed else None

    def _set(self, path: tuple[Any, ...], new: JSON) -> WireRequest | None:
        parsed = self.parsed()
        if parsed is None or not parsed.framed:
            return None
        return _with_body(self.current, parsed.body(_replace(parsed.value, path, new)))

    def sequence(self, view: Callable[[], S], rebuild: Callable[[S], WireRequest | None]) -> None:
        """Remove parts of a sequence: all of it, either half, as much as possible from each end (doubling, then
        halving the cut), then chunks of ever smaller size, ddmin-style."""
        items = view()
        if not items or self.first([rebuild(items[:0])]) is not None:
            return
        half = len(items) // 2
        self.first([rebuild(items[half:]), rebuild(items[:half])])
        self._trim(view, rebuild, from_end=True)
        self._trim(view, rebuild, from_end=False)
        chunk = max(1, -(-len(view()) // 4))
        while -(-len(view()) // chunk) <= SWEEP_CHUNKS and self.affordable(-(-len(view()) // chunk)):
            offset = 0
            while len(items := view()) > 1 and offset < len(items):
                offsets = range(offset, len(items), chunk)
                found = self.first(rebuild(items[:o] + items[o + chunk :]) for o in offsets)
                if found is None:
                    break
                offset = offsets[found]
            if chunk == 1:
                return
            chunk = (chunk + 1) // 2

    def _trim(self, view: Callable[[], S], rebuild: Callable[[S], WireRequest | None], *, from_end: bool) -> None:
        cut, growing = 1, True
        while (cut := min(cut, len(items := view()) - 1)) >= 1:
            kept = items[: len(items) - cut] if from_end else items[cut:]
            if self.first([rebuild(kept)]) is not None:
                cut *= 2 if growing else 1
            else:
                growing, cut = False, cut // 2
