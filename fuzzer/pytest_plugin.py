"""pytest plugin: every stored case becomes one test item, judged by the rules of `parity-fuzz replay`.

    pytest --parity-corpus corpus/                                  # the config's two targets
    pytest --parity-corpus corpus/ --parity-target rust=http://127.0.0.1:3100 --parity-target go=http://127.0.0.1:4110
    pytest --parity-corpus corpus/ --parity-reference               # build and start the bundled pair

verdict     item     what the report says
PASS        passes
KNOWN       passes   user property `parity.verdict=KNOWN`, `parity.signature=<digest>`, a report section
                     (fails with --parity-strict)
FIXED       passes   the promote command (`parity-fuzz promote PATH`), in a report section and the summary
CHANGED     fails    verdict, detail, expectation, both statuses and short bodies
REGRESSED   fails    the same
ERROR       fails    unreadable case file (path and reason), or a runtime that does not answer

Registered through the `pytest11` entry point, so it loads into every pytest run of the environment; without
`--parity-corpus` it only adds its options (and imports nothing but pytest). The fuzzer's modules are imported
when the option is given.

How the items are added. The corpus folder is not a pytest path (it holds JSON, not tests), so the plugin does
not wait for pytest to find it: an outermost `pytest_collection_modifyitems` wrapper builds one
`CorpusCollector` under the session and collects it with `Session.genitems` — the same route pytest takes, so
collection reports, `pytest_itemcollected`, `-k`, `--deselect`, `-x`, `--co` and `--junitxml` all see the
items. Their node ids are `parity-corpus::<label>` (a label shared by two files gets `[<file name>]`
appended); in JUnit XML each case is one `<testcase classname="parity-corpus" name="<label>">`.

The corpus items come on top of what pytest collects anyway: its path arguments, else `testpaths` (in this
repository `tests/`), else the current folder. `pytest --parity-corpus corpus/` with no other argument
therefore runs the corpus and the test suite; to run the corpus alone, give a path that holds no tests, e.g.
`pytest corpus/ --parity-corpus corpus/`.

Write `--parity-corpus=PATH` (with `=`) for a path outside the current folder: pytest picks its rootdir and
config file before plugins' options are known, so a separate value is taken for a test path there.

One keep-alive `Transport` serves the whole session. It is opened, and with `--parity-reference` the
runtimes are built and started, when the first item runs — `--co` never reaches a runtime — and everything is
closed and stopped at the end of the session. Relative paths and the default config (`parity.toml`, then
`[tool.parity-fuzz]` in `pyproject.toml`) are read from the folder pytest was started in, as the CLI does.

The plugin also serves the tests `fuzzer.differential_test` makes, with or without `--parity-corpus`: one that
cannot start (a ParityError before its first example) is reported as its error's one line.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections import Counter
from collections.abc import Generator, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from fuzzer._compare import ComparePolicy
    from fuzzer._config import Config as ParityConfig
    from fuzzer._errors import CaseFileError
    from fuzzer._model import Response, Target
    from fuzzer._replay import Judged
    from fuzzer._send import Transport
    from fuzzer._store import StoredCase

COLLECTOR = "parity-corpus"
SHORT_BODY = 200
VERDICT_PROPERTY = "parity.verdict"
SIGNATURE_PROPERTY = "parity.signature"
DETAIL_PROPERTY = "parity.detail"
_CLI_OPTION = re.compile(r"(?<![\w-])--(allow-remote|reference|config|target)\b")


# ---------------------------------------------------------------- options


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("parity-fuzz", "parity-fuzz: replay a case corpus as test items")
    group.addoption(
        "--parity-corpus",
        action="append",
        default=[],
        metavar="PATH",
        help="Case file or folder of case files; each case becomes one test item (repeatable).",
    )
    group.addoption(
        "--parity-target",
        action="append",
        default=[],
        metavar="NAME=URL",
        help="A runtime to compare; give exactly two (default: the targets of the parity-fuzz config).",
    )
    group.addoption("--parity-config", default=None, metavar="PATH", help="parity.toml to read.")
    group.addoption("--parity-strict", action="store_true", help="KNOWN divergences fail too.")
    group.addoption(
        "--parity-reference",
        action="store_true",
        help="Build and start the bundled Rust and Go runtimes for the session; stop them at the end.",
    )
    group.addoption(
        "--parity-allow-remote", action="store_true", help="Allow targets outside loopback (hostile input!)."
    )


@dataclass(frozen=True, slots=True)
class Options:
    """What the `--parity-*` options asked for, checked."""

    paths: tuple[Path, ...]
    config: ParityConfig
    targets: tuple[Target, Target] | None  # None: start the bundled runtimes
    strict: bool
    root: Path


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("parity_corpus"):
        return
    options = _options(config)
    plugin = ParitySession(config, options)
    config.stash[SESSION] = plugin
    config.pluginmanager.register(plugin, "parity-fuzz-session")


def _options(config: pytest.Config) -> Options:
    from fuzzer._config import check_loopback, load_config, parse_targets
    from fuzzer._errors import ConfigError

    root = config.invocation_params.dir
    paths = tuple(root / path for path in config.getoption("parity_corpus"))
    for path in paths:
        if not path.exists():
            raise pytest.UsageError(f"--parity-corpus {path}: no such file or folder; pass a case file or a folder")
    targets: list[str] = config.getoption("parity_target")
    reference: bool = config.getoption("parity_reference")
    if reference and targets:
        raise pytest.UsageError("--parity-reference starts its own runtimes; drop --parity-target or it")
    config_path: str | None = config.getoption("parity_config")
    try:
        parity = load_config(root / config_path if config_path else None, root=root)
        pair = None if reference else parse_targets(targets, "--parity-target") if targets else parity.targets
        if pair is not None and not config.getoption("parity_allow_remote"):
            check_loopback(pair, allow_remote=False)
    except ConfigError as err:
        raise pytest.UsageError(_our_options(str(err))) from err
    return Options(paths, parity, pair, config.getoption("parity_strict"), root)


def _our_options(message: str) -> str:
    """A fuzzer message that names a CLI option, with the plugin's option instead."""
    return _CLI_OPTION.sub(r"--parity-\1", message)


