"""Load time of OpenAPI documents (a script, not a test).

Prints, for each document (default: the real-world set in ../shared/openapi-specs), the time to read it
(YAML/JSON), to check it against its meta-schema, and to build the operation model, with its operations
(+ webhooks), and the total. The best of `--repeat` runs in one process, after one untimed load that pays for
imports and the meta-schemas.

    python bench/openapi_load.py [--repeat 3] [DOCUMENT ...]
"""

from __future__ import annotations

import argparse
import contextlib
import time
from pathlib import Path

from fuzzer._errors import OpenAPIError
from strategies.openapi import load_openapi
from strategies.openapi._operations import Builder
from strategies.openapi._reading import Files
from strategies.openapi._validation import check, version_of

ROOT = Path(__file__).resolve().parents[1]
REAL_WORLD = ROOT.parent / "shared" / "openapi-specs"


def phases(path: Path) -> tuple[float, float, float, str]:
    """Seconds to read, check and build, and what it gave."""
    started = time.perf_counter()
    files = Files(path)
    try:
        document = files.document()
        version = version_of(files, document)
        read = time.perf_counter()
        check(files, document, version)
        checked = time.perf_counter()
        api = Builder(files, version).api(document)
        built = time.perf_counter()
    except OpenAPIError as err:
        now = time.perf_counter()
        return now - started, 0.0, 0.0, f"OpenAPIError: {str(err)[:70]}"
    return read - started, checked - read, built - checked, f"{len(api.operations)} (+{len(api.webhooks)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("documents", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    documents = args.documents or sorted(p for p in REAL_WORLD.glob("*") if p.suffix in (".yaml", ".yml", ".json"))
    if not documents:
        raise SystemExit(f"no documents given and none at {REAL_WORLD}")
    with contextlib.suppress(OpenAPIError):
        load_openapi(documents[0])
    print(f"{'document':58} {'read':>8} {'check':>8} {'build':>8} {'total':>8}  operations")
    totals = [0.0, 0.0, 0.0]
    for path in documents:
        runs = [phases(path) for _ in range(args.repeat)]
        best = min(runs, key=lambda run: sum(run[:3]))
        totals = [total + part for total, part in zip(totals, best[:3], strict=True)]
        cells = " ".join(f"{seconds * 1000:6.1f}ms" for seconds in (*best[:3], sum(best[:3])))
        print(f"{path.name[:58]:58} {cells}  {best[3]}")
    cells = " ".join(f"{seconds * 1000:6.0f}ms" for seconds in (*totals, sum(totals)))
    print(f"{'all ' + str(len(documents)) + ' documents':58} {cells}")


if __name__ == "__main__":
    main()
