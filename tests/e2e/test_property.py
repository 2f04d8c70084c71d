"""`fuzzer.differential_test` end to end: inner pytest runs of generated test files against the real runtimes.

The targets reach the inner runs the way a user's CI would give them: the environment variable PARITY_TARGETS.
Every inner run has a fixed `--hypothesis-seed`, so it draws the same cases each time.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import seed

from fuzzer import Config, NewDivergence, Target, differential_test

from ..faults.server import Answer, Received, serve
from .conftest import CANONICAL, ROOT, Pair

pytestmark = pytest.mark.e2e

SEED = "--hypothesis-seed=3"
DIGEST = re.compile(r"\bDivergence_([0-9a-f]{12})\b")
RAISED = re.compile(r"fuzzer\._property\.Divergence_([0-9a-f]{12}): new divergence class \1 \(")

PROPERTY = """
import os

from fuzzer import differential_test

test_parity = differential_test(
    corpus=os.environ["CORPUS"], max_examples={examples}, save=os.environ.get("SAVE"), kinds={kinds!r}
)
"""

TWO_TESTS = """
import os

from fuzzer import differential_test

test_playbook = differential_test(corpus=os.environ["CORPUS"], max_examples=50, kinds=["playbook"])
test_fill = differential_test(corpus=os.environ["CORPUS"], max_examples=50, kinds=["fill"])
"""

FUZZ_LOOP = """
import os

from fuzzer import NewDivergence, differential_test, divergence_type

differential = differential_test(corpus=os.environ["CORPUS"])
INPUTS = [b"", bytes(8), bytes(300), bytes(range(256)), b"\\xff" * 400, b"\\x01" * 120, b"\\x80" * 1000]
INPUTS += [bytes((i * 37 + k) % 256 for i in range(600)) for k in range(12)]


def test_fuzz_one_input_returns_or_raises_the_class_type():
    fuzz = differential.hypothesis.fuzz_one_input
    assert fuzz(b"") is None  # too short to draw a case from: not a valid input
    raised, passed = set(), 0
    for buffer in INPUTS:
        try:
            result = fuzz(buffer)
        except NewDivergence as err:
            assert type(err).__name__ == f"Divergence_{err.digest}"
            assert type(err) is divergence_type(err.digest)
            assert f"new divergence class {err.digest}" in str(err)
            raised.add(type(err))
        else:
            assert result is None or isinstance(result, bytes)
            passed += 1
    print("raised", sorted(t.__name__ for t in raised), "passed", passed)
    assert raised, "no input showed a class the canonical corpus does not know"
    assert passed, "every input failed"
"""


@pytest.fixture
def inner(pytester: pytest.Pytester, reference_pair: Pair, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.setenv("PARITY_TARGETS", " ".join(f"{t.name}={t.url}" for t in reference_pair))
    monkeypatch.setenv("CORPUS", str(CANONICAL))
    monkeypatch.delenv("SAVE", raising=False)
    return pytester


def digests(result: pytest.RunResult) -> set[str]:
    return set(RAISED.findall(result.stdout.str()))


def test_the_canonical_corpus_fails_with_one_exception_type_per_class(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_parity=PROPERTY.format(examples=100, kinds=[]))
    result = inner.runpytest_subprocess("-p", "no:cacheprovider", SEED)
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    found = digests(result)
    assert len(found) > 1, out
    assert set(DIGEST.findall(out)) == found  # every class named is one that was raised
    assert len(re.findall(r"Falsifying example|Failing test case", out)) == len(found)  # one minimal example each
    assert "rust:" in out and "go:" in out
    assert "to save it: pass save=DIR" in out and f"parity-fuzz fuzz --corpus {CANONICAL}" in out


def test_a_corpus_that_knows_every_class_passes(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each failing run saves its classes' reproducers into the corpus, so the next run knows them: within a few
    runs of the same seed, the run passes."""
    corpus = inner.path / "corpus"
    shutil.copytree(CANONICAL, corpus / "canonical")
    monkeypatch.setenv("CORPUS", str(corpus))
    monkeypatch.setenv("SAVE", str(corpus / "found"))
    inner.makepyfile(test_parity=PROPERTY.format(examples=60, kinds=[]))
    raised: set[str] = set()
    for _ in range(8):
        result = inner.runpytest_subprocess("-p", "no:cacheprovider", SEED, "--hypothesis-show-statistics")
        if result.ret == 0:
            break
        new = digests(result)
        assert new and not new & raised, result.stdout.str()  # a class, once saved, is known to the next run
        raised |= new
        assert f"saved to {corpus / 'found'}" in result.stdout.str()
    result.assert_outcomes(passed=1)
    passing = re.search(r"(\d+) passing(?: examples)?, 0 failing", result.stdout.str())
    assert passing and int(passing.group(1)) >= 30, result.stdout.str()  # known classes ran, and passed
    saved = {json.loads(path.read_text())["expect"]["signature"] for path in (corpus / "found").glob("*.json")}
    assert len(raised) > 1
    assert raised <= saved


