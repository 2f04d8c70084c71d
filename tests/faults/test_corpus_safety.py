"""Store under faults: concurrent writers, a corpus that is a file, a full disk, and secrets that must not leak."""

from __future__ import annotations

import errno
import json
import os
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import pytest

from fuzzer import _store
from fuzzer._errors import CorpusError
from fuzzer._model import Case, WireRequest
from fuzzer._store import Expectation, StoredCase, read_case, write_case

from .conftest import Run
from .server import Answer, FaultServer, Received

Fault = Callable[..., FaultServer]
CASES = 60
OVERLAP = range(20, 40)  # both writers save these
ROUNDS = 4


def stored(number: int) -> StoredCase:
    """Distinct requests; labels repeat, so distinct cases share a slug and differ only by their hash."""
    body = b'{"kind":"playbook","artifact":{"n":%d}}' % number
    request = WireRequest("POST", "/v1/validate", (("content-type", "application/json"),), body)
    case = Case("playbook", request, "valid", f"case {number % 6}")
    return StoredCase(case, Expectation("match"), "fuzz", "2026-01-01T00:00:00Z", "0.1.0")


def write_many(folder: str, numbers: list[int], seed: int, start_at: float) -> list[str]:
    """One writer: every case of `numbers`, ROUNDS times in a shuffled order; returns the errors it met."""
    rng = random.Random(seed)
    time.sleep(max(0.0, start_at - time.time()))
    errors: list[str] = []
    for _ in range(ROUNDS):
        order = list(numbers)
        rng.shuffle(order)
        for number in order:
            try:
                write_case(Path(folder), stored(number))
            except Exception as err:  # collected, so that the test reports every one
                errors.append(f"{type(err).__name__}: {err}")
    return errors


def writers() -> list[list[int]]:
    return [list(range(0, OVERLAP.stop)), list(range(OVERLAP.start, CASES))]


def check_corpus(folder: Path) -> None:
    names = sorted(p.name for p in folder.iterdir())
    assert [n for n in names if n.startswith(".") or n.endswith(".tmp")] == [], "temporary files left"
    hashes = []
    for name in names:
        path = folder / name
        json.loads(path.read_text(encoding="utf-8"))
        hashes.append(_store.content_hash(read_case(path).case.request))
    expected = sorted(_store.content_hash(stored(n).case.request) for n in range(CASES))
    assert sorted(hashes) == expected, "one file per distinct case, none lost, none doubled"


def test_two_processes_writing_one_corpus_lose_and_corrupt_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    start_at = time.time() + 1.5  # after both interpreters have started
    with ProcessPoolExecutor(max_workers=2, mp_context=get_context("spawn")) as pool:
        futures = [
            pool.submit(write_many, str(folder), numbers, seed, start_at) for seed, numbers in enumerate(writers())
        ]
        errors = [error for future in futures for error in future.result(timeout=30)]
    assert errors == []
    check_corpus(folder)


