"""Which sessions and changes an approval on record approves (the rule of docs/tickets.md).

Two kinds of approval count. An APPROVED edge (a Teleport access request a session named, written
by its loader when the request approves the session by the window rule of graph/window.py)
approves its target. A ticket (`ticket.approval`, status `approved`) approves a session that
started inside `[valid_from, valid_until]` (the same rule) and involves something its COVERS
edges name — an identity it ACTED_AS, a credential it AUTHENTICATED_WITH, a node it TOUCHED, its
host, the person who STARTED it — or that an unresolved scope names by value (a database by
name, a host by an address in its `private_ips`); and a change whose `at` is inside the window
and whose TARGETS node, performer, or performing session's involvement is in scope. It reads the rules'
whole-kind scans (queries/rules_base.py), so both stores give the same answer by construction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graph.model import Node, StoredEdge
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore, NodeRow
from graph.window import APPROVED, inside
from queries.common import expand_visible, prop_str, scan_nodes
from queries.rules_base import RuleContext

__all__ = ["ApprovalIndex", "approvals_of", "ticket_edges"]

_INVOLVES = ((EdgeKind.ACTED_AS, "out"), (EdgeKind.AUTHENTICATED_WITH, "out"), (EdgeKind.TOUCHED, "out"),
             (EdgeKind.STARTED, "in"))  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Ticket:
    id: str
    valid_from: str
    valid_until: str
    covers: frozenset[str]
    names: frozenset[str]  # unresolved scope values: database names, host addresses


@dataclass(frozen=True, slots=True)
class ApprovalIndex:
    """Approval ids per session or change id."""

    approved: dict[str, tuple[str, ...]]

    def of(self, node_id: str) -> tuple[str, ...]:
        return self.approved.get(node_id, ())


def _tickets(ctx: RuleContext) -> list[_Ticket]:
    covers: dict[str, set[str]] = {}
    for edge in ctx.edges(EdgeKind.COVERS):
        covers.setdefault(edge.source, set()).add(edge.target)
    return _approved_tickets(ctx.nodes(NodeKind.APPROVAL).values(), covers)


def _approved_tickets(approvals: Iterable[NodeRow | Node], covers: dict[str, set[str]]) -> list[_Ticket]:
    found = []
    for approval in approvals:
        start, end = prop_str(approval, "valid_from"), prop_str(approval, "valid_until")
        if prop_str(approval, "status") != APPROVED or not start or not end:
            continue
        unresolved = approval.props.get("scope_unresolved")
        names = {str(s).split(": ", 1)[-1] for s in unresolved} if isinstance(unresolved, list) else set()
        scope = frozenset(covers.get(approval.id, ()))
        if scope or names:  # a Teleport access request has a window but no scope: its loader judged it
            found.append(_Ticket(approval.id, start, end, scope, frozenset(names)))
    return found


def _involved(ctx: RuleContext, sessions: dict[str, NodeRow]) -> dict[str, set[str]]:
    """Per session: the ids it involves, and the names / addresses of what it touched or ran on."""
    involved: dict[str, set[str]] = {}
    for kind, direction in _INVOLVES:
        for edge in ctx.edges(kind):
            session_id = edge.source if direction == "out" else edge.target
            if session_id in sessions:
                involved.setdefault(session_id, set()).add(edge.target if direction == "out" else edge.source)
    workloads, resources = ctx.nodes(NodeKind.WORKLOAD), ctx.nodes(NodeKind.RESOURCE)
    for session_id, session in sessions.items():
        ids = involved.setdefault(session_id, set())
        ran_on = prop_str(session, "host")
        if ran_on:
            ids.add(ran_on)
        for node_id in list(ids):
            resource, host = resources.get(node_id), workloads.get(node_id)
            if resource is not None:
                ids.add(resource.name)  # a database a ticket names by its name
            if host is not None:
                ids.add(host.name)
                addresses = host.props.get("private_ips")
                if isinstance(addresses, list):
                    ids.update(str(a) for a in addresses)
    return involved


def _matches(tickets: Iterable[_Ticket], at: str, involved: set[str]) -> list[str]:
    return [t.id for t in tickets if inside(at, t.valid_from, t.valid_until) and (t.covers | t.names) & involved]


def approvals_of(ctx: RuleContext) -> ApprovalIndex:
    """Every session and change an approval on record approves, with the approvals' ids."""
    approved: dict[str, set[str]] = {}
    for edge in ctx.edges(EdgeKind.APPROVED):
        approved.setdefault(edge.target, set()).add(edge.source)
    tickets = _tickets(ctx)
    if tickets:
        sessions = ctx.nodes(NodeKind.SESSION)
        involved = _involved(ctx, sessions)
        for session_id, session in sessions.items():
            at = prop_str(session, "started_at") or session.first_seen or ""
            for ticket in _matches(tickets, at, involved.get(session_id, set())) if at else ():
                approved.setdefault(session_id, set()).add(ticket)
        _changes(ctx, tickets, involved, approved)
    return ApprovalIndex({k: tuple(sorted(v)) for k, v in approved.items()})


