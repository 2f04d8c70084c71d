"""Split: shards parsed and checked, seeds derived from the campaign seed, -n split into shares."""

from __future__ import annotations

import hashlib

import pytest

from fuzzer._engine import EngineSettings
from fuzzer._split import Shard, derive_seed, job_settings, parse_shard, shard_settings, shares


def test_a_derived_seed_is_the_documented_hash() -> None:
    expected = int.from_bytes(hashlib.sha256(b"parity-fuzz 7 shard 2").digest()[:4], "big")
    assert derive_seed(7, "shard 2") == expected
    assert 0 <= expected < 2**32


def test_derived_seeds_differ_by_part_and_by_campaign_seed() -> None:
    seeds = {derive_seed(seed, name) for seed in (1, 2) for name in ("shard 1", "shard 2", "job 2", "job 3")}
    assert len(seeds) == 8


@pytest.mark.parametrize(
    ("total", "parts", "expected"), [(400, 2, (200, 200)), (10, 4, (3, 3, 2, 2)), (1, 3, (1, 0, 0))]
)
def test_shares_add_up_to_the_total_larger_first(total: int, parts: int, expected: tuple[int, ...]) -> None:
    assert shares(total, parts) == expected
    assert sum(shares(total, parts)) == total


@pytest.mark.parametrize(("text", "shard"), [("1/4", Shard(1, 4)), ("4/4", Shard(4, 4)), (" 2 / 3 ", Shard(2, 3))])
def test_a_shard_is_i_of_n_numbered_from_1(text: str, shard: Shard) -> None:
    assert parse_shard(text) == shard
    assert str(shard) == f"{shard.index}/{shard.count}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3/2", "shards are numbered 1 to 2"),
        ("0/4", "shards are numbered 1 to 4"),
        ("0/0", "N must be at least 1"),
        ("x/y", "is not I/N"),
        ("2", "is not I/N"),
        ("-1/2", "is not I/N"),
    ],
)
def test_a_bad_shard_says_what_and_how_to_fix_it(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        parse_shard(text)
    assert "e.g." in str(caught.value)


def test_a_shard_runs_its_share_on_a_seed_from_the_campaign_seed_and_its_number() -> None:
    campaign = EngineSettings(examples=10, seed=7, batch=8)
    parts = [shard_settings(campaign, Shard(index, 3)) for index in (1, 2, 3)]
    assert [p.examples for p in parts] == [4, 3, 3]
    assert [p.seed for p in parts] == [derive_seed(7, f"shard {index}") for index in (1, 2, 3)]
    assert all(p.batch == 8 for p in parts)


def test_one_job_is_the_campaign_itself() -> None:
    campaign = EngineSettings(examples=1000, seed=7)
    assert job_settings(campaign, 1) == (campaign,)


def test_jobs_split_the_examples_and_job_1_keeps_the_seed() -> None:
    parts = job_settings(EngineSettings(examples=401, seed=7), 3)
    assert [p.examples for p in parts] == [134, 134, 133]
    assert [p.seed for p in parts] == [7, derive_seed(7, "job 2"), derive_seed(7, "job 3")]


def test_jobs_without_an_example_are_not_started() -> None:
    assert [p.examples for p in job_settings(EngineSettings(examples=2, seed=1), 4)] == [1, 1]
    assert [p.examples for p in job_settings(EngineSettings(examples=0, seed=1), 4)] == [0]
