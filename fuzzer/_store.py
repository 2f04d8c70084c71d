"""Store: the regression corpus, one readable JSON file per case (format in docs/corpus.md).

Writes are atomic and never overwrite: a case is written to a temporary file in the corpus folder and
hard-linked to its final name, which fails if the name exists — so two campaigns writing to one corpus at once
lose nothing and corrupt nothing. File names are content-derived (`<slug>-<hash>.json`), so the same case is
always the same file.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from fuzzer._classify import SIGNATURE_VERSION
from fuzzer._errors import CaseFileError, CorpusError
from fuzzer._jsonfile import MAX_DEPTH, parse_json
from fuzzer._model import JSON, Case, Outcome, Response, Signature, WireRequest
from fuzzer._validate_case import case_problems

FORMAT = "parity-fuzz/case@2"
"""Written by this version. `case@1` (no `operation`, `kind` required) is still read: a case without an operation
belongs to the operation `METHOD /path` of its request."""
MATCH = "match"
DIVERGE = "diverge"
ORIGINS = ("canonical", "fuzz")
PREVIEW = 160
BODY_DEPTH = MAX_DEPTH - 3
"""A body nested deeper than this is stored as `body_text`: as a JSON value, its case file would be nested
deeper than a case file may be (an observed body starts at level 4)."""


def version() -> str:
    try:
        return metadata.version("parity-fuzz")
    except metadata.PackageNotFoundError:
        return "0+unknown"


@dataclass(frozen=True, slots=True)
class Expectation:
    outcome: str  # MATCH or DIVERGE
    signature: str | None = None  # the digest of the recorded signature
    key: str | None = None  # the readable signature
    level: str | None = None
    version: int = SIGNATURE_VERSION  # the scheme the digest was made with (`expect.signature_version`; absent: 1)

    @classmethod
    def of(cls, signature: Signature | None) -> Expectation:
        if signature is None:
            return cls(MATCH)
        return cls(DIVERGE, signature.digest, signature.key, signature.level.value, signature.version)


@dataclass(frozen=True, slots=True)
class StoredCase:
    case: Case
    expect: Expectation
    origin: str
    created: str
    version: str
    observed: tuple[tuple[str, Response], ...] = ()
    note: str | None = None
    path: Path | None = None
    format: str = FORMAT  # the format the file was read in (`case@1` files are rewritten as `case@2`)

    @property
    def label(self) -> str:
        return self.case.label


# ---------------------------------------------------------------- bodies


def encode_body(body: bytes, *, exact: bool = True) -> dict[str, JSON]:
    """`{"body": value}` when the bytes are exactly the compact encoding of their JSON value (or, with
    `exact=False`, when they parse as JSON at all), else `{"body_text": str}` for other UTF-8, else
    `{"body_base64": ..., "body_preview": ...}`."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        preview = body[:PREVIEW].decode("utf-8", "backslashreplace")
        return {"body_base64": base64.b64encode(body).decode("ascii"), "body_preview": preview}
    try:
        value = parse_json(text, BODY_DEPTH)
        if not exact or _compact(value) == body:
            return {"body": value}
    except ValueError:  # not JSON, NaN, or nested too deeply to keep as a value
        pass
    return {"body_text": text}


def _compact(value: JSON) -> bytes:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: only its escape can be written
        return json.dumps(value, ensure_ascii=True, separators=(",", ":"), allow_nan=False).encode("ascii")


def decode_body(record: dict[str, Any], where: str) -> bytes:
    if "body" in record:
        try:
            return _compact(record["body"])
        except (UnicodeEncodeError, ValueError) as err:
            raise CaseFileError(
                where, f"request body cannot be encoded as JSON ({err}); use body_text or body_base64"
            ) from err
    if "body_text" in record:
        return str(record["body_text"]).encode("utf-8", "surrogatepass")
    if "body_base64" in record:
        try:
            return base64.b64decode(record["body_base64"], validate=True)
        except ValueError as err:
            raise CaseFileError(where, f"body_base64 is not base64 ({err})") from err
    return b""


def _response_record(response: Response) -> dict[str, JSON]:
    record: dict[str, JSON] = {"outcome": response.outcome.value}
    if response.status is not None:
        record["status"] = response.status
        record["content_type"] = response.content_type
        record.update(encode_body(response.body, exact=False))
        if response.truncated:
            record["truncated"] = True
        if response.headers:
            record["headers"] = dict(response.headers)
    if response.detail:
        record["detail"] = response.detail
    return record


