"""Send: put a case on the wire to both targets at once and turn whatever comes back into `Response`s.

Timeouts, refused and reset connections are outcomes, never exceptions: a fuzzer is aimed at software that
breaks. Bodies are read up to a cap, so a runtime that answers with 100 MB costs at most `body_cap` bytes, and
no request waits longer than `timeout` seconds in all.

Why not `httpx.Client` on the hot path: on the 2-core reference machine httpx's client layer costs ~230 µs per
request before any I/O, and httpcore brings a request to ~1 ms (sync) or ~2 ms (async) of Python CPU; a case is
two requests, so the client alone would cap a campaign near 250 cases/s. `WireTransport` is an
`httpx.BaseTransport` (so `httpx.Client(transport=...)` works with it) over the standard library's keep-alive
`http.client` connections, with a two-phase send: every request of a batch is written, to both runtimes, before
any answer is read, so both runtimes work while Python waits. See `bench/throughput.py`.
"""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

import httpx

from fuzzer._errors import TargetUnreachable
from fuzzer._model import Case, Exchange, Outcome, Response, Target, WireRequest

DEFAULT_TIMEOUT = 5.0
DEFAULT_BODY_CAP = 1 << 20  # 1 MiB per response
_CHUNK = 64 * 1024
_RESET = (
    ConnectionResetError,
    BrokenPipeError,
    ConnectionAbortedError,
    http.client.RemoteDisconnected,
    http.client.IncompleteRead,
    http.client.BadStatusLine,
)


@dataclass(slots=True)
class _Pending:
    """A request on the wire, waiting for its answer."""

    connection: http.client.HTTPConnection | None
    deadline: float
    reused: bool
    request: WireRequest
    failure: Response | None = None  # the request could not be written (the answer may still be readable)


