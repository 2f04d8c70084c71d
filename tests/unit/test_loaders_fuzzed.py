"""The loaders of config files, case files and schemas, fed generated bad input by Hypothesis.

Whatever the bytes, each loader gives a valid result or one of the project's own errors (ConfigError,
CaseFileError, or the ValueError the schema loader and compiler document), never another exception; and
`corpus check` refuses exactly the case files that replay cannot read.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzzer._config import Config, load_config
from fuzzer._errors import CaseFileError, ConfigError
from fuzzer._store import dumps, file_problems, read_case
from strategies import compile_schema, load_schema

from .builders import stored

FUZZED = settings(
    max_examples=150, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)

# ---------------------------------------------------------------- values, as TOML and JSON hold them

scalars = (
    st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.sampled_from([0, -1, 1, 256, 257, 2**40])
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["", "/", "/v1/validate", "http://127.0.0.1:1", "${PARITY_NOT_SET}", "a.json", "\r\n", "é"])
)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=10,
)
KEYS = ["targets", "endpoint", "health", "timeout", "workers", "ignore", "key_paths", "adapters", "kinds"]
KEYS += ["roster", "headers", "secret_headers", "extra"]


def toml_value(value: Any) -> str:
    """`value` written as TOML (inline tables and arrays; TOML has no null, so None is not generated)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return "{" + ", ".join(f"{toml_string(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes, but characters beyond the BMP written as they are (TOML refuses the
    surrogate pairs JSON would write), and DEL escaped."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


documents = st.dictionaries(st.sampled_from(KEYS), values, max_size=5).map(
    lambda table: "".join(f"{key} = {toml_value(value)}\n" for key, value in table.items())
)
mangled = st.tuples(documents, st.integers(0, 200), st.sampled_from(["", "[", "]", "=", '"', "\n[[", "\\", "\x00"]))


def in_folder(name: str, content: str | bytes) -> tuple[Path, tempfile.TemporaryDirectory[str]]:
    folder = tempfile.TemporaryDirectory()
    path = Path(folder.name) / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    (Path(folder.name) / "a.json").write_text('{"type": "object"}', encoding="utf-8")
    return path, folder


def load_or_refuse(path: Path) -> None:
    try:
        config = load_config(path)
    except ConfigError as err:
        assert "\n" not in str(err), str(err)
    else:
        assert isinstance(config, Config)
        assert 1 <= config.workers <= 256 and 0 < config.timeout <= 3600


# ---------------------------------------------------------------- config


@FUZZED
@given(documents)
def test_generated_configs_load_or_give_a_config_error(text: str) -> None:
    path, folder = in_folder("parity.toml", text)
    with folder:
        load_or_refuse(path)


@FUZZED
@given(mangled)
def test_mangled_configs_load_or_give_a_config_error(parts: tuple[str, int, str]) -> None:
    text, at, junk = parts
    path, folder = in_folder("parity.toml", text[:at] + junk + text[at:])
    with folder:
        load_or_refuse(path)


@FUZZED
@given(st.binary(max_size=200))
def test_config_bytes_load_or_give_a_config_error(data: bytes) -> None:
    path, folder = in_folder("parity.toml", data)
    with folder:
        load_or_refuse(path)


# ---------------------------------------------------------------- case files


def edited(record: Any, path: list[Any], value: Any, delete: bool) -> Any:
    """A copy of `record` with the value at `path` (as far as it exists) replaced or deleted."""
    record = json.loads(json.dumps(record))
    target = record
    for step in path[:-1]:
        if isinstance(target, dict) and step in target:
            target = target[step]
        else:
            return record
    last = path[-1] if path else None
    if isinstance(target, dict) and last is not None:
        if delete:
            target.pop(last, None)
        else:
            target[last] = value
    return record


FIELDS = [
    ["format"],
    ["label"],
    ["origin"],
    ["kind"],
    ["mode"],
    ["request"],
    ["request", "method"],
    ["request", "path"],
    ["request", "headers"],
    ["request", "body"],
    ["request", "body_text"],
    ["request", "body_base64"],
    ["expect"],
    ["expect", "outcome"],
    ["expect", "signature"],
    ["expect", "level"],
    ["expect", "signature_version"],
    ["observed"],
    ["observed", "rust"],
    ["observed", "rust", "outcome"],
    ["observed", "rust", "body_base64"],
    ["note"],
    ["extra"],
]
case_records = st.builds(
    edited,
    st.just(json.loads(dumps(stored()))),
    st.sampled_from(FIELDS),
    values | st.none() | st.just("\ud800"),
    st.booleans(),
)
case_texts = (
    case_records.map(json.dumps)
    | values.map(json.dumps)
    | st.integers(1, 3000).map(lambda depth: "[" * depth + "]" * depth)
    | st.text(max_size=50)
)


