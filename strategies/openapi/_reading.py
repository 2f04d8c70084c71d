"""Reading OpenAPI files: YAML or JSON to JSON values, `$ref`s between them, and the line of a JSON pointer.

A YAML file is read as JSON would read it: every mapping key becomes a string as written (`200:` is `"200"`,
`on:` is `"on"`), and timestamps stay strings (`2024-01-01` is `"2024-01-01"`, not a date). Lines are found
only when an error needs one: the file's text is composed again into nodes, which hold their marks.

`Files` holds every file a document reaches through `$ref`, read once each. A place in them is a `Located`: a
value with the file's URI and the JSON pointer that leads to it, so that any error can name file, pointer and
line, even after following references into another file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit
from urllib.request import url2pathname

import yaml

from fuzzer._errors import OpenAPIError

JSON = Any


class _Loader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc,name-defined]
    """PyYAML's safe loader (libyaml when present: ten times faster), with JSON's keys and no dates."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[str, Any]:  # type: ignore[override]
        self.flatten_mapping(node)
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key is not a plain scalar", key_node.start_mark
                )
            key = self.construct_object(key_node, deep=deep)
            mapping[key if isinstance(key, str) else key_node.value] = self.construct_object(value_node, deep=deep)
        return mapping


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_str)
_Loader.add_constructor("tag:yaml.org,2002:binary", _Loader.construct_yaml_str)


def escape(segment: str | int) -> str:
    """One JSON pointer segment (RFC 6901): `~` as `~0`, `/` as `~1`."""
    return str(segment).replace("~", "~0").replace("/", "~1")


def pointer_of(segments: Sequence[str | int]) -> str:
    return "".join("/" + escape(segment) for segment in segments)


def segments_of(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer[1:].split("/")]


@dataclass(frozen=True, slots=True)
class Located:
    """A value of a file (`uri`) and the JSON pointer that leads to it there."""

    value: JSON
    uri: str
    pointer: str

    @property
    def key(self) -> str:
        """The absolute URI of this place: the same for every reference that reaches it."""
        return f"{self.uri}#{self.pointer}"

    def child(self, name: str | int) -> Located:
        return Located(self.value[name], self.uri, f"{self.pointer}/{escape(name)}")

    def at(self, name: str | int, value: JSON) -> Located:
        """A value found under `name` (after a default or a conversion), placed there."""
        return Located(value, self.uri, f"{self.pointer}/{escape(name)}")


@dataclass(frozen=True, slots=True)
class _File:
    path: Path
    text: str
    value: JSON


