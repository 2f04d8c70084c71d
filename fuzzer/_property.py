"""Property: the differential property as an ordinary Hypothesis test, for test suites that live in pytest.

    from fuzzer import differential_test

    test_parity = differential_test(corpus="corpus", max_examples=200)

`differential_test` returns a `@given` test with no arguments left to fill. Each example is one case drawn from
the campaign's strategy (`fuzzer._campaign.case_strategy`), sent to both targets (`fuzzer._send.Transport`),
compared and classified as a campaign does (`fuzzer._judge`, with the config's policy and the pair's readings,
`fuzzer._readings`; with `openapi` in the config, the cases are drawn for every operation of its document):

- an agreement passes, and so does a divergence whose class the corpus knows (`fuzzer._migrate.known_signatures`);
- a new class is sent once more; if the second answers show another signature, it is flaky (a Hypothesis event),
  not a failure, because Hypothesis would call a failure that does not replay a FlakyFailure;
- a confirmed new class is raised as `Divergence_<digest>`, a subclass of NewDivergence made for that class alone
  (`divergence_type`). Hypothesis tells failures apart by exception type and line, so it shrinks each class on its
  own and reports every class it found (`report_multiple_bugs`), each with its minimal example.

Nothing happens at import. The config, the corpus and the targets are read, the Transport is opened and both
targets' health is probed when Hypothesis validates the test's strategy: before the first example, in plain runs
and in `fuzz_one_input` alike, so a set-up error is raised as itself (ConfigError, CorpusError,
TargetUnreachable) and never becomes a falsifying example. The Transport is closed when the interpreter exits.

Bounds: an example sends at most two requests, each within the config's `timeout`; Hypothesis generates at most
`max_examples` examples, and shrinks for at most 500 improvements and 5 minutes per run. Only loopback targets
are allowed unless `allow_remote=True`.

Unlike a campaign, one test is one Hypothesis run: it stops soon after its first failure, with the classes it has
seen by then (docs/engine.md explains why campaigns are a loop of runs). Run `parity-fuzz fuzz` for a budget of
N cases that must all be sent.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hypothesis
from hypothesis import HealthCheck, event, given
from hypothesis import strategies as st
from hypothesis.database import ExampleDatabase

from fuzzer import _store
from fuzzer._campaign import case_strategy, contract_api, read_policy, stored_finding
from fuzzer._compare import media_type
from fuzzer._config import Config, check_loopback, load_config, parse_targets
from fuzzer._errors import CaseFileError, ConfigError, CorpusError
from fuzzer._judge import Judge
from fuzzer._migrate import known_signatures
from fuzzer._model import Case, Divergence, Exchange, Finding, Target
from fuzzer._noise import noisy_paths
from fuzzer._send import Transport, probe_health
from strategies import MODES
from strategies._hypothesis_internals import final_replay, use_database_key

TARGETS_VARIABLE = "PARITY_TARGETS"
"""The environment variable that names the two targets when `targets=` is not given: `NAME=URL NAME=URL`."""
SHOWN_BODY = 200
"""Characters of a request's path and bytes of its body shown in a falsifying example (a saved case file holds
all of them)."""
UNREACHABLE_FIX = (
    "start it, or give differential_test the targets that run (targets=, PARITY_TARGETS or the config's [targets])"
)
MARK = "_parity_differential"
"""Set on every test `differential_test` returns: the pytest plugin shows a set-up error of one as one line."""
SUPPRESSED = (HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large)
"""Health checks that a test whose every example goes over the network would fail without a fault of its own."""


class NewDivergence(AssertionError):
    """A divergence class the corpus does not know. Each class is raised as its own subclass, `Divergence_<digest>`
    (`divergence_type`), so that Hypothesis shrinks and reports each class separately."""

    digest = ""

    def __init__(self, message: str, divergence: Divergence | None = None) -> None:
        super().__init__(message)
        self.divergence = divergence

    def __reduce__(self) -> tuple[Any, ...]:  # pickled by its message only (pytest-xdist, multiprocessing)
        return (type(self), (str(self),))


@functools.cache
def divergence_type(digest: str) -> type[NewDivergence]:
    """The exception type of the class with this signature digest: made once, the same type every time after."""
    if not re.fullmatch(r"[0-9a-f]{1,64}", digest):
        raise ValueError(f"digest {digest!r} is not a signature digest (lower-case hex)")
    name = f"Divergence_{digest}"
    doc = f"The divergence class {digest}, new to the corpus."
    return type(
        name, (NewDivergence,), {"__module__": __name__, "__qualname__": name, "digest": digest, "__doc__": doc}
    )


def __getattr__(name: str) -> type[NewDivergence]:
    """`fuzzer._property.Divergence_<digest>`: the class's type, so that a pickled exception finds it again."""
    if name.startswith("Divergence_"):
        try:
            return divergence_type(name.removeprefix("Divergence_"))
        except ValueError:
            pass
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------- what the test is given


