"""`fuzzer.differential_test` without runtimes: its arguments, the targets it resolves, the errors it raises
before its first example, and the exception type of each class."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

import fuzzer
from fuzzer import NewDivergence, differential_test, divergence_type
from fuzzer._config import Config, load_config
from fuzzer._errors import ConfigError, CorpusError, TargetUnreachable
from fuzzer._model import Case, Target, WireRequest
from fuzzer._property import MARK, TARGETS_VARIABLE, _Example, resolve_targets
from fuzzer._runtimes import free_port
from fuzzer.pytest_plugin import DIFFERENTIAL_MARK


@pytest.fixture(autouse=True)
def no_targets_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TARGETS_VARIABLE, raising=False)


def nobody() -> list[str]:
    """Two loopback URLs where nothing listens."""
    return [f"rust=http://127.0.0.1:{free_port()}", f"go=http://127.0.0.1:{free_port()}"]


# ---------------------------------------------------------------- one type per class


def test_each_digest_has_one_type_of_its_own() -> None:
    first = divergence_type("0123456789ab")
    assert first is divergence_type("0123456789ab")
    assert first is not divergence_type("ba9876543210")
    assert first.__name__ == "Divergence_0123456789ab" and first.digest == "0123456789ab"
    assert issubclass(first, NewDivergence) and issubclass(first, AssertionError)
    assert fuzzer._property.Divergence_0123456789ab is first  # type: ignore[attr-defined]


def test_a_class_exception_survives_pickling() -> None:
    """pytest-xdist and multiprocessing send exceptions between processes."""
    error = divergence_type("00ff00ff00ff")("new divergence class 00ff00ff00ff (status): 200 | 422")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error) and str(again) == str(error)


def test_a_digest_must_be_hex() -> None:
    with pytest.raises(ValueError, match="not a signature digest"):
        divergence_type("Robert'); DROP")
    with pytest.raises(AttributeError):
        fuzzer._property.Divergence_xyz  # type: ignore[attr-defined]  # noqa: B018


# ---------------------------------------------------------------- arguments, checked when the test is made


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"modes": ["valid", "bogus"]}, "modes="),
        ({"modes": []}, "modes="),
        ({"modes": "valid"}, "as lists"),
        ({"kinds": "playbook"}, "as lists"),
        ({"max_examples": 0}, "max_examples=0"),
        ({"max_examples": True}, "max_examples=True"),
    ],
)
def test_bad_arguments_are_one_line_naming_them(arguments: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError) as caught:
        differential_test(**arguments)  # type: ignore[arg-type]
    message = str(caught.value)
    assert named in message and "differential_test" in message and "\n" not in message


def test_making_the_test_reads_and_sends_nothing(tmp_path: Path) -> None:
    test = differential_test(config=tmp_path / "missing.toml", corpus=tmp_path / "missing", targets=nobody())
    assert callable(test) and hasattr(test, "hypothesis")  # a @given test (its fuzz target is made on first use)
    assert getattr(test, MARK) is True and MARK == DIFFERENTIAL_MARK
    with pytest.raises(ConfigError, match=r"missing\.toml: no such file; pass an existing file as config="):
        test()


# ---------------------------------------------------------------- set-up errors, before the first example


def test_an_unreachable_target_is_raised_as_itself_before_any_example() -> None:
    test = differential_test(corpus=(), targets=nobody(), max_examples=5)
    with pytest.raises(TargetUnreachable) as caught:
        test()
    assert "targets=, PARITY_TARGETS" in str(caught.value) and "--reference" not in str(caught.value)
    with pytest.raises(TargetUnreachable):  # fuzz_one_input opens the same way
        test.hypothesis.fuzz_one_input(bytes(64))  # type: ignore[attr-defined]


def test_a_missing_corpus_names_the_way_out(tmp_path: Path) -> None:
    test = differential_test(corpus=tmp_path / "nowhere", targets=nobody())
    with pytest.raises(CorpusError, match=r"does not exist .* corpus=\(\) for none"):
        test()


def test_an_unreadable_case_file_is_a_corpus_error(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"broken\.json"):
        differential_test(corpus=tmp_path, targets=nobody())()


def test_an_unknown_kind_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'nope' is not a kind"):
        differential_test(corpus=(), targets=nobody(), kinds=["nope"])()


def test_a_remote_target_needs_allow_remote() -> None:
    test = differential_test(corpus=(), targets=["a=http://192.0.2.1:80", "b=http://127.0.0.1:1"])
    with pytest.raises(ConfigError, match="not on loopback"):
        test()


# ---------------------------------------------------------------- targets


def test_targets_given_as_a_list_a_table_or_targets() -> None:
    pair = (Target("rust", "http://127.0.0.1:3100"), Target("go", "http://127.0.0.1:4110"))
    config = Config()
    assert resolve_targets(["rust=http://127.0.0.1:3100", "go=http://127.0.0.1:4110/"], config) == pair
    assert resolve_targets({"rust": "http://127.0.0.1:3100", "go": "http://127.0.0.1:4110"}, config) == pair
    assert resolve_targets(list(pair), config) == pair


def test_the_environment_names_the_targets_unless_the_test_does(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TARGETS_VARIABLE, " a=http://127.0.0.1:1,  b=http://127.0.0.1:2 ")
    assert [t.name for t in resolve_targets(None, Config(targets_set=True))] == ["a", "b"]
    assert [t.name for t in resolve_targets(["c=http://127.0.0.1:3", "d=http://127.0.0.1:4"], Config())] == ["c", "d"]
    monkeypatch.setenv(TARGETS_VARIABLE, "a=http://127.0.0.1:1")
    with pytest.raises(ConfigError, match=f"environment variable {TARGETS_VARIABLE}: 1 targets given"):
        resolve_targets(None, Config())


def test_the_config_targets_count_only_when_written(tmp_path: Path) -> None:
    (tmp_path / "parity.toml").write_text('[targets]\nleft = "http://127.0.0.1:1"\nright = "http://127.0.0.1:2"\n')
    written = load_config(root=tmp_path)
    assert [t.name for t in resolve_targets(None, written)] == ["left", "right"]
    with pytest.raises(ConfigError) as caught:
        resolve_targets(None, load_config(root=tmp_path / "elsewhere"))
    message = str(caught.value)
    assert "targets=" in message and TARGETS_VARIABLE in message and "[targets]" in message
    assert "\n" not in message


# ---------------------------------------------------------------- what a falsifying example shows


def test_an_example_shows_a_cut_body() -> None:
    body = json.dumps({"kind": "playbook", "pad": "x" * 3_000_000}).encode()
    case = Case("playbook", WireRequest("POST", "/v1/validate", (), body), "adversarial", "adversarial: huge body")
    shown = repr(_Example(case))
    assert len(shown) < 400 and "adversarial: huge body" in shown and f"({len(body)} bytes)" in shown


# ---------------------------------------------------------------- under pytest


SETUP_ERROR = """
from fuzzer import differential_test

test_parity = differential_test(corpus=())
"""


def test_pytest_shows_a_set_up_error_as_one_line(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TARGETS_VARIABLE, " ".join(nobody()))
    pytester.makepyfile(test_setup=SETUP_ERROR)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(["parity-fuzz: target rust at http://127.0.0.1:* is unreachable (*); start it, *"])
    assert "Traceback" not in out and "hypothesis/core.py" not in out
