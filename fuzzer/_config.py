"""Config: `parity.toml` at the project root, or `[tool.parity-fuzz]` in `pyproject.toml`.

Every key is checked for its type and range when the file is loaded; anything else is a ConfigError of one
line that names the file, the key, the value and the fix (the CLI exits with code 2).

endpoint = "/v1/validate"          # the path every case is sent to
health = "/health"                 # probed at start and when a runtime stops answering
timeout = 5.0                      # seconds per request
workers = 16                       # cases in flight at once
ignore = ["/elapsed_ms"]           # JSON pointers removed before comparing (`*` = any key or index)
key_paths = ["/error/kind", "/error/field"]   # the rule a JSON answer names: part of every signature
rule_order = ["schema/artifact", …] # the order the contract checks its rules in (first failure wins)
scope_paths = ["/kind"]            # what an answer echoes of the request as it understood it
compare_headers = ["Content-Type", "Allow", "Location"]   # response headers that are compared
learn_noise = true                 # paths whose value differs between two answers of one runtime are ignored
roster = "targets/roster.json"     # contract knowledge for the bundled kinds
contract = "bundled"               # the contract plug-in: "bundled", "none", or "package.module:NAME"
openapi = "targets/openapi.yaml"   # fuzz every operation of this OpenAPI 3.x document instead of `endpoint`
secret_headers = ["X-Tenant"]      # redacted wherever a case or report is written

[targets]                          # exactly two
rust = "http://127.0.0.1:3100"
go = "http://127.0.0.1:4110"

[[adapters]]                       # wire shape → canonical shape, before comparing
name = "serde-enum"
path = "/error"
targets = []                       # empty: both

[kinds.playbook]                   # JSON Schemas (draft-07) the strategies read
artifact = "strategies/schemas/playbook.json"

[headers]                          # extra request headers; "${NAME}" reads the environment
X-Api-Key = "${PARITY_API_KEY}"

[[message_rules]]                  # framework-message rewrites for templates, after the built-in ones
pattern = "request id [0-9a-f-]+"  # a regular expression over the lower-cased template
replace = "request id _"
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from fuzzer import _bundled
from fuzzer._adapters import BUILTIN, AdapterRule, adapter_named
from fuzzer._compare import ComparePolicy, split_pointer
from fuzzer._errors import ConfigError
from fuzzer._jsonfile import read_schema
from fuzzer._model import Target
from fuzzer._outcome import MessageRule

ALWAYS_SECRET = frozenset({"authorization", "cookie", "x-api-key", "proxy-authorization"})
REDACTED = "<redacted>"
MIN_TIMEOUT, MAX_TIMEOUT = 0.01, 3600.0
"""Seconds a request may take, from connect to the last byte (`timeout`, `--timeout`)."""
MAX_WORKERS = 256
"""Cases in flight at once, at most (`workers`, `--workers`)."""
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP header name (RFC 9110 token)
_REQUEST_PATH = re.compile(r"/[!-~]*")  # what can follow the method on a request line
_PLUGIN = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")  # package.module:NAME
_KEYS = (
    "targets",
    "endpoint",
    "health",
    "timeout",
    "workers",
    "ignore",
    "key_paths",
    "adapters",
    "kinds",
    "roster",
    "headers",
    "secret_headers",
    "message_rules",
    "learn_noise",
    "rule_order",
    "scope_paths",
    "compare_headers",
    "openapi",
    "contract",
)


@dataclass(frozen=True, slots=True)
class KindFiles:
    name: str
    artifact: Path
    context: Path | None = None
    context_required: bool = False


def _bundled_kinds() -> tuple[KindFiles, ...]:
    return tuple(
        KindFiles(
            name,
            _bundled.SCHEMAS / artifact,
            None if context is None else _bundled.SCHEMAS / context,
            required,
        )
        for name, (artifact, context, required) in _bundled.KINDS.items()
    )


@dataclass(frozen=True, slots=True)
class Config:
    targets: tuple[Target, Target] = (Target(*_bundled.TARGET_URLS[0]), Target(*_bundled.TARGET_URLS[1]))
    endpoint: str = _bundled.ENDPOINT
    health: str = _bundled.HEALTH
    timeout: float = 5.0
    workers: int = 16
    policy: ComparePolicy = field(
        default_factory=lambda: ComparePolicy(
            ignore=("/elapsed_ms",),
            adapters=(AdapterRule(adapter_named("serde-enum"), "/error"),),
            key_paths=_bundled.KEY_PATHS,
            rule_order=_bundled.RULE_ORDER,
            scope_paths=_bundled.SCOPE_PATHS,
        )
    )
    kinds: tuple[KindFiles, ...] = field(default_factory=_bundled_kinds)
    roster: Path | None = field(default_factory=_bundled.default_roster)
    headers: tuple[tuple[str, str], ...] = ()
    secret_headers: frozenset[str] = ALWAYS_SECRET
    learn_noise: bool = True
    contract: str = "bundled"  # the contract plug-in (`strategies._contract`): formats and fix-ups
    openapi: Path | None = None  # an OpenAPI document: its operations are fuzzed instead of `endpoint` and `kinds`
    source: str = "defaults"
    targets_set: bool = False  # the file has a `[targets]` table (`targets` is the default pair otherwise)

    def is_secret(self, header: str) -> bool:
        return header.lower() in self.secret_headers

    def redact(self, headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        return tuple((name, REDACTED if self.is_secret(name) else value) for name, value in headers)


def load_config(path: Path | None = None, root: Path | None = None) -> Config:
    """The config at `path`, else `parity.toml` or `pyproject.toml`'s `[tool.parity-fuzz]` in `root`, else defaults.
    Raises ConfigError, one line naming the file, the key, the value and the fix, for anything it cannot use."""
    root = root or Path.cwd()
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"config {path}: no such file; pass an existing file to --config")
        table = _read_toml(path)
        if path.name == "pyproject.toml":
            table = _tool_table(table, path) or {}
        return _build(table, path)
    candidate = root / "parity.toml"
    if candidate.is_file():
        return _build(_read_toml(candidate), candidate)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        table = _tool_table(_read_toml(pyproject), pyproject)
        if table is not None:
            return _build(table, pyproject)
    return Config()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as err:
        raise ConfigError(f"config {path}: cannot read it ({err.strerror}); check its permissions") from err
    except UnicodeDecodeError as err:
        raise ConfigError(f"config {path}: not UTF-8 text (byte {err.start}); save it as UTF-8") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"config {path}: not valid TOML ({err}); fix the file") from err
    except RecursionError:
        raise ConfigError(f"config {path}: nested too deeply to read; no key needs more than two levels") from None


def _tool_table(document: dict[str, Any], path: Path) -> dict[str, Any] | None:
    tool = document.get("tool", {})
    table = tool.get("parity-fuzz") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        _fail(path, "tool.parity-fuzz", table, "is not a table", "write it as [tool.parity-fuzz]")
    return table


def _build(table: dict[str, Any], path: Path) -> Config:
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise ConfigError(f"config {path}: unknown key {unknown[0]!r}; known keys: {', '.join(sorted(_KEYS))}")
    defaults = Config()
    base = path.parent
    headers, from_env = _headers(table["headers"], path) if "headers" in table else ((), set())
    secret = _strings(table, "secret_headers", path, [])
    for name in secret:
        if not _TOKEN.fullmatch(name):
            _fail(path, "secret_headers", name, "is not a header name", "list header names such as X-Tenant")
    return Config(
        targets=_targets(table["targets"], path) if "targets" in table else defaults.targets,
        endpoint=_request_path(table, "endpoint", path, defaults.endpoint),
        health=_request_path(table, "health", path, defaults.health),
        timeout=_timeout(table, path, defaults.timeout),
        workers=_workers(table, path, defaults.workers),
        policy=ComparePolicy(
            ignore=_pointers(table, "ignore", path, defaults.policy.ignore),
            adapters=_adapters(table["adapters"], path) if "adapters" in table else defaults.policy.adapters,
            key_paths=_pointers(table, "key_paths", path, defaults.policy.key_paths),
            message_rules=defaults.policy.message_rules + _message_rules(table, path),
            rule_order=_rule_order(table, path, defaults.policy.rule_order),
            scope_paths=_pointers(table, "scope_paths", path, defaults.policy.scope_paths),
            headers=_header_names(table, path, defaults.policy.headers),
        ),
        kinds=_kinds(table["kinds"], base, path) if "kinds" in table else defaults.kinds,
        roster=_roster(table["roster"], base, path) if "roster" in table else defaults.roster,
        headers=headers,
        secret_headers=ALWAYS_SECRET | {name.lower() for name in secret} | from_env,
        learn_noise=_flag(table, "learn_noise", path, defaults.learn_noise),
        openapi=_openapi(table["openapi"], base, path) if "openapi" in table else None,
        contract=_contract(table["contract"], path) if "contract" in table else defaults.contract,
        source=str(path),
        targets_set="targets" in table,
    )


# ---------------------------------------------------------------- one key at a time


def _shown(value: Any) -> str:
    """A value as the message shows it: TOML-like, cut to 60 characters."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # inf, -inf, nan: TOML's spelling
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _fail(path: Path, key: str, value: Any, problem: str, fix: str) -> NoReturn:
    raise ConfigError(f"config {path}: {key} = {_shown(value)} {problem}; {fix}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _flag(table: dict[str, Any], key: str, path: Path, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        _fail(path, key, value, "is not true or false", f"write {key} = true or {key} = false")
    return value


def _header_names(table: dict[str, Any], path: Path, default: tuple[str, ...]) -> tuple[str, ...]:
    names = _strings(table, "compare_headers", path, default)
    for name in names:
        if not _TOKEN.fullmatch(name):
            _fail(path, "compare_headers", name, "is not a header name", 'list names such as "Allow"')
    return tuple(dict.fromkeys(name.lower() for name in names))


def _rule_order(table: dict[str, Any], path: Path, default: tuple[str, ...]) -> tuple[str, ...]:
    """`rule_order` as given; without it the bundled order, but only while the key paths are the default ones
    (another contract's rules are named differently)."""
    if "rule_order" not in table:
        return default if "key_paths" not in table else ()
    rules = _strings(table, "rule_order", path, [])
    if not all(rules):
        _fail(
            path, "rule_order", rules, "holds an empty rule", 'list rules as signatures name them: "schema/fingerprint"'
        )
    return tuple(rules)


def _message_rules(table: dict[str, Any], path: Path) -> tuple[MessageRule, ...]:
    items = table.get("message_rules", [])
    if not isinstance(items, list):
        _fail(path, "message_rules", items, "is not a list of tables", "write [[message_rules]] tables")
    rules = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("pattern"), str):
            _fail(path, "message_rules", item, "is not a table with a pattern", 'write pattern = "…" and replace = "…"')
        replacement = item.get("replace", "_")
        if not isinstance(replacement, str) or set(item) - {"pattern", "replace"}:
            _fail(path, "message_rules", item, "has other keys or a replace that is not text", 'write replace = "_"')
        try:
            rules.append(MessageRule.of(item["pattern"], replacement))
        except re.error as err:
            _fail(path, "message_rules.pattern", item["pattern"], f"is not a regular expression ({err})", "fix it")
    return tuple(rules)