# ---------------------------------------------------------------- the session


class ParitySession:
    """The plugin's state for one pytest run; registered only when `--parity-corpus` is given."""

    def __init__(self, config: pytest.Config, options: Options) -> None:
        self.config = config
        self.options = options
        self._resources = contextlib.ExitStack()
        self._transport: Transport | None = None
        self._policy: ComparePolicy | None = None
        self._failure: Exception | None = None
        self._outcomes: list[tuple[str, str, str]] = []  # (label, verdict, detail)

    # ---- runtimes, reached by the first item

    def transport(self) -> Transport:
        """The session's keep-alive Transport, opened (and the runtimes started) on first use."""
        if self._failure is not None:
            raise SessionUnusable(_our_options(str(self._failure)))
        if self._transport is None:
            from fuzzer._campaign import read_policy
            from fuzzer._errors import ParityError
            from fuzzer._runtimes import reference
            from fuzzer._send import Transport, probe_health

            try:
                pair = self.options.targets or self._resources.enter_context(reference())
                config = self.options.config
                transport = Transport(
                    pair,
                    timeout=config.timeout,
                    extra_headers=config.headers,
                    keep_headers=config.policy.kept_headers,
                )
                self._resources.enter_context(transport)
                probe_health(transport, self.options.config.health)  # both must answer: a dead pair must not "agree"
                self._policy = read_policy(transport, config)
                self._transport = transport
            except ParityError as err:
                self._failure = err
                self.close()
                raise SessionUnusable(_our_options(str(err))) from err
        return self._transport

    def judge(self, stored: StoredCase) -> Judged:
        from fuzzer._replay import replay

        transport = self.transport()
        return replay([stored], transport, self._policy or self.options.config.policy)[0]

    def close(self) -> None:
        self._transport = None
        self._resources.close()

    # ---- hooks

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> Generator[None, None, None]:
        collector = CorpusCollector.from_parent(session, name=COLLECTOR, nodeid=COLLECTOR)
        items.extend(session.genitems(collector))
        return (yield)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        properties = dict(report.user_properties)
        if report.when == "call" and VERDICT_PROPERTY in properties:
            label = report.nodeid.split("::", 1)[-1]
            self._outcomes.append((label, str(properties[VERDICT_PROPERTY]), str(properties.get(DETAIL_PROPERTY, ""))))

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self._outcomes:
            return
        counts = Counter(verdict for _, verdict, _ in self._outcomes)
        terminalreporter.write_sep("-", "parity-fuzz")
        tally = " · ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items()))
        terminalreporter.write_line(f"{len(self._outcomes)} cases: {tally}")
        for label, verdict, detail in self._outcomes:
            if verdict == "FIXED":
                terminalreporter.write_line(f"FIXED {label}: {detail}")

    def pytest_sessionfinish(self) -> None:
        self.close()

    def pytest_unconfigure(self) -> None:
        self.close()


SESSION = pytest.StashKey[ParitySession]()


class SessionUnusable(Exception):
    """The runtimes could not be started (or the transport opened); every item reports the same cause."""

    def __init__(self, cause: str) -> None:
        super().__init__(f"parity-fuzz: cannot reach the runtimes: {cause}")


# ---------------------------------------------------------------- collection


