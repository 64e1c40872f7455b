"""The `GraphStore` protocol, the merge rules both stores obey, and the export format.

A store is small on purpose: write batches, read nodes, expand a frontier along declared
edge kinds, page through a kind, search, count, export. Traversals, paths and every query
are built on those primitives (graph/traverse.py, queries/), so the embedded store and Neo4j
answer identically by construction; each store compiles the primitives its own way (SQL on
indexed tables, parameterised Cypher).

Merge rules (identical on both stores, proven by tests/graph/test_store_contract.py):
- a node's kind is fixed when it is first written; another kind for the same id is a
  `KindConflict` and the whole batch is rolled back;
- name and subtype: the latest non-empty value; props: the latest value per key;
- first_seen/last_seen: min/max; sources: sorted union;
- an edge is (source, kind, target); its `observations` map origin -> count, the latest
  count per origin, and `count` is their sum — so the same file loaded twice counts once;
- evidence: the union of pointers, sorted by (time, source, locator), the last
  EVIDENCE_LIMIT kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, TypeVar, runtime_checkable

import orjson

from graph.errors import ModelError, QueryError, quoted
from graph.model import EVIDENCE_LIMIT, Edge, Evidence, Node, PropValue, StoredEdge, from_store
from graph.schema import EDGE_SPECS, NODE_SPECS, Direction, EdgeKind, NodeKind

__all__ = [
    "SEARCH_TEXT_MAX",
    "EdgeKey",
    "EdgeRow",
    "Expansion",
    "GraphStore",
    "LazyNodes",
    "NodeRow",
    "ProjectedProps",
    "Stats",
    "Step",
    "WriteSummary",
    "batch_kinds",
    "check_projections",
    "check_search_text",
    "decode_evidence",
    "encode_evidence",
    "export_edge_line",
    "export_node_line",
    "far_ends",
    "keys_by_kind",
    "lazy_expansion",
    "merge_evidence",
    "merge_first",
    "merge_last",
    "parse_export_line",
    "projection_checked",
]

Step = tuple[EdgeKind, Direction]
_Raw = TypeVar("_Raw")


@dataclass(frozen=True, slots=True)
class WriteSummary:
    nodes: int
    edges: int


@dataclass(frozen=True, slots=True)
class Stats:
    nodes: dict[str, int] = field(default_factory=dict)
    edges: dict[str, int] = field(default_factory=dict)

    @property
    def total_nodes(self) -> int:
        return sum(self.nodes.values())

    @property
    def total_edges(self) -> int:
        return sum(self.edges.values())


class NodeRow(NamedTuple):
    """A node as whole-kind scans read it: everything but `sources` (and no model validation)."""

    id: str
    kind: NodeKind
    subtype: str
    name: str
    props: dict[str, PropValue]
    first_seen: str | None
    last_seen: str | None


EdgeKey = tuple[str, str, str]
"""An edge's identity: (source, kind value, target), as `StoredEdge.key` and `EdgeRow.key` give it."""


class EdgeRow(NamedTuple):
    """An edge as whole-kind scans read it: endpoints, props and times, without the bookkeeping
    (count, sources, evidence, observations) that only a returned evidence hop needs."""

    source: str
    kind: EdgeKind
    target: str
    source_kind: NodeKind
    target_kind: NodeKind
    props: dict[str, PropValue]
    first_seen: str | None
    last_seen: str | None

    @property
    def key(self) -> EdgeKey:
        return (self.source, self.kind.value, self.target)


class LazyNodes(Mapping[str, Node]):
    """Nodes by id, read by `load` when first looked at (an `Expansion`'s maps on a store where a
    read costs no round trip)."""

    __slots__ = ("_load", "_nodes")

    def __init__(self, load: Callable[[], dict[str, Node]]) -> None:
        self._load = load
        self._nodes: dict[str, Node] | None = None

    def _read(self) -> dict[str, Node]:
        if self._nodes is None:
            self._nodes = self._load()
        return self._nodes

    def __getitem__(self, node_id: str) -> Node:
        return self._read()[node_id]

    def get(self, node_id: str, default: Any = None) -> Any:
        return self._read().get(node_id, default)

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._read()

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())


