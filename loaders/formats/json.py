"""JSON records in whatever framing tools write them: JSON lines, one document (object or
array), or pretty-printed concatenated objects.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from graph.errors import LoadError
from loaders import limits
from loaders.base import Location, Record, SourceFile
from loaders.formats.compressed import bounded_lines, open_text

__all__ = ["iter_json_documents", "iter_json_records"]


def iter_json_documents(source: SourceFile) -> Iterator[Record[Any] | LoadError]:
    """Records of a JSON source in whatever framing it uses.

    JSON lines (one object per line), a single JSON document (object or array), or
    pretty-printed concatenated objects, as tools emit them in the wild. Each yields
    `Record(location, parsed)`; a line that does not parse yields a located LoadError.
    Whole-document files are read at once (they are exports, not streams) up to the document
    limit; JSON-lines files stream line by line, and a line past the line limit is rejected
    and skipped without being held (loaders/limits.py).
    """
    bounds = limits.current()
    with open_text(source) as handle:
        # The first line may be a whole minified document: read it up to the document limit.
        first = handle.readline(bounds.document_bytes + 1)
        stripped = first.strip()
        one_line = stripped.startswith("{") and stripped.endswith("}")
        if one_line and _parses(stripped):
            head = first if len(first) <= bounds.line_bytes else None
            yield from _json_lines(source, itertools.chain((head,), bounded_lines(handle, bounds.line_bytes)), bounds)
            return
        ahead: list[str] = []
        if one_line and len(first) <= bounds.line_bytes:
            # a damaged first line of a JSON-lines file: the file is JSON lines when the next
            # non-blank line is an object on its own (a document's second line never is), and the
            # damage costs that one line (issue 18: it used to cost the whole file)
            while (line := handle.readline(bounds.line_bytes + 1)) and not line.strip():
                ahead.append(line)
            ahead.append(line)
            following = line.strip()
            if (
                len(line) <= bounds.line_bytes
                and following.startswith("{")
                and following.endswith("}")
                and _parses(following)
            ):
                rest = itertools.chain([first], ahead, bounded_lines(handle, bounds.line_bytes))
                yield from _json_lines(source, rest, bounds)
                return
        text = first + "".join(ahead)
        text += handle.read(bounds.document_bytes + 1 - len(text))
    if len(text) > bounds.document_bytes:
        raise limits.exceeded("document_bytes", bounds.document_bytes, "the JSON document", file=source.display)
    yield from _json_document(source, text)


def iter_json_records(source: SourceFile, containers: tuple[str, ...] = ()) -> Iterator[Record[Any] | LoadError]:
    """The records of an export: each element of a top-level array (or of the first `containers`
    key of a top-level object that holds an array) as a `record N` of its own, else each document
    as `iter_json_documents` frames it (JSON lines, one object, concatenated objects)."""
    for parsed in iter_json_documents(source):
        if isinstance(parsed, LoadError):
            yield parsed
            continue
        value = parsed.value
        if isinstance(value, dict):
            value = next((value[k] for k in containers if isinstance(value.get(k), list)), value)
        if not isinstance(value, list):
            yield parsed
            continue
        for index, item in enumerate(value, 1):
            yield Record(Location(source.display, record=index), item)


def _parses(text: str) -> bool:
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return True


def _json_lines(
    source: SourceFile, lines: Iterable[str | None], bounds: limits.LoadLimits
) -> Iterator[Record[Any] | LoadError]:
    for number, line in enumerate(lines, 1):
        where = Location(source.display, line=number)
        if line is None:
            yield limits.exceeded("line_bytes", bounds.line_bytes, "the line", file=source.display, line=number)
            continue
        text = line.strip()
        if not text:
            continue
        try:
            yield Record(where, orjson.loads(text))
        except orjson.JSONDecodeError as exc:
            yield where.error(f"invalid JSON ({exc.msg if hasattr(exc, 'msg') else exc})")


def _json_document(source: SourceFile, text: str) -> Iterator[Record[Any] | LoadError]:
    try:
        yield Record(Location(source.display, line=1), orjson.loads(text))
        return
    except orjson.JSONDecodeError:
        pass
    yield from _concatenated(source, text)


_TOKENS = re.compile(r'"(?:[^"\\]++|\\.)*+(")?|[{}]', re.S)
"""What the brace matcher needs to see: a whole string (its closing quote captured; none when
the text ends inside it) or a brace. The regex engine skips everything else in C, and the
possessive quantifiers never backtrack."""
_SCANNER = json.JSONDecoder()


def _concatenated(source: SourceFile, text: str) -> Iterator[Record[Any] | LoadError]:
    """Pretty-printed concatenated objects, each from a `{` to its balanced `}` outside strings.

    Linear and in C for all but the bad objects: the standard library's scanner finds where a
    well-formed object ends (orjson, which parses it, cannot say), and only a malformed one is
    matched brace by brace, from its own start; newlines are counted once each, for locators."""
    position, found, line, counted = 0, 0, 1, 0
    while (start := text.find("{", position)) >= 0:
        line += text.count("\n", counted, start)
        counted = start
        where = Location(source.display, line=line)
        try:
            end = _SCANNER.raw_decode(text, start)[1]
        except (ValueError, RecursionError):  # malformed, or nested past the stdlib's recursion
            end = _balanced_end(text, start)
            if end < 0:
                yield Location(source.display, line=line + text.count("\n", start)).error(
                    f"truncated JSON: the object opened at line {line} is still open at the end of the file"
                )
                return
        found += 1
        try:
            yield Record(where, orjson.loads(text[start:end]))
        except orjson.JSONDecodeError as exc:
            # Cite the line where parsing failed (orjson counts from the object's first line).
            failed = Location(source.display, line=line + exc.lineno - 1)
            yield failed.error(f"invalid JSON object opened at line {line}: {exc.msg}")
        position = end
    if not found:
        yield Location(source.display, line=1).error("not JSON: the file holds no JSON document")


def _balanced_end(text: str, start: int) -> int:
    """The offset after the `}` that closes the `{` at `start` (braces in strings not counted),
    or -1 when the text ends first."""
    depth = 0
    for token in _TOKENS.finditer(text, start):
        char = token.group()
        if char[0] == '"':
            if token.group(1) is None:
                return -1  # the text ends inside a string
        elif char == "{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return token.end()
    return -1
