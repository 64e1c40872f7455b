"""Kubernetes objects out of the files kubectl writes: one JSON or YAML object, a `kind: List`
(or `*List`) of items, or multi-document YAML; each object with its location and the cluster
the file names.

A file names its cluster with a head comment `# context: <name>` or `# cluster: <name>` (what
`kubectl config current-context` printed when the export was taken); `--cluster` overrides it
and `default` stands in when neither says. YAML documents are split on `---` lines so that one
malformed document is one located error and the others still load.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

import orjson

from graph.errors import LoadError
from loaders import limits
from loaders.base import Location, Record, SourceFile
from loaders.formats.compressed import open_text
from loaders.formats.yaml import load_yaml_text

__all__ = ["KubeObject", "read_objects"]

_CONTEXT = re.compile(r"^#\s*(?:kubectl\s+)?(?:--)?(?:context|cluster)[:=\s]\s*([A-Za-z0-9._@:/-]+)\s*$", re.M)
_SEPARATOR = re.compile(r"^---(?:\s.*)?$")
_HEAD = 4096


class KubeObject(NamedTuple):
    value: dict[str, Any]
    cluster: str  # from the file's head comment; "" when it names none


def _documents(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each YAML document, split on `---` lines."""
    start, lines = 1, list[str]()
    for number, line in enumerate(text.splitlines(), 1):
        if _SEPARATOR.match(line):
            if any(part.strip() and not part.lstrip().startswith("#") for part in lines):
                yield start, "\n".join(lines)
            start, lines = number + 1, []
        else:
            lines.append(line)
    if any(part.strip() and not part.lstrip().startswith("#") for part in lines):
        yield start, "\n".join(lines)


def _parse_document(display: str, line: int, text: str) -> object | LoadError:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            parsed: object = orjson.loads(text)
            return parsed
        except orjson.JSONDecodeError:
            pass  # JSON is YAML too: let YAML say where it breaks
    # The bounded reader: aliases, nesting and expanded size are limited before anything is built.
    return load_yaml_text(text, display, line)


def _items(value: object, where: Location, cluster: str) -> Iterator[Record[KubeObject] | LoadError]:
    if not isinstance(value, dict):
        yield where.error("not a Kubernetes object: expected a mapping with apiVersion and kind")
        return
    kind = value.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and "items" in value:
        items = value.get("items")
        if not isinstance(items, list):
            yield where.error(f"{kind}: items must be a list")
            return
        for index, item in enumerate(items):
            inner = Location(where.file, line=where.line, record=index)
            if isinstance(item, dict):
                yield Record(inner, KubeObject(item, cluster))
            else:
                yield inner.error(f"{kind} item {index} is not an object")
        return
    yield Record(where, KubeObject(value, cluster))


def read_objects(source: SourceFile) -> Iterator[Record[KubeObject] | LoadError]:
    most = limits.current().document_bytes
    with open_text(source) as handle:
        text = handle.read(most + 1)
    if len(text) > most:
        raise limits.exceeded("document_bytes", most, "the file", file=source.display)
    found = _CONTEXT.search(text[:_HEAD])
    cluster = found.group(1) if found else ""
    for line, document in _documents(text):
        parsed = _parse_document(source.display, line, document)
        if isinstance(parsed, LoadError):
            yield parsed
            continue
        if parsed is None:
            continue
        yield from _items(parsed, Location(source.display, line=line), cluster)
