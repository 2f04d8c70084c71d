"""The differential test (`fuzzer.differential_test`) on the bundled pair (a script, not a test).

Starts the bundled runtimes on free loopback ports and prints:

- the rounds of a cold start: runs of one seeded test, from the canonical corpus, each saving the reproducers
  of the classes it fails with into the corpus, until a run passes (seconds and classes per round);
- the rate of the passing run, every class known (examples/s, the Hypothesis overhead included);
- the rate of a `fuzz_one_input` loop over random byte strings, and how they ended (invalid, passed, failed).

    python bench/property.py [-n 200] [--fuzz 2000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from pathlib import Path

from hypothesis import seed

from fuzzer import NewDivergence, differential_test
from fuzzer._runtimes import reference

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 10


def raised(err: BaseException) -> list[BaseException]:
    return list(err.exceptions) if isinstance(err, BaseExceptionGroup) else [err]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--examples", type=int, default=200)
    parser.add_argument("--fuzz", type=int, default=2000, help="byte strings given to fuzz_one_input")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch, reference(log_dir=Path(scratch) / "logs") as pair:
        corpus = Path(scratch) / "corpus"
        shutil.copytree(ROOT / "corpus" / "canonical", corpus / "canonical")
        targets = list(pair)

        def run() -> tuple[float, list[BaseException]]:
            test = seed(args.seed)(
                differential_test(corpus=corpus, targets=targets, max_examples=args.examples, save=corpus / "found")
            )
            started = time.perf_counter()
            try:
                test()
            except (NewDivergence, BaseExceptionGroup) as err:
                return time.perf_counter() - started, raised(err)
            return time.perf_counter() - started, []

        print(f"{args.examples} examples per run, seed {args.seed}, rust {pair[0].url}, go {pair[1].url}")
        elapsed, failures = run()  # the first run also pays for imports, the schemas and the first connections
        for number in range(1, ROUNDS + 1):
            print(f"round {number}: {elapsed:6.2f} s  {len(failures):3} new classes")
            if not failures:
                print(f"passing run, every class known: {args.examples / elapsed:,.0f} examples/s")
                break
            elapsed, failures = run()
        else:
            print(f"no run passed within {ROUNDS} rounds")
        fuzz = differential_test(corpus=ROOT / "corpus" / "canonical", targets=targets).hypothesis.fuzz_one_input
        rng = random.Random(args.seed)
        ended = {"invalid": 0, "passed": 0, "failed": 0}
        started = time.perf_counter()
        for _ in range(args.fuzz):
            try:
                ended["passed" if fuzz(rng.randbytes(rng.randrange(1, 4096))) is not None else "invalid"] += 1
            except NewDivergence:
                ended["failed"] += 1
        elapsed = time.perf_counter() - started
        tally = " · ".join(f"{count} {name}" for name, count in ended.items())
        print(f"fuzz_one_input: {args.fuzz / elapsed:,.0f} inputs/s ({tally}; canonical corpus)")


if __name__ == "__main__":
    main()