class Expansion(NamedTuple):
    """What `GraphStore.expand` read: the edges, and the nodes around them by id, whatever their
    first_seen — `ends` at the far end of each edge (the target of an 'out' step, the source of an
    'in' step), `starts` those of the expanded ids that exist (with or without edges), so a query
    that starts from a node reads it and its first level at once and a traversal reads each level's
    nodes with its edges."""

    edges: list[StoredEdge]
    ends: Mapping[str, Node]
    starts: Mapping[str, Node]


def lazy_expansion(
    read: Callable[[Iterable[str]], dict[str, Node]], ids: Sequence[str], steps: Sequence[Step], edges: list[StoredEdge]
) -> Expansion:
    """An Expansion whose nodes `read` (a store's `nodes_by_id`) fetches when first looked at: the
    far ends alone when they are looked at first (a traversal's next level), the far ends and the
    starts together when the starts are (a query reading its subject and first level)."""
    ends_ids = far_ends(ids, steps, edges)
    start_ids = set(ids)
    ends = LazyNodes(lambda: read(ends_ids))

    def starts() -> dict[str, Node]:
        if ends._nodes is not None:
            return read(start_ids)
        both = read(ends_ids | start_ids)
        ends._nodes = {node_id: both[node_id] for node_id in ends_ids if node_id in both}
        return {node_id: both[node_id] for node_id in start_ids if node_id in both}

    return Expansion(edges, ends, LazyNodes(starts))


@runtime_checkable
class GraphStore(Protocol):
    """What every store does. Reads return fully merged records; lists come sorted."""

    @property
    def location(self) -> str:
        """Where the store lives, for humans (never includes credentials)."""
        ...

    @property
    def concurrent_reads(self) -> bool:
        """Whether reads may run from several threads at once on this one instance."""
        ...

    def write(self, nodes: Iterable[Node], edges: Iterable[Edge]) -> WriteSummary:
        """Merge one batch in one transaction: all of it lands, or none of it."""
        ...

    def nodes_by_id(self, ids: Iterable[str]) -> dict[str, Node]: ...

    def nodes_of_kind(self, kind: NodeKind, *, after: str = "", limit: int = 1000) -> list[Node]:
        """One page of nodes of a kind, ordered by id, starting after the given id."""
        ...

    def edges_by_key(self, keys: Iterable[EdgeKey]) -> dict[EdgeKey, StoredEdge]:
        """The stored edges with these keys, (source, kind value, target), by key; a key not
        stored is absent. Like `nodes_by_id`, whatever their first_seen: findings reads the
        evidence its lean rows cite this way, one seek per edge."""
        ...

    def expand(self, ids: Sequence[str], steps: Sequence[Step], *, as_of: str | None = None) -> Expansion:
        """Edges of the given kinds that touch `ids` in the given direction ('out': id is the
        source; 'in': id is the target), optionally only those first seen by `as_of`, sorted by
        (source, kind, target); with the nodes at their far ends and the nodes of `ids` (see
        `Expansion`). Each store reads the nodes the cheapest way it has: Neo4j in the same round
        trip as the edges, the embedded store only when a caller looks at them."""
        ...

    def edges_of_kind(
        self, kind: EdgeKind, *, after: tuple[str, str] = ("", ""), limit: int = 1000
    ) -> list[StoredEdge]:
        """One page of edges of a kind ordered by (source, target), after the given pair."""
        ...

    def node_rows(
        self, kind: NodeKind, *, as_of: str | None = None, properties: Sequence[str] | None = None
    ) -> Iterator[NodeRow]:
        """Every node of a kind as lean rows, streamed in id order, optionally only those first
        seen by `as_of` (or never): the whole-graph scans of findings and gaps read these.
        `properties`: only these declared properties in each row's props (None: all of them);
        a scan that needs a few properties of a kind with many reads far less."""
        ...

    def edge_rows(
        self, kind: EdgeKind, *, as_of: str | None = None, properties: Sequence[str] | None = None
    ) -> Iterator[EdgeRow]:
        """Every edge of a kind as lean rows, streamed in (source, target) order, optionally only
        those first seen by `as_of` (or never); `properties` as for `node_rows`."""
        ...

    def search(self, text: str, kinds: Sequence[NodeKind] | None = None, limit: int = 50) -> list[Node]:
        """Nodes whose id or name contains the text (case-insensitive, `%` and `_` literal),
        ordered by id; a text longer than SEARCH_TEXT_MAX characters is a QueryError."""
        ...

    def stats(self) -> Stats: ...

    def export(self) -> Iterator[str]:
        """The whole graph as sorted JSON lines: nodes by id, then edges by (source, kind, target)."""
        ...

    def close(self) -> None: ...


