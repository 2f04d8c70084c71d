"""Config: `parity.toml` at the project root, or `[tool.parity-fuzz]` in `pyproject.toml`.

endpoint = "/v1/validate"          # the path every case is sent to
health = "/health"                 # probed at start and when a runtime stops answering
timeout = 5.0                      # seconds per request
workers = 16                       # cases in flight at once
ignore = ["/elapsed_ms"]           # JSON pointers removed before comparing (`*` = any key or index)
key_paths = ["/error/kind", "/error/field"]   # the rule a JSON answer names: part of every signature
rule_order = ["schema/artifact", …] # the order the contract checks its rules in (first failure wins)
learn_noise = true                 # paths whose value differs between two answers of one runtime are ignored

[[message_rules]]                  # framework-message rewrites for templates, after the built-in ones
pattern = "request id [0-9a-f-]+"  # a regular expression over the lower-cased template
replace = "request id _"
roster = "targets/roster.json"     # contract knowledge for the bundled kinds
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
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fuzzer._adapters import AdapterRule, adapter_named
from fuzzer._compare import ComparePolicy, split_pointer
from fuzzer._errors import ConfigError
from fuzzer._model import Target
from fuzzer._outcome import MessageRule

ALWAYS_SECRET = frozenset({"authorization", "cookie", "x-api-key", "proxy-authorization"})
REDACTED = "<redacted>"
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_PACKAGE_SCHEMAS = Path(__file__).resolve().parents[1] / "strategies" / "schemas"


BUNDLED_RULE_ORDER = (
    # the envelope, then playbook rules P1-P9, then fill rules F1-F8 (docs/contract.md)
    "schema/artifact",
    "schema/operation",
    "schema/endorsed_names",
    "schema/fingerprint",
    "policy/operation",
    "completeness/endorsed_names",
    "schema/target_count",
    "consistency/endorsed_names",
    "consistency/target_count",
    "schema/fills",
    "schema/fills[*]",
    "schema/fills[*].candidate_id",
    "schema/fills[*].name",
    "schema/context",
    "schema/context.target_count",
    "schema/context.city",
    "schema/context.client_id",
    "completeness/fills",
    "consistency/fills[*].candidate_id",
    "consistency/fills[*].name",
    "policy/fills[*].candidate_id",
    "consistency/fills",
)
"""The bundled contract checks its rules in this order and answers with the first that fails."""


@dataclass(frozen=True, slots=True)
class KindFiles:
    name: str
    artifact: Path
    context: Path | None = None
    context_required: bool = False


@dataclass(frozen=True, slots=True)
class Config:
    targets: tuple[Target, Target] = (
        Target("rust", "http://127.0.0.1:3100"),
        Target("go", "http://127.0.0.1:4110"),
    )
    endpoint: str = "/v1/validate"
    health: str = "/health"
    timeout: float = 5.0
    workers: int = 16
    policy: ComparePolicy = field(
        default_factory=lambda: ComparePolicy(
            ignore=("/elapsed_ms",),
            adapters=(AdapterRule(adapter_named("serde-enum"), "/error"),),
            key_paths=("/error/kind", "/error/field"),
            rule_order=BUNDLED_RULE_ORDER,
        )
    )
    kinds: tuple[KindFiles, ...] = (
        KindFiles("playbook", _PACKAGE_SCHEMAS / "playbook.json"),
        KindFiles("fill", _PACKAGE_SCHEMAS / "fill.json", _PACKAGE_SCHEMAS / "fill_context.json", True),
    )
    roster: Path | None = Path("targets/roster.json")
    headers: tuple[tuple[str, str], ...] = ()
    secret_headers: frozenset[str] = ALWAYS_SECRET
    learn_noise: bool = True
    source: str = "defaults"

    def is_secret(self, header: str) -> bool:
        return header.lower() in self.secret_headers

    def redact(self, headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        return tuple((name, REDACTED if self.is_secret(name) else value) for name, value in headers)


def load_config(path: Path | None = None, root: Path | None = None) -> Config:
    """The config at `path`, else `parity.toml` or `pyproject.toml`'s `[tool.parity-fuzz]` in `root`, else defaults."""
    root = root or Path.cwd()
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"config {path}: no such file; pass an existing file to --config")
        table = _read_toml(path)
        if path.name == "pyproject.toml":
            table = table.get("tool", {}).get("parity-fuzz", {})
        return _build(table, path)
    candidate = root / "parity.toml"
    if candidate.is_file():
        return _build(_read_toml(candidate), candidate)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        table = _read_toml(pyproject).get("tool", {}).get("parity-fuzz")
        if table is not None:
            return _build(table, pyproject)
    return Config()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as err:
        raise ConfigError(f"config {path}: cannot read it ({err.strerror})") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"config {path}: not valid TOML ({err}); fix the file") from err