def read_or_refuse(path: Path) -> None:
    problems = file_problems(path)
    try:
        read_case(path)
    except CaseFileError as err:
        assert problems, f"read_case refused a file corpus check accepts: {err}"
        assert err.reason.startswith(problems[0])
        assert "\n" not in str(err)
    else:
        assert problems == [], f"read_case read a file corpus check refuses: {problems}"


@FUZZED
@given(case_texts)
def test_generated_case_files_read_or_give_a_case_file_error(text: str) -> None:
    path, folder = in_folder("case.json", text)
    with folder:
        read_or_refuse(path)


@FUZZED
@given(st.binary(max_size=200))
def test_case_file_bytes_read_or_give_a_case_file_error(data: bytes) -> None:
    path, folder = in_folder("case.json", data)
    with folder:
        read_or_refuse(path)


# ---------------------------------------------------------------- schemas


def schema_objects(depth: int) -> st.SearchStrategy[dict[str, Any]]:
    """Schema-like objects: each keyword mostly with a value of the kind draft-07 wants, sometimes not."""
    child: st.SearchStrategy[Any] = st.just({}) | st.booleans() if depth == 0 else schema_objects(depth - 1)
    names = st.sampled_from(["a", "b", "c"])
    sizes = st.integers(-1, 12) | st.sampled_from([2.0, 10**6])
    bounds = st.integers(-5, 5) | st.sampled_from([0.5, -2.5, 1e308, -1e308, 10**20])
    keywords: dict[str, st.SearchStrategy[Any]] = {
        "type": st.sampled_from(["object", "array", "string", "integer", "number", "boolean", "null", "date"])
        | st.lists(st.sampled_from(["string", "integer", "null", "object"]), min_size=1, max_size=3, unique=True),
        "properties": st.dictionaries(names, child, max_size=3),
        "required": st.lists(names, max_size=3, unique=True),
        "additionalProperties": st.booleans() | child,
        "minProperties": sizes,
        "items": child | st.lists(child, min_size=1, max_size=2),
        "minItems": sizes,
        "maxItems": sizes,
        "uniqueItems": st.booleans(),
        "minLength": sizes,
        "maxLength": sizes,
        "pattern": st.sampled_from(["^a+$", "[a-z]{2,}", "(", "\\d", "^$", "x|y"]),
        "format": st.sampled_from(["date", "email", "uuid", "regex", "no-such-format", "ipv4"]),
        "minimum": bounds,
        "maximum": bounds,
        "exclusiveMinimum": bounds,
        "exclusiveMaximum": bounds,
        "multipleOf": st.sampled_from([1, 2, 3, 0.5, 0.1, 1e-9, 10**20]),
        "enum": st.lists(scalars | st.none(), min_size=1, max_size=3),
        "const": scalars | st.none() | st.lists(st.integers(), max_size=2),
        "anyOf": st.lists(child, min_size=1, max_size=2),
        "oneOf": st.lists(child, min_size=1, max_size=2),
        "allOf": st.lists(child, min_size=1, max_size=2),
        "not": child,
        "$ref": st.sampled_from(["#", "#/definitions/a", "#/nowhere", "http://example.invalid/s.json", "b.json"]),
        "definitions": st.dictionaries(names, child, max_size=2),
    }
    pairs = st.lists(st.sampled_from(sorted(keywords)), max_size=4, unique=True).flatmap(
        lambda chosen: st.fixed_dictionaries({key: keywords[key] for key in chosen})
    )
    wrong = st.dictionaries(st.sampled_from(sorted(keywords)), values, max_size=2)  # any value, rarely valid
    return st.one_of(pairs, pairs, pairs, wrong)


schema_texts = schema_objects(2).map(json.dumps) | values.map(json.dumps) | st.text(max_size=30)


@FUZZED
@given(schema_texts, st.data())
def test_generated_schemas_load_compile_and_draw_or_give_a_value_error(text: str, data: st.DataObject) -> None:
    path, folder = in_folder("schema.json", text)
    with folder:
        try:
            schema = load_schema(path)
        except ValueError as err:
            assert str(err).startswith(f"schema {path}: ")
            return
    try:
        strategy = compile_schema(schema, {})
    except ValueError:
        return
    data.draw(strategy)  # a value, or (for a schema no value fits) an example Hypothesis skips


@FUZZED
@given(schema_texts)
def test_schemas_named_by_a_config_load_or_give_a_config_error(text: str) -> None:
    path, folder = in_folder("parity.toml", '[kinds.order]\nartifact = "schema.json"\n')
    with folder:
        (path.parent / "schema.json").write_text(text, encoding="utf-8", errors="surrogatepass")
        load_or_refuse(path)
