"""Send under faults: every misbehaviour of a runtime becomes an outcome, in time, with bounded memory."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable

import pytest

from fuzzer._classify import classify
from fuzzer._compare import compare
from fuzzer._config import Config
from fuzzer._model import Case, Exchange, Level, Outcome, Target, WireRequest
from fuzzer._send import DEFAULT_BODY_CAP, Transport

from .server import FaultServer, closed_port

TIMEOUT = 1.0
SLACK = 1.5
Fault = Callable[..., FaultServer]


def case(number: int = 0) -> Case:
    body = b'{"kind":"playbook","artifact":{"n":%d}}' % number
    return Case(
        "playbook", WireRequest("POST", "/v1/validate", (("content-type", "application/json"),), body), "valid", "c"
    )


def pair(a: FaultServer, b: FaultServer, **options: float | int) -> Transport:
    return Transport((Target("a", a.url), Target("b", b.url)), timeout=TIMEOUT, **options)  # type: ignore[arg-type]


def exchange_with(fault: Fault, spec: str) -> Exchange:
    with pair(fault("ok"), fault(spec)) as transport:
        return transport.exchange(case())


def test_ok_server_answers_ok_on_both_sides(fault: Fault) -> None:
    exchange = exchange_with(fault, "ok")
    assert [r.outcome for r in exchange.responses] == [Outcome.OK, Outcome.OK]
    assert compare(exchange, Config().policy).agrees


def test_crash_after_k_answers_then_refuses(fault: Fault) -> None:
    crashing = fault("crash_after=3")
    with pair(fault("ok"), crashing) as transport:
        outcomes = [transport.exchange(case(n)).responses[1].outcome for n in range(6)]
    assert outcomes == [Outcome.OK] * 3 + [Outcome.REFUSED] * 3
    assert crashing.answered == 3


@pytest.mark.parametrize("spec", ["hang", "slow=5"])
def test_hang_and_slow_time_out_within_the_timeout(fault: Fault, spec: str) -> None:
    with pair(fault("ok"), fault(spec)) as transport:
        started = time.monotonic()
        exchange = transport.exchange(case())
        elapsed = time.monotonic() - started
    assert exchange.responses[0].outcome is Outcome.OK
    assert exchange.responses[1].outcome is Outcome.TIMEOUT
    assert elapsed < TIMEOUT + SLACK


def test_many_hanging_requests_in_flight_share_one_deadline(fault: Fault) -> None:
    with pair(fault("ok"), fault("hang"), workers=8) as transport:
        started = time.monotonic()
        exchanges = transport.exchange_many([case(n) for n in range(8)])
        elapsed = time.monotonic() - started
    assert [e.responses[1].outcome for e in exchanges] == [Outcome.TIMEOUT] * 8
    assert elapsed < TIMEOUT + SLACK


def test_slow_within_the_timeout_is_ok(fault: Fault) -> None:
    exchange = exchange_with(fault, "slow=0.2")
    assert exchange.responses[1].outcome is Outcome.OK
    assert exchange.responses[1].status == 200


def test_reset_is_reset(fault: Fault) -> None:
    answer = exchange_with(fault, "reset").responses[1]
    assert answer.outcome is Outcome.RESET
    assert answer.status is None


@pytest.mark.parametrize("spec", ["garbage", "truncated"])
def test_garbage_and_truncated_answers_are_not_ok(fault: Fault, spec: str) -> None:
    """A status line with Content-Length: 100 and 10 bytes is not an answer: it must not pass as a 10-byte body."""
    answer = exchange_with(fault, spec).responses[1]
    assert answer.outcome in (Outcome.RESET, Outcome.ERROR), answer
    assert answer.body == b""


def test_huge_answer_is_capped_and_memory_stays_bounded(fault: Fault) -> None:
    size = 100 * 1000 * 1000
    with pair(fault("ok"), fault(f"huge={size}")) as transport:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
        started = time.monotonic()
        answer = transport.exchange(case()).responses[1]
        elapsed = time.monotonic() - started
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    assert answer.outcome is Outcome.OK
    assert answer.truncated is True
    assert len(answer.body) == DEFAULT_BODY_CAP
    assert elapsed < TIMEOUT + SLACK
    # chunks + join + slice hold up to 3 caps at once (2-3 measured); reading the whole body would take 100 MB
    assert grown < 3.5 * DEFAULT_BODY_CAP, f"peak memory grew by {grown} bytes"


def test_huge_answer_with_a_small_cap(fault: Fault) -> None:
    with pair(fault("ok"), fault("huge=5000000"), body_cap=1000) as transport:
        answer = transport.exchange(case()).responses[1]
    assert (answer.outcome, answer.truncated, len(answer.body)) == (Outcome.OK, True, 1000)


@pytest.mark.parametrize("spec", ["empty", "nonjson", "invalid_utf8", "hostile_text", "hostile_json"])
def test_odd_bodies_are_ok_and_compare_as_a_divergence(fault: Fault, spec: str) -> None:
    exchange = exchange_with(fault, spec)
    assert [r.outcome for r in exchange.responses] == [Outcome.OK, Outcome.OK]
    comparison = compare(exchange, Config().policy)
    divergence = classify(exchange, comparison)
    assert divergence is not None
    assert divergence.signature.level is Level.SEMANTIC
    assert divergence.signature.statuses == ("200", "200")


@pytest.mark.parametrize("rst", [False, True], ids=["fin", "rst"])
def test_keep_alive_connection_closed_between_requests_is_retried(fault: Fault, rst: bool) -> None:
    a, b = fault("ok"), fault("ok")
    with pair(a, b, workers=4) as transport:
        first = transport.exchange_many([case(n) for n in range(4)])
        assert all(r.outcome is Outcome.OK for e in first for r in e.responses)
        assert b.drop_connections(rst=rst) > 0  # idle keep-alive connections, closed by the server
        assert a.drop_connections(rst=rst) > 0
        again = transport.exchange_many([case(n) for n in range(4, 8)])
    assert [r.outcome for e in again for r in e.responses] == [Outcome.OK] * 8
    assert len(b.received) == 8  # each request reached the server once: the retries went on new connections


def test_connection_refused_at_start_is_refused(fault: Fault) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    with Transport((Target("a", fault("ok").url), Target("b", url)), timeout=TIMEOUT) as transport:
        started = time.monotonic()
        answer = transport.exchange(case()).responses[1]
    assert answer.outcome is Outcome.REFUSED
    assert time.monotonic() - started < TIMEOUT + SLACK