def test_it_runs_under_xdist(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_two=TWO_TESTS)
    result = inner.runpytest_subprocess("-p", "no:cacheprovider", "-p", "xdist", "-n", "2", SEED)
    out = result.stdout.str()
    assert "2 workers" in out, out
    result.assert_outcomes(failed=2)
    assert len(digests(result)) > 1, out


def test_fuzz_one_input_returns_or_raises_the_class_type(inner: pytest.Pytester) -> None:
    inner.makepyfile(test_fuzz=FUZZ_LOOP)
    result = inner.runpytest_subprocess("-p", "no:cacheprovider", "-s")
    result.assert_outcomes(passed=1)
    assert re.search(r"raised \['Divergence_[0-9a-f]{12}'", result.stdout.str())


# ---------------------------------------------------------------- in-process: noise and flaky answers


def with_request_id(_: Received, answer: Answer) -> Answer:
    """Go's answer with a fresh `request_id` in every JSON object: a value no two answers share."""
    try:
        value = json.loads(answer.body)
    except ValueError:
        return answer
    if not isinstance(value, dict):
        return answer
    return replace(answer, body=json.dumps({**value, "request_id": uuid.uuid4().hex}).encode())


def test_noise_is_learned_as_campaigns_learn_it(reference_pair: Pair) -> None:
    go = reference_pair[1]
    with serve(f"proxy={go.url}", with_request_id) as proxy:
        pair = [go, Target("noisy", proxy.url)]
        differential_test(targets=pair, corpus=(), modes=["valid"], kinds=["playbook"], max_examples=30)()
        deaf = replace(Config(), learn_noise=False)
        test = differential_test(config=deaf, targets=pair, corpus=(), modes=["valid"], max_examples=30)
        with pytest.raises(NewDivergence, match="request_id"):
            test()


def test_an_answer_that_changes_when_sent_again_is_not_a_failure(reference_pair: Pair) -> None:
    """Every second answer of the proxy is a 503: a divergence that does not show twice in a row is flaky, and a
    flaky divergence does not fail the test (Hypothesis would not replay it)."""
    go = reference_pair[1]
    counter = itertools.count()

    def alternate(request: Received, answer: Answer) -> Answer:
        if request.path != "/v1/validate" or next(counter) % 2 == 0:
            return answer
        return Answer(503, "text/plain", b"busy")

    with serve(f"proxy={go.url}", alternate) as proxy:
        test = differential_test(targets=[go, Target("flaky", proxy.url)], corpus=(), modes=["valid"], max_examples=40)
        test()
        assert next(counter) > 40  # the proxy answered every example, some of them twice


def test_with_an_openapi_document_every_operation_is_fuzzed(reference_pair: Pair, tmp_path: Path) -> None:
    """The config's `openapi` gives the cases, as it does for a campaign: classes show on the resource routes."""
    config = tmp_path / "parity.toml"
    config.write_text(f'openapi = "{ROOT / "targets" / "openapi.yaml"}"\n', encoding="utf-8")
    test = seed(3)(differential_test(config=config, corpus=(), targets=list(reference_pair), max_examples=150))
    with pytest.raises(BaseException) as caught:  # an ExceptionGroup of classes, or one class alone
        test()
    failures = list(getattr(caught.value, "exceptions", [caught.value]))
    assert all(isinstance(failure, NewDivergence) for failure in failures), failures
    operations = {failure.divergence.signature.operation for failure in failures if failure.divergence}
    assert operations - {"POST /v1/validate"}, operations