# ---------------------------------------------------------------- one case file


def to_record(stored: StoredCase, redact: Any = None) -> dict[str, JSON]:
    headers = stored.case.request.headers if redact is None else redact(stored.case.request.headers)
    record: dict[str, JSON] = {
        "format": FORMAT,
        "label": stored.case.label,
        "origin": stored.origin,
        "created": stored.created,
        "parity_fuzz": stored.version,
        "kind": stored.case.kind,
        **({"operation": stored.case.operation} if stored.case.operation else {}),
        "mode": stored.case.mode,
        "request": {
            "method": stored.case.request.method,
            "path": stored.case.request.path,
            "headers": dict(headers),
            **encode_body(stored.case.request.body),
        },
        "expect": {k: v for k, v in _expect_record(stored.expect).items() if v is not None},
    }
    if stored.observed:
        record["observed"] = {name: _response_record(response) for name, response in stored.observed}
    if stored.note:
        record["note"] = stored.note
    return record


def _expect_record(expect: Expectation) -> dict[str, JSON]:
    return {
        "outcome": expect.outcome,
        "level": expect.level,
        "signature": expect.signature,
        "key": expect.key,
        "signature_version": expect.version if expect.outcome == DIVERGE else None,
    }


def dumps(stored: StoredCase, redact: Any = None) -> str:
    return json_text(to_record(stored, redact))


def json_text(value: JSON) -> str:
    """Pretty JSON for a file: readable UTF-8, or all-ASCII escapes when a string holds a lone surrogate
    (valid JSON, `"\\ud800"`, that UTF-8 cannot encode)."""
    text = json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, indent=2) + "\n"
    return text


def from_record(record: Any, where: str) -> StoredCase:
    """A StoredCase from a parsed case file, or CaseFileError naming the first problem. The rules are the case
    format's JSON Schema (`_validate_case.case_problems`, which `corpus check` applies too): nothing the format
    requires is filled in."""
    problems = case_problems(record)
    if problems:
        more = f" (and {len(problems) - 1} more; parity-fuzz corpus check lists them)" if len(problems) > 1 else ""
        raise CaseFileError(where, problems[0] + more)
    request, expect = record["request"], record["expect"]
    version = expect.get("signature_version", 1 if expect["outcome"] == DIVERGE else SIGNATURE_VERSION)
    wire = WireRequest(
        method=request["method"],
        path=request["path"],
        headers=tuple(request["headers"].items()),
        body=decode_body(request, where),
    )
    envelope = request["body"] if isinstance(request.get("body"), dict) else {}
    case = Case(
        kind=record.get("kind", ""),
        request=wire,
        mode=record.get("mode", "corpus"),
        label=record["label"],
        artifact=envelope.get("artifact"),
        context=envelope.get("context"),
        operation=record.get("operation", ""),
    )
    observed = record.get("observed", {})
    return StoredCase(
        case=case,
        observed=tuple((name, _response_from(answer, where)) for name, answer in observed.items()),
        expect=Expectation(
            outcome=expect["outcome"],
            signature=expect.get("signature"),
            key=expect.get("key"),
            level=expect.get("level"),
            version=version,
        ),
        origin=record["origin"],
        created=record.get("created", ""),
        version=record.get("parity_fuzz", ""),
        note=record.get("note"),
        format=record["format"],
    )


def _response_from(record: dict[str, Any], where: str) -> Response:
    return Response(
        Outcome(record["outcome"]),
        status=record.get("status"),
        content_type=record.get("content_type"),
        body=decode_body(record, where),
        truncated=record.get("truncated", False),
        detail=record.get("detail", ""),
        headers=tuple((name.lower(), value) for name, value in record.get("headers", {}).items()),
    )


def read_record(path: Path) -> Any:
    """The parsed JSON of a case file, read with the depth limit; CaseFileError when it cannot be read or is not
    JSON."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise CaseFileError(str(path), f"cannot read it ({err.strerror})") from err
    except UnicodeDecodeError as err:
        raise CaseFileError(str(path), "not UTF-8 text") from err
    try:
        return parse_json(text)
    except ValueError as err:
        raise CaseFileError(str(path), str(err)) from err


def read_case(path: Path) -> StoredCase:
    return replace(from_record(read_record(path), str(path)), path=path)


def file_problems(path: Path) -> list[str]:
    """Every way the file at `path` breaks the case format (what `corpus check` prints); empty when `read_case`
    would read it. The same rules as `read_case`, all listed instead of the first."""
    try:
        record = read_record(path)
    except CaseFileError as err:
        return [err.reason]
    problems = case_problems(record)
    if problems:
        return problems
    try:
        from_record(record, str(path))
    except CaseFileError as err:  # a body the format allows but that cannot be sent, e.g. "body": "\ud800"
        return [err.reason]
    return []


def case_files(paths: Sequence[Path]) -> list[Path]:
    """Every `*.json` below the given files and folders, sorted; CorpusError for a path that does not exist."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in path.rglob("*.json") if not p.name.startswith("."))
        elif path.is_file():
            found.append(path)
        else:
            raise CorpusError(f"corpus path {path} does not exist; pass a case file or a folder of them")
    return sorted(set(found))


