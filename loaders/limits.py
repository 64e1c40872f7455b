"""Limits on what one input file may cost a load, so a hostile file fails clearly, never hangs or
exhausts memory.

Files loaded by keytrail may come from an attacker (a leaked repository's scanner report, a log
shipped from a compromised host). Each limit below is checked while the file is read, before the
cost is paid: inflated bytes are counted as they stream out of gzip, a line longer than the line
limit is skipped in bounded chunks without being held, a YAML document's expanded size is counted
on its composed node graph before anything walks the expansion. A limit that one record breaks
(a line too long) rejects that record; one the file breaks raises `LimitExceeded`, a located
`LoadError` the runner reports as that file's failure.

Settings: `LoadLimits.from_environment()` reads `KEYTRAIL_LOAD_MAX_<NAME>` (e.g.
`KEYTRAIL_LOAD_MAX_FILE_BYTES=8G`; sizes take K/M/G suffixes), and `LoadContext.limits` carries
them to every file of a load, worker processes included. The format readers in loaders/formats
read the limits in force through `current()`, which the runner sets per file with `applied()`,
so a loader's `parse(source)` keeps its signature.

JSON nesting depth is bounded by the parser itself (orjson refuses more than 1024 levels, far
below Python's recursion limit); `depth` bounds YAML nesting, which the YAML composer would
otherwise follow into a RecursionError.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass

from graph.errors import REASON_CHARS, LoadError, shorten

__all__ = ["REASON_CHARS", "LimitExceeded", "LoadLimits", "applied", "current", "exceeded", "parse_size", "shorten"]


class LimitExceeded(LoadError):
    """A file broke one of the load limits: the file fails, with the limit and its setting named."""


@dataclass(frozen=True, slots=True)
class LoadLimits:
    file_bytes: int = 4 << 30
    """Bytes of one file after decompression (a gzip bomb stops here)."""
    line_bytes: int = 64 << 20
    """Bytes of one line or one record of a line-based format (longer lines are rejected, skipped)."""
    document_bytes: int = 1 << 30
    """Bytes of one JSON or YAML document read whole (exports, reports, workflow files)."""
    depth: int = 200
    """Nesting depth of a YAML document (JSON: the parser's own 1024)."""
    yaml_aliases: int = 1000
    """Alias references (`*name`) in one YAML document."""
    yaml_nodes: int = 2_000_000
    """Nodes of one YAML document with every alias expanded (a "billion laughs" stops here)."""
    records: int = 50_000_000
    """Records (lines, events, rows, entries) of one file."""

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> LoadLimits:
        """The defaults, each overridden by `KEYTRAIL_LOAD_MAX_<FIELD>` where set."""
        environ = os.environ if environ is None else environ
        values: dict[str, int] = {}
        for item in dataclasses.fields(cls):
            text = environ.get(setting_name(item.name), "").strip()
            if text:
                values[item.name] = parse_size(text, setting_name(item.name))
        return cls(**values)


def setting_name(limit: str) -> str:
    """The environment variable of a limit field (named in every LimitExceeded message)."""
    return f"KEYTRAIL_LOAD_MAX_{limit.upper()}"


_SUFFIXES = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(text: str, what: str = "limit") -> int:
    """`1048576`, `512K`, `64M`, `4G` (binary multiples) as a positive integer; LoadError otherwise."""
    cleaned = text.strip().upper().removesuffix("B").removesuffix("I")
    factor = _SUFFIXES.get(cleaned[-1:], 1)
    number = cleaned[:-1] if factor != 1 else cleaned
    try:
        value = int(number) * factor
    except ValueError:
        raise LoadError(f"{what}: {text!r} is not a size (e.g. 1048576, 512K, 64M, 4G)") from None
    if value <= 0:
        raise LoadError(f"{what}: {text!r} must be positive")
    return value


def exceeded(limit: str, value: int, what: str, *, file: str, line: int | None = None) -> LimitExceeded:
    """The error for `what` breaking limit field `limit` (whose value is `value`)."""
    return LimitExceeded(
        f"{what} exceeds the limit of {_size(value) if limit.endswith('bytes') else f'{value:,}'} "
        f"(set {setting_name(limit)} to raise it)",
        file=file,
        line=line,
    )


def _size(value: int) -> str:
    for suffix, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if value >= factor and value % factor == 0:
            return f"{value // factor} {suffix}"
    return f"{value:,} bytes"


_DEFAULT = LoadLimits()
_CURRENT: ContextVar[LoadLimits | None] = ContextVar("keytrail_load_limits", default=None)


def current() -> LoadLimits:
    """The limits of the file being read (the defaults outside a load)."""
    return _CURRENT.get() or _DEFAULT


@contextlib.contextmanager
def applied(limits: LoadLimits) -> Iterator[None]:
    """Make `limits` the ones `current()` returns while the block runs."""
    token = _CURRENT.set(limits)
    try:
        yield
    finally:
        _CURRENT.reset(token)
