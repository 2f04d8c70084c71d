"""Send: put a case on the wire to both targets at once and turn whatever comes back into `Response`s.

Timeouts, refused and reset connections are outcomes, never exceptions: a fuzzer is aimed at software that
breaks. Bodies are read up to a cap, so a runtime that answers with 100 MB costs at most `body_cap` bytes, and
no request waits longer than `timeout` seconds in all.

Why not `httpx.Client` on the hot path: on the 2-core reference machine httpx's client layer costs ~230 µs per
request before any I/O, and httpcore brings a request to ~1 ms (sync) or ~2 ms (async) of Python CPU; a case is
two requests, so the client alone would cap a campaign near 250 cases/s. `WireTransport` keeps HTTP/1.1
connections of its own alive: a request is one `sendall`, an answer is parsed from a buffer (Content-Length,
chunked, or to close).
The standard library's `http.client` parses each answer's headers with the `email` package, which alone cost
about a fifth of a campaign. The send is two-phase: every request of a batch is written, to both runtimes,
before any answer is read, so both runtimes work while Python waits or draws. See `bench/throughput.py`.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

from fuzzer._errors import TargetUnreachable
from fuzzer._model import Case, Exchange, Outcome, Response, Target, WireRequest

DEFAULT_TIMEOUT = 5.0
DEFAULT_BODY_CAP = 1 << 20  # 1 MiB per response
_CHUNK = 64 * 1024
_HEAD_LIMIT = 64 * 1024  # status line and headers of one answer
_NO_BODY = frozenset({204, 304})
_RESET = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


class _Broken(Exception):
    """The answer on the wire is not HTTP/1.x, or ends early. `reset`: the peer closed or reset the connection."""

    def __init__(self, detail: str, *, reset: bool) -> None:
        super().__init__(detail)
        self.reset = reset


class _Connection:
    """One keep-alive HTTP/1.1 connection: requests written in one `sendall`, answers parsed from a buffer.
    (http.client parses every answer's headers with the `email` package; a case is two requests, and that
    parsing was the largest part of the client's cost.)"""

    __slots__ = ("buffer", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def write(self, data: bytes, deadline: float) -> None:
        _settimeout(self.sock, deadline)
        self.sock.sendall(data)

    def _recv(self, deadline: float) -> bytes:
        _settimeout(self.sock, deadline)
        return self.sock.recv(_CHUNK)

    def _fill(self, deadline: float, what: str) -> None:
        data = self._recv(deadline)
        if not data:
            if what == "answer headers" and not self.buffer:
                raise _Broken("Remote end closed connection without response", reset=True)
            raise _Broken(f"connection closed before the end of the {what}", reset=True)
        self.buffer += data

    def _line(self, deadline: float, what: str) -> bytes:
        end = self.buffer.find(b"\r\n")
        while end < 0:
            self._fill(deadline, what)
            end = self.buffer.find(b"\r\n")
        line, self.buffer = self.buffer[:end], self.buffer[end + 2 :]
        return line

    def read_head(self, deadline: float) -> tuple[int, dict[str, str]]:
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            while end < 0:
                if len(self.buffer) > _HEAD_LIMIT:
                    raise _Broken("answer headers longer than 64 KiB", reset=False)
                self._fill(deadline, "answer headers")
                end = self.buffer.find(b"\r\n\r\n")
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            lines = head.decode("latin-1").split("\r\n")
            parts = lines[0].split(" ", 2)
            if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit() or len(parts[1]) != 3:
                raise _Broken(f"not an HTTP/1.x status line: {lines[0][:80]!r}", reset=False)
            status = int(parts[1])
            if 100 <= status < 200:
                continue  # an interim answer (100 Continue): the real one follows
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, sep, value = line.partition(":")
                if not sep:
                    raise _Broken(f"not an HTTP header line: {line[:80]!r}", reset=False)
                key = name.strip().lower()
                headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
            return status, headers

    def read_exactly(self, length: int, cap: int, deadline: float) -> tuple[bytes, bool]:
        """`length` bytes (only the first `cap + 1` are kept: more means truncated, and the rest stays unread)."""
        wanted = min(length, cap + 1)
        while len(self.buffer) < wanted:
            self._fill(deadline, "answer body")
        body, self.buffer = self.buffer[:wanted], self.buffer[wanted:]
        return (body[:cap], True) if len(body) > cap else (body, False)

    def read_to_close(self, cap: int, deadline: float) -> tuple[bytes, bool]:
        while len(self.buffer) <= cap:
            data = self._recv(deadline)
            if not data:
                break
            self.buffer += data
        body, self.buffer = self.buffer, b""
        return (body[:cap], True) if len(body) > cap else (body, False)

    def read_chunked(self, cap: int, deadline: float) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        while True:
            line = self._line(deadline, "chunk size")
            try:
                length = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _Broken(f"not a chunk size: {line[:40]!r}", reset=False) from None
            if length == 0:
                while self._line(deadline, "chunked answer"):  # trailers, up to the final empty line
                    pass
                return b"".join(chunks), False
            chunk, truncated = self.read_exactly(length, cap - size, deadline)
            chunks.append(chunk)
            size += len(chunk)
            if truncated:
                return b"".join(chunks), True
            while len(self.buffer) < 2:
                self._fill(deadline, "chunk")
            self.buffer = self.buffer[2:]


@dataclass(slots=True)
class _Pending:
    """A request on the wire, waiting for its answer."""

    connection: _Connection | None
    deadline: float
    reused: bool
    request: WireRequest
    failure: Response | None = None  # the request could not be written (the answer may still be readable)


class WireTransport:
    """HTTP/1.1 keep-alive to one origin; `start` writes a request, `finish` reads its answer."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        body_cap: int = DEFAULT_BODY_CAP,
        extra_headers: Sequence[tuple[str, str]] = (),
        keep_headers: Sequence[str] = (),
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
        self.keep_headers = tuple(name.lower() for name in keep_headers)  # answer headers kept (compared)
        default_port = 443 if self.https else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        self._host_header = host if self.port == default_port else f"{host}:{self.port}"
        self._idle: list[_Connection] = []

    # ------------------------------------------------------------ connections

    def _connect(self, deadline: float) -> _Connection:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("deadline passed")
        sock = socket.create_connection((self.host, self.port), timeout=remaining)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.https:
                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)
        except OSError:
            sock.close()
            raise
        return _Connection(sock)

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
            pending = _Pending(self._connect(deadline), deadline, False, request)
        except OSError as err:
            return _Pending(None, deadline, False, request, _failure(err))
        self._write(pending)
        return pending

    def _encode(self, request: WireRequest) -> bytes:
        lines = [f"{request.method} {self.prefix + request.path} HTTP/1.1"]
        names = set()
        for name, value in (*request.headers, *self.extra_headers):
            lines.append(f"{name}: {value}")
            names.add(name.lower())
        if "host" not in names:
            lines.append(f"Host: {self._host_header}")
        if "accept-encoding" not in names:
            lines.append("Accept-Encoding: identity")
        if "content-length" not in names and (request.body or request.method in ("POST", "PUT", "PATCH")):
            lines.append(f"Content-Length: {len(request.body)}")
        lines.append("\r\n")
        return "\r\n".join(lines).encode("latin-1") + request.body

    def _write(self, pending: _Pending) -> None:
        connection = pending.connection
        assert connection is not None
        try:
            data = self._encode(pending.request)
        except UnicodeEncodeError as err:
            pending.failure = Response(Outcome.ERROR, detail=f"request header not latin-1: {err}"[:200])
            return
        try:
            connection.write(data, pending.deadline)
        except OSError as err:
            pending.failure = _failure(err)

    def finish(self, pending: _Pending) -> Response:
        connection = pending.connection
        if connection is None:
            assert pending.failure is not None
            return pending.failure
        try:
            status, headers = connection.read_head(pending.deadline)
            body, truncated, closing = self._read_body(connection, pending, status, headers)
        except (OSError, _Broken) as err:
            connection.close()
            reset = isinstance(err, _RESET) or (isinstance(err, _Broken) and err.reset)
            if pending.reused and pending.failure is None and reset and not _late(pending):
                return self.finish(self._start_fresh(pending.request, pending.deadline))
            return pending.failure or _failure(err)
        if truncated or closing or connection.buffer:
            connection.close()
        else:
            self._idle.append(connection)
        kept = tuple((name, headers[name]) for name in self.keep_headers if name in headers)
        return Response(
            Outcome.OK,
            status=status,
            content_type=headers.get("content-type"),
            body=body,
            truncated=truncated,
            headers=kept,
        )

    def _read_body(
        self, connection: _Connection, pending: _Pending, status: int, headers: dict[str, str]
    ) -> tuple[bytes, bool, bool]:
        """(body, truncated, connection must close)."""
        closing = "close" in headers.get("connection", "").lower()
        if pending.request.method == "HEAD" or status in _NO_BODY:
            return b"", False, closing
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body, truncated = connection.read_chunked(self.body_cap, pending.deadline)
            return body, truncated, closing
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                raise _Broken(f"Content-Length {length[:40]!r} is not a number", reset=False)
            body, truncated = connection.read_exactly(int(length), self.body_cap, pending.deadline)
            return body, truncated, closing
        body, truncated = connection.read_to_close(self.body_cap, pending.deadline)
        return body, truncated, True

    def send(self, request: WireRequest, *, fresh: bool = False) -> Response:
        """One request, answered; `fresh` sends it on a new connection (a kept-alive one may still be served by
        a runtime that no longer accepts connections)."""
        if fresh:
            return self.finish(self._start_fresh(request, time.monotonic() + self.timeout))
        return self.finish(self.start(request))


def _settimeout(sock: socket.socket, deadline: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("deadline passed")
    sock.settimeout(remaining)


def _late(pending: _Pending) -> bool:
    return time.monotonic() >= pending.deadline


def _failure(err: BaseException) -> Response:
    detail = (str(err) or type(err).__name__).splitlines()[0][:200]
    if isinstance(err, TimeoutError | socket.timeout):
        return Response(Outcome.TIMEOUT, detail=detail or "timed out")
    if isinstance(err, ConnectionRefusedError):
        return Response(Outcome.REFUSED, detail=detail)
    if isinstance(err, _RESET) or (isinstance(err, _Broken) and err.reset):
        return Response(Outcome.RESET, detail=f"{type(err).__name__}: {detail}")
    return Response(Outcome.ERROR, detail=f"{type(err).__name__}: {detail}")


@dataclass(slots=True)
class Flight:
    """Cases written to both runtimes whose answers are not read yet, and cases not written yet."""

    written: list[tuple[Case, tuple[_Pending, ...]]]
    rest: Sequence[Case]

    def __len__(self) -> int:
        return len(self.written) + len(self.rest)


class Transport:
    """Both targets, side by side. `exchange_many` writes each case to both runtimes, at most `workers` cases at
    a time, before reading the answers, and returns one `Exchange` per case, in order; `start` and `finish` are
    its two halves, for a caller with other work to do while the runtimes answer."""

    def __init__(
        self,
        targets: tuple[Target, Target],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        workers: int = 16,
        body_cap: int = DEFAULT_BODY_CAP,
        extra_headers: Sequence[tuple[str, str]] = (),
        keep_headers: Sequence[str] = ("allow", "location"),
    ) -> None:
        if timeout <= 0:
            raise ValueError(f"timeout={timeout!r} must be positive")
        if workers < 1:
            raise ValueError(f"workers={workers!r} must be at least 1")
        self.targets = targets
        self.workers = workers
        self.wires = tuple(
            WireTransport(
                t.url, timeout=timeout, body_cap=body_cap, extra_headers=extra_headers, keep_headers=keep_headers
            )
            for t in targets
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
        return self.finish(self.start(cases))

    def start(self, cases: Sequence[Case]) -> Flight:
        """Writes the first `workers` cases to both runtimes and returns at once: the runtimes work on them while
        the caller does something else (the engine draws the next batch). `finish` reads the answers."""
        head = cases[: self.workers]
        return Flight(
            [(case, tuple(wire.start(case.request) for wire in self.wires)) for case in head], cases[len(head) :]
        )

    def finish(self, flight: Flight) -> list[Exchange]:
        """The answers to every case of `flight`, in order (cases beyond the first `workers` are sent now)."""
        exchanges = [self._answers(case, pending) for case, pending in flight.written]
        for chunk in _chunks(flight.rest, self.workers):
            written = [(case, tuple(wire.start(case.request) for wire in self.wires)) for case in chunk]
            exchanges += [self._answers(case, pending) for case, pending in written]
        return exchanges

    def abandon(self, flight: Flight) -> None:
        """Close the connections of a flight whose answers will never be read."""
        for _, pending in flight.written:
            for one in pending:
                if one.connection is not None:
                    one.connection.close()

    def _answers(self, case: Case, pending: tuple[_Pending, ...]) -> Exchange:
        left, right = pending
        responses = (self.wires[0].finish(left), self.wires[1].finish(right))
        return Exchange(case=case, targets=self.targets, responses=responses)

    def get(self, index: int, path: str) -> Response:
        """A plain GET to one target, on a new connection (health probes)."""
        return self.wires[index].send(WireRequest("GET", path, (), b""), fresh=True)


def _chunks(cases: Sequence[Case], size: int) -> Iterator[Sequence[Case]]:
    for start in range(0, len(cases), size):
        yield cases[start : start + size]


def probe_health(transport: Transport, health: str, fix: str | None = None) -> None:
    """Both targets must answer something at start; otherwise exit 2 naming the runtime and the cause (and `fix`,
    what to do, when the caller's way of naming targets is not the command line's)."""
    for index, target in enumerate(transport.targets):
        answer = transport.get(index, health)
        if answer.outcome is not Outcome.OK:
            cause = answer.detail or answer.outcome.value
            if fix is None:
                raise TargetUnreachable(target.name, target.url, cause)
            raise TargetUnreachable(target.name, target.url, cause, fix)