def load(paths: Sequence[Path]) -> tuple[list[StoredCase], list[CaseFileError]]:
    """Every readable case, and an error for each file that is not (the others still load)."""
    cases: list[StoredCase] = []
    errors: list[CaseFileError] = []
    for path in case_files(paths):
        try:
            cases.append(read_case(path))
        except CaseFileError as err:
            errors.append(err)
    return cases, errors


# ---------------------------------------------------------------- writing


def slug(label: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    return (text[:48].rstrip("-")) or "case"


def content_hash(request: WireRequest) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() + b"\0" + request.path.encode() + b"\0")
    for name, value in request.headers:
        digest.update(name.lower().encode() + b":" + value.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def check_writable(folder: Path) -> None:
    """Raise CorpusError now, before a campaign, if cases could not be saved into `folder`."""
    if folder.exists() and not folder.is_dir():
        raise CorpusError(f"corpus {folder} is a file, not a folder; pass a folder to --corpus")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CorpusError(f"corpus {folder} cannot be created ({err.strerror}); pass a writable --corpus") from err
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CorpusError(f"corpus {folder} is not writable; fix its permissions or pass another --corpus")


def write_case(folder: Path, stored: StoredCase, redact: Any = None) -> tuple[Path, bool]:
    """Save `stored` under a content-derived name. Returns (path, True) when written, (path, False) when the
    same case was already there. Never replaces a different file."""
    folder.mkdir(parents=True, exist_ok=True)
    if redact is not None:  # name and compare the case as it is stored: with its secrets redacted
        request = stored.case.request
        stored = replace(stored, case=replace(stored.case, request=replace(request, headers=redact(request.headers))))
    text = dumps(stored)
    full = content_hash(stored.case.request)
    for length in (8, 16, 64):
        path = folder / f"{slug(stored.case.label)}-{full[:length]}.json"
        if path.exists():
            try:
                existing = read_case(path)
            except CaseFileError:
                continue  # a different, unreadable file owns this name: take a longer one
            if content_hash(existing.case.request) == full:
                return path, False
            continue
        if _link_new(folder, path, text):
            return path, True
        with contextlib.suppress(CaseFileError):  # somebody wrote it a moment ago: same case?
            if content_hash(read_case(path).case.request) == full:
                return path, False
    raise CorpusError(f"corpus {folder}: no free name for case {stored.case.label!r}; clean up the folder")


def write_file(path: Path, text: str, *, overwrite: bool, errors: str = "strict") -> bool:
    """Write `text` to a unique, fsynced temporary file beside `path`, then publish it in one step: renamed over
    `path` (`overwrite`), or hard-linked to it, which fails if `path` exists — then nothing is written and the
    answer is False. Raises OSError; callers say what it means for them."""
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        with temporary.open("w", encoding="utf-8", errors=errors) as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if overwrite:
            temporary.replace(path)
            return True
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()


def _link_new(folder: Path, path: Path, text: str) -> bool:
    try:
        return write_file(path, text, overwrite=False)
    except OSError as err:
        if err.errno == errno.ENOSPC:
            raise CorpusError(
                f"corpus {folder}: disk full while saving {path.name}; free space and run again "
                "(cases saved before are intact)"
            ) from err
        raise CorpusError(f"corpus {folder}: cannot save {path.name} ({err.strerror})") from err


def rewrite_case(stored: StoredCase, redact: Any = None) -> Path:
    """Atomically replace an existing case file (used by promote) with the new content."""
    if stored.path is None:
        raise CorpusError("cannot rewrite a case that was not read from a file")
    try:
        write_file(stored.path, dumps(stored, redact), overwrite=True)
    except OSError as err:
        raise CorpusError(f"case file {stored.path}: cannot rewrite it ({err.strerror})") from err
    return stored.path


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