def test_two_threads_writing_one_corpus_lose_and_corrupt_nothing(tmp_path: Path) -> None:
    """Two campaigns in one process (threads) share a pid: temporary names must still not collide."""
    folder = tmp_path / "corpus"
    errors: list[str] = []
    start_at = time.time() + 0.1
    threads = [
        threading.Thread(target=lambda n=numbers, s=seed: errors.extend(write_many(str(folder), n, s, start_at)))
        for seed, numbers in enumerate(writers() * 2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    check_corpus(folder)


# ---------------------------------------------------------------- a corpus that is a file


def test_corpus_that_is_a_file_exits_2_with_one_line(fault: Fault, parity: Callable[..., Run], tmp_path: Path) -> None:
    server = fault("ok")
    (tmp_path / "corpus.json").write_text("{}", encoding="utf-8")
    run = parity(
        "fuzz", "--target", f"a={server.url}", "--target", f"b={server.url}", "--corpus", "corpus.json", "-n", "1"
    )
    assert run.code == 2
    assert "Traceback" not in run.err
    assert len(run.err_lines) == 1, run.err
    assert "corpus.json" in run.err_lines[0] and "not a folder" in run.err_lines[0]
    assert (tmp_path / "corpus.json").read_text(encoding="utf-8") == "{}"
    assert len(server.received) == 0  # refused before sending anything


# ---------------------------------------------------------------- a full disk


def _no_space(*_: Any, **__: Any) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class _FullHandle:
    """A file open for writing on a full disk."""

    def __init__(self, path: Path) -> None:
        self.handle = open(path, "w", encoding="utf-8")  # noqa: SIM115

    def __enter__(self) -> _FullHandle:
        return self

    def __exit__(self, *_: object) -> None:
        self.handle.close()

    def write(self, text: str) -> int:
        self.handle.write(text[: len(text) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def flush(self) -> None:
        self.handle.flush()

    def fileno(self) -> int:
        return self.handle.fileno()


def _fill_disk(monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    if where == "fsync":
        monkeypatch.setattr(os, "fsync", _no_space)
    elif where == "link":
        monkeypatch.setattr(os, "link", _no_space)
    else:
        opened = Path.open

        def open_(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            return _FullHandle(self) if "w" in mode else opened(self, mode, *args, **kwargs)

        monkeypatch.setattr(Path, "open", open_)


@pytest.mark.parametrize("where", ["write", "fsync", "link"])
def test_disk_full_says_so_and_keeps_saved_cases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    folder = tmp_path / "corpus"
    saved = [write_case(folder, stored(n))[0] for n in range(3)]
    before = {path.name: path.read_bytes() for path in saved}
    with monkeypatch.context() as patch:
        _fill_disk(patch, where)
        with pytest.raises(CorpusError) as raised:
            write_case(folder, stored(99))
    message = str(raised.value)
    assert "disk full" in message and "intact" in message
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before  # no partial, no temporary


def test_disk_full_during_a_campaign_exits_2_saying_so(
    fault: Fault, parity: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = fault("ok"), fault("nonjson")
    old = write_case(tmp_path / "corpus", stored(1))[0]
    kept = old.read_bytes()
    monkeypatch.setattr(os, "fsync", _no_space)
    run = parity("fuzz", "--target", f"a={a.url}", "--target", f"b={b.url}", "-n", "5", "--confirm", "0")
    monkeypatch.undo()
    assert run.code == 2
    assert "Traceback" not in run.err
    assert [line for line in run.err_lines if "disk full" in line], run.err
    assert old.read_bytes() == kept
    assert sorted(p.name for p in (tmp_path / "corpus").rglob("*") if p.is_file()) == [old.name]


# ---------------------------------------------------------------- secrets

SECRET = "s3cr3t"
TENANT = "tenant-7f3a9c-from-env"


def _plant_difference(_: Received, answer: Answer) -> Answer:
    """The proxied runtime adds a field to every JSON object it returns."""
    try:
        value = json.loads(answer.body)
    except ValueError:
        return answer
    if isinstance(value, dict):
        value["planted"] = True
    return Answer(answer.status, answer.content_type, json.dumps(value).encode())


def _secret_config(tmp_path: Path, a: str, b: str) -> Path:
    config = tmp_path / "parity.toml"
    config.write_text(
        f'secret_headers = ["X-Tenant"]\n\n[targets]\na = "{a}"\nb = "{b}"\n\n'
        f'[headers]\nAuthorization = "Bearer {SECRET}"\nX-Tenant = "${{SOME_ENV}}"\n',
        encoding="utf-8",
    )
    return config


def _leaks(tmp_path: Path, config: Path, *outputs: str) -> list[str]:
    found = []
    for path in tmp_path.rglob("*"):
        if path.is_file() and path != config:
            data = path.read_bytes()
            found += [f"{path.name}: {s}" for s in (SECRET, TENANT) if s.encode() in data]
    for number, text in enumerate(outputs):
        found += [f"output {number}: {s}" for s in (SECRET, TENANT) if s in text]
    return found


def test_secrets_never_reach_cases_reports_junit_or_exports(
    fault: Fault, parity: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOME_ENV", TENANT)
    a = fault("ok")
    b = fault(f"proxy={fault('ok').url}", _plant_difference)
    config = _secret_config(tmp_path, a.url, b.url)
    common = ("--config", str(config))
    fuzzed = parity(
        "fuzz", *common, "-n", "20", "--seed", "3", "--confirm", "1", "--timeout", "2",
        "--corpus", "corpus", "--report-md", "fuzz.md", "--report-json", "fuzz.json",
    )  # fmt: skip
    assert fuzzed.code == 1, fuzzed.err
    received = list(a.received) + list(b.received)
    assert received and all(r.header("authorization") == f"Bearer {SECRET}" for r in received)
    assert all(r.header("x-tenant") == TENANT for r in received)  # the secrets were sent, so they could leak

    cases = sorted((tmp_path / "corpus").rglob("*.json"))
    assert cases
    replayed = parity(
        "replay", "corpus", *common, "--strict", "--junit", "junit.xml", "--report-md", "replay.md",
        "--report-json", "replay.json",
    )  # fmt: skip
    assert replayed.code == 1, replayed.err
    exports = [parity("export", str(case), *common, "--format", fmt) for case in cases for fmt in ("curl", "pytest")]
    assert all(run.code == 0 for run in exports)
    outputs = [fuzzed.out, fuzzed.err, replayed.out, replayed.err] + [run.out + run.err for run in exports]
    assert _leaks(tmp_path, config, *outputs) == []


def test_export_curl_shows_the_configured_headers_redacted(
    fault: Fault, parity: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The curl command must say which headers the campaign sent; secret ones as `<redacted>`."""
    monkeypatch.setenv("SOME_ENV", TENANT)
    server = fault("ok")
    config = _secret_config(tmp_path, server.url, server.url)
    path = write_case(tmp_path / "corpus", stored(1))[0]
    run = parity("export", str(path), "--config", str(config), "--format", "curl")
    assert run.code == 0, run.err
    assert SECRET not in run.out and TENANT not in run.out
    assert "'Authorization: <redacted>'" in run.out
    assert "'X-Tenant: <redacted>'" in run.out
