"""Throughput of parity-fuzz on the bundled reference runtimes (a script, not a test).

Prints, from one run on this machine:
  - the transport ceiling: the fuzzer's own client sending the steady campaign's cases, pre-built, to both;
  - the fuzzer's steady campaign rate: cases/s with every class already known (generate, send, compare);
  - the cold campaign rate: the same with shrinking of every new class included;
  - the ratio of the steady rate to the ceiling, and peak RSS;
  - Schemathesis on the same endpoint and schema, when it is installed;
  - with --long N (default 20,000): a long campaign's resident memory at 10% and at 100% of its examples;
  - the steady and cold rates of a campaign over every operation of the runtimes' OpenAPI document,
    targets/openapi.yaml (`parity-fuzz fuzz --openapi targets/openapi.yaml`);
  - with --jobs N (default 2): the same -n campaign as `fuzz --jobs 1` and as `fuzz --jobs N`, cold (empty corpus)
    and steady (the corpus it found), wall clock with start-up: cases/s and classes for each.

    python bench/throughput.py [-n 3000] [--workers 8] [--batch 4] [--long 20000] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from fuzzer._campaign import CampaignOutcome, CampaignPlan, case_strategy, run_campaign
from fuzzer._config import Config
from fuzzer._engine import Engine, EngineSettings, Observer
from fuzzer._guide import Guide
from fuzzer._jobs import run_jobs
from fuzzer._model import Case, Target
from fuzzer._noise import NoiseProbe
from fuzzer._runtimes import reference
from fuzzer._send import Flight, Transport
from strategies.openapi import Api, load_openapi

ROOT = Path(__file__).resolve().parents[1]


def ceiling(transport: Transport, cases: list[Case], batch: int) -> float:
    """Pre-built cases sent the way the engine sends them: batch k+1 is written before the answers to batch k
    are read, so the runtimes always have work (the engine draws the next batch in that time)."""
    started = time.perf_counter()
    in_flight = None
    for start in range(0, len(cases), batch):
        flight = transport.start(cases[start : start + batch])
        if in_flight is not None:
            transport.finish(in_flight)
        in_flight = flight
    if in_flight is not None:
        transport.finish(in_flight)
    return len(cases) / (time.perf_counter() - started)


class Recording(Transport):
    """The fuzzer's transport, keeping the cases it sends while `recorded` is a list."""

    recorded: list[Case] | None = None

    def start(self, cases: Sequence[Case]) -> Flight:
        if self.recorded is not None:
            self.recorded.extend(cases)
        return super().start(cases)


def median(values: list[float]) -> float:
    return statistics.median(values)


def engine_for(
    transport: Transport,
    config: Config,
    known: frozenset[str],
    settings: EngineSettings,
    observer: Observer | None = None,
    api: Api | None = None,
) -> Engine:
    """An engine as `parity-fuzz fuzz` builds one: its own outcome guide (and pool), learned noise; for every
    operation of `api` when given."""
    guide = Guide()
    strategy = case_strategy(config, ("valid", "mutated", "adversarial"), (), guide, api)
    return Engine(
        transport,
        strategy,
        config.policy,
        known,
        settings,
        observer,
        noise=NoiseProbe(config.policy.ignore),
        guide=guide,
    )


def campaign(
    transport: Transport,
    config: Config,
    known: frozenset[str],
    examples: int,
    batch: int,
    seed: int,
    api: Api | None = None,
) -> tuple[float, Engine]:
    settings = EngineSettings(examples=examples, seed=seed, batch=batch, confirm=1)
    engine = engine_for(transport, config, known, settings, api=api)
    result = engine.run()
    return result.examples / result.elapsed_s, engine


class _Memory(Observer):
    """Samples the process's resident memory as a campaign goes."""

    def __init__(self, examples: int) -> None:
        self.mark = max(examples // 10, 1)
        self.early = 0.0

    def progress(self, examples: int, classes: int) -> None:
        if not self.early and examples >= self.mark:
            self.early = rss_mib()


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def long_campaign(transport: Transport, config: Config, examples: int) -> str:
    memory = _Memory(examples)
    engine = engine_for(transport, config, frozenset(), EngineSettings(examples=examples, seed=5), memory)
    result = engine.run()
    return (
        f"{result.examples:,} examples in {result.elapsed_s:.0f}s, {len(result.findings)} classes: "
        f"RSS {memory.early:,.0f} MiB at 10%, {rss_mib():,.0f} MiB at the end"
    )


def schemathesis_rate(url: str, examples: int) -> str:
    """Schemathesis's fuzzing phase on the same endpoint, from the same envelope schema, against one runtime.
    Found through $SCHEMATHESIS (a path to its CLI) or PATH; it may live in a virtual environment of its own."""
    cli = os.environ.get("SCHEMATHESIS") or shutil.which("schemathesis")
    if cli is None:
        return "not installed (pip install schemathesis, or set SCHEMATHESIS=/path/to/schemathesis)"
    envelope = json.loads((ROOT / "strategies" / "schemas" / "envelope.json").read_text())
    envelope.pop("$schema", None)
    content = {"application/json": {"schema": envelope}}
    operation = {
        "requestBody": {"required": True, "content": content},
        "responses": {"200": {"description": "valid"}, "422": {"description": "invalid"}},
    }
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "validate", "version": "1"},
        "paths": {"/v1/validate": {"post": operation}},
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "openapi.json"
        path.write_text(json.dumps(spec))
        command = [
            cli,
            "run",
            str(path),
            "--url",
            url,
            "-n",
            str(examples),
            "--phases",
            "fuzzing",
            "-c",
            "not_a_server_error",
            "--seed",
            "1",
        ]
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=900, cwd=folder)
        elapsed = time.perf_counter() - started
    generated = re.search(r"(\d+) generated", result.stdout)
    cases = int(generated.group(1)) if generated else examples
    return f"{cases / elapsed:8,.0f} cases/s   ({cases} cases to one runtime, wall clock incl. start-up)"


