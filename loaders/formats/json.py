"""JSON records in whatever framing tools write them: JSON lines, one document (object or
array), or pretty-printed concatenated objects.
"""

from __future__ import annotations

import itertools
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
        looks_lines = stripped.startswith("{") and stripped.endswith("}") and _parses(stripped)
        if looks_lines:
            head = first if len(first) <= bounds.line_bytes else None
            yield from _json_lines(source, itertools.chain((head,), bounded_lines(handle, bounds.line_bytes)), bounds)
            return
        text = first + handle.read(bounds.document_bytes + 1 - len(first))
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
    # Concatenated pretty-printed objects: split on balanced braces outside strings.
    decoder_start, depth, in_string, escaped, line, start_line = None, 0, False, False, 1, 1
    found = 0
    for index, char in enumerate(text):
        if char == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char == "{":
            if depth == 0:
                decoder_start, start_line = index, line
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0 and decoder_start is not None:
                found += 1
                where = Location(source.display, line=start_line)
                try:
                    yield Record(where, orjson.loads(text[decoder_start : index + 1]))
                except orjson.JSONDecodeError as exc:
                    # Cite the line where parsing failed (orjson counts from the object's first line).
                    failed = Location(source.display, line=start_line + exc.lineno - 1)
                    yield failed.error(f"invalid JSON object opened at line {start_line}: {exc.msg}")
                decoder_start = None
    if depth:
        yield Location(source.display, line=line).error(
            f"truncated JSON: the object opened at line {start_line} is still open at the end of the file"
        )
    elif not found:
        yield Location(source.display, line=1).error("not JSON: the file holds no JSON document")
