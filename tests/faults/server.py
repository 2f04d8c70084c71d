"""A fault server: one HTTP/1.1 origin on 127.0.0.1 that misbehaves in one chosen way.

Standard library only, raw sockets, one thread per connection. Behaviours (the `spec` given to `serve`):

    ok                  200 {"valid": true, "kind": ..., "elapsed_ms": 0}, keep-alive
    crash_after=K       answers K requests, then closes its listening socket and every connection
    hang                reads the request and never answers (until the server stops)
    slow=SECONDS        answers like `ok` after a delay
    reset               reads the request, then closes with RST (SO_LINGER 0)
    garbage             writes bytes that are not HTTP, then closes
    truncated           a status line, Content-Length: 100 and 10 bytes, then closes
    nonjson             200, Content-Type: application/json, a body that is not JSON
    invalid_utf8        200, a JSON-looking body that is not UTF-8
    empty               200 with an empty body
    huge=N              200 with an N-byte body, streamed in 64 KiB chunks
    hostile_text        200 text/plain holding what breaks Markdown, HTML, XML and terminals
    hostile_json        200 JSON whose strings hold the same, plus a lone surrogate escape
    proxy=URL           forwards to URL; `transform` may rewrite the answer (planted differences)

Every loop ends when the server stops, and in any case `LIFETIME` seconds after it started.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import select
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LIFETIME = 120.0
_TICK = 0.05
_CHUNK = 64 * 1024
_HEAD_LIMIT = 64 * 1024
_BODY_LIMIT = 16 << 20
_REQUESTS_PER_CONNECTION = 10_000

HOSTILE_TEXT = (
    "pipe | and \\| escaped pipe | `tick` ``double`` ```\n```\n````json\n"
    "</details></summary><details><script>alert(1)</script> ]]> <![CDATA[ x ]]> &amp; <!-- \n"
    "| a | b |\n|---|---|\n"
    "NUL\x00 BEL\x07 ESC\x1b[31mred\x1b[0m VT\x0b FF\x0c CR\r LS\u2028 BOM\ufeff nonchar\ufffe\uffff DEL\x7f C1\x85"
)
"""Valid UTF-8 that is hostile to every report format."""

HOSTILE_BYTES = HOSTILE_TEXT.encode("utf-8")
HOSTILE_JSON = (
    b'{"valid": false, "kind": "playbook", "error": {"Schema": {"field": "\\ud800", "reason": '
    + json.dumps(HOSTILE_TEXT).encode("ascii")
    + b'}}, "elapsed_ms": 0}'
)
"""JSON with the hostile text and a lone surrogate (`\\ud800`), which JSON allows and UTF-8 cannot encode."""

GARBAGE = b"\x00\xff\xfeSSH-2.0-not-http\r\n\x80\x81 \x1b[2J garbage\r\n\r\n"
NONJSON = b"<html><body>502 Bad Gateway</body></html> {not json"
INVALID_UTF8 = b'{"valid": true, "kind": "play\xff\xfebook", "elapsed_ms": 0}'


@dataclass(frozen=True, slots=True)
class Received:
    """A request as the server read it."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass(frozen=True, slots=True)
class Answer:
    """What a proxy got from upstream, and what `transform` returns."""

    status: int
    content_type: str | None
    body: bytes


Transform = Callable[[Received, Answer], Answer]


@dataclass(frozen=True, slots=True)
class Behaviour:
    name: str
    number: float = 0.0
    upstream: str = ""

    @classmethod
    def parse(cls, spec: str) -> Behaviour:
        name, _, value = spec.partition("=")
        if name in ("ok", "hang", "reset", "garbage", "truncated", "nonjson", "invalid_utf8", "empty"):
            return cls(name)
        if name in ("hostile_text", "hostile_json"):
            return cls(name)
        if name in ("crash_after", "huge") and value.isdigit():
            return cls(name, int(value))
        if name == "slow" and value:
            return cls(name, float(value))
        if name == "proxy" and value.startswith("http://"):
            return cls(name, upstream=value.rstrip("/"))
        raise ValueError(f"fault behaviour {spec!r} is unknown; see tests/faults/server.py")


@dataclass
class _Connection:
    sock: socket.socket
    dropped: bool = False
    rst: bool = False


