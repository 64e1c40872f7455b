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

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, NamedTuple, Protocol, TypeVar

from graph.errors import LoadError
from graph.model import Edge, Evidence, Node
from graph.schema import EdgeKind, NodeKind
from loaders.limits import LoadLimits

__all__ = [
    "KnownNodes",
    "LoadContext",
    "Loader",
    "Location",
    "Record",
    "Sample",
    "SourceFile",
    "evidenced_edge",
    "id_part",
    "id_problem",
]

T = TypeVar("T")
Item = Node | Edge
SAMPLE_BYTES = 64 * 1024
ID_PART_MAX = 400
"""Characters of one record value that goes into a graph id: ids allow 1,000 after the namespace,
and a value is often joined with others (cluster, time) into a session's id."""
_NOT_IN_ID = re.compile(r"[\s\x00-\x1f\x7f]")


def id_problem(value: str, field: str) -> str:
    """Why a record's value cannot go into a graph id, '' when it can. Checked where the record is
    read (transform): ids are often built later, in `finish`, where one bad value would fail the
    whole file instead of rejecting its one record."""
    if len(value) > ID_PART_MAX:
        return f"field {field!r}: {len(value):,} characters, more than the {ID_PART_MAX} an id allows"
    if _NOT_IN_ID.search(value):
        return f"field {field!r}: contains whitespace or control characters, which an id cannot hold"
    return ""


def id_part(value: str, field: str, where: Location) -> str:
    """`value`, or the located rejection of its record when it cannot go into an id (`id_problem`)."""
    problem = id_problem(value, field)
    if problem:
        raise where.error(problem)
    return value


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
    limits: LoadLimits = field(default_factory=LoadLimits.from_environment)
    """What one file may cost (loaders/limits.py): bytes, line length, depth, aliases, records."""
    cluster: str = ""
    """Kubernetes cluster name for manifests and audit logs (`keytrail load --cluster`); when empty,
    the file's own context names it, else `default`."""
    year: int = 0
    """Year of log lines whose timestamps carry none (classic syslog: `keytrail load --year`); when 0,
    the loader takes it from the file's modification time and its summary note says so."""
    state: dict[str, Any] = field(default_factory=dict)
    assumed: dict[str, set[str]] = field(default_factory=dict)
    """Per file (as evidence cites it): what keytrail assumed because the file did not say
    (`repository assumed: local/x from ...`); the runner puts it in that file's report."""
    notes: list[str] = field(default_factory=list)
    """What the load summary must say beyond counts (data-quality conflicts, normalised values):
    loaders add them in `finish`, where everything the load read is known; the runner hands them
    to the LoadReport."""

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


class KnownNodes(Protocol):
    """The read-only view of the graph a loader may consult in `prepare`."""

    def nodes_of_kind(self, kind: NodeKind, *, after: str = "", limit: int = 1000) -> list[Node]: ...


class Loader(ABC, Generic[T]):
    """One source format. Subclasses set `name` and `description` and implement the three steps."""

    name: ClassVar[str]
    description: ClassVar[str]

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

    def finish(self, ctx: LoadContext) -> Iterable[Item | LoadError]:
        """Aggregates held in ctx.state, emitted once every file of this loader was read; a
        located LoadError for an aggregate it cannot emit (rejected, the others still written)."""
        return ()
