"""One exception tree for keytrail; the API maps each class to a stable GraphQL error code.

KeytrailError
├── ModelError              an invalid node, edge, id or property (names the offending value)
├── LoadError               a source file or record that could not be read (file, line/record, reason)
│   ├── StrictStop          under --strict, the first rejected record, which stops the load
│   └── LimitExceeded       loaders/limits.py: a file broke a load limit (the limit and its setting named)
├── StoreError              the store could not be opened, written or read
│   ├── StoreUnavailable    a server store that cannot be reached
│   └── KindConflict        one id written with two different node kinds
├── QueryError              a query that cannot be answered as asked (bad argument; also a ValueError)
│   └── NotFound            an id that is not in the graph
├── AuthError               a missing, unknown or insufficient API token
├── WorkerError             a worker process of a parallel load failed or died (a bug, or killed):
│                           internal, never the user's input, so it is no LoadError
├── SettingsError           api/settings.py: settings that would make the server unsafe to start
├── CodedError              api/graphql/errors.py: raised on purpose with an API error code
└── RequestTimeout          api/graphql/pool.py: a request's time budget ran out (coded TIMEOUT)

A class marked with a module is defined there (it belongs to that layer, and graph depends on
nothing of ours) but joins this tree; tests/graph/test_errors.py keeps this drawing equal to
the classes that exist.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "QUOTE_CHARS",
    "REASON_CHARS",
    "AuthError",
    "KeytrailError",
    "KindConflict",
    "LoadError",
    "ModelError",
    "NotFound",
    "QueryError",
    "StoreError",
    "StoreUnavailable",
    "StrictStop",
    "WorkerError",
    "quoted",
    "shorten",
]

QUOTE_CHARS = 120
"""Longest quoted value in an error message: a hostile value may be 1 MB, and a message repeats it."""
REASON_CHARS = 400
"""Longest reason a LoadError keeps (and a load report shows)."""


def shorten(text: str, most: int = REASON_CHARS) -> str:
    """`text` cut to `most` characters, saying how much was cut."""
    if len(text) <= most:
        return text
    return f"{text[: most - 40]}… ({len(text) - most + 40:,} characters cut)"


def quoted(value: object, most: int = QUOTE_CHARS) -> str:
    """`repr(value)` for an error message, cut to `most` characters with the original length named."""
    text = repr(value)
    if len(text) <= most:
        return text
    size = len(value) if isinstance(value, str | bytes) else len(text)
    return f"{text[:most]}… ({size:,} characters)"


class KeytrailError(Exception):
    """Base of every error keytrail raises on purpose."""


class ModelError(KeytrailError):
    pass


class LoadError(KeytrailError):
    """A located load failure: which file, which line or record, and why."""

    def __init__(self, reason: str, *, file: str = "", line: int | None = None, record: int | None = None):
        self.reason = shorten(reason)
        self.file = file
        self.line = line
        self.record = record
        super().__init__(self.location() + self.reason)

    def __reduce__(self) -> tuple[Any, ...]:  # keyword fields survive pickling (worker processes)
        return (_load_error, (type(self), self.reason, self.file, self.line, self.record))

    def location(self) -> str:
        parts = [self.file] if self.file else []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.record is not None:
            parts.append(f"record {self.record}")
        return (":".join(parts[:1]) + (", " + ", ".join(parts[1:]) if len(parts) > 1 else "") + ": ") if parts else ""


class StrictStop(LoadError):
    """Raised under --strict at the first rejected record; carries that record's location."""

    @classmethod
    def of(cls, error: LoadError) -> StrictStop:
        return cls(error.reason, file=error.file, line=error.line, record=error.record)


class WorkerError(KeytrailError):
    """A worker process of a parallel load failed (a bug, or the process was killed)."""


class StoreError(KeytrailError):
    pass


class StoreUnavailable(StoreError):
    pass


class KindConflict(StoreError):
    pass


class QueryError(KeytrailError, ValueError):
    pass


class NotFound(QueryError):
    pass


class AuthError(KeytrailError):
    pass


def _load_error(kind: type[LoadError], reason: str, file: str, line: int | None, record: int | None) -> LoadError:
    return kind(reason, file=file, line=line, record=record)
