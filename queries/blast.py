"""blast_radius(node): what a compromised identity, credential or runner can reach, and what it touched.

Reach is the schema's blast plan (`edge_kinds_for("blast")`: credential -> its identity,
identity -> roles it can assume, -> resources it can access, runner -> credentials it uses,
...), walked breadth-first with a depth bound (≤ 8) and a node cap. For each reached resource
the granted privilege level is the highest CAN_ACCESS level on an edge into it; "touched" is
what the sessions that ACTED_AS a reached identity or AUTHENTICATED_WITH a reached credential
actually did (TOUCHED), so granted-but-never-used access stands out. The subgraph comes back
compactly (node list + edge list) for drawing.
"""

from __future__ import annotations

from typing import Final

from graph.model import StoredEdge, from_store
from graph.schema import EdgeKind, NodeKind, edge_kinds_for
from graph.store import GraphStore, Step
from graph.traverse import MAX_DEPTH, TraversalPlan, traverse
from graph.values import AccessLevel
from queries.common import (
    NodeRef,
    Result,
    check_id,
    check_limit,
    check_time,
    expand_visible,
    node_ref,
    prop_list,
    prop_str,
    require_node,
    visible_nodes,
)

__all__ = ["BlastEdge", "BlastNode", "BlastRadiusResult", "BlastSummary", "ReachedResource", "blast_radius"]

LEVELS: Final = tuple(level.value for level in AccessLevel)  # weakest first
_READ: Final = AccessLevel.READ.value
SESSION_CAP: Final = 2000
NODE_CAP: Final = 5000


class ReachedResource(Result):
    resource: NodeRef
    depth: int | None
    """Hops from the subject; None when only touched, never granted within reach."""
    level: str
    """Highest granted level (read | write | admin), or "none" when only touched."""
    granted_by: list[str]
    touched: bool
    actions: list[str] = []
    touch_count: int = 0
    sessions: int = 0


class BlastNode(Result):
    id: str
    kind: str
    name: str = ""
    depth: int


class BlastEdge(Result):
    source: str
    kind: str
    target: str
    level: str = ""


class BlastSummary(Result):
    nodes_by_kind: dict[str, int]
    resources_by_level: dict[str, int]
    granted: int
    touched: int
    granted_untouched: int
    touched_ungranted: int


class BlastRadiusResult(Result):
    subject: NodeRef
    max_depth: int
    resources: list[ReachedResource]
    summary: BlastSummary
    nodes: list[BlastNode]
    edges: list[BlastEdge]
    truncated: bool = False


_RANK: Final = {level: rank for rank, level in enumerate(LEVELS)}


def _rank(level: str) -> int:
    return _RANK.get(level, -1)


def _granted(edges: list[StoredEdge]) -> dict[str, tuple[str, list[str]]]:
    """Resource -> (highest level, identities granting it) from the CAN_ACCESS edges walked."""
    best: dict[str, str] = {}
    by: dict[str, set[str]] = {}
    for edge in edges:
        if edge.kind != EdgeKind.CAN_ACCESS:
            continue
        level = prop_str(edge, "level") or _READ
        if _rank(level) > _rank(best.setdefault(edge.target, "")):
            best[edge.target] = level
        by.setdefault(edge.target, set()).add(edge.source)
    return {resource: (level, sorted(by[resource])) for resource, level in best.items()}


def _touches(
    store: GraphStore, identities: list[str], credentials: list[str], as_of: str | None
) -> tuple[dict[str, list[StoredEdge]], bool]:
    """Resource -> TOUCHED edges from the sessions that acted as / authenticated with the reach."""
    steps: tuple[Step, ...] = ((EdgeKind.ACTED_AS, "in"), (EdgeKind.AUTHENTICATED_WITH, "in"))
    linked = expand_visible(store, sorted({*identities, *credentials}), steps, as_of)
    sessions = sorted({e.source for e in linked if e.source_kind == NodeKind.SESSION})
    capped = len(sessions) > SESSION_CAP
    touched: dict[str, list[StoredEdge]] = {}
    for edge in expand_visible(store, sessions[:SESSION_CAP], ((EdgeKind.TOUCHED, "out"),), as_of):
        if edge.target_kind == NodeKind.RESOURCE:
            touched.setdefault(edge.target, []).append(edge)
    return touched, capped


