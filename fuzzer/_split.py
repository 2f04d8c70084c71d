"""Split: how one campaign is divided into shards (`--shard I/N`, one per machine or CI job) and jobs (`--jobs N`,
processes on one machine) — which seed each part draws from, and how many of the `-n` examples it sends.

Every part's seed is derived from the campaign seed, so a seed gives the same parts on every machine:

    derive_seed(seed, name) = the first 4 bytes of SHA-256("parity-fuzz <seed> <name>"), big-endian

with `name` = `shard I` for shard I (1-based), and `job K` for job K ≥ 2 of a parallel campaign (or shard);
job 1 uses the seed of the campaign (or of its shard) itself, so `--jobs 1` is the campaign as it always was.
`-n` is the total: it is split into near-equal shares, the first `n mod N` parts one example more.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, replace

from fuzzer._engine import EngineSettings

MAX_JOBS = 64
"""Processes a parallel campaign may start (`--jobs`)."""

_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


@dataclass(frozen=True, slots=True)
class Shard:
    """Shard `index` of `count`, numbered from 1 (as a CI matrix writes them: 1/4 … 4/4)."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 1 <= self.index <= self.count:
            raise ValueError(f"shard {self.index}/{self.count} does not exist")

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """`I/N` with 1 ≤ I ≤ N; ValueError with a message that names the value and the fix."""
    match = _SHARD.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not I/N; give the shard and the number of shards, e.g. 1/4")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1:
        raise ValueError(f"{text!r} has {count} shards; N must be at least 1, e.g. 1/4")
    if not 1 <= index <= count:
        raise ValueError(f"{text!r}: shards are numbered 1 to {count}; give I from 1 to {count}, e.g. 1/{count}")
    return Shard(index, count)


def derive_seed(seed: int, name: str) -> int:
    """A 32-bit seed for the part `name` of the campaign with `seed` (the same in every process and Python)."""
    digest = hashlib.sha256(f"parity-fuzz {seed} {name}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def shares(total: int, parts: int) -> tuple[int, ...]:
    """`total` split into `parts` near-equal whole shares that add up to it, the larger ones first."""
    if parts < 1:
        raise ValueError(f"parts={parts} must be at least 1")
    base, extra = divmod(total, parts)
    return tuple(base + (1 if part < extra else 0) for part in range(parts))


def campaign_seed(settings: EngineSettings) -> int:
    """The campaign's seed: `--seed`, or a random one (drawn here, so that every part derives from the same)."""
    return settings.seed if settings.seed is not None else random.getrandbits(32)


def shard_settings(settings: EngineSettings, shard: Shard) -> EngineSettings:
    """What shard `shard` of the campaign `settings` runs: its derived seed and its share of the examples.
    `settings.seed` must be set (see `campaign_seed`)."""
    assert settings.seed is not None
    examples = shares(settings.examples, shard.count)[shard.index - 1]
    return replace(settings, examples=examples, seed=derive_seed(settings.seed, f"shard {shard.index}"))


def job_settings(settings: EngineSettings, jobs: int) -> tuple[EngineSettings, ...]:
    """The settings of each of `jobs` jobs: job 1 keeps the seed, job K ≥ 2 derives `job K`; the examples are
    split. Jobs with no example are left out, so a small `-n` starts fewer processes. `settings.seed` must be
    set (see `campaign_seed`)."""
    assert settings.seed is not None
    parts = []
    for index, examples in enumerate(shares(settings.examples, jobs), 1):
        if examples == 0 and index > 1:
            continue
        seed = settings.seed if index == 1 else derive_seed(settings.seed, f"job {index}")
        parts.append(replace(settings, examples=examples, seed=seed))
    return tuple(parts)