@dataclass
class FaultServer:
    behaviour: Behaviour
    transform: Transform | None = None
    received: deque[Received] = field(default_factory=lambda: deque(maxlen=1000))
    answered: int = 0

    def __post_init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self.port: int = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._ends = time.monotonic() + LIFETIME
        self._stop = threading.Event()
        self._crashed = False
        self._lock = threading.Lock()
        self._connections: list[_Connection] = []
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept_loop, name=f"fault-{self.port}", daemon=True)

    # ------------------------------------------------------------ control

    def start(self) -> FaultServer:
        self._acceptor.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._close_listener()
        self._acceptor.join(timeout=2)
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout=2)

    def drop_connections(self, *, rst: bool = False, wait: float = 2.0) -> int:
        """Close every open connection from the server side (FIN, or RST with `rst`); returns how many."""
        with self._lock:
            open_now = list(self._connections)
            for connection in open_now:
                connection.dropped, connection.rst = True, rst
        ends = time.monotonic() + wait
        while time.monotonic() < ends:
            with self._lock:
                if not any(c in self._connections for c in open_now):
                    break
            time.sleep(0.01)
        return len(open_now)

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._connections)

    def _alive(self) -> bool:
        return not self._stop.is_set() and time.monotonic() < self._ends

    def _close_listener(self) -> None:
        """Stop listening now: `shutdown` first, since a `select` in the accept thread keeps a closed socket alive
        (and accepting into its backlog) until it returns."""
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._listener.close()

    # ------------------------------------------------------------ accepting

    def _accept_loop(self) -> None:
        while self._alive() and not self._crashed:
            try:
                ready, _, _ = select.select([self._listener], [], [], _TICK)
                if not ready:
                    continue
                sock, _ = self._listener.accept()
            except (OSError, ValueError):  # the listener was closed (stop or crash)
                return
            connection = _Connection(sock)
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            with self._lock:
                self._connections.append(connection)
                self._threads.append(thread)
            thread.start()

    # ------------------------------------------------------------ one connection

    def _serve(self, connection: _Connection) -> None:
        sock = connection.sock
        buffer = bytearray()
        try:
            sock.settimeout(_TICK)
            for _ in range(_REQUESTS_PER_CONNECTION):
                request = self._read_request(connection, buffer)
                if request is None:
                    return
                self.received.append(request)
                if not self._answer(connection, request):
                    return
        except OSError:
            return
        finally:
            self._finish(connection)

    def _finish(self, connection: _Connection) -> None:
        if connection.rst:
            _set_rst(connection.sock)
        with contextlib.suppress(OSError):
            connection.sock.close()
        with self._lock:
            if connection in self._connections:
                self._connections.remove(connection)

    def _usable(self, connection: _Connection) -> bool:
        return self._alive() and not self._crashed and not connection.dropped

    def _read_request(self, connection: _Connection, buffer: bytearray) -> Received | None:
        while b"\r\n\r\n" not in buffer:
            if len(buffer) > _HEAD_LIMIT or not self._fill(connection, buffer):
                return None
        head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            return None
        headers = tuple((k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:]))
        length = next((int(v) for k, v in headers if k.lower() == "content-length" and v.isdigit()), 0)
        if length > _BODY_LIMIT:
            return None
        buffer[:] = rest
        while len(buffer) < length:
            if not self._fill(connection, buffer):
                return None
        body = bytes(buffer[:length])
        del buffer[:length]
        return Received(parts[0], parts[1], headers, body)

    def _fill(self, connection: _Connection, buffer: bytearray) -> bool:
        """Read more into `buffer`; False at EOF or when the server stops, crashes or drops the connection."""
        while self._usable(connection):
            try:
                data = connection.sock.recv(_CHUNK)
            except TimeoutError:
                continue
            if not data:
                return False
            buffer += data
            return True
        return False

    def _wait(self, connection: _Connection, seconds: float) -> bool:
        """Sleep `seconds` unless the server stops first; True when the full time passed."""
        ends = time.monotonic() + seconds
        while time.monotonic() < ends:
            if not self._usable(connection):
                return False
            self._stop.wait(min(_TICK, max(0.0, ends - time.monotonic())))
        return True

    def _send(self, connection: _Connection, data: bytes) -> bool:
        view = memoryview(data)
        while view:
            if not self._alive():
                return False
            try:
                sent = connection.sock.send(view)
            except TimeoutError:
                continue
            view = view[sent:]
        return True

    # ------------------------------------------------------------ behaviours

    def _answer(self, connection: _Connection, request: Received) -> bool:
        """Answer one request; True to keep the connection for the next one."""
        name = self.behaviour.name
        keep = (request.header("connection") or "").lower() != "close"
        if name == "crash_after":
            return self._crash_after(connection, request, keep)
        if name == "hang":
            self._wait(connection, LIFETIME)
            return False
        if name == "slow":
            if not self._wait(connection, self.behaviour.number):
                return False
            return self._respond(connection, 200, "application/json", _valid(request), keep)
        if name == "reset":
            connection.rst = True
            return False
        if name == "garbage":
            self._send(connection, GARBAGE)
            return False
        if name == "truncated":
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            self._send(connection, head + b'{"valid": ')
            return False
        if name == "huge":
            return self._huge(connection, int(self.behaviour.number))
        if name == "proxy":
            status, content_type, body = self._forward(request)
            return self._respond(connection, status, content_type, body, keep)
        content_type, body = {
            "ok": ("application/json", _valid(request)),
            "nonjson": ("application/json", NONJSON),
            "invalid_utf8": ("application/json", INVALID_UTF8),
            "empty": ("application/json", b""),
            "hostile_text": ("text/plain; charset=utf-8", HOSTILE_BYTES),
            "hostile_json": ("application/json", HOSTILE_JSON),
        }[name]
        return self._respond(connection, 200, content_type, body, keep)

    def _respond(self, connection: _Connection, status: int, content_type: str | None, body: bytes, keep: bool) -> bool:
        reason = http.client.responses.get(status, "Unknown")
        head = f"HTTP/1.1 {status} {reason}\r\n"
        if content_type is not None:
            head += f"Content-Type: {content_type}\r\n"
        head += f"Content-Length: {len(body)}\r\n"
        if not keep:
            head += "Connection: close\r\n"
        sent = self._send(connection, head.encode("latin-1") + b"\r\n" + body)
        with self._lock:
            self.answered += 1
        return sent and keep

    def _crash_after(self, connection: _Connection, request: Received, keep: bool) -> bool:
        with self._lock:
            if self._crashed:
                return False
            last = self.answered + 1 >= self.behaviour.number
            if last:  # closed before the answer goes out: the next connect is refused, never accepted
                self._crashed = True
                self._close_listener()
        self._respond(connection, 200, "application/json", _valid(request), keep)
        return not last

    def _huge(self, connection: _Connection, size: int) -> bool:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
        if not self._send(connection, head.encode("ascii")):
            return False
        chunk = b" " * _CHUNK
        left = size
        while left > 0 and self._alive():
            piece = chunk if left >= _CHUNK else chunk[:left]
            if not self._send(connection, piece):  # raises once the client has closed: the handler ends
                return False
            left -= len(piece)
        return False

    def _forward(self, request: Received) -> tuple[int, str | None, bytes]:
        parts = urlsplit(self.behaviour.upstream)
        hop = {"connection", "keep-alive", "host", "content-length", "transfer-encoding"}
        headers = {k: v for k, v in request.headers if k.lower() not in hop}
        upstream = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=5)
        try:
            upstream.request(request.method, parts.path + request.path, body=request.body, headers=headers)
            got = upstream.getresponse()
            answer = Answer(got.status, got.getheader("content-type"), got.read(_BODY_LIMIT))
        except (OSError, http.client.HTTPException) as err:
            answer = Answer(502, "text/plain", f"proxy: upstream failed: {err}".encode())
        finally:
            upstream.close()
        if self.transform is not None:
            answer = self.transform(request, answer)
        return answer.status, answer.content_type, answer.body


def _valid(request: Received) -> bytes:
    kind = "playbook"
    with contextlib.suppress(ValueError, AttributeError, RecursionError):
        value = json.loads(request.body).get("kind")
        if isinstance(value, str):
            kind = value
    return json.dumps({"valid": True, "kind": kind, "elapsed_ms": 0}).encode()


def _set_rst(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@contextlib.contextmanager
def serve(spec: str, transform: Transform | None = None) -> Iterator[FaultServer]:
    """A running fault server for the `with` block; stopped (every thread joined) when it ends."""
    server = FaultServer(Behaviour.parse(spec), transform).start()
    try:
        yield server
    finally:
        server.stop()


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then released without listening)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
