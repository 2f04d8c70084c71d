"""How the transport reads an answer off the wire: every HTTP/1.1 framing a runtime may use (Content-Length,
chunked with extensions and trailers, close-delimited, interim 100 answers, bodiless statuses), answers split
into small writes, and chunked answers over the cap."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from fuzzer._model import Outcome, WireRequest
from fuzzer._send import WireTransport

REQUEST = WireRequest("POST", "/v1/validate", (("content-type", "application/json"),), b'{"kind":"playbook"}')


@contextmanager
def canned(*answers: bytes, close: bool = False, pieces: int = 1) -> Iterator[tuple[str, list[bytes]]]:
    """A one-connection server on 127.0.0.1: for each request it reads, it writes the next answer (in `pieces`
    writes, a little apart), and closes after the last one when `close`."""
    listener = socket.create_server(("127.0.0.1", 0))
    received: list[bytes] = []

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            for answer in answers:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += connection.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    ),
                    0,
                )
                while len(body) < length:
                    body += connection.recv(65536)
                received.append(head + b"\r\n\r\n" + body)
                step = max(1, len(answer) // pieces)
                for start in range(0, len(answer), step):
                    connection.sendall(answer[start : start + step])
                    time.sleep(0.005)
            if close:
                connection.shutdown(socket.SHUT_WR)
            else:
                connection.recv(1)  # until the client goes away

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", received
    finally:
        listener.close()


@pytest.mark.parametrize("pieces", [1, 7])
def test_content_length_answer_and_keep_alive(pieces: int) -> None:
    answer = (
        b'HTTP/1.1 422 Unprocessable Entity\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{"ok":no}'
    )
    with canned(answer, answer, pieces=pieces) as (url, received):
        wire = WireTransport(url, timeout=2)
        first, second = wire.send(REQUEST), wire.send(REQUEST)
        wire.close()
    assert (first.outcome, first.status, first.content_type, first.body) == (
        Outcome.OK,
        422,
        "application/json",
        b'{"ok":no}',
    )
    assert second == first
    assert len(received) == 2  # both on the one kept-alive connection
    head = received[0].split(b"\r\n\r\n")[0].decode()
    assert head.startswith("POST /v1/validate HTTP/1.1\r\n")
    assert "Content-Length: 19" in head and "Host: 127.0.0.1:" in head
    assert received[0].endswith(REQUEST.body)


@pytest.mark.parametrize("pieces", [1, 5])
def test_chunked_answer_with_extensions_and_trailers(pieces: int) -> None:
    answer = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
        b'4;ext=1\r\n{"va\r\n9\r\nlid":true\r\n1\r\n}\r\n0\r\nX-Trailer: yes\r\n\r\n'
    )
    with canned(answer, answer, pieces=pieces) as (url, _):
        wire = WireTransport(url, timeout=2)
        first, second = wire.send(REQUEST), wire.send(REQUEST)
        wire.close()
    assert (first.outcome, first.status, first.body) == (Outcome.OK, 200, b'{"valid":true}')
    assert second.body == b'{"valid":true}'  # the connection was left at the start of the next answer


def test_chunked_answer_over_the_cap_is_truncated() -> None:
    chunk = b"x" * 4000
    answer = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + (b"fa0\r\n" + chunk + b"\r\n") * 3 + b"0\r\n\r\n"
    )
    with canned(answer) as (url, _):
        wire = WireTransport(url, timeout=2, body_cap=5000)
        response = wire.send(REQUEST)
        wire.close()
    assert (response.outcome, response.truncated, len(response.body)) == (Outcome.OK, True, 5000)


def test_close_delimited_answer() -> None:
    answer = b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nbad request"
    with canned(answer, close=True, pieces=3) as (url, _):
        wire = WireTransport(url, timeout=2)
        response = wire.send(REQUEST)
        wire.close()
    assert (response.outcome, response.status, response.body) == (Outcome.OK, 400, b"bad request")


def test_interim_answer_is_skipped_and_204_has_no_body() -> None:
    answer = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n"
    with canned(answer) as (url, _):
        wire = WireTransport(url, timeout=2)
        response = wire.send(REQUEST)
        wire.close()
    assert (response.outcome, response.status, response.body) == (Outcome.OK, 204, b"")


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: nine\r\n\r\n123456789",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"SPDY/3 200 OK\r\n\r\n",
    ],
)
def test_malformed_framing_is_an_error_outcome(answer: bytes) -> None:
    with canned(answer) as (url, _):
        wire = WireTransport(url, timeout=2)
        response = wire.send(REQUEST)
        wire.close()
    assert response.outcome is Outcome.ERROR and response.status is None, response
