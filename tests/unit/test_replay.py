"""Replay: each stored case is judged against its expectation."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fuzzer._errors import CaseFileError
from fuzzer._model import Divergence, Exchange, Outcome
from fuzzer._replay import Judged, Verdict, judge, tally, unreadable
from fuzzer._store import Expectation, StoredCase

from .builders import SERDE, divergence, exchange, failed, go_error, ok, rust_error, stored

AGREE = exchange(ok(200, {"valid": True}), ok(200, {"valid": True}))
SHAPE = divergence(rust_error("Schema", "f", "missing"), go_error("schema", "f", "missing"))
STATUS = divergence(ok(200, {"valid": True}), ok(422, {"valid": False}))


def expecting(found: Divergence | None) -> StoredCase:
    if found is None:
        return stored()
    sig = found.signature
    return stored(expect=Expectation.of(sig))


def verdict_of(expected: Divergence | None, now: Divergence | None, seen: Exchange | None = None) -> Judged:
    return judge(expecting(expected), seen or (now.exchange if now else AGREE), now)


def test_match_and_agree_is_pass() -> None:
    assert verdict_of(None, None).verdict is Verdict.PASS


def test_match_and_diverge_is_regressed() -> None:
    judged = verdict_of(None, STATUS)
    assert judged.verdict is Verdict.REGRESSED
    assert STATUS.signature.key in judged.detail


def test_same_signature_is_known() -> None:
    judged = verdict_of(SHAPE, SHAPE)
    assert judged.verdict is Verdict.KNOWN
    assert judged.signature == SHAPE.signature.digest


def test_other_signature_is_changed_and_names_both() -> None:
    judged = verdict_of(SHAPE, STATUS)
    assert judged.verdict is Verdict.CHANGED
    assert SHAPE.signature.digest in judged.detail
    assert STATUS.signature.digest in judged.detail


def test_diverge_and_agree_is_fixed() -> None:
    judged = verdict_of(SHAPE, None)
    assert judged.verdict is Verdict.FIXED
    assert "promote" in judged.detail


@pytest.mark.parametrize("expected", [None, SHAPE])
def test_a_refused_connection_is_an_error(expected: Divergence | None) -> None:
    seen = exchange(ok(200, {"valid": True}), failed(Outcome.REFUSED))
    judged = judge(expecting(expected), seen, divergence(ok(200, {"valid": True}), failed(Outcome.REFUSED)))
    assert judged.verdict is Verdict.ERROR
    assert judged.detail == "runtime unreachable: go at http://127.0.0.1:4110: refused"


def test_a_timeout_is_judged_not_an_error() -> None:
    timed_out = divergence(ok(200, {"valid": True}), failed(Outcome.TIMEOUT))
    assert verdict_of(None, timed_out).verdict is Verdict.REGRESSED


def test_unreadable_files_are_errors_with_the_reason() -> None:
    (judged,) = unreadable([CaseFileError("corpus/x.json", "not valid JSON (line 1)")])
    assert (judged.label, judged.path, judged.verdict) == ("corpus/x.json", "corpus/x.json", Verdict.ERROR)
    assert judged.detail == "not valid JSON (line 1)"
    assert judged.statuses == ("-", "-")


def test_tally_counts_every_verdict_in_order() -> None:
    judged = [verdict_of(None, None), verdict_of(None, None), verdict_of(SHAPE, SHAPE), verdict_of(SHAPE, None)]
    assert tally(judged) == {"PASS": 2, "KNOWN": 1, "FIXED": 1, "CHANGED": 0, "REGRESSED": 0, "ERROR": 0}
    assert list(tally([])) == [v.value for v in Verdict]


@pytest.mark.parametrize(
    ("verdict", "fails", "fails_strict"),
    [
        (Verdict.PASS, False, False),
        (Verdict.KNOWN, False, True),
        (Verdict.FIXED, False, False),
        (Verdict.CHANGED, True, True),
        (Verdict.REGRESSED, True, True),
        (Verdict.ERROR, True, True),
    ],
)
def test_fails(verdict: Verdict, fails: bool, fails_strict: bool) -> None:
    judged = Judged("label", "path", verdict)
    assert judged.fails() is fails
    assert judged.fails(strict=True) is fails_strict


def _old(found: Divergence, digest: str = "0123456789ab", observed: bool = True) -> StoredCase:
    """A case saved by signature version 1: another digest for the same answers."""
    answers = tuple(zip(("rust", "go"), found.exchange.responses, strict=True)) if observed else ()
    expect = Expectation("diverge", digest, "200|422 status /valid:value", "status", version=1)
    return replace(stored(expect=expect), observed=answers)


def test_an_old_signature_is_judged_by_its_re_keyed_expectation_and_says_to_migrate() -> None:
    judged = judge(_old(STATUS), STATUS.exchange, STATUS, SERDE)
    assert judged.verdict is Verdict.KNOWN
    assert judged.stale
    assert "parity-fuzz corpus migrate" in judged.detail


def test_an_old_signature_whose_answers_changed_is_changed_not_known() -> None:
    judged = judge(_old(STATUS), SHAPE.exchange, SHAPE, SERDE)
    assert judged.verdict is Verdict.CHANGED
    assert judged.stale


def test_an_old_signature_without_recorded_answers_is_an_error_that_says_why() -> None:
    judged = judge(_old(STATUS, observed=False), STATUS.exchange, STATUS, SERDE)
    assert judged.verdict is Verdict.ERROR
    assert "observed" in judged.detail
