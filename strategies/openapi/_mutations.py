"""The mutated and adversarial modes on every part of an OpenAPI request.

A mutated case is a valid draft with one to three mutations (drawn like a list: the shrinker can delete any),
each on one part, named in the label (`mutated listWorkers: query limit: empty value; header X-Id: duplicate`):

    path     <name>: empty | %2F | percent-encoded | dot segment .. | long | non-ascii   (a path parameter)
             : trailing slash | double slash | dot segment /.                          (the whole path)
    query    <name>: repeated key | empty value | no = | key <Name> | key <encoded> | + for %20 | raw +
             | invalid percent-encoding <bad> | style <style> explode <bool> ;  : unknown key <key>
    header   <name>: name <CASE> | duplicate | duplicate, other value | missing (required) | padded | empty
    cookie   <name>: missing | duplicate | empty value
    body     : missing | missing with its content-type
    and, on a parameter's or the body's value, the typed mutations of the envelope's mutated mode
    (strategies/_mutated.py: `drop`, `null`, `retype`, `int`, `string`, `near-miss` where a `pattern` governs,
    `array`, `key-case`, `extra`), labelled with the part: `query int limit = 101`, `body drop fills`.

An adversarial case writes wire-level bytes (`adversarial createPet: bom`):

    body     the envelope's adversarial families (strategies/_adversarial.py) on any JSON value: empty body,
             non-object body, content-type, bom, trailing data, duplicate key, number spelling, non-finite
             number, escaped spelling, escape-sensitive, lone surrogate, invalid utf-8, deep nesting, body size
    path     path <name> <bytes>: `%2F`, `%00`, `%FF`, `%C0%AF` (overlong /), `%0A`, `%5C`, `%2E%2E`, raw `é`
    query    query <name> <bytes>: the same, and `#`, `;` as a separator; query size (8 KiB and more)
    body     unexpected body (on an operation without one) | no body (with its content-type)
"""

from __future__ import annotations

import dataclasses
import functools
from collections import Counter
from collections.abc import Callable
from urllib.parse import unquote

from fuzzer._model import JSON, Case, RawJSON
from strategies import _adversarial as adv
from strategies._mutated import MAX_MUTATIONS, _mutate, _table
from strategies._nearmiss import SiteGrammars, pattern_grammar
from strategies._paths import MISSING, find_at, get_at, set_at, show, sites
from strategies._schema import Draw
from strategies._wire import encode_json, raw_object
from strategies.openapi._generate import Draft, OperationPlan, ParameterPlan
from strategies.openapi._serialize import encode, query_pairs

LONG = 10_000
PATH_BYTES = ("%2F", "%00", "%FF", "%C0%AF", "%0A", "%5C", "%2E%2E", "é", "%25")
QUERY_BYTES = ("%00", "%FF", "%C0%AF", "é", "#x", ";x=1", "%0A")
BAD_PERCENT = ("%", "%G1", "%C3", "%FF", "%u0041", "%%", "%2")
STYLES = (("form", True), ("form", False), ("spaceDelimited", False), ("pipeDelimited", False), ("deepObject", True))
QUERY_SIZES = (8192, 16385, 65537)

Edit = Callable[[Draw, OperationPlan, Draft], str | None]
"""One mutation of a draft, in place: its label, or None when it did not apply."""


def mutated_case(draw: Draw, plan: OperationPlan) -> Case:
    draft = plan.draft(draw)
    parts = _parts(plan)
    labels = []
    for _ in draw.repeat(1, MAX_MUTATIONS):
        label = draw.choose(parts)(draw, plan, draft)
        if label is not None:
            labels.append(label)
    if not labels:  # every drawn mutation found nothing to change: the path's, which always applies
        labels.append(_path(draw, plan, draft) or "path: trailing slash")
    counted = (f"{label} ×{times}" if times > 1 else label for label, times in Counter(labels).items())
    return plan.case(draft, "mutated", f"mutated {plan.operation.key}: {'; '.join(counted)}")


def _parts(plan: OperationPlan) -> tuple[Edit, ...]:
    parts: list[Edit] = [_path, _query, _header]
    if any(item.parameter.location == "cookie" for item in plan.parameters):
        parts.append(_cookie)
    if plan.bodies:
        parts += [_body, _body]  # a body has the most to mutate
    return tuple(parts)


