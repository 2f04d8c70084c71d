"""Export: a curl command, a seed-script line and a pytest file that reproduce the case exactly."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from fuzzer._config import REDACTED, Config
from fuzzer._export import curl, parity_sh_line, pytest_file, shell_bytes, shell_word
from fuzzer._model import Target, WireRequest

from .builders import GO, RUST, case, stored

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")

TRICKY = '{"q": "it\'s \\"quoted\\"", \'single\', back\\slash\n\ttab, Zoë ✓, $HOME `id` %s !}'.encode() + b"\xff\xc3("

# A stand-in for curl: prints each -H argument to stderr and the --data-binary body to stdout.
FAKE_CURL = r"""
curl() {
  while [ $# -gt 0 ]; do
    case "$1" in
      -H) printf '%s\n' "$2" >&2; shift ;;
      --data-binary)
        case "$2" in
          @-) cat ;;
          @*) cat -- "${2#@}" ;;
          *) printf %s "$2" ;;
        esac
        return ;;
    esac
    shift
  done
}
"""


def bash(script: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["bash", "-c", script], capture_output=True, check=True, timeout=10)


def request(body: bytes, headers: tuple[tuple[str, str], ...] = (("content-type", "application/json"),)) -> WireRequest:
    return WireRequest("POST", "/v1/validate", headers, body)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"plain",
        b"'",
        b"\\",
        b"\\'\\'",
        b"a\nb\r\n",
        "é ✓ 😀".encode(),
        b"\xff\xfe\x80",
        TRICKY,
        bytes(range(1, 256)),
    ],
)
def test_shell_bytes_evaluates_to_the_same_bytes(data: bytes) -> None:
    assert bash("printf %s " + shell_bytes(data)).stdout == data


def test_shell_word_evaluates_to_the_same_text() -> None:
    text = "it's a 'word' with $HOME and `id`"
    assert bash("printf %s " + shell_word(text)).stdout == text.encode()


def test_curl_sends_the_exact_body() -> None:
    command = curl(request(TRICKY), RUST, Config().redact)
    assert bash(FAKE_CURL + command).stdout == TRICKY


def test_curl_sends_a_body_with_nul_bytes_exactly() -> None:
    """Bash strings stop at NUL, so `$'\\x00'` cannot carry one: such a body needs another route (a pipe, a file)."""
    body = b'{"a":"x\x00y"}\x00'
    command = curl(request(body), RUST, Config().redact)
    assert bash(FAKE_CURL + command).stdout == body


def test_curl_targets_the_url_and_method() -> None:
    command = curl(request(b"{}"), Target("go", "http://127.0.0.1:4110"), Config().redact)
    assert command.startswith("curl -sS -i -X POST 'http://127.0.0.1:4110/v1/validate' ")


def test_curl_redacts_secret_headers_and_keeps_the_others() -> None:
    headers = (("content-type", "application/json"), ("Authorization", "Bearer hunter2"), ("X-Note", "it's"))
    result = bash(FAKE_CURL + curl(request(b"{}", headers), GO, Config().redact))
    assert b"hunter2" not in result.stderr
    assert result.stderr.decode().splitlines() == [
        "content-type: application/json",
        f"Authorization: {REDACTED}",
        "X-Note: it's",
    ]


def test_curl_suppresses_its_own_content_type_when_the_case_has_none() -> None:
    result = bash(FAKE_CURL + curl(request(b"{}", ()), GO, Config().redact))
    assert result.stderr.decode().splitlines() == ["Content-Type:"]


def test_curl_points_a_large_body_at_a_file() -> None:
    command = curl(request(b"x" * (64 * 1024 + 1)), GO, Config().redact)
    assert "--data-binary @body.bin" in command
    assert "xxxx" not in command


# ---------------------------------------------------------------- the seed script


def test_parity_sh_line_evaluates_to_the_seed_format() -> None:
    artifact = {"operation": 'fill: "W" x1 in $HOME `id`', "endorsed_names": ["a\\b"]}
    context = {"city": "Zoë"}
    line = parity_sh_line(case(label="tricky one", artifact=artifact, context=context))
    expected = (
        'tricky one|playbook|{"operation":"fill: \\"W\\" x1 in $HOME `id`","endorsed_names":["a\\\\b"]}|{"city":"Zoë"}'
    )
    assert bash("printf %s " + line).stdout.decode() == expected


def test_parity_sh_line_without_context() -> None:
    line = parity_sh_line(case(label="happy", artifact={"a": 1}))
    assert line == '"happy|playbook|{\\"a\\":1}"'


@pytest.mark.parametrize(
    ("label", "artifact", "problem"),
    [
        ("raw bytes", None, "no JSON artifact"),
        ("a list", [1, 2], "no JSON artifact"),
        ("pipe | label", {"a": 1}, "'|'"),
        ("pipe in body", {"a": "x|y"}, "'|'"),
        ("line\nbreak", {"a": 1}, "line break"),
    ],
)
def test_parity_sh_line_refuses_what_the_seed_cannot_send(label: str, artifact: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parity_sh_line(case(b"\xff not json", label=label, artifact=artifact))


# ---------------------------------------------------------------- pytest file


def exported(label: str, body: bytes, headers: tuple[tuple[str, str], ...]) -> str:
    return pytest_file(stored(case(body, label=label, headers=headers)), (RUST, GO), ("/elapsed_ms",), Config().redact)


def test_pytest_file_compiles_and_holds_the_exact_request() -> None:
    headers = (("content-type", "application/json"), ("Cookie", "session=hunter2"))
    text = exported("adversarial: invalid utf-8", TRICKY, headers)
    namespace: dict[str, object] = {}
    exec(compile(text, "exported.py", "exec"), namespace)
    assert namespace["BODY"] == TRICKY
    assert namespace["HEADERS"] == {"content-type": "application/json", "Cookie": REDACTED}
    assert namespace["IGNORE"] == ["/elapsed_ms"]
    assert callable(namespace["test_adversarial_invalid_utf_8"])
    assert "hunter2" not in text


def test_pytest_file_compiles_whatever_the_label_holds() -> None:
    text = exported('label with """ quotes and a \\N{backslash}', b"{}", ())
    compile(text, "exported.py", "exec")


@pytest.mark.parametrize(
    ("path", "verbatim"),
    [
        ("/v1/workers?role=a%20b&limit=1", False),
        ("/v1/workers/W-1", False),
        ("/v1/workers/..", True),
        ("/v1/./workers", True),
        ("/v1/workers/W-1\u00e9", True),
        ("/v1/workers/a b", True),
    ],
)
def test_curl_sends_a_path_it_would_rewrite_verbatim(path: str, verbatim: bool) -> None:
    command = curl(WireRequest("GET", path, (), b""), Target("go", "http://127.0.0.1:4110/base"), Config().redact)
    assert ("--request-target" in command) is verbatim
    if verbatim:
        assert command.endswith("'http://127.0.0.1:4110'")
        assert "/base" in command.split("--request-target", 1)[1]
    else:
        assert f"'http://127.0.0.1:4110/base{path}'" in command
    assert "--data-binary" not in command  # no body: none sent
