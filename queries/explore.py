"""Exploring the graph: node(id), search(text, kinds), neighbors(node, edge kinds, direction), path(a, b).

These are thin, bounded wrappers over the store primitives and graph/traverse.py, with the
same as-of visibility and error rules as every other query. `path` follows every edge kind in
both directions unless told otherwise: an investigator asking "how are these two connected"
wants any connection, shortest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

from graph.errors import QueryError
from graph.model import Node
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore, Step
from graph.traverse import MAX_DEPTH, shortest_paths
from queries.common import (
    Hop,
    NodeRef,
    Result,
    check_limit,
    check_time,
    expand_visible,
    hop,
    node_ref,
    require_node,
    visible_nodes,
)

__all__ = ["NeighborsResult", "NodeResult", "PathResult", "SearchResult", "neighbors", "node", "path", "search"]

NEIGHBOR_CAP: Final = 1000
PATH_CAP: Final = 10


class NodeResult(Result):
    node: NodeRef
    props: dict[str, str | int | float | bool | list[str]]
    first_seen: str | None = None
    last_seen: str | None = None
    sources: list[str] = []


class SearchResult(Result):
    text: str
    nodes: list[NodeRef]
    truncated: bool = False


class Neighbor(Result):
    node: NodeRef
    direction: str
    edge: Hop


class NeighborsResult(Result):
    subject: NodeRef
    neighbors: list[Neighbor]
    truncated: bool = False


class PathResult(Result):
    source: NodeRef
    target: NodeRef
    max_depth: int
    paths: list[list[Hop]]
    truncated: bool = False


def _edge_kinds(kinds: Sequence[str] | None) -> list[EdgeKind]:
    if not kinds:
        return list(EdgeKind)
    try:
        return sorted({EdgeKind(k.upper()) for k in kinds})
    except ValueError:
        raise QueryError(f"unknown edge kind in {list(kinds)}; known: {', '.join(EdgeKind)}") from None


def _node_kinds(kinds: Sequence[str] | None) -> list[NodeKind] | None:
    if not kinds:
        return None
    by_name = {k.value.lower(): k for k in NodeKind}
    unknown = [k for k in kinds if k.lower() not in by_name]
    if unknown:
        raise QueryError(f"unknown node kind(s) {unknown}; known: {', '.join(NodeKind)}")
    return sorted({by_name[k.lower()] for k in kinds})


def _steps(kinds: Sequence[str] | None, direction: str) -> tuple[Step, ...]:
    if direction not in ("out", "in", "both"):
        raise QueryError(f"direction must be out, in or both, got {direction!r}")
    sides: tuple[Literal["out", "in"], ...] = ("out", "in") if direction == "both" else (direction,)  # type: ignore[assignment]
    return tuple((k, d) for k in _edge_kinds(kinds) for d in sides)


def node(store: GraphStore, node_id: str, *, as_of: str | None = None) -> NodeResult:
    found: Node = require_node(store, node_id, check_time(as_of))
    return NodeResult(
        node=node_ref(found),
        props=dict(found.props),
        first_seen=found.first_seen,
        last_seen=found.last_seen,
        sources=list(found.sources),
    )


def search(
    store: GraphStore, text: str, *, kinds: Sequence[str] | None = None, limit: int = 50, as_of: str | None = None
) -> SearchResult:
    if not isinstance(text, str) or not text.strip():
        raise QueryError("search text must not be empty")
    check_limit(limit, "limit", 1, 1000)
    as_of = check_time(as_of)
    hits = store.search(text.strip(), _node_kinds(kinds), limit=limit + 1)
    visible = [node_ref(n) for n in hits if as_of is None or n.first_seen is None or n.first_seen <= as_of]
    return SearchResult(text=text, nodes=visible[:limit], truncated=len(hits) > limit)


def neighbors(
    store: GraphStore,
    node_id: str,
    *,
    edge_kinds: Sequence[str] | None = None,
    direction: str = "both",
    as_of: str | None = None,
    limit: int = NEIGHBOR_CAP,
) -> NeighborsResult:
    check_limit(limit, "limit", 1, 10 * NEIGHBOR_CAP)
    as_of = check_time(as_of)
    steps = _steps(edge_kinds, direction)
    subject = require_node(store, node_id, as_of)
    edges = expand_visible(store, [subject.id], steps, as_of)
    rows: list[tuple[str, str, Hop]] = []
    for edge in edges:
        for side, other in (("out", edge.target), ("in", edge.source)):
            here = edge.source if side == "out" else edge.target
            if here == subject.id and (edge.kind, side) in steps:
                rows.append((other, side, hop(edge)))
    rows.sort(key=lambda r: (r[0], r[2].kind, r[1]))
    nodes = visible_nodes(store, sorted({r[0] for r in rows[:limit]}), as_of)
    found = [Neighbor(node=node_ref(nodes[o]), direction=d, edge=h) for o, d, h in rows[:limit] if o in nodes]
    return NeighborsResult(subject=node_ref(subject), neighbors=found, truncated=len(rows) > limit)


def path(
    store: GraphStore,
    source: str,
    target: str,
    *,
    max_depth: int = 6,
    edge_kinds: Sequence[str] | None = None,
    direction: str = "both",
    as_of: str | None = None,
) -> PathResult:
    """Shortest paths (up to PATH_CAP) from source to target within max_depth hops."""
    check_limit(max_depth, "max_depth", 1, MAX_DEPTH)
    as_of = check_time(as_of)
    steps = _steps(edge_kinds, direction)
    start = require_node(store, source, as_of)
    goal = require_node(store, target, as_of)
    found = shortest_paths(store, start.id, goal.id, steps, max_depth=max_depth, limit=PATH_CAP + 1, as_of=as_of)
    return PathResult(
        source=node_ref(start),
        target=node_ref(goal),
        max_depth=max_depth,
        paths=[[hop(e) for e in chain] for chain in found[:PATH_CAP]],
        truncated=len(found) > PATH_CAP,
    )
