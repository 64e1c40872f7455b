"""What every loader is: a streaming parser of one raw format, and a pure transform.

    SourceFile ──parse()──▶ Record | LoadError ──transform(record, ctx)──▶ Node | Edge
                                                 finish(ctx) ──────────────▶ Node | Edge   (aggregates)

`parse` streams records with their location (file, line or record index) and yields a
located `LoadError` for each malformed one instead of raising, so good records around it
still load. `transform` is pure: no I/O, no clock (time arrives in `ctx.now`); if it raises
`LoadError` or `ModelError`, none of that record's nodes or edges are written. Loaders that
aggregate across records (CloudTrail sessions) keep their state in `ctx.state` and emit it
from `finish`. Stores do the writing (loaders/runner.py); loaders never import a store.
"""

from __future__ import annotations

import gzip
import io
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, NamedTuple, Protocol, TypeVar

import orjson

try:  # ISA-L's inflate: about 3x zlib's on CloudTrail's gzip files (1.0 vs 3.5 us per event)
    from isal import isal_zlib as _inflate
except ImportError:  # a platform without its wheels: the standard library's
    import zlib as _inflate  # type: ignore[no-redef]

from graph.errors import LoadError
from graph.model import Edge, Evidence, Node
from graph.schema import EdgeKind, NodeKind

__all__ = [
    "KnownNodes",
    "LoadContext",
    "Loader",
    "Location",
    "Record",
    "Sample",
    "SourceFile",
    "evidenced_edge",
    "iter_json_documents",
    "open_text",
    "read_blocks",
]

T = TypeVar("T")
Item = Node | Edge
SAMPLE_BYTES = 64 * 1024


class Location(NamedTuple):  # a tuple: built for every record read, so as cheap as can be
    file: str
    line: int | None = None
    record: int | None = None

    @property
    def locator(self) -> str:
        if self.line is not None:
            return f"line {self.line}"
        if self.record is not None:
            return f"record {self.record}"
        return ""

    def error(self, reason: str) -> LoadError:
        return LoadError(reason, file=self.file, line=self.line, record=self.record)


class Record(NamedTuple, Generic[T]):
    location: Location
    value: T


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file to load: its path on disk and the name evidence pointers will cite."""

    path: Path
    display: str

    @property
    def compressed(self) -> bool:
        return self.path.suffix == ".gz"


@dataclass(frozen=True, slots=True)
class Sample:
    """The head of a file (decompressed), for format detection by content."""

    source: SourceFile
    text: str

    @property
    def name(self) -> str:
        return self.source.path.name.lower()


@dataclass(slots=True)
class LoadContext:
    """Everything a transform may depend on besides its record: no clock, no I/O."""

    now: str
    hmac_key: bytes
    owner_tag_names: tuple[str, ...] = ("owner", "owner-email", "owner_email", "team", "contact")
    session_gap_minutes: int = 60
    runner_org: str = ""
    repository: str = ""
    """`org/repo` a workflow, CODEOWNERS or scanner report belongs to when neither the file nor
    its path says (`keytrail load --repository`)."""
    state: dict[str, Any] = field(default_factory=dict)

    def evidence(self, location: Location, at: str | None = None, locator: str | None = None) -> Evidence:
        return Evidence(source=location.file, locator=locator if locator is not None else location.locator, at=at)


def evidenced_edge(
    loader: str,
    source: str,
    source_kind: NodeKind,
    kind: EdgeKind,
    target: str,
    target_kind: NodeKind,
    evidence: Evidence,
    **props: Any,
) -> Edge:
    """One observed edge with its single evidence pointer, as the loader named `loader` saw it
    (loaders bind their name: `_edge = functools.partial(evidenced_edge, NAME)`)."""
    return Edge.make(
        source=source,
        source_kind=source_kind,
        kind=kind,
        target=target,
        target_kind=target_kind,
        props=props,
        sources=(loader,),
        evidence=(evidence,),
    )


_GZIP_WBITS = 31  # inflate a gzip header, deflate stream and trailer


def read_blocks(source: SourceFile, block: int = 1 << 18) -> Iterator[bytes]:
    """The file's bytes as they are read, `block` bytes of the file at a time, transparently
    gunzipped: every member of a multi-member gzip file, zero padding between members skipped,
    as `gzip` does. A gzip file cut short raises EOFError after yielding what it held; one that
    is not gzip, or is corrupt, raises gzip.BadGzipFile (an OSError)."""
    with open(source.path, "rb") as handle:
        if not source.compressed:
            yield from iter(lambda: handle.read(block), b"")
            return
        inflater: Any = None
        failure: type[Exception] = _inflate.error  # type: ignore[assignment]  # isal's stub types it as an instance
        pending = b""
        while data := pending or handle.read(block):
            pending = b""
            if inflater is None:
                data = data.lstrip(b"\0")
                if not data:
                    continue
                inflater = _inflate.decompressobj(_GZIP_WBITS)
            try:
                out = inflater.decompress(data)
            except failure as exc:
                raise gzip.BadGzipFile(f"not gzip, or corrupt: {exc}") from None
            if out:
                yield out
            if inflater.eof:
                pending, inflater = inflater.unused_data, None
        if inflater is not None:
            raise EOFError("compressed file ended before the end-of-stream marker was reached")


class _BlockStream(io.RawIOBase):
    """A readable stream over `read_blocks`, for io's buffered and text wrappers."""

    def __init__(self, blocks: Iterator[bytes]) -> None:
        self._blocks = blocks
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            block = next(self._blocks, None)
            if block is None:
                return 0
            self._pending = memoryview(block)
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def close(self) -> None:
        if not self.closed:
            self._blocks.close()  # type: ignore[attr-defined]  # a generator: closes the file
        super().close()