def _in(plan: OperationPlan, draft: Draft, location: str) -> list[ParameterPlan]:
    return [item for item in plan.parameters if item.parameter.location == location and item.key in draft.values]


def _value(draw: Draw, plan: OperationPlan, draft: Draft, item: ParameterPlan) -> str | None:
    """One typed mutation (strategies/_mutated.py) of a parameter's value, written back by its style."""
    parameter = item.parameter
    envelope = {parameter.name: draft.values[item.key]}
    schema = parameter.schema
    pattern = schema.get("pattern") if isinstance(schema, dict) else None
    table = _value_table(parameter.name, pattern if isinstance(pattern, str) else None)
    changed = _mutate(draw, table, envelope, sites(envelope), ())
    if changed is None:
        return None
    mutated, label = changed
    _remove(draft, item.key)
    del draft.values[item.key]
    if parameter.location == "path":
        draft.path[parameter.name] = ""
    for name, value in mutated.items():
        other = dataclasses.replace(parameter, name=name)
        plan.put(draft, other if parameter.location != "path" else parameter, value)
    return f"{parameter.location} {label}"


@functools.lru_cache(maxsize=1024)
def _value_table(name: str, pattern: str | None) -> tuple:  # type: ignore[type-arg]
    """The typed mutations of a parameter's value: with `near-miss` when a pattern governs it."""
    grammar = pattern_grammar(pattern) if pattern is not None else None
    return _table(SiteGrammars({(name,): grammar} if grammar is not None else {}))


def _remove(draft: Draft, key: tuple[str, str]) -> None:
    produced = {id(item) for item in draft.produced.pop(key, [])}
    draft.query = [pair for pair in draft.query if id(pair) not in produced]
    draft.headers = [pair for pair in draft.headers if id(pair) not in produced]
    draft.cookies = [pair for pair in draft.cookies if id(pair) not in produced]


# ---------------------------------------------------------------- path