def _build(table: dict[str, Any], path: Path) -> Config:
    base = path.parent
    known = {
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
    }
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"config {path}: unknown key {unknown[0]!r}; known keys: {', '.join(sorted(known))}")
    defaults = Config()
    try:
        targets = parse_targets(table["targets"], path) if "targets" in table else defaults.targets
        policy = ComparePolicy(
            ignore=tuple(_pointers(table.get("ignore", list(defaults.policy.ignore)), "ignore")),
            adapters=tuple(_adapter(item) for item in table["adapters"])
            if "adapters" in table
            else defaults.policy.adapters,
            key_paths=tuple(_pointers(table.get("key_paths", list(defaults.policy.key_paths)), "key_paths")),
            message_rules=defaults.policy.message_rules
            + tuple(_message_rule(item) for item in table.get("message_rules", [])),
            rule_order=_rule_order(table, defaults.policy.rule_order),
        )
        kinds = (
            tuple(_kind(name, spec, base) for name, spec in table["kinds"].items())
            if "kinds" in table
            else defaults.kinds
        )
        try:
            headers, from_env = _headers(table.get("headers", {}))
        except ConfigError as err:
            raise ConfigError(f"config {path}: {err}") from err
        secret = ALWAYS_SECRET | {str(h).lower() for h in table.get("secret_headers", [])} | from_env
        timeout = float(table.get("timeout", defaults.timeout))
        workers = int(table.get("workers", defaults.workers))
    except (TypeError, ValueError, AttributeError, KeyError) as err:
        raise ConfigError(f"config {path}: {err}") from err
    roster = table.get("roster")
    return Config(
        targets=targets,
        endpoint=str(table.get("endpoint", defaults.endpoint)),
        health=str(table.get("health", defaults.health)),
        timeout=timeout,
        workers=workers,
        policy=policy,
        kinds=kinds,
        roster=(base / roster) if roster else defaults.roster,
        headers=headers,
        secret_headers=frozenset(secret),
        learn_noise=_flag(table.get("learn_noise", defaults.learn_noise), "learn_noise", path),
        source=str(path),
    )


def _flag(value: Any, key: str, path: Path) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"config {path}: {key} = {value!r} is not true or false; write {key} = true or false")
    return value


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
        if not re.match(r"^https?://[^/\s]+", url):
            raise ConfigError(f"{where}: target {name} URL {url!r} is not http(s)://HOST:PORT")
    return Target(pairs[0][0], pairs[0][1].rstrip("/")), Target(pairs[1][0], pairs[1][1].rstrip("/"))


def _pointers(values: list[str], key: str) -> list[str]:
    for value in values:
        try:
            split_pointer(value)
        except ValueError as err:
            raise ValueError(f"{key}: {err}") from None
    return [str(v) for v in values]


def _rule_order(table: dict[str, Any], default: tuple[str, ...]) -> tuple[str, ...]:
    """`rule_order` as given; without it the bundled order, but only while the key paths are the default ones
    (another contract's rules are named differently)."""
    if "rule_order" not in table:
        return default if "key_paths" not in table else ()
    order = table["rule_order"]
    if not isinstance(order, list) or not all(isinstance(rule, str) and rule for rule in order):
        raise ValueError('rule_order: a list of rule names such as "schema/fingerprint"')
    return tuple(order)


def _message_rule(item: dict[str, Any]) -> MessageRule:
    if not isinstance(item, dict) or not isinstance(item.get("pattern"), str):
        raise ValueError("message_rules: each rule is a table with a `pattern` string and a `replace` string")
    try:
        return MessageRule.of(item["pattern"], str(item.get("replace", "_")))
    except re.error as err:
        raise ValueError(f"message_rules: pattern {item['pattern']!r} is not a regular expression ({err})") from None


def _adapter(item: dict[str, Any]) -> AdapterRule:
    return AdapterRule(
        adapter=adapter_named(str(item["name"])),
        path=_pointers([str(item.get("path", ""))], "adapters.path")[0] if item.get("path") else "",
        targets=frozenset(str(t) for t in item.get("targets", [])),
    )


def _kind(name: str, spec: dict[str, Any], base: Path) -> KindFiles:
    artifact = base / str(spec["artifact"])
    context = base / str(spec["context"]) if spec.get("context") else None
    for schema in (artifact, context):
        if schema is not None:
            _check_schema(schema)
    return KindFiles(name, artifact, context, bool(spec.get("context_required", context is not None)))


def _check_schema(path: Path) -> None:
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"schema {path}: cannot read it ({err.strerror}); fix the path under [kinds]") from err
    except ValueError as err:
        raise ConfigError(f"schema {path}: not valid JSON ({err}); fix the file") from err


def _headers(table: dict[str, str]) -> tuple[tuple[tuple[str, str], ...], set[str]]:
    headers: list[tuple[str, str]] = []
    from_env: set[str] = set()

    def expand(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ConfigError(f"header value needs environment variable {name}; set it or remove the header")
        return os.environ[name]

    for key, value in table.items():
        text = str(value)
        if _ENV.search(text):
            from_env.add(str(key).lower())
            text = _ENV.sub(expand, text)
        headers.append((str(key), text))
    return tuple(headers), from_env


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