def parallel(pair: tuple[Target, Target], config: Config, examples: int, seed: int, jobs: int) -> list[str]:
    """The same campaign (-n, seed) as `parity-fuzz fuzz --jobs 1` and `--jobs N`: cold into an empty corpus, then
    steady on the corpus it found; wall clock, process start-up included."""
    lines = []
    for count in (1, jobs):
        with tempfile.TemporaryDirectory() as folder:
            corpus = Path(folder)
            for phase in ("cold", "steady"):
                plan = CampaignPlan(config, pair, EngineSettings(examples=examples, seed=seed), corpus, jobs=count)
                started = time.perf_counter()
                outcome: CampaignOutcome = run_jobs(plan) if count > 1 else run_campaign(plan)
                elapsed = time.perf_counter() - started
                report = outcome.report
                lines.append(
                    f"--jobs {count:<2} {phase:<6}      {report.examples / elapsed:8,.0f} cases/s   "
                    f"({report.examples} examples in {elapsed:.1f}s, {len(report.findings)} classes, "
                    f"{outcome.new_classes} new, {report.shrink_calls} shrink calls)"
                )
    return lines


def _spread(values: list[float]) -> str:
    return f"   [{min(values):,.0f} .. {max(values):,.0f}]" if len(values) > 1 else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--examples", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=Config().workers)
    parser.add_argument("--batch", type=int, default=EngineSettings().batch)
    parser.add_argument("--repeat", type=int, default=3, help="passes of the ceiling and the steady campaign")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--long", type=int, default=20_000, help="examples of the memory run (0: skip it)")
    parser.add_argument("--jobs", type=int, default=2, help="jobs to compare with one job (0 or 1: skip it)")
    args = parser.parse_args()
    config = Config()

    print(
        f"parity-fuzz throughput · {args.examples} examples · workers {args.workers} · batch {args.batch} · "
        f"median of {args.repeat} passes"
    )
    with reference() as pair, Recording(pair, workers=args.workers) as transport:
        cold, engine = campaign(transport, config, frozenset(), args.examples, args.batch, args.seed)
        known = frozenset(sig.digest for sig in engine.ledger.classes)
        # The ceiling sends exactly the cases the steady campaign sends, recorded from one run of it, the same way
        # (batches of --batch, the next written before the answers to the last are read). Ceiling and campaign
        # passes alternate, so that a drift of the machine touches both.
        transport.recorded = []
        campaign(transport, config, known, args.examples, args.batch, args.seed)
        cases, transport.recorded = transport.recorded, None
        limits, rates = [], []
        for _ in range(args.repeat):
            limits.append(ceiling(transport, cases, args.batch))
            rates.append(campaign(transport, config, known, args.examples, args.batch, args.seed)[0])
        limit, steady = median(limits), median(rates)
        print(
            f"transport ceiling      {limit:8,.0f} cases/s   (the campaign's own cases, pre-built, same client)"
            f"{_spread(limits)}"
        )
        print(
            f"cold campaign          {cold:8,.0f} cases/s   ({len(engine.ledger.findings)} classes found, shrunk "
            f"and reduced, {engine.shrink_calls} shrink calls, {engine.settler.reduce_sends} reduce sends)"
        )
        print(
            f"steady campaign        {steady:8,.0f} cases/s   (the same campaign again: every class known)"
            f"{_spread(rates)}"
        )
        print(f"steady / ceiling       {steady / limit:8.2f}")
        print(f"schemathesis           {schemathesis_rate(pair[0].url, min(args.examples, 1000))}")
        print("steady / schemathesis  compare the two lines above: parity-fuzz sends every case to both runtimes")
        if args.long:
            print(f"long campaign          {long_campaign(transport, config, args.long)}")
        api = load_openapi(ROOT / "targets" / "openapi.yaml")
        cold, engine = campaign(transport, config, frozenset(), args.examples, args.batch, args.seed, api)
        known = frozenset(sig.digest for sig in engine.ledger.classes)
        rates = [
            campaign(transport, config, known, args.examples, args.batch, args.seed, api)[0] for _ in range(args.repeat)
        ]
        print(
            f"openapi steady         {median(rates):8,.0f} cases/s   (every operation of targets/openapi.yaml, "
            f"every class known){_spread(rates)}"
        )
        print(
            f"openapi cold           {cold:8,.0f} cases/s   ({len(engine.ledger.findings)} classes over "
            f"{len(api.operations)} operations, shrunk and reduced)"
        )
        if args.jobs > 1:
            for line in parallel(pair, config, args.examples, args.seed, args.jobs):
                print(line)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS (fuzzer)      {peak:8,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
