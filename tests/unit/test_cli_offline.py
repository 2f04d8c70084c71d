"""Commands that must work without any runtime: `show` falls back to the recorded answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzzer.cli import main

CASE = Path(__file__).resolve().parents[2] / "corpus" / "canonical" / "playbook_overfull.json"
CLOSED = ["--target", "rust=http://127.0.0.1:9", "--target", "go=http://127.0.0.1:7"]


def test_show_prints_the_recorded_answers_when_the_runtimes_are_down(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", str(CASE), *CLOSED]) == 0
    out = capsys.readouterr().out
    assert "showing the recorded answers" in " ".join(out.split())
    assert "Consistency" in out and "consistency" in out  # both recorded shapes
    assert "wire-shape" in out
    assert out.count("curl -sS") == 2


def test_corpus_list_shows_every_canonical_case(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    assert main(["corpus", "list", str(CASE.parent)]) == 0
    out = capsys.readouterr().out
    for label in ("playbook_happy", "fill_phantom", "playbook_overfull"):
        assert label in out