def scan_projection(kind: NodeKind | EdgeKind, properties: Sequence[str] | None) -> tuple[str, ...]:
    """The properties a scan reads (`node_rows` / `edge_rows`): every declared one of the kind
    when None, else the ones named, in the schema's order; a name the kind does not declare
    is a ModelError (writes refuse undeclared properties, so it could never be there)."""
    declared = tuple((NODE_SPECS[kind] if isinstance(kind, NodeKind) else EDGE_SPECS[kind]).properties)
    if properties is None:
        return declared
    unknown = sorted(set(properties) - set(declared))
    if unknown:
        raise ModelError(f"{kind.value} declares no property {quoted(unknown[0])}")
    return tuple(name for name in declared if name in properties)


class ProjectedProps(dict[str, PropValue]):
    """A scan row's props that refuse to be asked for a property outside the scan's projection.

    A scan reads only the properties it names (`scan_projection`), so a property outside them
    would read as absent, silently: a rule asking for one sees "" forever. With
    `check_projections(True)` (the test suite's setting) both stores hand out rows whose props
    fail loudly instead; otherwise rows carry plain dicts and cost nothing extra."""

    __slots__ = ("_owner", "_projection")

    def __init__(self, owner: NodeKind | EdgeKind, projection: frozenset[str], props: dict[str, PropValue]) -> None:
        super().__init__(props)
        self._owner, self._projection = owner, projection

    def _check(self, key: object) -> None:
        if key not in self._projection:
            raise AssertionError(
                f"read of {self._owner.value}.{key!s} from a scan that did not project it "
                f"(projected: {sorted(self._projection)}): name it in the scan's properties"
            )

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        self._check(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> PropValue:
        self._check(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._check(key)
        return super().__contains__(key)


_CHECK_PROJECTIONS = [False]


def check_projections(on: bool) -> None:
    """Make scans' rows refuse reads outside their projection (`ProjectedProps`): tests turn it on."""
    _CHECK_PROJECTIONS[0] = on


def projection_checked(
    owner: NodeKind | EdgeKind, names: Sequence[str], props_of: Callable[[_Raw], dict[str, PropValue]]
) -> Callable[[_Raw], dict[str, PropValue]]:
    """A scan's props decoder, wrapped to return `ProjectedProps` when projections are checked."""
    if not _CHECK_PROJECTIONS[0]:
        return props_of
    projection = frozenset(names)
    return lambda raw: ProjectedProps(owner, projection, props_of(raw))


# -- merge rules shared by both stores -------------------------------------------------------


def merge_first(old: str | None, new: str | None) -> str | None:
    if old is None:
        return new
    if new is None:
        return old
    return min(old, new)


def merge_last(old: str | None, new: str | None) -> str | None:
    if old is None:
        return new
    if new is None:
        return old
    return max(old, new)


def encode_evidence(evidence: Evidence) -> str:
    """One pointer as sortable text: time first, so text order is time order in every store."""
    return f"{evidence.at or ''}\t{evidence.source}\t{evidence.locator}"


def far_ends(ids: Iterable[str], steps: Sequence[Step], edges: Iterable[StoredEdge]) -> set[str]:
    """The far end of each edge an `expand` of `ids` along `steps` returned (see `Expansion`)."""
    near = set(ids)
    forward = {kind for kind, direction in steps if direction == "out"}
    backward = {kind for kind, direction in steps if direction == "in"}
    found: set[str] = set()
    for edge in edges:
        if edge.kind in forward and edge.source in near:
            found.add(edge.target)
        if edge.kind in backward and edge.target in near:
            found.add(edge.source)
    return found


def decode_evidence(text: str) -> Evidence:
    at, source, locator = text.split("\t", 2)
    return from_store(Evidence, {"source": source, "locator": locator, "at": at or None})


def merge_evidence(old: Iterable[str], new: Iterable[str]) -> list[str]:
    return sorted(set(old) | set(new))[-EVIDENCE_LIMIT:]


def batch_kinds(nodes: Iterable[Node], edges: Iterable[Edge]) -> dict[str, str]:
    """The kind each id of a batch is written with; two kinds for one id is a KindConflict."""
    from graph.errors import KindConflict

    declared: dict[str, str] = {}

    def note(node_id: str, kind: NodeKind) -> None:
        seen = declared.setdefault(node_id, kind.value)
        if seen != kind.value:
            raise KindConflict(f"node {quoted(node_id)} given kinds {seen} and {kind.value} in one batch")

    for node in nodes:
        note(node.id, node.kind)
    for edge in edges:
        note(edge.source, edge.source_kind)
        note(edge.target, edge.target_kind)
    return declared


# -- export ----------------------------------------------------------------------------------

_DUMP = orjson.OPT_SORT_KEYS


def export_node_line(node: Node) -> str:
    return orjson.dumps(
        {
            "type": "node",
            "id": node.id,
            "kind": node.kind.value,
            "subtype": node.subtype,
            "name": node.name,
            "props": node.props,
            "first_seen": node.first_seen,
            "last_seen": node.last_seen,
            "sources": list(node.sources),
        },
        option=_DUMP,
    ).decode()


def export_edge_line(edge: StoredEdge) -> str:
    return orjson.dumps(
        {
            "type": "edge",
            "source": edge.source,
            "source_kind": edge.source_kind.value,
            "kind": edge.kind.value,
            "target": edge.target,
            "target_kind": edge.target_kind.value,
            "props": edge.props,
            "first_seen": edge.first_seen,
            "last_seen": edge.last_seen,
            "count": edge.count,
            "sources": list(edge.sources),
            "evidence": [e.model_dump() for e in edge.evidence],
            "observations": edge.observations,
        },
        option=_DUMP,
    ).decode()


def parse_export_line(line: str) -> tuple[list[Node], list[Edge]]:
    """Turn one export line back into writes that recreate it exactly (see `keytrail import`)."""
    record = orjson.loads(line)
    kind = record.pop("type", None)
    if kind == "node":
        return [Node(**record)], []
    if kind != "edge":
        from graph.errors import ModelError

        raise ModelError(f"export line of unknown type {quoted(kind)}")
    observations: dict[str, int] = record.pop("observations") or {"": record["count"]}
    evidence = record.pop("evidence")
    record.pop("count")
    edges = []
    for index, (origin, count) in enumerate(sorted(observations.items())):
        edges.append(Edge(**record, count=count, origin=origin, evidence=evidence if index == 0 else ()))
    if edges and edges[0].origin != sorted(observations)[0]:
        raise AssertionError("origin lost on import")
    return [], edges


def props_json(props: dict[str, PropValue]) -> str:
    return orjson.dumps(props, option=_DUMP).decode()


def keys_by_kind(keys: Iterable[EdgeKey]) -> dict[EdgeKind, list[tuple[str, str]]]:
    """Distinct edge keys grouped per kind (in kind order) as sorted (source, target) pairs."""
    grouped: dict[EdgeKind, set[tuple[str, str]]] = {}
    for source, kind, target in keys:
        grouped.setdefault(EdgeKind(kind), set()).add((source, target))
    return {kind: sorted(grouped[kind]) for kind in sorted(grouped)}


SEARCH_TEXT_MAX = 256
"""Longer than any id or name worth searching for; bounded because SQLite refuses LIKE patterns
over 50,000 bytes (an error, not an answer) and a long needle costs every row it is tried on."""


def check_search_text(text: str) -> str:
    """The search text, or a QueryError if it is too long (both stores call this first)."""
    if len(text) > SEARCH_TEXT_MAX:
        raise QueryError(f"search text is {len(text)} characters; at most {SEARCH_TEXT_MAX}")
    return text
