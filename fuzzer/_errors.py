"""The errors parity-fuzz raises. Every message says what is wrong, why, and what to do.

    ParityError                      root; the CLI turns it into one line and its exit code
    ├── ConfigError                  a config file, option or schema is unusable            (exit 2)
    │   └── OpenAPIError             an OpenAPI document cannot be read, or breaks a rule
    ├── TargetError                  a runtime cannot be used                               (exit 2)
    │   ├── TargetUnreachable        nothing answers at the target's URL at start
    │   └── RuntimeSetupError        a bundled runtime cannot be built, started or stopped
    └── CorpusError                  the corpus cannot be read or written                   (exit 2)
        └── CaseFileError            one case file is unreadable or not in the case format

    NewDivergence (AssertionError)   not an error but a test failure: a differential test
    └── Divergence_<digest>          (fuzzer._property) met a class its corpus does not know; one type per class

Foreign errors (OSError, httpx, json, tomllib) are translated where they happen and raised `from` the original.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class ParityError(Exception):
    """Root of every error parity-fuzz raises on purpose."""

    exit_code = EXIT_USAGE


class ConfigError(ParityError):
    pass


class OpenAPIError(ConfigError):
    """An OpenAPI document is unreadable or invalid. The message is one line: what, where, and what to do.

    `source` is the file, `pointer` the JSON pointer of the offending value inside it (`""` is the whole
    document, `None` unknown), `line` its 1-based line when the file's text gives one.
    """

    def __init__(
        self, source: str, what: str, fix: str, *, pointer: str | None = None, line: int | None = None
    ) -> None:
        place = source if line is None else f"{source}:{line}"
        where = "" if pointer is None else f" at {pointer or 'the top level'}"
        super().__init__(_one_line(f"openapi {place}: {what}{where}; {fix}"))
        self.source = source
        self.what = what
        self.fix = fix
        self.pointer = pointer
        self.line = line


def _one_line(text: str) -> str:
    return " ".join(text.split())


class TargetError(ParityError):
    pass


class TargetUnreachable(TargetError):
    def __init__(
        self, name: str, url: str, cause: str, fix: str = "start it, or pass --reference to start the bundled runtimes"
    ) -> None:
        super().__init__(f"target {name} at {url} is unreachable ({cause}); {fix}")
        self.name = name
        self.url = url


class RuntimeSetupError(TargetError):
    pass


class CorpusError(ParityError):
    pass


class CaseFileError(CorpusError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"case file {path}: {reason}")
        self.path = path
        self.reason = reason
