"""Bad input is never a traceback: the reported cases, run through the command line in-process.

Each must end with exit code 2 (a set-up error) and one line on stderr that names the file and the problem.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fuzzer.cli import main

CLOSED = ["--target", "rust=http://127.0.0.1:9", "--target", "go=http://127.0.0.1:7"]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(args)
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    return code, err


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    (tmp_path / "corpus").mkdir()
    return tmp_path


@pytest.mark.parametrize(
    ("setting", "shown"),
    [
        ("workers = 0", "workers = 0 is not a whole number from 1 to 256"),
        ("timeout = -1", "timeout = -1 is not a number of seconds from 0.01 to 3600"),
        ("timeout = inf", "timeout = inf is not a number of seconds"),
        ("timeout = nan", "timeout = nan is not a number of seconds"),
    ],
)
@pytest.mark.parametrize("command", ["fuzz", "replay"])
def test_a_bad_config_value_is_one_line_and_exit_2(
    folder: Path, capsys: pytest.CaptureFixture[str], setting: str, shown: str, command: str
) -> None:
    (folder / "parity.toml").write_text(setting + "\n", encoding="utf-8")
    args = [command, *CLOSED, "-n", "1"] if command == "fuzz" else [command, *CLOSED, "corpus"]
    code, err = run(args, capsys)
    assert code == 2
    assert len(err) == 1, err
    assert err[0].startswith("parity-fuzz: error: config ")
    assert shown in err[0]
    assert "parity.toml" in err[0]


@pytest.mark.parametrize("option", [["--timeout", "nan"], ["--timeout", "inf"], ["--max-time", "nan"]])
def test_non_finite_options_are_usage_errors(
    folder: Path, capsys: pytest.CaptureFixture[str], option: list[str]
) -> None:
    code, err = run(["fuzz", *CLOSED, "-n", "1", *option], capsys)
    assert code == 2
    assert err[-1].startswith("parity-fuzz: error: ")
    assert option[0] in err[-1]


def deep_case(folder: Path) -> Path:
    path = folder / "corpus" / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["show", "{case}", *CLOSED],
        ["promote", "{case}", *CLOSED],
        ["export", "{case}"],
    ],
    ids=lambda args: args[0],
)
def test_a_deeply_nested_case_file_is_one_line_and_exit_2(
    folder: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    case = deep_case(folder)
    code, err = run([arg.format(case=case) for arg in command], capsys)
    assert code == 2
    assert err == [f"parity-fuzz: error: case file {case}: nested more than 200 levels deep; at most 200 are read"]


def test_replay_reports_a_deeply_nested_case_file_as_an_error_verdict(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = deep_case(folder)
    capsys.readouterr()
    code = main(["replay", *CLOSED, str(case)])
    out = capsys.readouterr().out
    assert code == 1
    assert "ERROR" in out and "nested more than 200 levels deep" in " ".join(out.split())


def test_corpus_check_and_replay_refuse_the_same_file_for_the_same_reason(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    canonical = Path(__file__).resolve().parents[2] / "corpus" / "canonical" / "playbook_happy.json"
    record = json.loads(canonical.read_text(encoding="utf-8"))
    del record["request"]["path"]  # replay used to send it to /v1/validate anyway
    case = folder / "corpus" / "no-path.json"
    case.write_text(json.dumps(record), encoding="utf-8")

    capsys.readouterr()
    assert main(["corpus", "check", str(case)]) == 1
    checked = capsys.readouterr().err
    assert "request: missing key 'path'" in checked

    code, err = run(["export", str(case)], capsys)
    assert code == 2
    assert err == [f"parity-fuzz: error: case file {case}: request: missing key 'path'"]


def test_a_schema_no_value_fits_stops_fuzz_before_it_starts(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (folder / "order.json").write_text('{"type": "array", "minItems": 3, "maxItems": 1}', encoding="utf-8")
    (folder / "parity.toml").write_text('[kinds.order]\nartifact = "order.json"\n', encoding="utf-8")
    code, err = run(["fuzz", *CLOSED, "-n", "1", "--corpus", "corpus"], capsys)
    assert code == 2
    assert err == [
        "parity-fuzz: error: cannot generate cases: kind 'order', artifact schema: no value fits this schema "
        "(a bound above its limit, an empty enum, false); fix the schema"
    ]


@pytest.mark.parametrize(
    ("option", "shown"),
    [
        (["--jobs", "0"], "'--jobs': 0 is not in the range 1<=x<=64"),
        (["--jobs", "65"], "'--jobs': 65 is not in the range 1<=x<=64"),
        (["--jobs", "x"], "'--jobs': 'x' is not a valid integer"),
        (["--shard", "3/2"], "'--shard': '3/2': shards are numbered 1 to 2; give I from 1 to 2, e.g. 1/2"),
        (["--shard", "0/0"], "'--shard': '0/0' has 0 shards; N must be at least 1, e.g. 1/4"),
        (["--shard", "x/y"], "'--shard': 'x/y' is not I/N; give the shard and the number of shards, e.g. 1/4"),
    ],
)
def test_a_bad_jobs_or_shard_value_is_one_line_and_exit_2(
    folder: Path, capsys: pytest.CaptureFixture[str], option: list[str], shown: str
) -> None:
    code, err = run(["fuzz", *CLOSED, "-n", "1", *option], capsys)
    assert code == 2
    errors = [line for line in err if line.startswith("parity-fuzz: error:")]
    assert len(errors) == 1, err
    assert shown in errors[0]
    assert not any("Traceback" in line for line in err)
    assert not list((folder / "corpus").rglob("*.json"))
