"""blast_radius(node): what a compromised identity, credential or runner can reach, and what it touched.

Reach is the schema's blast plan (`edge_kinds_for("blast")`: credential -> its identity,
identity -> roles it can assume, -> resources it can access, runner -> credentials it uses,
...), walked breadth-first with a depth bound (≤ 8) and a node cap. For each reached resource
the granted privilege level is the highest CAN_ACCESS level on an edge into it; "touched" is
what the sessions that ACTED_AS a reached identity or AUTHENTICATED_WITH a reached credential
actually did (TOUCHED), so granted-but-never-used access stands out. A touched resource no
grant names directly is still granted when a grant's pattern covers it (write on `ecs:*` covers
`ecs:payments`; `*` on `*` the whole account: graph/access.py), and each touched call is checked
against the action patterns of the grants that cover its resource: what no grant allows is
`ungranted_actions`, what needs no permission at all (`sts:GetCallerIdentity`, ...) is
`no_permission_actions` and never counts as touched-but-not-granted. A Secret read counts as a
touch of the scopes it is STORED_IN (the grant on `secrets in <namespace>` was used).

Observed reach: when a session of a reached identity exec'd, attached or port-forwarded into a
workload (Kubernetes), the person inside holds the workload's service-account token, so the
session, the workload and the service accounts it RUNS_AS join the subgraph and the walk goes on
from those service accounts (one round: their own execs are not followed again). The subgraph
comes back compactly (node list + edge list) for drawing.
"""

from __future__ import annotations

from typing import Any, Final, NamedTuple

from graph.access import action_allowed, needs_permission, resource_covers
from graph.model import Node, StoredEdge, from_store
from graph.schema import EdgeKind, NodeKind, edge_kinds_for
from graph.store import GraphStore, Step
from graph.traverse import MAX_DEPTH, Subgraph, TraversalPlan, traverse
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
from queries.story_reach import interactive

__all__ = ["BlastEdge", "BlastNode", "BlastRadiusResult", "BlastSummary", "ReachedResource", "blast_radius"]

LEVELS: Final = tuple(level.value for level in AccessLevel)  # weakest first
_READ: Final = AccessLevel.READ.value
SESSION_CAP: Final = 2000
USED_THROUGH_CAP: Final = 50
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
    granted_via: list[str] = []
    """The granted patterns (`aws:res:<account>:ecs:*`, the account) that cover this resource when no grant names it."""
    ungranted_actions: list[str] = []
    """Touched calls that need a permission no grant within reach gives on this resource."""
    no_permission_actions: list[str] = []
    """Touched calls that need no permission (graph/access.py NO_PERMISSION_ACTIONS)."""
    used_through: list[str] = []
    """For a granted pattern: the touched resources it grants (at most USED_THROUGH_CAP), so a
    pattern used on its resources is not "granted but never touched"."""


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


class _Grant:
    """One CAN_ACCESS edge walked: its target as the policy wrote it, level, action patterns, grantee."""

    __slots__ = ("actions", "level", "source", "target")

    def __init__(self, edge: StoredEdge) -> None:
        self.target, self.source = edge.target, edge.source
        self.level = prop_str(edge, "level") or _READ
        self.actions = prop_list(edge, "actions")

    def allows(self, action: str) -> bool:
        """A grant with no recorded actions (a source that grants by level only) allows any call."""
        return not self.actions or action_allowed(action, self.actions)


def _granted(edges: list[StoredEdge]) -> dict[str, list[_Grant]]:
    """Target -> the CAN_ACCESS edges walked into it."""
    grants: dict[str, list[_Grant]] = {}
    for edge in edges:
        if edge.kind == EdgeKind.CAN_ACCESS:
            grants.setdefault(edge.target, []).append(_Grant(edge))
    return grants


def _best(grants: list[_Grant]) -> str:
    best = ""
    for grant in grants:
        if _rank(grant.level) > _rank(best):
            best = grant.level
    return best or "none"


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
        if edge.target_kind in (NodeKind.RESOURCE, NodeKind.CREDENTIAL):
            touched.setdefault(edge.target, []).append(edge)
    return touched, capped


