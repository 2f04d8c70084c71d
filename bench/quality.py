"""Quality of parity-fuzz's classes (a script, not a test).

Prints, from one run on this machine, one section after another:
  planted suite  the bugs of tests/quality/planted.py, planted by a proxy in front of the real Go runtime, and one
                 campaign of the default strategies and budget against the runtime and the proxy: recall (bugs
                 found / bugs planted), classes per bug, classes that show no planted bug, the share of 1-minimal
                 reproducers, and the examples and seconds until the last class was found.

    python bench/quality.py [-n 1000] [--seed 5] [--no-noise]

  bundled pair   the demo's campaign (2,000 examples, seed 7) on the real Rust and Go runtimes, mapped onto the
                 catalogue of root causes (tests/quality/catalogue.py, docs/divergences.md): causes found, classes
                 per cause, classes of no cause, the share of 1-minimal reproducers, when the last class came.

  openapi pair   the demo's campaign over targets/openapi.yaml (1,000 examples, seed 7), mapped onto the route and
                 body causes per operation: classes per (operation, cause), classes of no cause, the causes that
                 made more than one class on an operation.

A section is a function of the parsed arguments that prints its lines (`SECTIONS`). Every section judges
reproducers with the one 1-minimal check, `tests.quality.minimal.minimality` (also used by the quality tests):
it sends the reproducer and each one-step simplification to both targets and classifies them with the
campaign's policy. `Timeline` records when each class was found, from the engine's Observer hooks.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the planted suite and the 1-minimal check live in tests/quality/

from fuzzer._campaign import CampaignPlan, run_campaign  # noqa: E402
from fuzzer._compare import ComparePolicy  # noqa: E402
from fuzzer._config import Config  # noqa: E402
from fuzzer._engine import EngineSettings, Observer  # noqa: E402
from fuzzer._model import Finding, Target  # noqa: E402
from fuzzer._runtimes import reference  # noqa: E402
from fuzzer._send import Transport  # noqa: E402
from tests.quality.catalogue import (  # noqa: E402
    CAUSES,
    OPENAPI_CAUSES,
    classes_by_cause,
    classes_by_operation_and_cause,
)
from tests.quality.minimal import campaign_policy, minimality  # noqa: E402
from tests.quality.planted import BUGS, CONFIG, NOISE, classes_by_bug, planted_pair  # noqa: E402


class Timeline(Observer):
    """When each class was found: the examples judged by then (to within one batch: the engine reports progress
    after each batch without a new class) and the seconds since the timeline started."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.examples = 0
        self.found_at: dict[str, tuple[int, float]] = {}  # digest -> (examples, seconds)

    def progress(self, examples: int, classes: int) -> None:
        self.examples = examples

    def found(self, finding: Finding) -> None:
        self.found_at[finding.signature.digest] = (self.examples, time.monotonic() - self.started)


@dataclass(frozen=True, slots=True)
class Judged:
    """A class of a campaign, with when it was found and whether its reproducer is 1-minimal."""

    finding: Finding
    examples: int
    seconds: float
    minimal: bool
    explained: str


def judge(
    targets: tuple[Target, Target], findings: list[Finding], timeline: Timeline, policy: ComparePolicy
) -> list[Judged]:
    judged = []
    with Transport(targets) as transport:
        for finding in findings:
            checked = minimality(transport, finding.reproducer.exchange.case, finding.signature, policy)
            examples, seconds = timeline.found_at.get(finding.signature.digest, (0, 0.0))
            judged.append(Judged(finding, examples, seconds, checked.minimal, checked.explain()))
    return judged


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.0%})" if whole else "0/0"


def planted_suite(args: argparse.Namespace) -> None:
    noise = "with noise" if args.noise else "without noise"
    print(f"planted suite · {len(BUGS)} bugs, {noise} · {args.examples} examples · seed {args.seed}")
    with tempfile.TemporaryDirectory() as folder, planted_pair(Path(folder) / "logs", noise=args.noise) as targets:
        settings = EngineSettings(examples=args.examples, seed=args.seed, max_seconds=args.max_seconds)
        plan = CampaignPlan(CONFIG, targets, settings, Path(folder) / "corpus")
        timeline = Timeline()
        outcome = run_campaign(plan, timeline)
        findings = list(outcome.report.findings)
        judged = {
            j.finding.signature.digest: j
            for j in judge(targets, findings, timeline, campaign_policy(CONFIG.policy, outcome.result))
        }
    by_bug = classes_by_bug(findings)
    found = [bug for bug in BUGS if by_bug[bug.name]]
    print(f"  recall                  {_share(len(found), len(BUGS))} bugs found")
    print(f"  bugs as one class       {sum(len(by_bug[bug.name]) == 1 for bug in BUGS)} of {len(BUGS)}")
    noise_classes = len(by_bug[NOISE.name])
    print(f"  classes of no bug       {len(by_bug[None])}, and {noise_classes} of the noise (which must make none)")
    minimal = sum(j.minimal for j in judged.values())
    print(f"  1-minimal reproducers   {_share(minimal, len(judged))}")
    if judged:
        last = max(judged.values(), key=lambda j: j.examples)
        print(f"  last class found        after {last.examples:,} examples, {last.seconds:.1f} s")
    result = outcome.result
    print(
        f"  campaign                {result.examples:,} examples, {result.elapsed_s:.1f} s, {len(findings)} classes, "
        f"{result.shrink_calls:,} shrinking calls"
    )
    print(f"  {'bug':22s}  {'classes':>7s}  {'found after':>18s}  1-minimal")
    for name in [bug.name for bug in BUGS] + [NOISE.name, None]:
        classes = sorted((judged[f.signature.digest] for f in by_bug[name]), key=lambda j: j.examples)
        if name not in {bug.name for bug in BUGS} and not classes:
            continue
        first = f"{classes[0].examples:>6,} ex {classes[0].seconds:6.1f} s" if classes else f"{'-':>18s}"
        shares = _share(sum(j.minimal for j in classes), len(classes)) if classes else "-"
        print(f"  {name or '(no bug)':22s}  {len(classes):>7d}  {first}  {shares}")
        if args.verbose:
            for j in classes:
                print(f"      {j.finding.signature.key}\n        {j.explained}")


