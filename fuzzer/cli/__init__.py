"""The command line: the only place that knows click and rich."""

from fuzzer.cli._main import cli, main

__all__ = ["cli", "main"]
