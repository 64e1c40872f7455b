"""Stream writers shared by the demo platform writers: a JSON array and JSON lines, one record at a time."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

__all__ = ["write_json_array", "write_json_lines"]


def write_json_array(path: Path, items: Iterable[dict[str, Any]]) -> int:
    """`[` item `,` item … `]`, one item per line, as an API response body saved by a script."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("wb") as handle:
        handle.write(b"[")
        for item in items:
            handle.write((b",\n" if count else b"\n") + orjson.dumps(item))
            count += 1
        handle.write(b"\n]\n")
    return count


def write_json_lines(path: Path, items: Iterable[dict[str, Any]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("wb") as handle:
        for item in items:
            handle.write(orjson.dumps(item) + b"\n")
            count += 1
    return count