TargetSpec = Mapping[str, str] | Sequence[str] | Sequence[Target]


@dataclass(frozen=True, slots=True)
class _Request:
    """What the test was asked for, checked when it was made; read from files and the network on first use."""

    config: Config | Path | None
    corpus: tuple[Path, ...]
    targets: TargetSpec | None
    modes: tuple[str, ...]
    kinds: tuple[str, ...]
    allow_remote: bool
    save: Path | None


@dataclass(frozen=True, slots=True)
class _Ready:
    """The test's resources, opened before its first example."""

    config: Config
    transport: Transport
    judge: Judge  # its policy grows when noise is learned
    strategy: st.SearchStrategy[Case]
    known: frozenset[str]


class _Example:
    """One drawn case; its repr is what Hypothesis prints of a falsifying example (a body can be 3 MiB long)."""

    __slots__ = ("case",)

    def __init__(self, case: Case) -> None:
        self.case = case

    def __repr__(self) -> str:
        request = self.case.request
        path = _cut(request.path)
        body = request.body[:SHOWN_BODY]
        more = f"… ({len(request.body)} bytes)" if len(request.body) > SHOWN_BODY else ""
        return f"<{self.case.label[:SHOWN_BODY]!r}: {request.method} {path} {body!r}{more}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # Hypothesis's printer: this, not the draw
        printer.text(repr(self))


def differential_test(
    *,
    config: Config | str | Path | None = None,
    corpus: str | Path | Sequence[str | Path] = "corpus",
    targets: TargetSpec | None = None,
    modes: Sequence[str] = MODES,
    kinds: Sequence[str] = (),
    max_examples: int = 100,
    save: str | Path | None = None,
    allow_remote: bool = False,
    database: ExampleDatabase | None = None,
    settings: hypothesis.settings | None = None,
) -> Callable[[], None]:
    """A `@given` test of the differential property: every case the campaign's strategy draws gets the same answer
    from both targets, or an answer whose divergence class the corpus already knows.

    config        a Config, the path of a parity.toml (or pyproject.toml), or None: ./parity.toml, then
                  [tool.parity-fuzz] in ./pyproject.toml, then the defaults (read on first use)
    corpus        case files or folders whose `diverge` cases make their classes known; () for none
    targets       the two targets, as {"rust": URL, "go": URL} or ["rust=URL", "go=URL"]; when None, the
                  environment variable PARITY_TARGETS ("rust=URL go=URL"), then the config's [targets] table
    modes, kinds  what to generate, as `parity-fuzz fuzz --mode/--kind` (kinds: every kind of the config)
    max_examples  Hypothesis examples (cases) per run
    save          a folder: each new class's minimal reproducer is written there as a case file, at the end of
                  the run (review it, then move it into the corpus to make the class known)
    allow_remote  allow targets that are not on loopback
    database      Hypothesis's example database (default none: the corpus is the regression store)
    settings      the Hypothesis settings to start from (default: the current profile); max_examples, database,
                  deadline=None and the network-bound health checks are set on top of them
    """
    where = "differential_test"
    if isinstance(kinds, str) or isinstance(modes, str):
        raise ConfigError(f"{where}: give modes and kinds as lists, e.g. modes=['valid'], kinds=['playbook']")
    unknown = [mode for mode in modes if mode not in MODES]
    if unknown or not modes:
        raise ConfigError(f"{where}(modes={list(modes)!r}): choose one or more of {', '.join(MODES)}")
    if isinstance(max_examples, bool) or not isinstance(max_examples, int) or max_examples < 1:
        raise ConfigError(f"{where}(max_examples={max_examples!r}) must be a whole number of at least 1")
    folders = (corpus,) if isinstance(corpus, str | Path) else tuple(corpus)
    request = _Request(
        config=Path(config) if isinstance(config, str) else config,
        corpus=tuple(Path(folder) for folder in folders),
        targets=targets,
        modes=tuple(modes),
        kinds=tuple(kinds),
        allow_remote=allow_remote,
        save=None if save is None else Path(save),
    )
    return _Property(request).test(max_examples, database, settings)


