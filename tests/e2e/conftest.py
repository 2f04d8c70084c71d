"""End-to-end fixtures: the real Rust and Go reference runtimes, built and started once per session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from fuzzer._model import Target
from fuzzer._runtimes import reference

ROOT = Path(__file__).resolve().parents[2]
CANONICAL = ROOT / "corpus" / "canonical"

Pair = tuple[Target, Target]


@pytest.fixture(scope="session")
def reference_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """Rust and Go (default: Go's exported-field errors) on free loopback ports."""
    with reference(log_dir=tmp_path_factory.mktemp("logs")) as pair:
        yield pair


@pytest.fixture(scope="session")
def serde_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """Rust and Go started with `--serde-errors`: the seed's fix."""
    with reference(go_serde_errors=True, log_dir=tmp_path_factory.mktemp("logs")) as pair:
        yield pair


@pytest.fixture
def canonical_copy(tmp_path: Path) -> Path:
    """The six canonical cases, copied so that a test may rewrite them."""
    target = tmp_path / "corpus" / "canonical"
    shutil.copytree(CANONICAL, target)
    return tmp_path / "corpus"


def target_args(pair: Pair) -> list[str]:
    return [arg for target in pair for arg in ("--target", f"{target.name}={target.url}")]