def _timeout(table: dict[str, Any], path: Path, default: float) -> float:
    value = table.get("timeout", default)
    if not _is_number(value) or not math.isfinite(value) or not MIN_TIMEOUT <= value <= MAX_TIMEOUT:
        _fail(path, "timeout", value, "is not a number of seconds from 0.01 to 3600", "write e.g. timeout = 5.0")
    return float(value)


def _workers(table: dict[str, Any], path: Path, default: int) -> int:
    value = table.get("workers", default)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_WORKERS:
        _fail(path, "workers", value, f"is not a whole number from 1 to {MAX_WORKERS}", "write e.g. workers = 16")
    return value


def _request_path(table: dict[str, Any], key: str, path: Path, default: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not _REQUEST_PATH.fullmatch(value):
        _fail(path, key, value, "is not a request path", f'write a path that starts with "/", e.g. {key} = "{default}"')
    return value


def _strings(table: dict[str, Any], key: str, path: Path, default: Sequence[str]) -> list[str]:
    value = table.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        _fail(path, key, value, "is not a list of strings", f'write e.g. {key} = ["..."]')
    return value


def _pointers(table: dict[str, Any], key: str, path: Path, default: Sequence[str]) -> tuple[str, ...]:
    values = _strings(table, key, path, default)
    for value in values:
        _pointer(value, key, path)
    return tuple(values)


def _pointer(value: str, key: str, path: Path) -> None:
    try:
        split_pointer(value)
    except ValueError as err:
        _fail(path, key, value, f"is not a JSON pointer ({err})", 'write e.g. "/error/kind"')


def _targets(spec: Any, path: Path) -> tuple[Target, Target]:
    if isinstance(spec, dict):
        for name, url in spec.items():
            if not isinstance(url, str):
                _fail(path, f"targets.{name}", url, "is not a URL", f'write e.g. {name} = "http://127.0.0.1:3100"')
        return parse_targets(spec, f"config {path}")
    if isinstance(spec, list) and all(isinstance(item, str) for item in spec):
        return parse_targets(spec, f"config {path}")
    _fail(path, "targets", spec, "is not a table of NAME = URL", 'write [targets] with rust = "http://..." lines')


def _adapters(items: Any, path: Path) -> tuple[AdapterRule, ...]:
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        _fail(path, "adapters", items, "is not a list of tables", "write each adapter as an [[adapters]] table")
    rules = []
    for index, item in enumerate(items):
        key = f"adapters[{index}]"
        extra = sorted(set(item) - {"name", "path", "targets"})
        if extra:
            _fail(path, f"{key}.{extra[0]}", item[extra[0]], "is not an adapter key", "use name, path and targets")
        name = item.get("name")
        if not isinstance(name, str) or name not in BUILTIN:
            _fail(path, f"{key}.name", name, "is not a known adapter", f"choose from {', '.join(sorted(BUILTIN))}")
        where = item.get("path", "")
        if not isinstance(where, str):
            _fail(path, f"{key}.path", where, "is not a JSON pointer", 'write e.g. path = "/error"')
        if where:
            _pointer(where, f"{key}.path", path)
        targets = _strings(item, "targets", path, [])
        rules.append(AdapterRule(adapter=adapter_named(name), path=where, targets=frozenset(targets)))
    return tuple(rules)


def _kinds(table: Any, base: Path, path: Path) -> tuple[KindFiles, ...]:
    if not isinstance(table, dict) or not table:
        _fail(path, "kinds", table, "holds no kind", 'write a [kinds.NAME] table with artifact = "schema.json"')
    kinds = []
    for name, spec in table.items():
        key = f"kinds.{name}"
        if not isinstance(spec, dict):
            _fail(path, key, spec, "is not a table", f'write [{key}] with artifact = "schema.json"')
        extra = sorted(set(spec) - {"artifact", "context", "context_required"})
        if extra:
            known = "use artifact, context and context_required"
            _fail(path, f"{key}.{extra[0]}", spec[extra[0]], "is not a kind key", known)
        artifact = _schema_file(spec.get("artifact"), f"{key}.artifact", base, path)
        context = _schema_file(spec["context"], f"{key}.context", base, path) if "context" in spec else None
        required = spec.get("context_required", context is not None)
        if not isinstance(required, bool):
            _fail(path, f"{key}.context_required", required, "is not true or false", "write true or false")
        if required and context is None:
            _fail(path, f"{key}.context_required", required, "needs a context schema", "give context or drop it")
        kinds.append(KindFiles(str(name), artifact, context, required))
    return tuple(kinds)


def _schema_file(value: Any, key: str, base: Path, path: Path) -> Path:
    if not isinstance(value, str) or not value:
        _fail(path, key, value, "is not a schema file name", 'write e.g. artifact = "schemas/order.json"')
    schema = base / value
    try:
        read_schema(schema)
    except ValueError as err:
        raise ConfigError(f"{err}; fix the file or {key} in {path}") from err
    return schema


def _contract(value: Any, path: Path) -> str:
    if not isinstance(value, str) or not (value in ("bundled", "none") or _PLUGIN.fullmatch(value)):
        _fail(path, "contract", value, "names no plug-in", 'write "bundled", "none" or "package.module:NAME"')
    return value


def _openapi(value: Any, base: Path, path: Path) -> Path:
    return _file(value, base, path, "openapi", "openapi.yaml")


def _roster(value: Any, base: Path, path: Path) -> Path:
    return _file(value, base, path, "roster", "targets/roster.json")


def _file(value: Any, base: Path, path: Path, key: str, example: str) -> Path:
    """The existing file a key names, relative to the config file."""
    if not isinstance(value, str) or not value:
        _fail(path, key, value, "is not a file name", f'write e.g. {key} = "{example}"')
    named = base / value
    if not named.is_file():
        _fail(path, key, value, f"names no file ({named})", "fix the path; it is relative to the config file")
    return named


def _headers(table: Any, path: Path) -> tuple[tuple[tuple[str, str], ...], set[str]]:
    if not isinstance(table, dict):
        _fail(path, "headers", table, "is not a table", 'write [headers] with Name = "value" lines')
    headers: list[tuple[str, str]] = []
    from_env: set[str] = set()
    for name, value in table.items():
        key = f"headers.{name}"
        if not _TOKEN.fullmatch(name):
            _fail(path, key, value, "does not have a header name", "use letters, digits and - in header names")
        if not isinstance(value, str):
            _fail(path, key, value, "is not a string", f'write {name} = "value"')
        text = value
        if _ENV.search(value):
            from_env.add(name.lower())
            text = _ENV.sub(_environment(path, key), value)
        if re.search(r"[\x00-\x08\x0a-\x1f\x7f]", text) or not _latin1(text):
            problem = "holds a line break, a control character or a character beyond Latin-1"
            _fail(path, key, value, problem, "HTTP header values cannot carry them; write one plain line")
        headers.append((name, text))
    return tuple(headers), from_env


def _environment(path: Path, key: str) -> Callable[[re.Match[str]], str]:
    def expand(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ConfigError(f"config {path}: {key} needs environment variable {name}; set it or remove the header")
        return os.environ[name]

    return expand


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def parse_targets(spec: dict[str, str] | list[str], where: Path | str) -> tuple[Target, Target]:
    """`{"rust": url, "go": url}` or `["rust=url", "go=url"]` → exactly two targets."""
    pairs: list[tuple[str, str]] = []
    if isinstance(spec, dict):
        pairs = [(str(k), str(v)) for k, v in spec.items()]
    else:
        for item in spec:
            name, sep, url = item.partition("=")
            if not sep or not name or not url:
                raise ConfigError(f"{where}: target {item!r} is not NAME=URL; write e.g. rust=http://127.0.0.1:3100")
            pairs.append((name, url))
    if len(pairs) != 2:
        raise ConfigError(f"{where}: {len(pairs)} targets given, exactly two are compared; give two NAME=URL")
    if pairs[0][0] == pairs[1][0]:
        raise ConfigError(f"{where}: both targets are named {pairs[0][0]!r}; give them different names")
    for name, url in pairs:
        if not re.match(r"^https?://[^/\s]+", url) or not _has_port_or_none(url):
            raise ConfigError(f"{where}: target {name} URL {url!r} is not http(s)://HOST:PORT")
    return Target(pairs[0][0], pairs[0][1].rstrip("/")), Target(pairs[1][0], pairs[1][1].rstrip("/"))


def _has_port_or_none(url: str) -> bool:
    """False when the URL's port is not a number from 0 to 65535 (urlsplit raises ValueError on reading it)."""
    try:
        urlsplit(url).port  # noqa: B018 - read for its check
    except ValueError:
        return False
    return bool(urlsplit(url).hostname)


def check_loopback(targets: Sequence[Target], allow_remote: bool) -> None:
    """Targets outside loopback need an explicit opt-in: the fuzzer sends hostile input at volume."""
    for target in targets:
        host = urlsplit(target.url).hostname or ""
        if allow_remote or host == "localhost":
            continue
        try:
            if ipaddress.ip_address(host).is_loopback:
                continue
        except ValueError:
            pass
        raise ConfigError(
            f"target {target.name} at {target.url} is not on loopback; parity-fuzz sends hostile input at volume, "
            "pass --allow-remote if you mean it"
        )