class _Coverage(NamedTuple):
    level: str
    granted_by: list[str]
    granted_via: list[str] = []
    ungranted_actions: list[str] = []
    no_permission_actions: list[str] = []


def _patterns(granted: dict[str, list[_Grant]]) -> list[str]:
    """The granted targets that can cover others: wildcard names and accounts (few, even in a big radius)."""
    return [t for t in granted if t.startswith("aws:account:") or "*" in t or "?" in t]


def _coverage(resource_id: str, granted: dict[str, list[_Grant]], patterns: list[str], actions: list[str]) -> _Coverage:
    """Level, grantees, covering patterns and ungranted calls of one touched resource (module rules)."""
    direct = granted.get(resource_id, [])
    covering = direct + [
        g for target in patterns if target != resource_id and resource_covers(target, resource_id)
        for g in granted[target]
    ]  # fmt: skip
    needed = [a for a in actions if needs_permission(a)]
    ungranted = [a for a in needed if not any(g.allows(a) for g in covering)]
    if direct:
        grants, patterns = direct, []
    else:  # only patterns: those that allow what was done (all of them when nothing needed a permission)
        grants = [g for g in covering if not needed or any(g.allows(a) for a in needed)]
        patterns = sorted({g.target for g in grants})
    no_permission = [a for a in actions if a not in needed]
    return _Coverage(_best(grants), sorted({g.source for g in grants}), patterns, ungranted, no_permission)


def _through_secrets(touched: dict[str, list[StoredEdge]], walked: list[StoredEdge]) -> dict[str, list[StoredEdge]]:
    """Resource -> TOUCHED edges, where a session that read a Secret (a Credential) used the grant
    on each scope the walk found the Secret STORED_IN (a Kubernetes `get secrets` on one Secret is
    a use of `secrets in <namespace>`); Credentials are not rows of their own."""
    found = {target: edges for target, edges in touched.items() if edges[0].target_kind == NodeKind.RESOURCE}
    for edge in walked:
        if edge.kind == EdgeKind.STORED_IN and edge.source in touched and edge.target_kind == NodeKind.RESOURCE:
            reads = touched[edge.source]
            if reads[0].target_kind == NodeKind.CREDENTIAL:
                found.setdefault(edge.target, []).extend(e for e in reads if e not in found.get(edge.target, []))
    return found


def _add(sub: Subgraph, nodes: dict[str, Node], edges: list[StoredEdge], depth: dict[str, int]) -> None:
    for node_id, node in nodes.items():
        if node_id not in sub.nodes:
            sub.nodes[node_id] = node
            sub.depth[node_id] = depth[node_id]
    seen = {e.key for e in sub.edges}
    sub.edges.extend(e for e in edges if e.key not in seen and e.source in sub.nodes and e.target in sub.nodes)


