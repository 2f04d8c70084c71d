"""Export: a case as something to paste elsewhere — a curl command, a standalone pytest file, or a line for the
`CASES` array of the seed's `validator_parity.sh`. Secret headers are always written as `<redacted>`.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from fuzzer import _bundled
from fuzzer._model import Case, Target, WireRequest
from fuzzer._store import StoredCase

Redact = Callable[[tuple[tuple[str, str], ...]], tuple[tuple[str, str], ...]]
INLINE_LIMIT = 64 * 1024


def shell_bytes(data: bytes) -> str:
    """Bash ANSI-C quoting (`$'...'`) that reproduces `data` exactly; bash cannot hold NUL, so `curl()` pipes
    bodies with NUL bytes through `base64 -d` instead."""
    out = []
    for byte in data:
        char = chr(byte)
        if char == "\\":
            out.append("\\\\")
        elif char == "'":
            out.append("\\'")
        elif 0x20 <= byte < 0x7F:
            out.append(char)
        else:
            out.append(f"\\x{byte:02x}")
    return "$'" + "".join(out) + "'"


def shell_word(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def curl(request: WireRequest, target: Target, redact: Redact, extra_headers: tuple[tuple[str, str], ...] = ()) -> str:
    """A curl command that sends `request` (plus the config's extra headers, secrets redacted) to `target`."""
    parts = ["curl", "-sS", "-i", "-X", request.method, *_where(request.path, target.url)]
    for name, value in redact((*request.headers, *extra_headers)):
        parts += ["-H", shell_word(f"{name}: {value}")]
    if not request.body:  # nothing to send: no --data-binary, which would add a Content-Length and a type
        return " ".join(parts)
    if not any(name.lower() == "content-type" for name, _ in request.headers):
        parts += ["-H", shell_word("Content-Type:")]  # curl would add one; the case has none
    if len(request.body) > INLINE_LIMIT:
        parts += ["--data-binary", "@body.bin", f"  # the {len(request.body)}-byte body: save it as body.bin"]
    elif b"\0" in request.body:  # a shell word cannot hold NUL: pipe the exact bytes in
        encoded = base64.b64encode(request.body).decode("ascii")
        return f"printf %s {encoded} | base64 -d | " + " ".join([*parts, "--data-binary", "@-"])
    else:
        parts += ["--data-binary", shell_bytes(request.body)]
    return " ".join(parts)


_PLAIN_PATH = re.compile(r"[!$%&-;=?-~]*")
"""Printable ASCII without space, `"`, `#`, `<`, `>`: a path curl sends as it is written in its URL."""


def _where(path: str, url: str) -> list[str]:
    """curl's URL for `path` on `url`. curl rewrites a URL's path: it squashes `.` and `..` segments and
    percent-encodes bytes outside ASCII. A path it would change is sent verbatim with `--request-target`
    (the target's own path prefix, then the case's path, one byte per character as parity-fuzz sent it),
    beside the bare origin."""
    prefix = urlsplit(url).path.rstrip("/")
    segments = path.split("?", 1)[0].split("/")
    if _PLAIN_PATH.fullmatch(path) and "." not in segments and ".." not in segments:
        return [shell_word(url + path)]
    origin = url[: len(url) - len(urlsplit(url).path)] if urlsplit(url).path else url
    raw = (prefix + path).encode("latin-1", "replace")  # as the transport writes a request line
    return ["--request-target", shell_bytes(raw), shell_word(origin)]


def parity_sh_line(case: Case) -> str:
    """`label|kind|artifact|context` for the seed script; only envelope cases with a JSON object body fit it."""
    if case.operation_key != f"POST {_bundled.ENDPOINT}" or case.kind not in _bundled.KINDS:
        raise ValueError(
            f"case {case.label!r} is for {case.operation_key}; the seed script sends only the envelope's kinds "
            f"to POST {_bundled.ENDPOINT} (export it as curl or pytest)"
        )
    if not isinstance(case.artifact, dict):
        raise ValueError(f"case {case.label!r} has no JSON artifact; the seed script can only send those")
    artifact = json.dumps(case.artifact, ensure_ascii=False, separators=(",", ":"))
    context = "" if case.context is None else json.dumps(case.context, ensure_ascii=False, separators=(",", ":"))
    if "|" in case.label + artifact + context:
        raise ValueError(f"case {case.label!r} holds a '|'; the seed script splits its lines at '|'")
    line = f"{case.label}|{case.kind}|{artifact}" + (f"|{context}" if context else "")
    if any(ch in line for ch in "\n\r"):
        raise ValueError(f"case {case.label!r} holds a line break; the seed script reads one case per line")
    return '"' + re.sub(r'([\\"$`])', r"\\\1", line) + '"'


PYTEST_TEMPLATE = '''"""Standalone parity check exported by parity-fuzz. Needs only pytest and httpx.

Set {env_a} and {env_b} to the two runtimes' base URLs.
"""

import base64
import json
import os

import httpx

LABEL = {label!r}
BODY = base64.b64decode({body!r})
HEADERS = {headers!r}
PATH = {path!r}
METHOD = {method!r}
IGNORE = {ignore!r}
EXPECT = {expect!r}


def _strip(value, pointers):
    for pointer in pointers:
        parts = pointer.strip("/").split("/")
        node = value
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(parts[-1], None)
    return value


def _send(base):
    answer = httpx.request(METHOD, base + PATH, headers=HEADERS, content=BODY, timeout=10)
    try:
        body = _strip(json.loads(answer.content), IGNORE)
    except ValueError:
        body = answer.content
    return answer.status_code, body


def test_{name}():
    a = _send(os.environ.get({env_a!r}, {url_a!r}))
    b = _send(os.environ.get({env_b!r}, {url_b!r}))
    if EXPECT == "match":
        assert a == b
    else:
        assert a != b, "the runtimes agree now: promote the case"
'''


def pytest_file(stored: StoredCase, targets: tuple[Target, Target], ignore: tuple[str, ...], redact: Redact) -> str:
    request = stored.case.request
    name = re.sub(r"\W+", "_", stored.label).strip("_").lower() or "case"
    env_a, env_b = (f"PARITY_{t.name.upper()}_URL" for t in targets)
    return PYTEST_TEMPLATE.format(
        label=stored.label,
        env_a=env_a,
        env_b=env_b,
        body=base64.b64encode(request.body).decode("ascii"),
        headers=dict(redact(request.headers)),
        path=request.path,
        method=request.method,
        ignore=list(ignore),
        expect=stored.expect.outcome,
        name=name,
        url_a=targets[0].url,
        url_b=targets[1].url,
    )
