"""Config: defaults, `parity.toml`, `[tool.parity-fuzz]`, and errors that name the file and the problem."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from fuzzer import _bundled
from fuzzer._adapters import BUILTIN
from fuzzer._config import ALWAYS_SECRET, REDACTED, Config, load_config, parse_targets
from fuzzer._errors import ConfigError
from fuzzer._model import Target


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def schema(folder: Path, name: str) -> Path:
    return write(folder, name, '{"type": "object"}')


def test_defaults_without_any_file(tmp_path: Path) -> None:
    config = load_config(root=tmp_path)
    assert config == Config()
    assert config.source == "defaults"
    assert config.targets_set is False  # the default pair, not one the user named
    assert config.targets == (Target("rust", "http://127.0.0.1:3100"), Target("go", "http://127.0.0.1:4110"))
    assert config.policy.ignore == ("/elapsed_ms",)
    assert [(r.adapter.name, r.path) for r in config.policy.adapters] == [("serde-enum", "/error")]
    assert config.policy.key_paths == ("/error/kind", "/error/field")
    assert [k.name for k in config.kinds] == ["playbook", "fill"]
    assert all(k.artifact.is_file() for k in config.kinds)


def test_default_secrets_are_redacted() -> None:
    config = Config()
    headers = (("Authorization", "a"), ("COOKIE", "b"), ("x-api-key", "c"), ("Accept", "d"))
    assert config.redact(headers) == (
        ("Authorization", REDACTED),
        ("COOKIE", REDACTED),
        ("x-api-key", REDACTED),
        ("Accept", "d"),
    )


def test_parity_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARITY_TEST_TOKEN", "t0ken")
    schema(tmp_path, "order.json")
    schema(tmp_path, "order_context.json")
    path = write(
        tmp_path,
        "parity.toml",
        """
        endpoint = "/v2/check"
        timeout = 1.5
        workers = 3
        ignore = ["/elapsed_ms", "/trace/*"]
        key_paths = ["/error/code"]
        secret_headers = ["X-Tenant"]

        [targets]
        old = "http://127.0.0.1:8000/"
        new = "https://new.example:8443"

        [[adapters]]
        name = "serde-enum"
        path = "/problem"
        targets = ["old"]

        [kinds.order]
        artifact = "order.json"
        context = "order_context.json"

        [headers]
        Authorization = "Bearer ${PARITY_TEST_TOKEN}"
        X-Plain = "plain"
        X-Token = "${PARITY_TEST_TOKEN}"
        """,
    )
    config = load_config(root=tmp_path)
    assert config.source == str(path)
    assert config.targets == (Target("old", "http://127.0.0.1:8000"), Target("new", "https://new.example:8443"))
    assert config.targets_set is True
    assert (config.endpoint, config.timeout, config.workers) == ("/v2/check", 1.5, 3)
    assert config.policy.ignore == ("/elapsed_ms", "/trace/*")
    assert config.policy.key_paths == ("/error/code",)
    (rule,) = config.policy.adapters
    assert (rule.adapter, rule.path, rule.targets) == (BUILTIN["serde-enum"], "/problem", frozenset({"old"}))
    (kind,) = config.kinds
    assert (kind.name, kind.artifact, kind.context, kind.context_required) == (
        "order",
        tmp_path / "order.json",
        tmp_path / "order_context.json",
        True,
    )
    assert config.headers == (
        ("Authorization", "Bearer t0ken"),
        ("X-Plain", "plain"),
        ("X-Token", "t0ken"),
    )
    assert config.is_secret("x-token")  # read from the environment
    assert config.is_secret("X-TENANT")  # listed
    assert not config.is_secret("X-Plain")
    assert config.secret_headers >= ALWAYS_SECRET


def test_pyproject_tool_table(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "pyproject.toml",
        """
        [project]
        name = "something"

        [tool.parity-fuzz]
        workers = 2
        targets = ["a=http://127.0.0.1:1", "b=http://127.0.0.1:2"]
        """,
    )
    config = load_config(root=tmp_path)
    assert config.source == str(path)
    assert config.workers == 2
    assert [t.name for t in config.targets] == ["a", "b"]


def test_pyproject_without_the_table_gives_defaults(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n')
    assert load_config(root=tmp_path).source == "defaults"


def test_parity_toml_wins_over_pyproject(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.parity-fuzz]\nworkers = 2\n")
    write(tmp_path, "parity.toml", "workers = 5\n")
    assert load_config(root=tmp_path).workers == 5


def test_an_explicit_pyproject_path_reads_the_tool_table(tmp_path: Path) -> None:
    path = write(tmp_path, "pyproject.toml", "[tool.parity-fuzz]\nworkers = 4\n")
    assert load_config(path, root=tmp_path / "elsewhere").workers == 4


def test_a_missing_explicit_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "absent.toml")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("wrokers = 3\n", "unknown key 'wrokers'"),
        ("workers = \n", "not valid TOML"),
        ('[targets]\nrust = "http://127.0.0.1:3100"\n', "1 targets given"),
        ('[targets]\nrust = "http://a:1"\ngo = "ftp://b:2"\n', "'ftp://b:2' is not http(s)"),
        ('[targets]\nrust = "http://a:1"\ngo = "http://b:99999"\n', "'http://b:99999' is not http(s)"),
        ("[targets]\nrust = 1\ngo = 2\n", "targets.rust = 1 is not a URL"),
        ('targets = "rust"\n', 'targets = "rust" is not a table'),
        ('[[adapters]]\nname = "protobuf"\npath = "/error"\n', 'adapters[0].name = "protobuf" is not a known adapter'),
        ('[[adapters]]\nname = "serde-enum"\nwhere = "/error"\n', "adapters[0].where"),
        ('adapters = ["serde-enum"]\n', "is not a list of tables"),
        ('ignore = ["elapsed_ms"]\n', "must start with '/'"),
        ('ignore = "/elapsed_ms"\n', 'ignore = "/elapsed_ms" is not a list of strings'),
        ("key_paths = [1]\n", "key_paths = [1] is not a list of strings"),
        ('workers = "many"\n', 'workers = "many" is not a whole number from 1 to 256'),
        ("workers = 0\n", "workers = 0 is not a whole number from 1 to 256"),
        ("workers = 257\n", "workers = 257 is not"),
        ("workers = true\n", "workers = true is not"),
        ("workers = 2.5\n", "workers = 2.5 is not"),
        ("timeout = -1\n", "timeout = -1 is not a number of seconds from 0.01 to 3600"),
        ("timeout = 0\n", "timeout = 0 is not"),
        ("timeout = inf\n", "timeout = inf is not"),
        ("timeout = nan\n", "timeout = nan is not"),
        ("timeout = 1e300\n", "timeout = 1e+300 is not"),
        ('timeout = "5"\n', 'timeout = "5" is not'),
        ('endpoint = "v1/validate"\n', 'endpoint = "v1/validate" is not a request path'),
        ('health = "/he alth"\n', "is not a request path"),
        ("endpoint = 3\n", "endpoint = 3 is not a request path"),
        ('roster = "absent.json"\n', 'roster = "absent.json" names no file'),
        ("roster = 7\n", "roster = 7 is not a file name"),
        ("[kinds]\n", "kinds = {} holds no kind"),
        ("kinds = 3\n", "kinds = 3 holds no kind"),
        ('[kinds.order]\ncontext = "c.json"\n', "kinds.order.artifact = null is not a schema file name"),
        ('[kinds.order]\nartifact = "a.json"\nschema = "b.json"\n', "kinds.order.schema"),
        ('[kinds.order]\nartifact = "a.json"\ncontext_required = true\n', "needs a context schema"),
        ('[kinds.order]\nartifact = "a.json"\ncontext_required = "yes"\n', "is not true or false"),
        ("secret_headers = [1]\n", "secret_headers = [1] is not a list of strings"),
        ('secret_headers = ["X Tenant"]\n', 'secret_headers = "X Tenant" is not a header name'),
        ("[headers]\nX-Count = 3\n", "headers.X-Count = 3 is not a string"),
        ('[headers]\n"X Key" = "v"\n', "does not have a header name"),
        ('[headers]\nX-Key = "a\\r\\nInjected: 1"\n', "holds a line break"),
        ('[headers]\nX-Key = "${PARITY_UNSET_FOR_TEST}"\n', "PARITY_UNSET_FOR_TEST"),
        ("headers = 1\n", "headers = 1 is not a table"),
        ("a = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
    ],
    ids=lambda value: value if len(value) < 40 else value[:40],
)
def test_errors_name_the_file_the_key_and_the_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, problem: str
) -> None:
    monkeypatch.delenv("PARITY_UNSET_FOR_TEST", raising=False)
    schema(tmp_path, "a.json")
    path = write(tmp_path, "parity.toml", text)
    with pytest.raises(ConfigError) as caught:
        load_config(root=tmp_path)
    message = str(caught.value)
    assert message.startswith(f"config {path}: ")
    assert problem in message
    assert "\n" not in message


def test_a_config_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "parity.toml").write_bytes(b'endpoint = "/\xff"\n')
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        load_config(root=tmp_path)


@pytest.mark.parametrize("text", ["tool = 3\n", "[tool]\nparity-fuzz = 3\n"])
def test_a_pyproject_whose_tool_table_is_not_a_table(tmp_path: Path, text: str) -> None:
    write(tmp_path, "pyproject.toml", text)
    if text.startswith("tool ="):
        assert load_config(root=tmp_path).source == "defaults"  # no [tool.parity-fuzz] there
    else:
        with pytest.raises(ConfigError, match=r"tool.parity-fuzz = 3 is not a table"):
            load_config(root=tmp_path)


def test_a_roster_is_relative_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    write(tmp_path / "conf", "workers.json", '{"workers": []}')
    write(tmp_path / "conf", "parity.toml", 'roster = "workers.json"\n')
    assert load_config(tmp_path / "conf" / "parity.toml", root=tmp_path).roster == tmp_path / "conf" / "workers.json"


def test_the_default_roster_is_the_bundled_one_wherever_the_command_runs(tmp_path: Path) -> None:
    assert Config().roster == _bundled.ROSTER
    assert load_config(root=tmp_path).roster == _bundled.ROSTER


def test_an_unreadable_schema_file_is_named(tmp_path: Path) -> None:
    write(tmp_path, "parity.toml", '[kinds.order]\nartifact = "missing.json"\n')
    with pytest.raises(ConfigError, match="cannot read it") as caught:
        load_config(root=tmp_path)
    assert str(tmp_path / "missing.json") in str(caught.value)


def test_a_schema_file_that_is_not_json_is_named(tmp_path: Path) -> None:
    write(tmp_path, "order.json", "{nope")
    write(tmp_path, "parity.toml", '[kinds.order]\nartifact = "order.json"\n')
    with pytest.raises(ConfigError, match="not valid JSON") as caught:
        load_config(root=tmp_path)
    assert str(tmp_path / "order.json") in str(caught.value)


# ---------------------------------------------------------------- parse_targets


def test_parse_targets_from_name_equals_url() -> None:
    assert parse_targets(["rust=http://127.0.0.1:3100/", "go=http://[::1]:4110"], "--target") == (
        Target("rust", "http://127.0.0.1:3100"),
        Target("go", "http://[::1]:4110"),
    )


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        (["rust http://a:1", "go=http://b:2"], "is not NAME=URL"),
        (["=http://a:1", "go=http://b:2"], "is not NAME=URL"),
        (["rust=", "go=http://b:2"], "is not NAME=URL"),
        (["a=http://a:1", "b=http://b:2", "c=http://c:3"], "3 targets given"),
        (["a=http://a:1", "a=http://b:2"], "both targets are named 'a'"),
        (["a=a:1", "b=http://b:2"], "is not http(s)://HOST:PORT"),
    ],
)
def test_parse_targets_errors_name_where(spec: list[str], problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_targets(spec, "--target")
    assert str(caught.value).startswith("--target: ")
    assert problem in str(caught.value)
