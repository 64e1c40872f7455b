"""Every edge and node an access story needs, read in a few batched expands (queries/story.py).

From the subject's sessions the walk follows FROM chains both ways, level by level up to
CHAIN_DEPTH: up through the sessions each came FROM (a Teleport session on the bastion that an
SSH login on app1 came from; the session that assumed a role) towards the person, and down
through the sessions that came FROM each (the login the bastion session made next, the kubectl
exec run from that host) towards what was done. An ancestor's other descendants (the bastion
session's other hops) are not followed: they are not part of how the subject came to act. At
most STORY_CAP sessions are told; `truncated` says when the chains went further.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from graph.model import Node, StoredEdge
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore, Step
from queries.approvals import ticket_edges
from queries.common import expand_visible, visible_nodes
from queries.story_reach import Inside, gather_inside

__all__ = ["CHAIN_DEPTH", "STORY_CAP", "Facts", "gather"]

CHAIN_DEPTH: Final = 8
STORY_CAP: Final = 200
"""Sessions told at most: the subject's (SESSION_CAP) and those their chains lead to."""
_OUT: tuple[Step, ...] = tuple(
    (k, "out")
    for k in (EdgeKind.ACTED_AS, EdgeKind.AUTHENTICATED_WITH, EdgeKind.FROM, EdgeKind.TOUCHED, EdgeKind.PERFORMED)
)
_IN: tuple[Step, ...] = ((EdgeKind.STARTED, "in"), (EdgeKind.APPROVED, "in"))
_CHILDREN: tuple[Step, ...] = ((EdgeKind.FROM, "in"),)


@dataclass(slots=True)
class Facts:
    """What the stories are told from: sessions, their edges, and the nodes those edges meet."""

    sessions: dict[str, Node] = field(default_factory=dict)
    out: dict[str, list[StoredEdge]] = field(default_factory=dict)
    inbound: dict[str, list[StoredEdge]] = field(default_factory=dict)
    """Session -> its STARTED and APPROVED edges."""
    nodes: dict[str, Node] = field(default_factory=dict)
    extra: dict[str, list[StoredEdge]] = field(default_factory=dict)
    inside: Inside = field(default_factory=dict)
    """Workload -> its RUNS_AS and USES edges, and its identities' ACTED_AS sessions' TOUCHED reads."""
    truncated: bool = False


def _chains(store: GraphStore, facts: Facts, as_of: str | None) -> None:
    """Read the sessions' own edges and follow FROM up (parents) and down (children), level by level."""
    new = up = down = sorted(facts.sessions)
    for depth in range(CHAIN_DEPTH + 1):
        for edge in expand_visible(store, new, _OUT, as_of):
            facts.out.setdefault(edge.source, []).append(edge)
        for edge in expand_visible(store, new, _IN, as_of):
            facts.inbound.setdefault(edge.target, []).append(edge)
        parents = {
            e.target
            for s in up
            for e in facts.out.get(s, [])
            if e.kind == EdgeKind.FROM and e.target_kind == NodeKind.SESSION and e.target not in facts.sessions
        }
        children = {
            e.source
            for e in expand_visible(store, down, _CHILDREN, as_of)
            if e.source_kind == NodeKind.SESSION and e.source not in facts.sessions
        }
        wanted = sorted(parents) + sorted(children - parents)  # the way to the person first
        room = 0 if depth == CHAIN_DEPTH else STORY_CAP - len(facts.sessions)
        if len(wanted) > room:
            facts.truncated = True
        found = visible_nodes(store, wanted[: max(room, 0)], as_of)
        if not found:
            return
        facts.sessions.update(found)
        up = sorted(p for p in parents if p in found)
        down = sorted(c for c in children if c in found)
        new = sorted(found)


def gather(store: GraphStore, roots: list[Node], as_of: str | None) -> Facts:
    facts = Facts(sessions={s.id: s for s in roots})
    _chains(store, facts, as_of)
    linked = {e.target for es in facts.out.values() for e in es} | {
        e.source for es in facts.inbound.values() for e in es
    }
    facts.nodes = visible_nodes(store, sorted(linked), as_of)
    edges_of = {sid: facts.out.get(sid, []) + facts.inbound.get(sid, []) for sid in facts.sessions}
    approved, tickets = ticket_edges(store, facts.sessions, edges_of, facts.nodes, as_of)
    for edge in approved:  # a ticket in scope and window approves as an access request does
        facts.inbound.setdefault(edge.target, []).append(edge)
    facts.nodes.update(tickets)
    identities = sorted(i for i, n in facts.nodes.items() if n.kind == NodeKind.IDENTITY)
    approvals = sorted(i for i, n in facts.nodes.items() if n.kind == NodeKind.APPROVAL)
    changes = sorted(i for i, n in facts.nodes.items() if n.kind == NodeKind.CHANGE)
    more = (
        expand_visible(store, identities, ((EdgeKind.RUNS_AS, "in"),), as_of)
        + expand_visible(store, approvals, ((EdgeKind.APPROVED_BY, "out"),), as_of)
        + expand_visible(store, changes, ((EdgeKind.TARGETS, "out"),), as_of)
    )
    for edge in more:
        key = edge.target if edge.kind == EdgeKind.RUNS_AS else edge.source
        facts.extra.setdefault(key, []).append(edge)
    facts.nodes.update(visible_nodes(store, sorted({e.source for e in more if e.kind == EdgeKind.RUNS_AS}), as_of))
    facts.inside = gather_inside(store, facts.out, facts.nodes, as_of)
    return facts