def _resource_rows(
    depth: dict[str, int],
    granted: dict[str, tuple[str, list[str]]],
    touched: dict[str, list[StoredEdge]],
    refs: dict[str, NodeRef],
) -> list[ReachedResource]:
    rows = []
    for resource_id in sorted(set(granted) | set(touched)):
        if resource_id not in refs:
            continue
        level, by = granted.get(resource_id, ("none", []))
        touches = touched.get(resource_id, [])
        actions = sorted({a for e in touches for a in prop_list(e, "actions")})
        row = {
            "resource": refs[resource_id],
            "depth": depth.get(resource_id),
            "level": level,
            "granted_by": by,
            "touched": bool(touches),
            "actions": actions,
            "touch_count": sum(e.count for e in touches),
            "sessions": len({e.source for e in touches}),
        }
        rows.append(from_store(ReachedResource, row))  # store values; a 10k-node radius builds 10k rows
    rows.sort(key=lambda r: (-_rank(r.level), r.resource.id))
    return rows


def blast_radius(
    store: GraphStore, node_id: str, *, max_depth: int = 6, as_of: str | None = None, max_nodes: int = NODE_CAP
) -> BlastRadiusResult:
    """Bounded reach of a compromised node along the blast plan, with granted vs touched access."""
    check_limit(max_depth, "max_depth", 1, MAX_DEPTH)
    check_limit(max_nodes, "max_nodes", 1, 10 * NODE_CAP)
    as_of = check_time(as_of)
    check_id(node_id)
    plan = TraversalPlan((node_id,), edge_kinds_for("blast"), max_depth=max_depth, max_nodes=max_nodes, as_of=as_of)
    sub = traverse(store, plan)  # reads the subject with its first level
    subject = require_node(store, node_id, as_of, read=sub.nodes)
    granted = _granted(sub.edges)
    of_kind = {k: sorted(i for i, n in sub.nodes.items() if n.kind == k) for k in NodeKind}
    touched, capped = _touches(store, of_kind[NodeKind.IDENTITY], of_kind[NodeKind.CREDENTIAL], as_of)
    extra = visible_nodes(store, sorted(set(touched) - set(sub.nodes)), as_of)
    refs = {i: node_ref(n) for i, n in {**sub.nodes, **extra}.items()}
    rows = _resource_rows(sub.depth, granted, touched, refs)
    levels = {level: sum(1 for r in rows if r.level == level) for level in (*LEVELS, "none")}
    summary = BlastSummary(
        nodes_by_kind={k.value: len(ids) for k, ids in of_kind.items() if ids},
        resources_by_level={k: v for k, v in levels.items() if v},
        granted=sum(1 for r in rows if r.level != "none"),
        touched=sum(1 for r in rows if r.touched),
        granted_untouched=sum(1 for r in rows if r.level != "none" and not r.touched),
        touched_ungranted=sum(1 for r in rows if r.level == "none"),
    )
    return BlastRadiusResult(
        subject=node_ref(subject),
        max_depth=max_depth,
        resources=rows,
        summary=summary,
        nodes=[
            from_store(BlastNode, {"id": i, "kind": n.kind.value, "name": n.name, "depth": sub.depth[i]})
            for i, n in sorted(sub.nodes.items())
        ],
        edges=[
            from_store(
                BlastEdge, {"source": e.source, "kind": e.kind.value, "target": e.target, "level": prop_str(e, "level")}
            )
            for e in sub.edges
        ],
        truncated=sub.truncated or capped,
    )
