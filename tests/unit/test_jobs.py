"""Jobs: the parent grants each class to one job, and merges the jobs' results into one."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from fuzzer._campaign import CampaignPlan
from fuzzer._config import Config
from fuzzer._engine import EngineResult, EngineSettings, Observer
from fuzzer._jobs import _Claim, _Done, _Flag, _Job, _Pool, merge_results
from fuzzer._model import Divergence, Finding

from .builders import GO, RUST, divergence, go_error, ok, rust_error

STATUS = divergence(ok(200, {"valid": True}), go_error("schema", "fingerprint", "missing"))
SHAPE = divergence(rust_error("Schema", "f", "missing"), go_error("schema", "f", "missing"))
OTHER = divergence(ok(200, {"valid": True}), ok(400, b"bad request", "text/plain"))


def finding(of: Divergence, count: int, known: bool = False) -> Finding:
    return Finding(of.signature, of, count, known=known, shrunk=not known, confirmations=0 if known else 3)


def result(examples: int, findings: list[Finding], known: list[Finding], **more: object) -> EngineResult:
    return EngineResult(
        examples=examples,
        elapsed_s=1.0,
        seed=1,
        findings=findings,
        known=known,
        flaky=[],
        errors=[],
        agreed=examples - sum(f.count for f in findings + known),
        shrink_calls=10,
        runs=2,
        **more,  # type: ignore[arg-type]
    )


def test_the_parent_grants_each_class_to_the_first_job_that_claims_it(tmp_path: Path) -> None:
    plan = CampaignPlan(Config(), (RUST, GO), EngineSettings(), tmp_path)
    pool = _Pool(plan, (), frozenset({SHAPE.signature.digest}), Config().policy, Observer())
    pipes = {job: multiprocessing.Pipe(duplex=False) for job in (1, 2)}
    jobs = {job: _Job(None, sender) for job, (_, sender) in pipes.items()}  # type: ignore[arg-type]
    flag = _Flag(multiprocessing.get_context("spawn"))
    answers = []
    for job, digest in ((2, STATUS.signature.digest), (1, STATUS.signature.digest), (1, SHAPE.signature.digest)):
        pool._handle(_Claim(job, digest), jobs, flag, Observer())
        answers.append(pipes[job][0].recv())
    assert answers == [True, False, False]  # first claim granted; a later one and a corpus class refused
    assert pool.claims == {STATUS.signature.digest: 2}
    assert not flag.is_set()


def test_results_merge_into_one_with_counts_summed_over_the_jobs() -> None:
    # Job 1 found STATUS; job 2 was refused it and counted it as known. Both saw SHAPE, a corpus class.
    assert len({STATUS.signature.digest, SHAPE.signature.digest, OTHER.signature.digest}) == 3
    one = _Done(1, result(200, [finding(STATUS, 3)], [finding(SHAPE, 5, known=True)], reduce_sends=7))
    two = _Done(
        2,
        result(200, [finding(OTHER, 1)], [finding(STATUS, 4, known=True), finding(SHAPE, 6, known=True)]),
    )
    found = {STATUS.signature.digest: (1, finding(STATUS, 1)), OTHER.signature.digest: (2, finding(OTHER, 1))}
    merged = merge_results([two, one], found, frozenset({SHAPE.signature.digest}), 7, 2.5)
    assert (merged.examples, merged.seed, merged.elapsed_s, merged.shrink_calls) == (400, 7, 2.5, 20)
    assert [(f.signature.digest, f.count) for f in merged.findings] == [
        (STATUS.signature.digest, 7),
        (OTHER.signature.digest, 1),
    ]
    assert [(f.signature.digest, f.count, f.known) for f in merged.known] == [(SHAPE.signature.digest, 11, True)]
    assert merged.reduce_sends == 7
    assert merged.agreed == one.result.agreed + two.result.agreed


def test_a_job_that_ended_without_a_result_keeps_its_findings_count() -> None:
    two = _Done(2, result(100, [], [finding(STATUS, 4, known=True)]))
    found = {STATUS.signature.digest: (1, finding(STATUS, 2))}
    merged = merge_results([two], found, frozenset(), 7, 1.0)
    assert [(f.signature.digest, f.count) for f in merged.findings] == [(STATUS.signature.digest, 6)]
    assert merged.known == []  # STATUS was never a corpus class


def test_a_class_refused_to_a_job_and_never_found_is_not_a_row() -> None:
    # Job 2 was refused STATUS; job 1 then found it flaky: no finding, no known row.
    two = _Done(2, result(100, [], [finding(STATUS, 4, known=True)]))
    merged = merge_results([two], {}, frozenset(), 7, 1.0)
    assert merged.findings == [] and merged.known == []