class Files:
    """The files of one document: the root and every file its `$ref`s reach, each read once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root_uri = root.resolve().as_uri()
        self._files: dict[str, _File] = {}
        self._resolved: dict[tuple[str, str], Located] = {}

    def document(self) -> Located:
        return Located(self._file(self.root_uri, None).value, self.root_uri, "")

    def display(self, uri: str) -> str:
        """How a message names a file: as given for the root, else relative to the working directory."""
        if uri == self.root_uri:
            return str(self.root)
        path = Path(url2pathname(urlsplit(uri).path))
        try:
            return os.path.relpath(path)
        except ValueError:
            return str(path)

    def error(self, where: Located | tuple[str, str], what: str, fix: str) -> OpenAPIError:
        """An error at a place: its file, pointer and line."""
        uri, pointer = (where.uri, where.pointer) if isinstance(where, Located) else where
        return OpenAPIError(self.display(uri), what, fix, pointer=pointer, line=self.line(uri, pointer))

    def line(self, uri: str, pointer: str) -> int | None:
        """The 1-based line of the value at `pointer` (of its key, in a mapping), or of the nearest place above it."""
        file = self._files.get(uri)
        if file is None:
            return None
        try:
            node = yaml.compose(file.text, Loader=_Loader)
        except yaml.YAMLError:
            return None
        if node is None:
            return None
        line = node.start_mark.line + 1
        for segment in segments_of(pointer):
            child: yaml.Node | None = None
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if isinstance(key_node, yaml.ScalarNode) and key_node.value == segment:
                        child, line = value_node, key_node.start_mark.line + 1
                        break
            elif isinstance(node, yaml.SequenceNode) and segment.isdigit() and int(segment) < len(node.value):
                child = node.value[int(segment)]
                line = child.start_mark.line + 1
            if child is None:
                break
            node = child
        return line

    def resolve(self, ref: JSON, where: Located) -> Located:
        """The value a `$ref` (found at `where`, in its file) points to, followed through chains of `$ref`s."""
        target = self._resolve_once(ref, where)
        seen = {target.key}
        while isinstance(target.value, dict) and "$ref" in target.value:
            target = self._resolve_once(target.value["$ref"], target.child("$ref"))
            if target.key in seen:
                raise self.error(
                    where,
                    f"$ref {ref!r} leads to a cycle of references that never reaches a value",
                    "make one of them point to a definition",
                )
            seen.add(target.key)
        return target

    def _resolve_once(self, ref: JSON, where: Located) -> Located:
        if not isinstance(ref, str):
            raise self.error(where, f"$ref is {excerpt(ref)}, not a string", "write the reference as a string")
        cached = self._resolved.get((where.uri, ref))
        if cached is not None:
            return cached
        absolute = urljoin(where.uri, ref)
        uri, fragment = urldefrag(absolute)
        scheme = urlsplit(uri).scheme
        if scheme != "file":
            raise self.error(
                where,
                f"$ref {ref!r} points to another server ({scheme}:), which is not fetched",
                "save that document next to this one and refer to it by a relative path",
            )
        file = self._file(uri, where)
        pointer = unquote(fragment)
        if pointer and not pointer.startswith("/"):
            raise self.error(
                where,
                f"$ref {ref!r} uses a plain-name fragment ($anchor), which is not supported",
                "refer by a JSON pointer such as #/components/schemas/Name",
            )
        value = file.value
        walked = ""
        for segment in segments_of(pointer):
            if isinstance(value, dict) and segment in value:
                value = value[segment]
            elif isinstance(value, list) and segment.isdigit() and int(segment) < len(value):
                value = value[int(segment)]
            else:
                where_part = f"{walked or 'the top level'} of {self.display(uri)}"
                raise self.error(
                    where,
                    f"$ref {ref!r} points to nothing: {where_part} has no {segment!r}",
                    "fix the reference or define what it names",
                )
            walked += "/" + escape(segment)
        located = Located(value, uri, pointer)
        self._resolved[(where.uri, ref)] = located
        return located

    def _file(self, uri: str, referrer: Located | None) -> _File:
        file = self._files.get(uri)
        if file is not None:
            return file
        path = Path(url2pathname(urlsplit(uri).path))
        shown = self.display(uri)

        def fail(what: str, fix: str) -> OpenAPIError:
            if referrer is None:
                return OpenAPIError(shown, what, fix)
            return self.error(referrer, f"$ref to {shown}: {what}", fix)

        try:
            raw = path.read_bytes()
        except FileNotFoundError as err:
            raise fail("no such file", "check the path") from err
        except OSError as err:
            raise fail(f"cannot read it ({err.strerror})", "check the path and its permissions") from err
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise fail(f"not UTF-8 text (byte {err.start})", "save the file as UTF-8") from err
        value = _parse(text, path, shown)
        file = _File(path, text, value)
        self._files[uri] = file
        return file


def _parse(text: str, path: Path, shown: str) -> JSON:
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise OpenAPIError(
                shown, f"not valid JSON: {err.msg} (column {err.colno})", "fix the syntax there", line=err.lineno
            ) from err
        except RecursionError as err:
            raise OpenAPIError(shown, "the JSON nests too deeply to read", "flatten it") from err
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        what = f"not valid YAML: {err.problem or err.context or 'unreadable'}"
        if mark is not None:
            what += f" (column {mark.column + 1})"
        if err.context and err.problem and err.context_mark is not None and err.context_mark is not mark:
            what += f", {err.context} that starts at line {err.context_mark.line + 1}"
        line = mark.line + 1 if mark is not None else None
        raise OpenAPIError(shown, what, "fix the syntax there", line=line) from err
    except yaml.YAMLError as err:
        raise OpenAPIError(shown, f"not valid YAML: {err}", "fix the syntax") from err
    except RecursionError as err:
        raise OpenAPIError(shown, "the YAML nests too deeply to read", "flatten it") from err


def excerpt(value: JSON, limit: int = 60) -> str:
    """A short, one-line rendering of a value for a message."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
