"""Contract plug-ins: named in config, loaded by name, and generation works without one."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

from fuzzer._campaign import case_strategy
from fuzzer._config import Config, load_config
from fuzzer._errors import ConfigError
from strategies import default_space
from strategies._cases import cases
from strategies._contract import NONE, load_contract
from strategies._source import sample_cases
from strategies._valid import parse_operation


def test_the_bundled_plug_in_knows_the_formats_and_the_kinds() -> None:
    bundled = load_contract("bundled")
    assert {"parity-operation", "parity-roster-id"} <= set(bundled.formats)
    assert {"playbook", "fill", "validateArtifact", "validateClientFills"} <= set(bundled.fix_ups)
    assert load_contract("none") is NONE and load_contract("") is NONE


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("bundled2", "is not"),
        ("no_such_module_here:thing", "cannot import"),
        ("json:nothing_here", "has no nothing_here"),
        ("json:dumps", "not a Contract"),
    ],
)
def test_a_plug_in_that_cannot_be_loaded_says_why(name: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        load_contract(name)


def test_a_users_plug_in_is_loaded_from_its_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my_contract.py").write_text(
        "from strategies._contract import Contract\n"
        "def plugin(roster):\n"
        "    return Contract('mine', formats={'parity-city': ('Nowhere',)}, fix_ups={'fill': lambda body: body})\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        contract = load_contract("my_contract:plugin")
        assert contract.name == "mine" and contract.formats["parity-city"] == ("Nowhere",)
        (tmp_path / "parity.toml").write_text('contract = "my_contract:plugin"\n', encoding="utf-8")
        config = load_config(root=tmp_path)
        assert config.contract == "my_contract:plugin"
        drawn = sample_cases(case_strategy(config, ("valid",), ("fill",)), 30, seed=1)
        cities = {case.context.get("city") for case in drawn if isinstance(case.context, dict)}
        assert cities <= {"Nowhere", None}
    finally:
        sys.modules.pop("my_contract", None)


@pytest.mark.parametrize("value", ['"bundled "', "3", '"a.b"', '"a:b:c"'])
def test_the_config_key_is_checked(tmp_path: Path, value: str) -> None:
    (tmp_path / "parity.toml").write_text(f"contract = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="contract"):
        load_config(root=tmp_path)


def test_a_plug_in_that_fails_at_campaign_time_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="contract"):
        case_strategy(Config(contract="no_such_module_here:thing"), ("valid",), ())


def test_without_a_plug_in_cases_come_from_the_schemas_alone() -> None:
    space = default_space()
    fixed = sample_cases(cases(space, ["valid"]), 200, seed=3)
    plain = sample_cases(cases(replace(space, contract=NONE), ["valid"]), 200, seed=3)
    assert len(plain) == 200

    def in_grammar(drawn: list) -> float:  # type: ignore[type-arg]
        playbooks = [c for c in drawn if c.kind == "playbook" and isinstance(c.artifact, dict)]
        good = [c for c in playbooks if parse_operation(str(c.artifact.get("operation"))) is not None]
        return len(good) / max(len(playbooks), 1)

    assert in_grammar(fixed) == 1.0  # the bundled formats draw operations in the grammar
    assert in_grammar(plain) < 1.0  # a schema's pattern alone does not always
