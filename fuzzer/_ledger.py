"""Ledger: what a campaign has seen so far — the classes and their counts, the findings, flaky signatures and
errors. The engine decides; the ledger only remembers, with bounded memory."""

from __future__ import annotations

from dataclasses import dataclass, replace

from fuzzer._model import Divergence, Finding, Signature

MAX_ERRORS = 100
"""Errors kept word for word; beyond that they are only counted."""


@dataclass
class ClassCount:
    first: Divergence
    count: int = 0


class Ledger:
    def __init__(self, known: frozenset[str]) -> None:
        self.known = known  # digests the corpus expects (and those other jobs of the campaign pursue)
        self.agreed = 0
        self.classes: dict[Signature, ClassCount] = {}
        self.findings: dict[Signature, Finding] = {}
        self.flaky: dict[Signature, Divergence] = {}  # one example per flaky signature: memory stays flat
        self.errors: list[str] = []
        self.errors_dropped = 0

    def tally(self, divergence: Divergence | None) -> None:
        if divergence is None:
            self.agreed += 1
            return
        self.classes.setdefault(divergence.signature, ClassCount(divergence)).count += 1

    def record(self, finding: Finding) -> None:
        self.classes.setdefault(finding.signature, ClassCount(finding.reproducer))
        self.findings[finding.signature] = finding

    def count(self, signature: Signature) -> int:
        entry = self.classes.get(signature)
        return entry.count if entry else 0

    def note_flaky(self, divergence: Divergence) -> None:
        self.flaky.setdefault(divergence.signature, divergence)

    def note_error(self, text: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(text)
        else:
            self.errors_dropped += 1

    def know(self, digest: str) -> None:
        """Count `digest` as known from now on (another job of a parallel campaign pursues its class)."""
        self.known = self.known | {digest}

    def is_known(self, signature: Signature) -> bool:
        """Known to the corpus, found in this campaign, or already reported flaky (not pursued again: a runtime
        that answers at random must not send the campaign round the same segment for ever)."""
        return signature.digest in self.known or signature in self.findings or signature in self.flaky

    def final_findings(self) -> list[Finding]:
        """New findings with their final counts (a class keeps being counted after it was found)."""
        return [replace(f, count=self.classes[f.signature].count) for f in self.findings.values()]

    def known_findings(self) -> list[Finding]:
        return [
            Finding(signature, entry.first, entry.count, known=True, shrunk=False, confirmations=0)
            for signature, entry in self.classes.items()
            if signature.digest in self.known
        ]

    def error_list(self) -> list[str]:
        return self.errors + ([f"... and {self.errors_dropped} more errors"] if self.errors_dropped else [])
