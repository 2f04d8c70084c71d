"""Statement coverage of the Go runtime during a campaign (a script, not a test).

Builds the Go runtime with `go build -cover`, runs the campaign of `parity-fuzz fuzz --reference -n 20000
--seed 7` (default options; the known classes read from a scratch copy of `corpus/`) against the Rust runtime
and that build, stops both (on SIGTERM the Go runtime exits 0 and writes its counters to GOCOVERDIR), and
prints from `go tool covdata`:
  - the statement coverage of the whole Go runtime;
  - the coverage of ParseOperation and parseCount, the parser of the operation grammar (rule P5);
  - each statement block of those two that no case reached, with the line that leads to it (with --unreached,
    of every function).

    python bench/coverage.py [-n 20000] [--seed 7] [--unreached]
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from fuzzer._campaign import CampaignPlan, run_campaign
from fuzzer._config import Config
from fuzzer._engine import EngineSettings
from fuzzer._runtimes import Executable, reference_pair

ROOT = Path(__file__).resolve().parents[1]
GO_SOURCE = ROOT / "targets" / "go"
PARSER = ("ParseOperation", "parseCount")
_BLOCK = re.compile(r"(?P<file>[^:]+):(?P<line>\d+)\.(?P<column>\d+),[\d.]+ (?P<statements>\d+) (?P<count>\d+)")
_FUNCTION = re.compile(r"(?P<file>[^:\s]+):(?P<line>\d+):\s+(?P<name>\S+)\s+(?P<percent>[\d.]+)%")


@dataclass(frozen=True, slots=True)
class Function:
    file: str
    line: int
    name: str
    percent: float


@dataclass(frozen=True, slots=True)
class Block:
    """A statement block of a coverage profile that no case reached."""

    file: str
    line: int
    column: int
    statements: int


def build_covered(output: Path) -> None:
    """The Go runtime built with statement counters (Go 1.20 and newer)."""
    go = shutil.which("go")
    if go is None:
        raise SystemExit("go not found on PATH; install Go (https://go.dev/dl) to measure its coverage")
    subprocess.run([go, "build", "-cover", "-o", str(output), "."], cwd=GO_SOURCE, check=True)


def covdata(*arguments: str) -> str:
    result = subprocess.run(["go", "tool", "covdata", *arguments], capture_output=True, text=True, check=True)
    return result.stdout


def statement_percent(counters: Path) -> float:
    """`go tool covdata percent`: one package, one line `<package> coverage: NN.N% of statements`."""
    found = re.search(r"coverage: ([\d.]+)% of statements", covdata("percent", "-i", str(counters)))
    if found is None:
        raise SystemExit(f"go tool covdata percent printed no coverage for {counters}")
    return float(found.group(1))


def functions(counters: Path) -> list[Function]:
    lines = covdata("func", "-i", str(counters)).splitlines()
    found = (_FUNCTION.match(line) for line in lines)
    return [
        Function(Path(m["file"]).name, int(m["line"]), m["name"], float(m["percent"])) for m in found if m is not None
    ]


def blocks(counters: Path, folder: Path) -> tuple[dict[tuple[str, int, int], int], set[tuple[str, int, int]]]:
    """Every block (file, line, column) with its statement count, and the blocks some case reached."""
    profile = folder / "profile.txt"
    covdata("textfmt", "-i", str(counters), "-o", str(profile))
    statements: dict[tuple[str, int, int], int] = {}
    reached: set[tuple[str, int, int]] = set()
    for line in profile.read_text().splitlines()[1:]:  # the first line is `mode: ...`
        match = _BLOCK.fullmatch(line.strip())
        if match is None:
            continue
        key = (Path(match["file"]).name, int(match["line"]), int(match["column"]))
        statements[key] = int(match["statements"])
        if int(match["count"]) > 0:  # a block may be listed once per process: reached when any reached it
            reached.add(key)
    return statements, reached


def by_file(counters: Path, folder: Path) -> dict[str, float]:
    """Statement coverage of each source file, in percent."""
    statements, reached = blocks(counters, folder)
    totals: dict[str, list[int]] = {}
    for key, count in statements.items():
        total = totals.setdefault(key[0], [0, 0])
        total[1] += count
        total[0] += count if key in reached else 0
    return {file: 100 * done / all_ for file, (done, all_) in sorted(totals.items()) if all_}


def unreached(
    counters: Path, folder: Path, names: tuple[str, ...] | None, table: list[Function]
) -> list[tuple[str, Block]]:
    """(function, block) for each block of the functions `names` (None: all) that no case reached, in source
    order."""
    statements, reached = blocks(counters, folder)
    result = []
    for (file, line, column), count in sorted(statements.items()):
        if (file, line, column) in reached:
            continue
        owner = max((f for f in table if f.file == file and f.line <= line), key=lambda f: f.line, default=None)
        if owner is not None and (names is None or owner.name in names):
            result.append((owner.name, Block(file, line, column, count)))
    return result


def source_line(file: str, line: int) -> str:
    return (GO_SOURCE / file).read_text().splitlines()[line - 1].strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--examples", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--unreached", action="store_true", help="list the unreached blocks of every function")
    args = parser.parse_args()
    config = dataclasses.replace(Config(), roster=ROOT / "targets" / "roster.json")
    with tempfile.TemporaryDirectory(prefix="parity-coverage-") as scratch:
        folder = Path(scratch)
        binary, counters, corpus = folder / "validatord-go-cover", folder / "counters", folder / "corpus"
        counters.mkdir()
        shutil.copytree(ROOT / "corpus", corpus)
        build_covered(binary)
        go = Executable(binary, {"GOCOVERDIR": str(counters)})
        with reference_pair(log_dir=folder / "logs", go=go) as pair:
            plan = CampaignPlan(
                config=config,
                targets=pair.targets,
                engine=EngineSettings(examples=args.examples, seed=args.seed),
                corpus=corpus,
                workers=config.workers,
                timeout=config.timeout,
                restart=pair.restart,
            )
            outcome = run_campaign(plan)
        if not any(counters.glob("covcounters.*")):
            raise SystemExit(f"the Go runtime wrote no counters to {counters}: it did not exit cleanly on SIGTERM")
        result = outcome.result
        print(
            f"campaign: {result.examples:,} examples, seed {args.seed}, {len(outcome.report.findings)} classes, "
            f"{result.shrink_calls} shrink calls, {result.elapsed_s:.0f}s"
        )
        print(f"Go runtime statement coverage during the benchmark campaign: {statement_percent(counters):.1f} %")
        files = by_file(counters, folder)
        print("  by file: " + ", ".join(f"{file} {percent:.1f} %" for file, percent in files.items()))
        table = functions(counters)
        for function in table:
            if function.name in PARSER:
                print(f"  {function.name:<16} {function.percent:5.1f} %   ({function.file}:{function.line})")
        missed = unreached(counters, folder, None if args.unreached else PARSER, table)
        for name, block in missed:
            print(f"  unreached in {name}: {block.file}:{block.line}  {source_line(block.file, block.line)}")
        if not any(name in PARSER for name, _ in missed):
            print(f"  every statement of {' and '.join(PARSER)} was reached")
    return 0


if __name__ == "__main__":
    sys.exit(main())