class _Property:
    """One differential test: its request, its resources once opened, and the test function."""

    def __init__(self, request: _Request) -> None:
        self.request = request
        self._ready: _Ready | None = None

    def test(
        self, max_examples: int, database: ExampleDatabase | None, parent: hypothesis.settings | None
    ) -> Callable[[], None]:
        base = parent if parent is not None else hypothesis.settings()
        chosen = hypothesis.settings(
            base,
            max_examples=max_examples,
            database=database,
            deadline=None,
            suppress_health_check=tuple(dict.fromkeys((*base.suppress_health_check, *SUPPRESSED))),
        )

        def differential(case: _Example) -> None:
            self.check(case.case)

        test = chosen(given(case=st.deferred(lambda: self._strategy()))(differential))
        key = repr((self.request.config, self.request.corpus, self.request.modes, self.request.kinds))
        use_database_key(test, hashlib.sha256(key.encode()).hexdigest().encode())
        setattr(test, MARK, True)
        return test

    # ------------------------------------------------------------ before the first example

    def _strategy(self) -> st.SearchStrategy[_Example]:
        """The cases to draw, once the resources are open (Hypothesis asks for it before the first example)."""
        return self.open().strategy.map(_Example)

    def open(self) -> _Ready:
        """Read the config and the corpus, open the Transport and probe both targets; closed at exit."""
        if self._ready is not None:
            return self._ready
        request = self.request
        if isinstance(request.config, Path) and not request.config.is_file():
            raise ConfigError(f"config {request.config}: no such file; pass an existing file as config=")
        config = request.config if isinstance(request.config, Config) else load_config(request.config)
        pair = resolve_targets(request.targets, config)
        check_loopback(pair, request.allow_remote)
        stored = _stored(request.corpus)
        if request.save is not None:
            _store.check_writable(request.save)
        api = contract_api(config)  # the config's OpenAPI document, as a campaign reads it
        strategy = case_strategy(config, request.modes, request.kinds, api=api)  # a bad kind: now, not connected
        transport = Transport(
            pair, timeout=config.timeout, extra_headers=config.headers, keep_headers=config.policy.kept_headers
        )
        try:
            probe_health(transport, config.health, UNREACHABLE_FIX)  # a dead pair would "agree" on every case
            policy = read_policy(transport, config, api)  # the pair's readings, measured as a campaign does
        except BaseException:
            transport.close()
            raise
        atexit.register(transport.close)
        known = known_signatures(stored, policy)
        self._ready = _Ready(config, transport, Judge(policy), strategy, frozenset(known))
        return self._ready

    # ------------------------------------------------------------ one example

    def check(self, case: Case) -> None:
        """Send `case` to both targets; raise the class's own NewDivergence type for a confirmed new class."""
        ready = self.open()
        judge = ready.judge
        first = ready.transport.exchange(case)
        divergence = judge.verdict(first)[1]
        if divergence is None or divergence.signature.digest in ready.known:
            return
        again = ready.transport.exchange(case)
        if ready.config.learn_noise and _learn_noise(judge, first, again):
            divergence = judge.verdict(first)[1]
            if divergence is None or divergence.signature.digest in ready.known:
                return
        second = judge.verdict(again)[1]
        if second is None or second.signature != divergence.signature:
            event("parity-fuzz: flaky divergence (other answers when sent again)", divergence.signature.key)
            return
        saved = self._save(divergence) if self.request.save is not None and final_replay() else None
        raise divergence_type(divergence.signature.digest)(self._message(divergence, saved), divergence)

    def _save(self, divergence: Divergence) -> Path | CorpusError:
        """Write the reproducer Hypothesis replays last (its minimal example) to the `save` folder."""
        assert self.request.save is not None
        finding = Finding(divergence.signature, divergence, 1, known=False, shrunk=True, confirmations=1)
        try:
            return _store.write_case(self.request.save, stored_finding(finding), self.open().config.redact)[0]
        except CorpusError as err:  # reported in the failure: raising it would be another failure to Hypothesis
            return err

    def _message(self, divergence: Divergence, saved: Path | CorpusError | None) -> str:
        signature = divergence.signature
        exchange = divergence.exchange
        width = max(len(target.name) for target in exchange.targets)
        lines = [f"new divergence class {signature.digest} ({signature.level.value}): {signature.key}"]
        for target, response in zip(exchange.targets, exchange.responses, strict=True):
            shown = f"{response.status_label} {media_type(response)}" if response.status else response.status_label
            lines.append(f"  {target.name + ':':<{width + 1}} {shown.strip()}")
            if response.status is None:
                lines.append(
                    f"  {target.name} did not answer ({response.detail or response.outcome.value}); if it stopped "
                    "answering altogether, an earlier case may have killed it (parity-fuzz fuzz finds that case)"
                )
        request = exchange.case.request
        where = f"{request.method} {_cut(request.path)}, {len(request.body)} bytes"
        lines.append(f"  case: {exchange.case.label} ({where})")
        corpus = self.request.corpus[0] if self.request.corpus else Path("corpus")
        if isinstance(saved, Path):
            lines.append(
                f"  saved to {saved}: review it (parity-fuzz show {saved}), then move it into {corpus / 'found'}/ "
                "to make the class known"
            )
            return "\n".join(lines)
        if saved is not None:
            lines.append(f"  not saved: {saved}")
        flags = " ".join(f"--target {t.name}={t.url}" for t in exchange.targets)
        lines.append(
            f"  to save it: pass save=DIR to differential_test (the minimal reproducer is written there), or run "
            f"`parity-fuzz fuzz --corpus {corpus} {flags}`, which saves each new class to {corpus / 'found'}/"
        )
        return "\n".join(lines)


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN_BODY else f"{text[:SHOWN_BODY]}…"


