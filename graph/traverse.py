"""Bounded traversals built on `GraphStore.expand`, the same code for every store.

A traversal plan names its roots, the (edge kind, direction) steps it may take — normally
taken from the schema's traversal flags — a depth bound and a node cap. The walk is
breadth-first, level by level, each level sorted by id, so two stores holding the same graph
reach the same nodes in the same order and truncate at the same place. Nothing here is
unbounded: depth is at most MAX_DEPTH and the number of reached nodes at most `max_nodes`.

A plan is not compiled into a store's own language: it runs here, one `expand` per level, on
every store (so the stores need agree only on that primitive). networkx is used only by
`shortest_paths`, on the subgraph a plan reached, to list all shortest paths.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import networkx as nx

from graph.errors import QueryError
from graph.model import Node, StoredEdge
from graph.schema import EdgeKind
from graph.store import GraphStore, Step

__all__ = ["MAX_DEPTH", "Subgraph", "TraversalPlan", "shortest_paths", "traverse"]

MAX_DEPTH = 8
MAX_NODES = 20_000


@dataclass(frozen=True, slots=True)
class TraversalPlan:
    roots: tuple[str, ...]
    steps: tuple[Step, ...]
    max_depth: int = 4
    max_nodes: int = MAX_NODES
    as_of: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.max_depth, int) or not 1 <= self.max_depth <= MAX_DEPTH:
            raise QueryError(f"max_depth must be an integer from 1 to {MAX_DEPTH}, got {self.max_depth!r}")
        if not isinstance(self.max_nodes, int) or not 1 <= self.max_nodes <= 10 * MAX_NODES:
            raise QueryError(f"max_nodes must be from 1 to {10 * MAX_NODES}, got {self.max_nodes!r}")


@dataclass(slots=True)
class Subgraph:
    """What a traversal reached: nodes with their depth, the edges walked, and whether the cap cut it."""

    nodes: dict[str, Node] = field(default_factory=dict)
    depth: dict[str, int] = field(default_factory=dict)
    edges: list[StoredEdge] = field(default_factory=list)
    parents: dict[str, StoredEdge] = field(default_factory=dict)
    truncated: bool = False

    def path_to(self, node_id: str) -> list[StoredEdge]:
        """The first-found (shortest) chain of edges from a root to the node."""
        chain: list[StoredEdge] = []
        current = node_id
        while current in self.parents:
            edge = self.parents[current]
            chain.append(edge)
            current = edge.source if edge.target == current else edge.target
        return list(reversed(chain))


Directions = dict[EdgeKind, tuple[bool, bool]]
"""Per edge kind of a plan: may it be walked forwards (source -> target), backwards?"""


def _directions(steps: Sequence[Step]) -> Directions:
    return {kind: ((kind, "out") in steps, (kind, "in") in steps) for kind, _ in steps}


def _walks(edge: StoredEdge, directions: Directions) -> Iterator[tuple[str, str]]:
    """(here, there): the ways the plan lets this edge be walked (looked up once per edge kind,
    not by scanning the plan for every edge: hot on wide frontiers)."""
    forward, backward = directions.get(edge.kind, (False, False))
    if forward:
        yield edge.source, edge.target
    if backward:
        yield edge.target, edge.source


def traverse(store: GraphStore, plan: TraversalPlan) -> Subgraph:
    # the roots and their first level in one read (on Neo4j, one round trip fewer)
    edges, ends, starts = store.expand(plan.roots, plan.steps, as_of=plan.as_of)
    found = {root: starts[root] for root in plan.roots if root in starts}
    result = Subgraph()
    for root in sorted(found):
        result.nodes[root] = found[root]
        result.depth[root] = 0
    frontier = sorted(found)
    seen_edges: set[tuple[str, str, str]] = set()
    directions = _directions(plan.steps)
    for level in range(1, plan.max_depth + 1):
        if not frontier:
            break
        if level > 1:
            edges, ends, _ = store.expand(frontier, plan.steps, as_of=plan.as_of)
        frontier_set = set(frontier)
        discovered: dict[str, StoredEdge] = {}
        for edge in edges:
            for here, there in _walks(edge, directions):
                if here in frontier_set and there not in result.depth and there not in discovered:
                    discovered[there] = edge
            if edge.key not in seen_edges:
                seen_edges.add(edge.key)
                result.edges.append(edge)
        new_ids = sorted(discovered)
        room = plan.max_nodes - len(result.nodes)
        if len(new_ids) > room:
            new_ids = new_ids[: max(room, 0)]
            result.truncated = True
        for node_id in new_ids:
            node = ends.get(node_id)
            if node is None or (plan.as_of and node.first_seen and node.first_seen > plan.as_of):
                continue
            result.nodes[node_id] = node
            result.depth[node_id] = level
            result.parents[node_id] = discovered[node_id]
        frontier = [n for n in new_ids if n in result.nodes]
        if result.truncated:
            break
    kept = set(result.nodes)
    result.edges = sorted((e for e in result.edges if e.source in kept and e.target in kept), key=lambda e: e.key)
    return result


def shortest_paths(
    store: GraphStore,
    start: str,
    goal: str,
    steps: Sequence[Step],
    *,
    max_depth: int = 6,
    limit: int = 10,
    as_of: str | None = None,
) -> list[list[StoredEdge]]:
    """All shortest paths (up to `limit`) from start to goal within max_depth hops."""
    sub = traverse(store, TraversalPlan((start,), tuple(steps), max_depth=max_depth, as_of=as_of))
    if goal not in sub.nodes:
        return []
    graph = nx.DiGraph()
    by_pair: dict[tuple[str, str], list[StoredEdge]] = {}
    directions = _directions(steps)
    for edge in sub.edges:
        for here, there in _walks(edge, directions):
            graph.add_edge(here, there)
            by_pair.setdefault((here, there), []).append(edge)
    paths: list[list[StoredEdge]] = []
    for hops in sorted(nx.all_shortest_paths(graph, start, goal)):
        for pair_edges in _expand_hops(hops, by_pair):
            paths.append(pair_edges)
            if len(paths) >= limit:
                return paths
    return paths


def _expand_hops(hops: list[str], by_pair: dict[tuple[str, str], list[StoredEdge]]) -> list[list[StoredEdge]]:
    chains: list[list[StoredEdge]] = [[]]
    for here, there in itertools.pairwise(hops):
        options = sorted(by_pair[(here, there)], key=lambda e: e.key)
        chains = [[*chain, edge] for chain in chains for edge in options]
    return chains