def open_text(source: SourceFile) -> io.TextIOBase:
    """The file as text, transparently gunzipped; undecodable bytes become U+FFFD, never a crash."""
    if source.compressed:
        # Small blocks: sniffing a file reads only its head, so inflate little more than that.
        stream = io.BufferedReader(_BlockStream(read_blocks(source, block=1 << 14)))
        return io.TextIOWrapper(stream, encoding="utf-8", errors="replace")
    return open(source.path, encoding="utf-8", errors="replace")


def iter_json_documents(source: SourceFile) -> Iterator[Record[Any] | LoadError]:
    """Records of a JSON source in whatever framing it uses.

    JSON lines (one object per line), a single JSON document (object or array), or
    pretty-printed concatenated objects, as tools emit them in the wild. Each yields
    `Record(location, parsed)`; a line that does not parse yields a located LoadError.
    Whole-document files are read at once (they are exports, not streams); JSON-lines files
    stream line by line.
    """
    with open_text(source) as handle:
        first = handle.readline()
        rest_first = handle.readline()
        stripped = first.strip()
        looks_lines = stripped.startswith("{") and stripped.endswith("}") and _parses(stripped)
        if looks_lines:
            yield from _json_lines(source, [first, rest_first], handle)
            return
        text = first + rest_first + handle.read()
    yield from _json_document(source, text)


def _parses(text: str) -> bool:
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        return False
    return True


def _json_lines(source: SourceFile, head: list[str], handle: Iterable[str]) -> Iterator[Record[Any] | LoadError]:
    number = 0
    for chunk in (head, handle):
        for line in chunk:
            number += 1
            text = line.strip()
            if not text:
                continue
            where = Location(source.display, line=number)
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
                    yield where.error(f"invalid JSON object ({exc})")
                decoder_start = None
    if depth:
        yield Location(source.display, line=start_line).error("truncated JSON: unbalanced braces at end of file")
    elif not found:
        yield Location(source.display, line=1).error("not JSON: the file holds no JSON document")


class KnownNodes(Protocol):
    """The read-only view of the graph a loader may consult in `prepare`."""

    def nodes_of_kind(self, kind: NodeKind, *, after: str = "", limit: int = 1000) -> list[Node]: ...


class Loader(ABC, Generic[T]):
    """One source format. Subclasses set `name` and `description` and implement the three steps."""

    name: ClassVar[str]
    description: ClassVar[str]
    phase: ClassVar[int] = 50
    """Files load in phase order: inventories (people, IAM, runners) before activity logs,
    so activity can be matched against what the inventories declared."""

    @abstractmethod
    def sniff(self, sample: Sample) -> bool:
        """True when the file's content is this loader's format (never judged by name alone)."""

    @abstractmethod
    def parse(self, source: SourceFile) -> Iterator[Record[T] | LoadError]:
        """Stream the file's records; yield a located LoadError for each malformed one."""

    @abstractmethod
    def transform(self, record: Record[T], ctx: LoadContext) -> Iterable[Item]:
        """Pure: the nodes and edges one record means. Raise LoadError to reject the record."""

    def prepare(self, ctx: LoadContext, known: KnownNodes) -> None:
        """Before this loader's first file: read what the graph already knows (e.g. runner
        addresses) into ctx.state. The only place a loader sees the graph, and only to read."""
        return None

    def finish(self, ctx: LoadContext) -> Iterable[Item]:
        """Aggregates held in ctx.state, emitted once every file of this loader was read."""
        return ()

    # Parallel loading (loaders/runner.py "Worker processes"). A loader whose aggregates merge
    # exactly, whatever files each part saw, sets `parallel` and implements the three hooks.
    parallel: ClassVar[bool] = False

    def worker_state(self, ctx: LoadContext) -> dict[str, Any]:
        """What a worker process needs from ctx.state (what `prepare` read), picklable."""
        return {}

    def take_state(self, ctx: LoadContext) -> Any:
        """In a worker, after its files: the aggregates to send back (picklable), removed from ctx."""
        return None

    def merge_state(self, ctx: LoadContext, taken: Any) -> None:
        """In the main process: fold one worker's aggregates into ctx.state, before `finish`."""
        return None