class CorpusCollector(pytest.Collector):
    """All case files named by `--parity-corpus`, under the session."""

    def collect(self) -> Iterable[pytest.Item]:
        from fuzzer._errors import CorpusError
        from fuzzer._store import load

        options = self.config.stash[SESSION].options
        try:
            cases, errors = load(list(options.paths))
        except CorpusError as err:
            raise pytest.UsageError(str(err)) from err
        shown = [replace(stored, path=_shown(stored.path, options.root)) for stored in cases]
        labels = Counter(stored.label for stored in shown)
        items: list[pytest.Item] = []
        for stored in shown:
            assert stored.path is not None
            name = stored.label if labels[stored.label] == 1 else f"{stored.label}[{stored.path.name}]"
            items.append(CaseItem.from_parent(self, name=name, path=options.root / stored.path, stored=stored))
        for error in errors:
            path = _shown(Path(error.path), options.root)
            items.append(CaseItem.from_parent(self, name=str(path), path=options.root / path, problem=error))
        return items


def _shown(path: Path | None, root: Path) -> Path:
    assert path is not None
    with contextlib.suppress(ValueError):
        return path.relative_to(root)
    return path


class CaseFailed(Exception):
    """A failing verdict; its message is the whole report (no traceback)."""


class CaseItem(pytest.Item):
    """One case file: replayed against both targets when run, and judged."""

    def __init__(
        self, *, stored: StoredCase | None = None, problem: CaseFileError | None = None, **kwargs: object
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.stored = stored
        self.problem = problem

    def runtest(self) -> None:
        from fuzzer._replay import Verdict, unreadable

        session = self.config.stash[SESSION]
        if self.stored is not None:
            judged = session.judge(self.stored)
        else:
            assert self.problem is not None
            judged = replace(unreadable([self.problem])[0], label=self.name, path=self.name)
        self.user_properties.append((VERDICT_PROPERTY, judged.verdict.value))
        if judged.signature:
            self.user_properties.append((SIGNATURE_PROPERTY, judged.signature))
        if judged.detail:
            self.user_properties.append((DETAIL_PROPERTY, judged.detail))
        if judged.fails(session.options.strict):
            raise CaseFailed(failure_text(judged))
        if judged.verdict is Verdict.KNOWN:
            self.add_report_section("call", "parity-fuzz", f"KNOWN {judged.signature}: {judged.detail}")
        elif judged.verdict is Verdict.FIXED:
            self.add_report_section("call", "parity-fuzz", f"FIXED: {judged.detail}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: str | None = None) -> str | object:
        if isinstance(excinfo.value, CaseFailed | SessionUnusable):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)  # type: ignore[arg-type]

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"parity case {self.name}"


# ---------------------------------------------------------------- differential tests


DIFFERENTIAL_MARK = "_parity_differential"
"""The attribute `fuzzer.differential_test` sets on the tests it makes (`fuzzer._property.MARK`)."""


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A differential test that could not start (a bad config, an unreadable corpus, a target that does not
    answer) fails with its error's one line, not with a traceback through Hypothesis."""
    report = yield
    if call.excinfo is not None and getattr(getattr(item, "obj", None), DIFFERENTIAL_MARK, False):
        from fuzzer._errors import ParityError

        if isinstance(call.excinfo.value, ParityError):
            report.longrepr = f"parity-fuzz: {call.excinfo.value}"
    return report


# ---------------------------------------------------------------- failure text


def failure_text(judged: Judged) -> str:
    """Verdict and detail, what was expected, and each runtime's status and short body."""
    lines = [f"{judged.verdict.value}: {judged.detail}", f"case file: {judged.path}"]
    if judged.stored is not None:
        expect = judged.stored.expect
        wanted = expect.outcome if expect.signature is None else f"{expect.outcome} {expect.signature} ({expect.key})"
        lines.append(f"expected: {wanted}")
    if judged.exchange is not None:
        width = max(len(t.name) for t in judged.exchange.targets)
        for target, response in zip(judged.exchange.targets, judged.exchange.responses, strict=True):
            lines.append(f"{target.name:<{width}}  HTTP {response.status_label:<7} {short_body(response)}")
        if any(r.status is None for r in judged.exchange.responses):
            lines.append("start the runtimes, pass other --parity-target URLs, or pass --parity-reference")
    return "\n".join(lines)


def short_body(response: Response) -> str:
    """One line: compact JSON when the body is JSON, else its text; capped at SHORT_BODY characters."""
    if response.status is None:
        return f"(no answer{': ' + response.detail if response.detail else ''})"
    try:
        text = json.dumps(json.loads(response.body), ensure_ascii=False, separators=(",", ":"))
    except (ValueError, RecursionError):
        text = response.body.decode("utf-8", "backslashreplace").replace("\n", "\\n")
    if len(text) > SHORT_BODY or response.truncated:
        text = text[:SHORT_BODY] + f"… ({len(response.body)} bytes)"
    return text or "(empty body)"
