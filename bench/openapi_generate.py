"""Generation rate of OpenAPI requests, per operation and mode (a script, not a test).

Draws cases of each operation of the document (targets/openapi.yaml by default) the way a campaign does (in
batches, through `@given`, one Hypothesis example per batch) and prints cases/s for each mode, then for all
modes and operations together. Nothing is sent.

    python bench/openapi_generate.py [--openapi targets/openapi.yaml] [-n 3000] [--batch 8]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings

from strategies import batches
from strategies.openapi import MODES, load_openapi, operation_cases

ROOT = Path(__file__).resolve().parents[1]


def rate(strategy, count: int, batch: int) -> float:  # type: ignore[no-untyped-def]
    drawn = [0]

    @settings(
        max_examples=max(count // batch, 1),
        database=None,
        deadline=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(batches(strategy, batch))
    def collect(cases: list) -> None:  # type: ignore[type-arg]
        drawn[0] += len(cases)

    start = time.perf_counter()
    collect()
    return drawn[0] / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--openapi", type=Path, default=ROOT / "targets" / "openapi.yaml")
    parser.add_argument("-n", type=int, default=3000, help="cases per operation and mode")
    parser.add_argument("--batch", type=int, default=8, help="cases per Hypothesis example")
    args = parser.parse_args()
    api = load_openapi(args.openapi)
    print(f"{args.openapi.name}: cases/s of generation, {args.n} cases each, batches of {args.batch}")
    print(f"{'operation':<24}" + "".join(f"{mode:>13}" for mode in MODES))
    for operation in api.operations:
        rates = [rate(operation_cases(api, [operation], [mode]), args.n, args.batch) for mode in MODES]
        print(f"{operation.key:<24}" + "".join(f"{value:>13,.0f}" for value in rates))
    print(f"{'all, all modes':<24}{rate(operation_cases(api), args.n, args.batch):>13,.0f}")


if __name__ == "__main__":
    main()