class WireTransport(httpx.BaseTransport):
    """HTTP/1.1 keep-alive to one origin; `start` writes a request, `finish` reads its answer."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        body_cap: int = DEFAULT_BODY_CAP,
        extra_headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"target URL {url!r} is not http(s)://HOST[:PORT]")
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.https else 80)
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout
        self.body_cap = body_cap
        self.extra_headers = tuple(extra_headers)
        self._idle: list[http.client.HTTPConnection] = []

    # ------------------------------------------------------------ connections

    def _connect(self) -> http.client.HTTPConnection:
        kind = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        connection = kind(self.host, self.port, timeout=self.timeout)
        connection.connect()
        assert connection.sock is not None
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()

    # ------------------------------------------------------------ two-phase send

    def start(self, request: WireRequest) -> _Pending:
        deadline = time.monotonic() + self.timeout
        if not self._idle:
            return self._start_fresh(request, deadline)
        pending = _Pending(self._idle.pop(), deadline, True, request)
        self._write(pending)
        if pending.failure is not None:  # a kept-alive connection the server had closed: once more, on a new one
            assert pending.connection is not None
            pending.connection.close()
            return self._start_fresh(request, deadline)
        return pending

    def _start_fresh(self, request: WireRequest, deadline: float) -> _Pending:
        try:
            pending = _Pending(self._connect(), deadline, False, request)
        except OSError as err:
            return _Pending(None, deadline, False, request, _failure(err))
        self._write(pending)
        return pending

    def _write(self, pending: _Pending) -> None:
        connection = pending.connection
        assert connection is not None
        request = pending.request
        headers = {}
        for name, value in (*request.headers, *self.extra_headers):
            headers[name] = value
        try:
            _settimeout(connection, pending.deadline)
            connection.request(request.method, self.prefix + request.path, body=request.body, headers=headers)
        except (OSError, http.client.HTTPException) as err:
            pending.failure = _failure(err)

    def finish(self, pending: _Pending) -> Response:
        connection = pending.connection
        if connection is None:
            assert pending.failure is not None
            return pending.failure
        try:
            _settimeout(connection, pending.deadline)
            answer = connection.getresponse()
            body, truncated = self._read_body(answer, connection, pending.deadline)
        except (OSError, http.client.HTTPException) as err:
            connection.close()
            if pending.reused and pending.failure is None and isinstance(err, _RESET) and not _late(pending):
                return self.finish(self._start_fresh(pending.request, pending.deadline))
            return pending.failure or _failure(err)
        if truncated or answer.will_close:
            connection.close()
        else:
            self._idle.append(connection)
        return Response(
            Outcome.OK,
            status=answer.status,
            content_type=answer.getheader("content-type"),
            body=body,
            truncated=truncated,
        )

    def _read_body(
        self, answer: http.client.HTTPResponse, connection: http.client.HTTPConnection, deadline: float
    ) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        while True:
            _settimeout(connection, deadline)
            chunk = answer.read(min(_CHUNK, self.body_cap + 1 - size))
            if not chunk:
                if answer.length:  # http.client ends a short Content-Length body quietly; it is a cut answer
                    raise http.client.IncompleteRead(b"".join(chunks), answer.length)
                return b"".join(chunks), False
            chunks.append(chunk)
            size += len(chunk)
            if size > self.body_cap:
                return b"".join(chunks)[: self.body_cap], True

    def send(self, request: WireRequest) -> Response:
        return self.finish(self.start(request))

    # ------------------------------------------------------------ httpx.BaseTransport

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        wire = WireRequest(
            request.method, request.url.raw_path.decode("ascii"), tuple(request.headers.items()), request.read()
        )
        answer = self.send(wire)
        if answer.outcome is Outcome.TIMEOUT:
            raise httpx.ReadTimeout(answer.detail, request=request)
        if answer.outcome is not Outcome.OK:
            raise httpx.ConnectError(answer.detail, request=request)
        headers = [("content-type", answer.content_type)] if answer.content_type else []
        return httpx.Response(answer.status or 0, headers=headers, content=answer.body, request=request)


def _settimeout(connection: http.client.HTTPConnection, deadline: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("deadline passed")
    if connection.sock is not None:
        connection.sock.settimeout(remaining)


def _late(pending: _Pending) -> bool:
    return time.monotonic() >= pending.deadline


def _failure(err: BaseException) -> Response:
    detail = (str(err) or type(err).__name__).splitlines()[0][:200]
    if isinstance(err, TimeoutError | socket.timeout):
        return Response(Outcome.TIMEOUT, detail=detail or "timed out")
    if isinstance(err, ConnectionRefusedError):
        return Response(Outcome.REFUSED, detail=detail)
    if isinstance(err, _RESET):
        return Response(Outcome.RESET, detail=f"{type(err).__name__}: {detail}")
    return Response(Outcome.ERROR, detail=f"{type(err).__name__}: {detail}")


class Transport:
    """Both targets, side by side. `exchange_many` writes each case to both runtimes, at most `workers` cases at
    a time, before reading the answers, and returns one `Exchange` per case, in order."""

    def __init__(
        self,
        targets: tuple[Target, Target],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        workers: int = 8,
        body_cap: int = DEFAULT_BODY_CAP,
        extra_headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        if timeout <= 0:
            raise ValueError(f"timeout={timeout!r} must be positive")
        if workers < 1:
            raise ValueError(f"workers={workers!r} must be at least 1")
        self.targets = targets
        self.workers = workers
        self.wires = tuple(
            WireTransport(t.url, timeout=timeout, body_cap=body_cap, extra_headers=extra_headers) for t in targets
        )

    def __enter__(self) -> Transport:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        for wire in self.wires:
            wire.close()

    def exchange(self, case: Case) -> Exchange:
        return self.exchange_many([case])[0]

    def exchange_many(self, cases: Sequence[Case]) -> list[Exchange]:
        exchanges: list[Exchange] = []
        for chunk in _chunks(cases, self.workers):
            pending = [(case, tuple(wire.start(case.request) for wire in self.wires)) for case in chunk]
            for case, (left, right) in pending:
                responses = (self.wires[0].finish(left), self.wires[1].finish(right))
                exchanges.append(Exchange(case=case, targets=self.targets, responses=responses))
        return exchanges

    def get(self, index: int, path: str) -> Response:
        """A plain GET to one target (health probes)."""
        return self.wires[index].send(WireRequest("GET", path, (), b""))


def _chunks(cases: Sequence[Case], size: int) -> Iterator[Sequence[Case]]:
    for start in range(0, len(cases), size):
        yield cases[start : start + size]


def probe_health(transport: Transport, health: str) -> None:
    """Both targets must answer something at start; otherwise exit 2 naming the runtime and the cause."""
    for index, target in enumerate(transport.targets):
        answer = transport.get(index, health)
        if answer.outcome is not Outcome.OK:
            raise TargetUnreachable(target.name, target.url, answer.detail or answer.outcome.value)