def _learn_noise(judge: Judge, first: Exchange, again: Exchange) -> bool:
    """Paths one runtime answered differently to the same request are ignored from now on, as a campaign learns
    them (`fuzzer._noise`); True when there were new ones."""
    found: set[str] = set()
    for side in (0, 1):
        found |= noisy_paths(first.responses[side], again.responses[side])
    new = found - set(judge.policy.ignore)
    if new:
        judge.ignore(tuple(sorted(new)))
        event("parity-fuzz: noise ignored", ", ".join(sorted(new)))
    return bool(new)


# ---------------------------------------------------------------- set-up


def resolve_targets(targets: TargetSpec | None, config: Config) -> tuple[Target, Target]:
    """The two targets: `targets`, else the environment variable PARITY_TARGETS, else the config's [targets];
    ConfigError, naming the three ways, when none gives them."""
    if targets is not None:
        if isinstance(targets, str):
            raise ConfigError("differential_test(targets=...): give two targets, e.g. ['rust=URL', 'go=URL']")
        if isinstance(targets, Mapping):
            return parse_targets({str(k): str(v) for k, v in targets.items()}, "differential_test(targets=...)")
        items = [f"{t.name}={t.url}" if isinstance(t, Target) else str(t) for t in targets]
        return parse_targets(items, "differential_test(targets=...)")
    value = os.environ.get(TARGETS_VARIABLE, "").strip()
    if value:
        return parse_targets(re.split(r"[\s,]+", value), f"environment variable {TARGETS_VARIABLE}")
    if config.targets_set:
        return config.targets
    raise ConfigError(
        "differential_test: no targets to compare; pass targets=['rust=http://127.0.0.1:3100', "
        f"'go=http://127.0.0.1:4110'], set {TARGETS_VARIABLE}='rust=http://... go=http://...', or write a "
        f"[targets] table in parity.toml (config read: {config.source})"
    )


def _stored(corpus: tuple[Path, ...]) -> list[_store.StoredCase]:
    """The corpus's cases; CorpusError for a path that does not exist or a case file that is unreadable (a class
    it holds would fail as new)."""
    for path in corpus:
        if not path.exists():
            raise CorpusError(
                f"corpus {path} does not exist (relative to {Path.cwd()}); pass corpus=PATH, or corpus=() for none"
            )
    stored, errors = _store.load(list(corpus))
    if errors:
        first: CaseFileError = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise CorpusError(f"{first}{more}; fix or remove it (parity-fuzz corpus check lists every problem)")
    return stored