def _changes(
    ctx: RuleContext, tickets: list[_Ticket], involved: dict[str, set[str]], approved: dict[str, set[str]]
) -> None:
    scope: dict[str, set[str]] = {}
    for edge in ctx.edges(EdgeKind.TARGETS):
        scope.setdefault(edge.source, set()).add(edge.target)
    for edge in ctx.edges(EdgeKind.PERFORMED):
        scope.setdefault(edge.target, set()).update({edge.source, *involved.get(edge.source, ())})
    for change_id, change in ctx.nodes(NodeKind.CHANGE).items():
        at = prop_str(change, "at") or change.first_seen or ""
        for ticket in _matches(tickets, at, scope.get(change_id, set())) if at else ():
            approved.setdefault(change_id, set()).add(ticket)


def _story_involved(session: Node, edges: list[StoredEdge], nodes: dict[str, Node]) -> set[str]:
    """What one session involves, as `_involved` reads it from the scans: the ids its ACTED_AS,
    AUTHENTICATED_WITH and TOUCHED edges reach, who STARTED it, its host, and the names and
    addresses of those resources and hosts."""
    ids: set[str] = set()
    for edge in edges:
        if edge.kind == EdgeKind.STARTED and edge.target == session.id:
            ids.add(edge.source)
        elif edge.source == session.id and edge.kind in (EdgeKind.ACTED_AS, EdgeKind.AUTHENTICATED_WITH,
                                                          EdgeKind.TOUCHED):  # fmt: skip
            ids.add(edge.target)
    ran_on = prop_str(session, "host")
    if ran_on:
        ids.add(ran_on)
    for node_id in list(ids):
        node = nodes.get(node_id)
        if node is not None and node.kind in (NodeKind.RESOURCE, NodeKind.WORKLOAD):
            ids.add(node.name)
            addresses = node.props.get("private_ips") if node.kind == NodeKind.WORKLOAD else None
            if isinstance(addresses, list):
                ids.update(str(a) for a in addresses)
    return ids


def ticket_edges(
    store: GraphStore, sessions: dict[str, Node], edges: dict[str, list[StoredEdge]], nodes: dict[str, Node],
    as_of: str | None,
) -> tuple[list[StoredEdge], dict[str, Node]]:  # fmt: skip
    """For an access story: an APPROVED edge (ticket → session, `matched_by: ticket_scope`, the
    COVERS edges that matched as evidence) for each story session an approved ticket approves by
    the rule above, and the ticket nodes. Tickets are few: every approval is read."""
    approvals = [
        n for n in scan_nodes(store, NodeKind.APPROVAL, as_of) if n.props.get("valid_from") and n.props.get("scope")
    ]
    if not approvals:
        return [], {}
    by_id = {a.id: a for a in approvals}
    cover_edges = expand_visible(store, sorted(by_id), ((EdgeKind.COVERS, "out"),), as_of)
    covers: dict[str, set[str]] = {}
    for edge in cover_edges:
        covers.setdefault(edge.source, set()).add(edge.target)
    tickets = _approved_tickets(approvals, covers)
    found: list[StoredEdge] = []
    for session_id, session in sorted(sessions.items()):
        at = prop_str(session, "started_at") or session.first_seen or ""
        involved = _story_involved(session, edges.get(session_id, []), nodes)
        for ticket in _matches(tickets, at, involved) if at else ():
            cited = [e for e in cover_edges if e.source == ticket and e.target in involved]
            found.append(StoredEdge(
                source=ticket, source_kind=NodeKind.APPROVAL, kind=EdgeKind.APPROVED, target=session_id,
                target_kind=NodeKind.SESSION, props={"matched_by": "ticket_scope"}, first_seen=at, last_seen=at,
                sources=by_id[ticket].sources, evidence=tuple(ev for e in cited for ev in e.evidence)[:5],
            ))  # fmt: skip
    return found, {e.source: by_id[e.source] for e in found}