def bundled_pair(args: argparse.Namespace) -> None:
    """The demo's campaign on the real pair (2,000 examples, seed 7 unless given), mapped onto the catalogue."""
    examples, seed = args.bundled_examples, args.bundled_seed
    print(f"bundled pair · catalogue of {len(CAUSES)} causes · {examples:,} examples · seed {seed}")
    with tempfile.TemporaryDirectory() as folder, reference(log_dir=Path(folder) / "logs") as targets:
        settings = EngineSettings(examples=examples, seed=seed, max_seconds=args.max_seconds * 10)
        timeline = Timeline()
        outcome = run_campaign(CampaignPlan(Config(), targets, settings, Path(folder) / "corpus"), timeline)
        findings = [f for f in outcome.report.findings if not f.known]
        judged = judge(targets, findings, timeline, campaign_policy(Config().policy, outcome.result))
    grouped = classes_by_cause(list(outcome.report.findings))
    found = [cause for cause in CAUSES if grouped[cause.name]]
    classes = sum(len(grouped[cause.name]) for cause in found)
    print(f"  causes found            {len(found)} of {len(CAUSES)} catalogued")
    print(f"  classes per cause       {classes}/{len(found)} = {classes / max(len(found), 1):.2f}")
    print(f"  classes of no cause     {len(grouped[None])}")
    print(f"  1-minimal reproducers   {_share(sum(j.minimal for j in judged), len(judged))} (new classes)")
    if judged:
        last = max(judged, key=lambda j: j.examples)
        print(f"  last class found        after {last.examples:,} examples, {last.seconds:.1f} s")
    result = outcome.result
    print(
        f"  campaign                {result.examples:,} examples, {result.elapsed_s:.1f} s, {len(findings)} new classes"
    )
    for cause in CAUSES:
        keys = [f.signature.key for f in grouped[cause.name]]
        print(f"  {cause.name:34s} {len(keys):>2d}" + (f"  ({cause.splits.split(';')[0]})" if len(keys) > 1 else ""))
        if args.verbose:
            for key in keys:
                print(f"      {key}")
    for finding in grouped[None]:
        print(f"  (no cause)  {finding.signature.key}")


def openapi_pair(args: argparse.Namespace) -> None:
    """The demo's campaign over targets/openapi.yaml (1,000 examples, seed 7 unless given), mapped onto the
    catalogue per operation."""
    examples, seed = args.openapi_examples, args.bundled_seed
    document = ROOT / "targets" / "openapi.yaml"
    print(f"openapi pair · targets/openapi.yaml · {examples:,} examples · seed {seed}")
    with tempfile.TemporaryDirectory() as folder, reference(log_dir=Path(folder) / "logs") as targets:
        settings = EngineSettings(examples=examples, seed=seed, max_seconds=args.max_seconds * 10)
        plan = CampaignPlan(Config(openapi=document), targets, settings, Path(folder) / "corpus")
        outcome = run_campaign(plan)
    grouped = classes_by_operation_and_cause(list(outcome.report.findings))
    explained = {key: found for key, found in grouped.items() if key[1] is not None}
    classes = sum(len(found) for found in explained.values())
    causes = {cause for _, cause in explained}
    print(f"  classes                 {len(outcome.report.findings)} over {len({op for op, _ in grouped})} operations")
    print(f"  causes found            {len(causes)} of {len(OPENAPI_CAUSES)} catalogued (route and body causes)")
    print(f"  classes per (operation, cause)  {classes}/{len(explained)} = {classes / max(len(explained), 1):.2f}")
    print(f"  classes of no cause     {sum(len(found) for key, found in grouped.items() if key[1] is None)}")
    for (operation, cause), found in sorted(grouped.items(), key=lambda item: (item[0][0], str(item[0][1]))):
        if len(found) > 1 or cause is None or args.verbose:
            print(f"  {operation:36s} {cause or '(no cause)':28s} {len(found):>2d}")


Section = Callable[[argparse.Namespace], None]
SECTIONS: tuple[Section, ...] = (planted_suite, bundled_pair, openapi_pair)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--examples", type=int, default=EngineSettings().examples)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--max-seconds", type=float, default=100.0, help="safety bound of the campaign (the proxy lives 120 s)"
    )
    parser.add_argument("--no-noise", dest="noise", action="store_false", help="plant the bugs without the noise")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every class")
    parser.add_argument("--bundled-examples", type=int, default=2000, help="the bundled pair's campaign (the demo's)")
    parser.add_argument("--bundled-seed", type=int, default=7, help="and the OpenAPI campaign's")
    parser.add_argument("--openapi-examples", type=int, default=1000, help="the OpenAPI campaign's (the demo's)")
    args = parser.parse_args()
    print("parity-fuzz quality")
    for section in SECTIONS:
        section(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
