"""The errors parity-fuzz raises. Every message says what is wrong, why, and what to do.

    ParityError                      root; the CLI turns it into one line and its exit code
    ├── ConfigError                  a config file, option or schema is unusable            (exit 2)
    ├── TargetError                  a runtime cannot be used                               (exit 2)
    │   ├── TargetUnreachable        nothing answers at the target's URL at start
    │   └── RuntimeSetupError        a bundled runtime cannot be built, started or stopped
    └── CorpusError                  the corpus cannot be read or written                   (exit 2)
        └── CaseFileError            one case file is unreadable or not in the case format

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


class TargetError(ParityError):
    pass


class TargetUnreachable(TargetError):
    def __init__(self, name: str, url: str, cause: str) -> None:
        super().__init__(
            f"target {name} at {url} is unreachable ({cause}); start it, or pass --reference to start "
            "the bundled runtimes"
        )
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