def _path(draw: Draw, plan: OperationPlan, draft: Draft) -> str | None:
    names = [item for item in _in(plan, draft, "path")]
    edit = draw.choose(_PATH_EDITS[: len(_PATH_EDITS) if names else 3])
    if edit == "value":
        return _value(draw, plan, draft, draw.choose(names))
    if edit in ("trailing slash", "double slash", "dot segment /."):
        draft.suffix += {"trailing slash": "/", "double slash": "//", "dot segment /.": "/."}[edit]
        return f"path: {edit}"
    item = draw.choose(names)
    name = item.parameter.name
    segment = draft.path[name]
    draft.path[name] = {
        "empty": lambda: "",
        "%2F": lambda: f"{segment}%2F{segment}",
        "percent-encoded": lambda: "".join(f"%{byte:02X}" for byte in unquote(segment).encode()) or "%41",
        "dot segment ..": lambda: "..",
        "dot segment .": lambda: ".",
        "long": lambda: (segment or "x") * (LONG // max(len(segment), 1) + 1),
        "non-ascii": lambda: segment + encode("é"),
        "lower-case hex": lambda: encode(unquote(segment), "").lower() if "%" in segment else segment + "%c3%a9",
    }[edit]()
    return f"path {name}: {edit}"


_PATH_EDITS = (
    "trailing slash",
    "double slash",
    "dot segment /.",
    "empty",
    "%2F",
    "percent-encoded",
    "dot segment ..",
    "dot segment .",
    "long",
    "non-ascii",
    "lower-case hex",
    "value",
    "value",
)


# ---------------------------------------------------------------- query


def _query(draw: Draw, plan: OperationPlan, draft: Draft) -> str | None:
    if not draft.query:
        return _unknown_key(draw, draft)
    edit = draw.choose(_QUERY_EDITS)
    at = draw.index(len(draft.query))
    key, value = draft.query[at]
    name = unquote(key)
    if edit == "value":
        present = _in(plan, draft, "query")
        return _value(draw, plan, draft, draw.choose(present)) if present else _unknown_key(draw, draft)
    if edit == "style":
        return _style(draw, plan, draft)
    if edit == "unknown key":
        return _unknown_key(draw, draft)
    if edit == "repeated key":
        other = draft.query[draw.index(len(draft.query))][1]
        draft.query.insert(at + 1, (key, other if other != value and draw.boolean() else value))
    elif edit == "empty value":
        draft.query[at] = (key, "")
    elif edit == "no =":
        draft.query[at] = (key, None)  # type: ignore[assignment]
    elif edit == "key case":
        variant = next((v for v in (name.upper(), name.capitalize()) if v != name), name + "X")
        draft.query[at] = (encode(variant), value)
        edit = f"key {variant}"
    elif edit == "encoded key":
        spelled = "".join(f"%{ord(ch):02X}" if index == 0 else ch for index, ch in enumerate(key)) if key else "%41"
        draft.query[at] = (spelled, value)
        edit = f"key {spelled}"
    elif edit == "plus":
        text = value or ""
        if "%20" in text:
            draft.query[at], edit = (key, text.replace("%20", "+")), "+ for %20"
        else:
            draft.query[at], edit = (key, text[: len(text) // 2] + "+" + text[len(text) // 2 :]), "raw +"
    else:
        bad = draw.choose(BAD_PERCENT)
        draft.query[at] = (key, (value or "") + bad)
        edit = f"invalid percent-encoding {bad}"
    return f"query {name}: {edit}"


_QUERY_EDITS = (
    "repeated key",
    "empty value",
    "no =",
    "key case",
    "encoded key",
    "plus",
    "invalid percent-encoding",
    "style",
    "unknown key",
    "value",
    "value",
)


def _unknown_key(draw: Draw, draft: Draft) -> str:
    key = draw.choose(("extra", "x-unknown", "", "__proto__"))
    draft.query.append((encode(key), "1"))
    return f"query: unknown key {key!r}"


def _style(draw: Draw, plan: OperationPlan, draft: Draft) -> str | None:
    """A present query parameter written in another style/explode than it declares."""
    present = _in(plan, draft, "query")
    containers = [item for item in present if isinstance(draft.values[item.key], list | dict)] or present
    if not containers:
        return None
    item = draw.choose(containers)
    parameter = item.parameter
    styles = [(s, e) for s, e in (*STYLES, ("brackets", True)) if (s, e) != (parameter.style, parameter.explode)]
    style, explode = draw.choose(styles)
    value = draft.values[item.key]
    _remove(draft, item.key)
    if style == "brackets":  # role[]=a&role[]=b, the PHP and Rails spelling
        items = value if isinstance(value, list) else [value]
        pairs = [pair for v in items for pair in query_pairs(parameter.name + "[]", v, "form", True)]
    else:
        pairs = query_pairs(parameter.name, value, style, explode, parameter.allow_reserved)
    draft.query += pairs
    draft.produced[item.key] = pairs
    return f"query {parameter.name}: style {style} explode {str(explode).lower()}"


# ---------------------------------------------------------------- headers and cookies


def _header(draw: Draw, plan: OperationPlan, draft: Draft) -> str | None:
    names = [name for name, _ in draft.headers] + (["content-type"] if draft.content_type else [])
    if not names:
        draft.headers.append(("X-Parity-Fuzz", "1"))
        return "header: unknown X-Parity-Fuzz"
    edit = draw.choose(_HEADER_EDITS)
    if edit == "missing (required)":
        required = [i for i in _in(plan, draft, "header") if i.parameter.required]
        if required:
            item = draw.choose(required)
            _remove(draft, item.key)
            return f"header {item.parameter.name}: missing (required)"
        edit = "missing"
    if edit == "value":
        present = _in(plan, draft, "header")
        if present:
            return _value(draw, plan, draft, draw.choose(present))
        edit = "duplicate"
    name = draw.choose(names)
    if name == "content-type" and draft.content_type is not None:  # from now on an ordinary header
        draft.headers.insert(0, (name, draft.content_type))
        draft.content_type = None
    at = next(index for index, (key, _) in enumerate(draft.headers) if key == name)
    key, value = draft.headers[at]
    if edit == "name case":
        variant = draw.choose((key.upper(), key.lower(), key.swapcase(), key.title()))
        draft.headers[at] = (variant, value)
        return f"header {key}: name {variant}"
    if edit == "missing":
        del draft.headers[at]
    elif edit == "duplicate":
        other = draw.boolean()
        draft.headers.insert(at + 1, (key, value + "-2" if other else value))
        edit = "duplicate, other value" if other else "duplicate"
    elif edit == "padded":
        draft.headers[at] = (key, f" {value} ")
    else:
        draft.headers[at] = (key, "")
    return f"header {key}: {edit}"


_HEADER_EDITS = ("name case", "duplicate", "missing (required)", "padded", "empty", "value", "value")


def _cookie(draw: Draw, plan: OperationPlan, draft: Draft) -> str | None:
    present = _in(plan, draft, "cookie")
    if not present:
        draft.cookies.append(("extra", "1"))
        return "cookie: unknown extra"
    item = draw.choose(present)
    edit = draw.choose(("missing", "duplicate", "empty value", "value"))
    if edit == "value":
        return _value(draw, plan, draft, item)
    produced = draft.produced.get(item.key, [])
    if edit == "missing" or not produced:
        _remove(draft, item.key)
        edit = "missing"
    elif edit == "duplicate":
        name, value = produced[0]
        draft.cookies.append((name, value + "2"))
    else:
        emptied = (produced[0][0], "")
        draft.cookies = [emptied if pair is produced[0] else pair for pair in draft.cookies]
        produced[0] = emptied
    return f"cookie {item.parameter.name}: {edit}"


# ---------------------------------------------------------------- body


def _body(draw: Draw, plan: OperationPlan, draft: Draft) -> str | None:
    body = draft.body
    if body is None:
        return None
    if draw.index(8) == 0:  # a body missing is one mutation among many
        keep = draw.boolean()
        draft.body = None
        if not keep:
            draft.content_type = None
        return "body: missing with its content-type" if keep else "body: missing"
    changed = _mutate(draw, _table(body.grammars), draft.value, sites(draft.value), ())
    if changed is None:
        return None
    draft.value, label = changed
    return f"body {label}"


# ---------------------------------------------------------------- adversarial


def adversarial_case(draw: Draw, plan: OperationPlan) -> Case:
    draft = plan.draft(draw)
    families = _WIRE + (_BODY_FAMILIES if draft.body is not None else ())
    family = draw.choose(families)
    detail = family(draw, plan, draft)
    return plan.case(draft, "adversarial", f"adversarial {plan.operation.key}: {detail}")


def _path_bytes(draw: Draw, plan: OperationPlan, draft: Draft) -> str:
    token = draw.choose(PATH_BYTES)
    names = [item.parameter.name for item in _in(plan, draft, "path")]
    if not names:
        draft.suffix += "/" + token
        return f"path {token}"
    name = draw.choose(names)
    draft.path[name] += token
    return f"path {name} {token}"


def _query_bytes(draw: Draw, plan: OperationPlan, draft: Draft) -> str:
    token = draw.choose(QUERY_BYTES)
    if not draft.query:
        draft.query.append(("q", token))
        return f"query q {token}"
    at = draw.index(len(draft.query))
    key, value = draft.query[at]
    draft.query[at] = (key, (value or "") + token)
    return f"query {unquote(key)} {token}"


def _query_size(draw: Draw, plan: OperationPlan, draft: Draft) -> str:
    size = draw.choose(QUERY_SIZES)
    draft.query.append(("padding", "x" * size))
    return f"query size {size} bytes"


def _body_presence(draw: Draw, plan: OperationPlan, draft: Draft) -> str:
    if draft.body is None:
        draft.wire, draft.content_type = b"{}", "application/json"
        return "unexpected body {}"
    draft.body = None
    return "no body, with its content-type"


_WIRE: tuple[Edit, ...] = (_path_bytes, _path_bytes, _query_bytes, _query_bytes, _body_presence, _query_size)


def _set_wire(draft: Draft, data: bytes, detail: str) -> str:
    draft.wire = data
    return detail


def _site(draw: Draw, value: JSON, wanted: type | tuple[type, ...], key: str) -> tuple[tuple[str | int, ...], JSON]:
    found = [(p, v) for p, v in sites(value) if isinstance(v, wanted) and not isinstance(v, bool)]
    if found:
        return draw.choose(found)
    return ((key,), None) if isinstance(value, dict) else ((), value if isinstance(value, wanted) else None)


def _family(name: str) -> Edit:
    def body(draw: Draw, plan: OperationPlan, draft: Draft) -> str:
        value = draft.value
        encoded = draft.body.encode(value) if draft.body is not None else encode_json(value)
        if name == "empty body":
            data = draw.choose(adv.EMPTY)
            return _set_wire(draft, data, "empty body" + (f" {data!r}" if data else ""))
        if name == "non-object body":
            data = draw.choose((*adv.NON_OBJECTS, b"wrapped"))
            if data == b"wrapped":
                return _set_wire(draft, b"[" + encode_json(value) + b"]", "non-object body [value]")
            return _set_wire(draft, data, f"non-object body {data.decode()}")
        if name == "content-type":
            chosen = draw.choose(adv.CONTENT_TYPES)
            draft.content_type = chosen
            draft.wire = encoded
            return f"content-type {'none' if chosen is None else (chosen or repr(chosen))}"
        if name == "bom":
            return _set_wire(draft, adv.BOM + encoded, "bom")
        if name == "trailing data":
            suffix = draw.choose(adv.TRAILING)
            return _set_wire(draft, encoded + suffix, f"trailing data {suffix!r}")
        if name == "body size":
            size = draw.choose(adv.BODY_SIZES)
            return _set_wire(draft, encoded[:1] + b" " * max(size - len(encoded), 0) + encoded[1:], f"body size {size}")
        if name == "deep nesting":
            depth, shape = draw.choose(adv.DEPTHS), draw.choose(("arrays", "objects"))
            text = "[" * depth + "]" * depth if shape == "arrays" else '{"a":' * depth + "1" + "}" * depth
            path = ("nested",) if isinstance(value, dict) else ()
            return _set_wire(draft, encode_json(set_at(value, path, RawJSON(text))), f"deep nesting {depth} {shape}")
        if name == "duplicate key":
            keyed = [(p, v) for p, v in sites(value) if p and isinstance(p[-1], str)]
            if not keyed:
                return _set_wire(draft, b'{"a":1,"a":2}', "duplicate key a (no object in the value)")
            path, item = draw.choose(keyed)
            last = draw.boolean()
            other = adv._other(path, item, ())
            members = []
            for key, member in get_at(value, path[:-1]).items():
                pair = [(key, member), (key, other)] if last else [(key, other), (key, member)]
                members += pair if key == path[-1] else [(key, member)]
            data = encode_json(set_at(value, path[:-1], raw_object(members)))
            return _set_wire(draft, data, f"duplicate key {show(path)}, other value {'last' if last else 'first'}")
        if name in ("number spelling", "non-finite number"):
            path, number = _site(draw, value, int, "count")
            base = number if isinstance(number, int) else 1
            token = draw.choose(adv._spellings(base) if name == "number spelling" else adv.NON_FINITE)
            data = encode_json(set_at(value, path, RawJSON(token)))
            return _set_wire(draft, data, f"{name} {show(path) or 'body'} = {token}")
        path, text = _site(draw, value, str, "text")
        text = text if isinstance(text, str) else ""
        if name == "invalid utf-8":
            bad = draw.choose(adv.INVALID_UTF8)
            new: JSON = adv._in_string(text, bad)
            detail = f"invalid utf-8 {bad.hex(' ')}"
        elif name == "lone surrogate":
            escape = draw.choose(adv.LONE_SURROGATES)
            new, detail = adv._in_string(text, escape.encode()), f"lone surrogate {escape}"
        elif name == "escape-sensitive":
            char_name = draw.choose(list(adv.ESCAPE_SENSITIVE))
            new, detail = text + adv.ESCAPE_SENSITIVE[char_name], f"escape-sensitive {char_name}"
        else:
            units = text.encode("utf-16-be", "surrogatepass")
            escaped = "".join(f"\\u{int.from_bytes(units[i : i + 2], 'big'):04x}" for i in range(0, len(units), 2))
            new, detail = RawJSON(f'"{escaped}"'), "escaped spelling"
        if find_at(value, path) is MISSING and path and not isinstance(value, dict):
            path = ()
        return _set_wire(draft, encode_json(set_at(value, path, new)), f"{detail} in {show(path) or 'body'}")

    body.__name__ = name
    return body


_BODY_FAMILIES: tuple[Edit, ...] = tuple(
    _family(name) for name, (_, weight) in adv.FAMILIES.items() for _ in range(weight)
)
