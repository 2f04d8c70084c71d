"""Store: body encodings, the case file round trip, safe writes, and readable errors."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fuzzer._campaign import stored_finding
from fuzzer._classify import SIGNATURE_VERSION, signature_of
from fuzzer._compare import crashed
from fuzzer._config import REDACTED, Config
from fuzzer._errors import CaseFileError, CorpusError
from fuzzer._model import Divergence, Finding, Outcome, Response
from fuzzer._store import (
    DIVERGE,
    Expectation,
    StoredCase,
    check_writable,
    content_hash,
    decode_body,
    dumps,
    encode_body,
    from_record,
    load,
    read_case,
    slug,
    write_case,
)

from .builders import SERDE, case, divergence, exchange, failed, ok, stored

CANONICAL = Path(__file__).resolve().parents[2] / "corpus" / "canonical"


def round_trip(record_body: bytes) -> bytes:
    return decode_body(encode_body(record_body), "test")


def write_json(path: Path, record: object) -> Path:
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


def valid_record() -> dict[str, Any]:
    return json.loads(dumps(stored()))


# ---------------------------------------------------------------- bodies


def test_canonical_json_is_stored_as_a_value() -> None:
    body = '{"kind":"fill","artifact":{"name":"Zoë"}}'.encode()
    assert encode_body(body) == {"body": {"kind": "fill", "artifact": {"name": "Zoë"}}}
    assert round_trip(body) == body


@pytest.mark.parametrize(
    "body",
    [
        b'{"a":1,"a":2}',  # duplicate keys
        b'{"n":1E2}',  # a spelling Python re-spells
        b'{"n":-0}',
        b'{ "a": 1 }',  # whitespace
        b'{"a":"\\u00e9"}',  # an escape Python would not write
        b'{"n":1e400}',  # parses to inf, which is not JSON
        b"[1,2",  # not JSON at all
    ],
)
def test_other_utf8_is_stored_as_text_and_kept_exactly(body: bytes) -> None:
    encoded = encode_body(body)
    assert encoded == {"body_text": body.decode()}
    assert round_trip(body) == body


def test_an_escaped_lone_surrogate_is_kept_exactly() -> None:
    body = b'{"a":"\\ud800"}'
    assert round_trip(body) == body


def test_loose_encoding_stores_any_json_as_a_value() -> None:
    assert encode_body(b'{ "a": 1 }', exact=False) == {"body": {"a": 1}}


@pytest.mark.parametrize("body", [b"\xff\xfe{", b'{"a":"\xed\xa0\x80"}', b"\x80" * 300])
def test_invalid_utf8_is_stored_as_base64_with_a_preview(body: bytes) -> None:
    encoded = encode_body(body)
    assert set(encoded) == {"body_base64", "body_preview"}
    assert len(encoded["body_preview"]) <= 4 * 160
    assert round_trip(body) == body


def test_an_absent_body_is_empty() -> None:
    assert decode_body({}, "test") == b""
    assert round_trip(b"") == b""


def test_bad_base64_is_a_case_file_error() -> None:
    with pytest.raises(CaseFileError, match="body_base64 is not base64"):
        decode_body({"body_base64": "!!!"}, "x.json")


def test_a_body_text_with_a_lone_surrogate_decodes_to_its_bytes() -> None:
    assert decode_body({"body_text": "a\ud800"}, "test") == b"a\xed\xa0\x80"


# ---------------------------------------------------------------- records


@pytest.mark.parametrize(
    "body", [b'{"kind":"playbook","artifact":{}}', b'{"a":1, "a":2}', b"\x00\xff\xfe", "é\n\t\\\"'".encode()]
)
def test_record_round_trip_keeps_the_wire_bytes(body: bytes) -> None:
    original = stored(case(body, headers=(("content-type", "text/plain"), ("x-trace", "1"))))
    back = from_record(json.loads(dumps(original)), "test")
    assert back.case.request == original.case.request
    assert back.case.label == original.case.label
    assert back.expect == original.expect


def test_record_keeps_the_artifact_and_context_of_a_json_body() -> None:
    body = b'{"kind":"fill","artifact":{"fills":[]},"context":{"city":"Toledo"}}'
    back = from_record(json.loads(dumps(stored(case(body)))), "test")
    assert (back.case.artifact, back.case.context) == ({"fills": []}, {"city": "Toledo"})


def test_record_holds_the_observed_responses() -> None:
    answer = Response(Outcome.OK, 422, "application/json", b'{"a": 1}')
    value = stored()
    value = StoredCase(value.case, value.expect, "fuzz", "", "", observed=(("rust", answer),))
    record = json.loads(dumps(value))
    assert record["observed"]["rust"] == {
        "outcome": "ok",
        "status": 422,
        "content_type": "application/json",
        "body": {"a": 1},
    }


def test_a_divergent_case_records_its_signature() -> None:
    expect = Expectation(DIVERGE, "0123456789ab", "422|422 semantic /a:value", "semantic")
    record = json.loads(dumps(stored(expect=expect)))
    assert record["expect"] == {
        "outcome": "diverge",
        "signature": "0123456789ab",
        "key": "422|422 semantic /a:value",
        "level": "semantic",
        "signature_version": SIGNATURE_VERSION,
    }
    assert from_record(record, "test").expect == expect


def test_a_divergent_case_without_a_signature_version_was_saved_by_version_1() -> None:
    record = json.loads(dumps(stored(expect=Expectation(DIVERGE, "0123456789ab", "k", "semantic"))))
    del record["expect"]["signature_version"]
    assert from_record(record, "test").expect.version == 1
    record["expect"]["signature_version"] = 0
    with pytest.raises(CaseFileError, match="signature_version"):
        from_record(record, "test")


# ---------------------------------------------------------------- reading


def test_read_case_reads_the_canonical_corpus() -> None:
    value = read_case(CANONICAL / "playbook_happy.json")
    assert value.label == "playbook_happy"
    assert value.path == CANONICAL / "playbook_happy.json"
    assert json.loads(value.case.request.body)["kind"] == "playbook"


Edit = Callable[[dict[str, Any]], object]


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (lambda r: r.update(format="parity-fuzz/case@9"), "format is 'parity-fuzz/case@9', expected"),
        (lambda r: r.pop("label"), "(top): missing key 'label'"),
        (lambda r: r.pop("request"), "(top): missing key 'request'"),
        (lambda r: r.update(expect={"outcome": "maybe"}), "expect/outcome: 'maybe' is not one of"),
        (lambda r: r.update(expect={"outcome": "diverge"}), "expect: missing key 'signature'"),
        (lambda r: r["request"].update(headers=["a"]), "request/headers: ['a'] is not of type 'object'"),
    ],
    ids=["wrong-format", "no-label", "no-request", "bad-outcome", "diverge-without-signature", "headers-list"],
)
def test_read_case_names_the_path_and_the_problem(tmp_path: Path, edit: Edit, reason: str) -> None:
    record = valid_record()
    edit(record)
    path = write_json(tmp_path / "bad.json", record)
    with pytest.raises(CaseFileError) as caught:
        read_case(path)
    assert caught.value.path == str(path)
    assert reason in caught.value.reason
    assert str(path) in str(caught.value)


def test_read_case_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"format": ', encoding="utf-8")
    with pytest.raises(CaseFileError, match="not valid JSON") as caught:
        read_case(path)
    assert caught.value.path == str(path)


def test_read_case_not_an_object(tmp_path: Path) -> None:
    with pytest.raises(CaseFileError, match="not a JSON object"):
        read_case(write_json(tmp_path / "list.json", [1, 2]))


def test_read_case_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "binary.json"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(CaseFileError, match="not UTF-8"):
        read_case(path)


def test_read_case_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CaseFileError, match="cannot read it"):
        read_case(tmp_path / "absent.json")


def test_read_case_with_an_unencodable_body_is_a_case_file_error(tmp_path: Path) -> None:
    """A hand-edited `"body": "\\ud800"` must not escape as a UnicodeEncodeError (it would stop `load`)."""
    record = valid_record()
    record["request"]["body"] = "\ud800"
    path = write_json(tmp_path / "surrogate.json", record)
    with contextlib.suppress(CaseFileError):
        read_case(path)


def test_load_keeps_going_past_a_corrupt_file(tmp_path: Path) -> None:
    write_case(tmp_path, stored(case(label="good one")))
    (tmp_path / "corrupt.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    write_case(tmp_path / "sub", stored(case(b"{}", label="good two")))
    cases, errors = load([tmp_path])
    assert sorted(c.label for c in cases) == ["good one", "good two"]
    assert [Path(e.path).name for e in errors] == ["corrupt.json"]


def test_load_of_a_missing_path_is_a_corpus_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        load([tmp_path / "nowhere"])


# ---------------------------------------------------------------- writing


def test_write_case_names_the_file_after_label_and_content(tmp_path: Path) -> None:
    value = stored(case(label="Adversarial: content-type TEXT/plain!"))
    path, written = write_case(tmp_path, value)
    assert written
    assert path.name == f"adversarial-content-type-text-plain-{content_hash(value.case.request)[:8]}.json"
    assert read_case(path).case.request == value.case.request


def test_slug_falls_back_and_caps() -> None:
    assert slug("!!!") == "case"
    assert len(slug("word " * 40)) <= 48


def test_writing_the_same_case_twice_keeps_one_file(tmp_path: Path) -> None:
    first = write_case(tmp_path, stored())
    second = write_case(tmp_path, stored())
    assert first[1] is True
    assert second == (first[0], False)
    assert [p.name for p in tmp_path.iterdir()] == [first[0].name]


def test_write_case_never_overwrites_a_different_file_holding_the_name(tmp_path: Path) -> None:
    mine = stored(case(b'{"mine":1}', label="shared"))
    name = f"shared-{content_hash(mine.case.request)[:8]}.json"
    squatter = dumps(stored(case(b'{"theirs":2}', label="shared")))
    (tmp_path / name).write_text(squatter, encoding="utf-8")

    path, written = write_case(tmp_path, mine)

    assert written
    assert path.name == f"shared-{content_hash(mine.case.request)[:16]}.json"
    assert (tmp_path / name).read_text(encoding="utf-8") == squatter
    assert read_case(path).case.request == mine.case.request


def test_write_case_leaves_no_temporary_files(tmp_path: Path) -> None:
    for index in range(3):
        write_case(tmp_path, stored(case(f'{{"n":{index}}}'.encode())))
    write_case(tmp_path, stored(case(b'{"n":0}')))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 3
    assert not [n for n in names if n.startswith(".") or n.endswith(".tmp")]


def test_write_case_creates_the_folder(tmp_path: Path) -> None:
    path, _ = write_case(tmp_path / "a" / "b", stored())
    assert path.parent == tmp_path / "a" / "b"


def test_check_writable_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / "corpus").write_text("", encoding="utf-8")
    with pytest.raises(CorpusError, match="is a file, not a folder"):
        check_writable(tmp_path / "corpus")


def test_check_writable_creates_a_missing_folder(tmp_path: Path) -> None:
    check_writable(tmp_path / "new" / "corpus")
    assert (tmp_path / "new" / "corpus").is_dir()


@pytest.mark.skipif(os.geteuid() == 0, reason="root bypasses file permissions")
def test_check_writable_refuses_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(CorpusError, match="not writable"):
            check_writable(folder)
    finally:
        folder.chmod(0o755)


# ---------------------------------------------------------------- secrets

SECRETS = (
    ("content-type", "application/json"),
    ("Authorization", "Bearer hunter2"),
    ("Cookie", "session=hunter3"),
    ("X-Api-Key", "hunter4"),
)


def test_writing_with_redact_hides_secret_headers(tmp_path: Path) -> None:
    path, _ = write_case(tmp_path, stored(case(headers=SECRETS)), Config().redact)
    text = path.read_text(encoding="utf-8")
    assert "hunter" not in text
    headers = json.loads(text)["request"]["headers"]
    assert headers == {
        "content-type": "application/json",
        "Authorization": REDACTED,
        "Cookie": REDACTED,
        "X-Api-Key": REDACTED,
    }


def test_writing_a_redacted_case_twice_keeps_one_file(tmp_path: Path) -> None:
    value = stored(case(headers=SECRETS))
    first = write_case(tmp_path, value, Config().redact)
    second = write_case(tmp_path, value, Config().redact)
    assert second == (first[0], False)
    assert len(list(tmp_path.iterdir())) == 1


def test_a_crash_whose_last_case_is_another_class_reproducer_gets_its_own_file(tmp_path: Path) -> None:
    shared = case(body=b'{"kind":"playbook"}')
    semantic = divergence(ok(200, b'{"a":1}'), ok(200, b'{"a":2}'), of=shared)
    died = exchange(ok(200, b"{}"), failed(Outcome.REFUSED), of=shared)
    found = Finding(semantic.signature, semantic, 1, known=False, shrunk=True, confirmations=3)
    comparison = crashed(died, SERDE)
    signature = signature_of(died, comparison)
    crash = Finding(signature, Divergence(died, comparison, signature), 1, False, False, 0, crash=True)
    first, written_first = write_case(tmp_path, stored_finding(found))
    second, written_second = write_case(tmp_path, stored_finding(crash))
    assert written_first and written_second and first != second
    assert "crash" in (read_case(second).expect.key or "")
