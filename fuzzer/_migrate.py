"""Migrate: re-key stored cases to the current signature version, offline, from the answers they recorded.

A `diverge` case records the digest of its class under the signature scheme of the version that saved it
(`expect.signature_version`, 1 when absent) and the two answers it saw (`observed`). When the scheme changes,
the same answers get another key; `rekey` computes it from `observed` alone, without sending anything, so
`parity-fuzz corpus migrate` can rewrite a corpus and `replay` can judge an old case by what it means now.

One thing the answers cannot show: how each runtime reads keys that differ only in case (`fuzzer._readings`),
which version 3 uses. A case of version 1 or 2 whose body holds such keys is re-keyed only with a measured
policy: replay has one, and `corpus migrate` does when given the runtimes. A case of version 3 or later records
what was measured in its key (`understood differently: keys that differ only in case`, or not), so it is re-keyed
offline with that reading.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from fuzzer._body import keys_differing_in_case
from fuzzer._classify import MISREAD, SIGNATURE_VERSION, classify
from fuzzer._compare import ComparePolicy, compare
from fuzzer._model import Exchange, Target
from fuzzer._store import DIVERGE, FORMAT, Expectation, StoredCase


class NotMigratable(ValueError):
    """The case cannot be re-keyed offline; the message says why and what to do."""


def stale(stored: StoredCase) -> bool:
    """A `diverge` case whose digest was made by an older signature scheme."""
    return stored.expect.outcome == DIVERGE and stored.expect.version < SIGNATURE_VERSION


def rekey(stored: StoredCase, policy: ComparePolicy) -> Expectation:
    """The expectation of `stored` under the current signature scheme, from its recorded answers.

    Raises NotMigratable when it recorded no answers, recorded a version newer than this one knows, or when
    the recorded answers no longer differ under `policy` (then promote or delete the case instead)."""
    if stored.expect.version > SIGNATURE_VERSION:
        raise NotMigratable(
            f"recorded with signature version {stored.expect.version}, newer than this parity-fuzz "
            f"({SIGNATURE_VERSION}); upgrade parity-fuzz"
        )
    if policy.folds_key_case is None and keys_differing_in_case(stored.case.request.body):
        if stored.expect.version < 3:
            raise NotMigratable(
                "its class depends on how each runtime reads keys that differ only in case, which only the "
                "runtimes can show; migrate it with them: parity-fuzz corpus migrate --reference (or --target "
                "NAME=URL twice)"
            )
        apart = stored.expect.key == MISREAD  # the key says how the pair read it when it was saved
        policy = replace(policy, folds_key_case=(False, True) if apart else (True, True))
    return _rekeyed(stored, policy)


def _rekeyed(stored: StoredCase, policy: ComparePolicy) -> Expectation:
    if len(stored.observed) != 2:
        raise NotMigratable(
            "it records no answers (`observed`) to re-key from; replay it on both runtimes and save it again"
        )
    (left_name, left), (right_name, right) = stored.observed
    exchange = Exchange(stored.case, (Target(left_name, ""), Target(right_name, "")), (left, right))
    divergence = classify(exchange, compare(exchange, policy))
    if divergence is None:
        raise NotMigratable("its recorded answers agree under this config; promote it or delete it")
    return Expectation.of(divergence.signature)


@dataclass(frozen=True, slots=True)
class Migration:
    """What migrating one case does: `after` is None when it could not be migrated (`problem` says why)."""

    stored: StoredCase
    after: Expectation | None
    problem: str = ""

    @property
    def changed(self) -> bool:
        return self.after is not None and (self.after != self.stored.expect or self.stored.format != FORMAT)

    @property
    def migrated(self) -> StoredCase:
        assert self.after is not None
        return replace(self.stored, expect=self.after)


def plan(cases: Sequence[StoredCase], policy: ComparePolicy) -> list[Migration]:
    """A migration for every stale case: a `diverge` case of an older signature version, or a file of an older
    format (`case@1`, rewritten as it is in the current one). Up-to-date cases are left out."""
    migrations = []
    for stored in cases:
        if stored.expect.outcome != DIVERGE or stored.expect.version == SIGNATURE_VERSION:
            if stored.format != FORMAT:
                migrations.append(Migration(stored, stored.expect))
            continue
        try:
            migrations.append(Migration(stored, rekey(stored, policy)))
        except NotMigratable as err:
            migrations.append(Migration(stored, None, str(err)))
    return migrations


def known_signatures(cases: Sequence[StoredCase], policy: ComparePolicy) -> dict[str, StoredCase]:
    """Signature digest (current scheme) → the stored case that expects it; stale cases count by their re-keyed
    digest, so a campaign on an unmigrated corpus does not find its classes again."""
    known: dict[str, StoredCase] = {}
    for stored in cases:
        if stored.expect.outcome != DIVERGE or not stored.expect.signature:
            continue
        expect = stored.expect
        if stale(stored):
            try:
                expect = rekey(stored, policy)
            except NotMigratable:
                continue
        known.setdefault(expect.signature or "", stored)
    return known
