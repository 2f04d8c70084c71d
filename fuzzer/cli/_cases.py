"""`parity-fuzz cases`: the requests a campaign over an OpenAPI document would send, printed, not sent."""

from __future__ import annotations

from pathlib import Path

import click

from fuzzer._errors import EXIT_OK, ConfigError
from fuzzer._model import Case
from fuzzer.cli._main import State, cli, comma_list
from strategies._source import sample_cases
from strategies.openapi import MODES, compile_operations, load_openapi, operation_cases, select

PREVIEW = 200
"""Body bytes shown per request."""


FILTERS = (
    "include_operation_id",
    "include_path",
    "include_tag",
    "exclude_operation_id",
    "exclude_path",
    "exclude_tag",
)


def selection_options(function):  # type: ignore[no-untyped-def]
    """The operation filters, as Schemathesis spells them (`strategies.openapi.select`)."""
    for option, metavar, text in reversed(
        (
            ("--include-operation-id", "ID", "Only these operationIds (repeatable)."),
            ("--include-path", "REGEX", "Only paths matching (repeatable)."),
            ("--include-tag", "TAG", "Only operations with this tag (repeatable)."),
            ("--exclude-operation-id", "ID", "Not these operationIds (repeatable)."),
            ("--exclude-path", "REGEX", "Not paths matching (repeatable)."),
            ("--exclude-tag", "TAG", "Not operations with this tag (repeatable)."),
        )
    ):
        function = click.option(option, multiple=True, metavar=metavar, help=text)(function)
    return function


@cli.command()
@click.option("--openapi", "spec", type=click.Path(path_type=Path), required=True, help="The OpenAPI 3.x document.")
@click.option(
    "-n", "count", type=click.IntRange(1, 10_000), default=10, show_default=True, help="Requests per operation."
)
@click.option(
    "--operation", "keys", multiple=True, metavar="KEY", help="An operationId or 'METHOD /path' (repeatable)."
)
@selection_options
@click.option("--mode", "modes", default=",".join(MODES), show_default=True, help="Comma-separated modes.")
@click.option("--seed", type=int, default=None, help="Draw other requests (default: the same ones every run).")
@click.pass_obj
def cases(
    state: State,
    spec: Path,
    count: int,
    keys: tuple[str, ...],
    modes: str,
    seed: int | None,
    **filters: tuple[str, ...],
) -> int:
    """Print the requests a campaign would send to each selected operation, without sending anything."""
    chosen_modes = comma_list(modes, MODES, "--mode")
    api = load_openapi(spec)
    operations = select(api, **filters)
    if keys:
        wanted = []
        for key in keys:
            try:
                wanted.append(api.operation(key))
            except KeyError:
                names = ", ".join(operation.key for operation in api.operations[:8])
                raise ConfigError(
                    f"--operation {key!r}: no such operation in {spec}; operations include {names}"
                ) from None
        operations = [operation for operation in operations if operation in wanted]
        if not operations:
            raise ConfigError("--operation and the selection options leave no operation; loosen one of them")
    for plan in compile_operations(api, operations):
        strategy = operation_cases(api, [plan.operation], chosen_modes)
        for case in sample_cases(strategy, count, seed):
            state.out.print(show(case), markup=False, highlight=False, soft_wrap=True)
    return EXIT_OK


def show(case: Case) -> str:
    """One request: a comment line with operation, mode and label, the request line, headers, a body preview."""
    request = case.request
    lines = [f"# {case.operation}  {case.mode}  {case.label}", f"{request.method} {request.path}"]
    lines += [f"{name}: {value}" for name, value in request.headers]
    if request.body:
        text = request.body[:PREVIEW].decode("utf-8", "backslashreplace")
        more = f" … ({len(request.body)} bytes)" if len(request.body) > PREVIEW else ""
        lines.append(f"\n{text}{more}")
    return "\n".join(lines) + "\n"