def _through_exec(store: GraphStore, sub: Subgraph, plan: TraversalPlan) -> None:
    """Observed reach through an exec into a workload (module docstring), within the plan's bounds."""
    as_of = plan.as_of
    identities = sorted(i for i, n in sub.nodes.items() if n.kind == NodeKind.IDENTITY)
    acted = expand_visible(store, identities, ((EdgeKind.ACTED_AS, "in"),), as_of)
    sessions = sorted({e.source for e in acted})[:SESSION_CAP]
    execs = [e for e in expand_visible(store, sessions, ((EdgeKind.TOUCHED, "out"),), as_of) if interactive(e)]
    if not execs:
        return
    runs = expand_visible(store, sorted({e.target for e in execs}), ((EdgeKind.RUNS_AS, "out"),), as_of)
    depth: dict[str, int] = {}
    for edge in (e for e in acted if e.source in {x.source for x in execs}):
        depth[edge.source] = min(depth.get(edge.source, MAX_DEPTH + 1), sub.depth[edge.target] + 1)
    for edge in execs:
        depth[edge.target] = min(depth.get(edge.target, MAX_DEPTH + 1), depth[edge.source] + 1)
    for edge in runs:
        depth[edge.target] = min(depth.get(edge.target, MAX_DEPTH + 1), depth[edge.source] + 1)
    depth = {i: d for i, d in depth.items() if d <= plan.max_depth}
    if len(sub.nodes) + len(depth) > plan.max_nodes:
        sub.truncated = True
        return
    _add(sub, visible_nodes(store, sorted(depth), as_of), [*acted, *execs, *runs], depth)
    accounts = sorted(e.target for e in runs if e.target in depth and depth[e.target] < plan.max_depth)
    if not accounts:
        return
    base = min(depth[a] for a in accounts)
    more = traverse(store, TraversalPlan(tuple(accounts), plan.steps, max_depth=plan.max_depth - base,
                                         max_nodes=max(1, plan.max_nodes - len(sub.nodes)), as_of=as_of))  # fmt: skip
    sub.truncated = sub.truncated or more.truncated
    _add(sub, more.nodes, more.edges, {i: d + base for i, d in more.depth.items()})


def _resource_rows(
    depth: dict[str, int],
    granted: dict[str, list[_Grant]],
    touched: dict[str, list[StoredEdge]],
    refs: dict[str, NodeRef],
) -> list[ReachedResource]:
    raw: list[dict[str, Any]] = []
    patterns = _patterns(granted)
    for resource_id in sorted(set(granted) | set(touched)):
        if resource_id not in refs:
            continue
        touches = touched.get(resource_id, [])
        actions = sorted({a for e in touches for a in prop_list(e, "actions")})
        if touches:
            coverage = _coverage(resource_id, granted, patterns, actions)
        else:
            direct = granted[resource_id]
            coverage = _Coverage(_best(direct), sorted({g.source for g in direct}))
        # a resource granted only through a pattern is as far away as the nearest pattern it falls under
        near = min((depth[v] for v in coverage.granted_via if v in depth), default=None)
        row = {
            "resource": refs[resource_id],
            "depth": depth.get(resource_id, near),
            **coverage._asdict(),
            "touched": bool(touches),
            "actions": actions,
            "touch_count": sum(e.count for e in touches),
            "sessions": len({e.source for e in touches}),
        }
        raw.append(row)
    used: dict[str, list[str]] = {}
    for row in raw:
        for pattern in row["granted_via"]:
            used.setdefault(pattern, []).append(row["resource"].id)
    for row in raw:
        row["used_through"] = used.get(row["resource"].id, [])[:USED_THROUGH_CAP]
    rows = [from_store(ReachedResource, row) for row in raw]  # store values; a 10k-node radius builds 10k rows
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
    _through_exec(store, sub, plan)
    granted = _granted(sub.edges)
    of_kind = {k: sorted(i for i, n in sub.nodes.items() if n.kind == k) for k in NodeKind}
    touched, capped = _touches(store, of_kind[NodeKind.IDENTITY], of_kind[NodeKind.CREDENTIAL], as_of)
    touched = _through_secrets(touched, sub.edges)
    extra = visible_nodes(store, sorted(set(touched) - set(sub.nodes)), as_of)
    refs = {i: node_ref(n) for i, n in {**sub.nodes, **extra}.items()}
    rows = _resource_rows(sub.depth, granted, touched, refs)
    levels = {level: sum(1 for r in rows if r.level == level) for level in (*LEVELS, "none")}
    summary = BlastSummary(
        nodes_by_kind={k.value: len(ids) for k, ids in of_kind.items() if ids},
        resources_by_level={k: v for k, v in levels.items() if v},
        granted=sum(1 for r in rows if r.level != "none"),
        touched=sum(1 for r in rows if r.touched),
        granted_untouched=sum(1 for r in rows if r.level != "none" and not r.touched and not r.used_through),
        touched_ungranted=sum(1 for r in rows if r.ungranted_actions),
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
