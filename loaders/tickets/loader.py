"""Approvals from a ticketing system (the CSV / JSON import of docs/tickets.md) → Approval nodes.

Per ticket: an Approval `approval:ticket:<ticket id>` (`ticket.approval`) with its status,
requester, approvers, summary (as `reason`), validity window (`valid_from` / `valid_until`, and
`at` / `expires` as Teleport's access requests carry them) and every scope as written;
APPROVED_BY each approver (a Person by email) unless the ticket was rejected or is still pending
(nobody approved it); COVERS each scope value that resolves to a node id (loaders/tickets/scope.py),
with the scope kind and value on the edge. A scope no rule resolves stays on the approval
(`scope_unresolved`) and the load summary names it.

The loader never sees the sessions: which session or change a ticket approves is decided by the
query that reads both (queries/approvals.py: inside the window, in scope, status approved).
Rows of one ticket (the CSV writes one per scope) meet in `ctx.state` and are emitted once in
`finish`; a row that disagrees with an earlier row of its ticket is a located error naming that
row, and the rows around it still load.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph import ids
from graph.errors import LoadError
from graph.model import Edge, Evidence, Node
from graph.schema import EdgeKind, NodeKind
from graph.values.tickets import ScopeKind, TicketStatus, TicketSubtype
from loaders.base import Item, LoadContext, Loader, Location, Record, Sample, SourceFile
from loaders.formats.compressed import open_text
from loaders.tickets.records import COLUMNS, TicketRow, iter_csv_rows, iter_json_tickets, read_ticket
from loaders.tickets.scope import resolve_scope

__all__ = ["NAME", "TicketLoader"]

NAME = "tickets"
_STATE = "tickets"
DEFAULT_K8S_CLUSTER = "default"
NOTE_ROWS = 10
MAX_EVIDENCE = 20
_N, _E = NodeKind, EdgeKind
_APPROVED_ONCE = frozenset({TicketStatus.APPROVED, TicketStatus.EXPIRED, TicketStatus.REVOKED})
_JSON_KEYS = ('"ticket_id"', '"valid_from"')


@dataclass(slots=True)
class _Ticket:
    row: TicketRow
    first: Location
    scopes: dict[tuple[ScopeKind, str], Location] = field(default_factory=dict)
    tags: set[str] = field(default_factory=set)
    evidence: list[Evidence] = field(default_factory=list)


def _state(ctx: LoadContext) -> dict[str, _Ticket]:
    state: dict[str, _Ticket] | None = ctx.state.get(_STATE)
    if state is None:
        state = ctx.state[_STATE] = {}
    return state


def _is_csv(head: str) -> bool:
    first = next((line for line in head.splitlines() if line.strip()), "")
    names = {cell.strip().strip('"') for cell in first.split(",")}
    return all(column in names for column in COLUMNS)


class TicketLoader(Loader[Mapping[str, Any]]):
    name = NAME
    description = "Approvals from ticketing (CSV or JSON import: ticket, approvers, scope, validity window)"

    def sniff(self, sample: Sample) -> bool:
        head = sample.text.lstrip()
        if head.startswith(("{", "[")):
            return all(key in head[:16384] for key in _JSON_KEYS)
        return _is_csv(head)

    def parse(self, source: SourceFile) -> Iterator[Record[Mapping[str, Any]] | LoadError]:
        with open_text(source) as text:
            lead = text.read(4096).lstrip()
        yield from iter_json_tickets(source) if lead.startswith(("{", "[")) else iter_csv_rows(source)

    def transform(self, record: Record[Mapping[str, Any]], ctx: LoadContext) -> Iterable[Item]:
        row = read_ticket(record.value, record.location)
        tickets = _state(ctx)
        known = tickets.get(row.ticket_id)
        if known is None:
            known = tickets[row.ticket_id] = _Ticket(row, record.location)
        elif known.row.header() != row.header():
            raise record.location.error(_disagreement(known, row))
        for scope in row.scopes:
            known.scopes.setdefault(scope, record.location)
        known.tags.update(row.tags)
        if len(known.evidence) < MAX_EVIDENCE:
            known.evidence.append(ctx.evidence(record.location, at=row.valid_from))
        return ()

    def finish(self, ctx: LoadContext) -> Iterable[Item | LoadError]:
        tickets: dict[str, _Ticket] = ctx.state.get(_STATE) or {}
        unresolved: list[str] = []
        for ticket_id in sorted(tickets):
            yield from _emit(tickets[ticket_id], ctx, unresolved)
        if unresolved:
            ctx.notes.append(
                f"{NAME}: {len(unresolved)} scope values resolve to no node id, kept as text on the approval "
                f"(scope_unresolved: a database name or host IP is matched by name or address when queried; "
                f"docs/tickets.md lists what resolves): " + ", ".join(unresolved[:NOTE_ROWS])
            )


def _disagreement(known: _Ticket, row: TicketRow) -> str:
    names = ("status", "requester", "approvers", "valid_from", "valid_until", "summary")
    for name, there, here in zip(names, known.row.header(), row.header(), strict=True):
        if there != here:
            shown = ";".join(there) if isinstance(there, tuple) else there
            mine = ";".join(here) if isinstance(here, tuple) else here
            return (
                f"ticket {row.ticket_id}: {name} {mine!r} disagrees with {shown!r} on its earlier row "
                f"({known.first.file} {known.first.locator}); the rows of one ticket must agree"
            )
    return f"ticket {row.ticket_id}: disagrees with its earlier row"


def _emit(ticket: _Ticket, ctx: LoadContext, unresolved: list[str]) -> Iterator[Item]:
    row = ticket.row
    approval = ids.ticket_approval(row.ticket_id)
    evidence = tuple(ticket.evidence)
    cluster = ctx.cluster or DEFAULT_K8S_CLUSTER
    covered: list[tuple[str, NodeKind, ScopeKind, str]] = []
    left: list[str] = []
    for kind, value in sorted(ticket.scopes):
        found = resolve_scope(kind, value, cluster)
        if found is None:
            left.append(f"{kind.value}: {value}")
            unresolved.append(f"{row.ticket_id} {kind.value} {value!r}")
        else:
            covered.append((found.id, found.kind, kind, value))
    yield Node.make(
        id=approval,
        kind=_N.APPROVAL,
        subtype=TicketSubtype.APPROVAL,
        name=f"ticket {row.ticket_id}" + (f": {row.summary}" if row.summary else ""),
        props={
            "platform": "ticket",
            "ticket": row.ticket_id,
            "status": row.status.value,
            "requester": row.requester,
            "approvers": list(row.approvers) or None,
            "reason": row.summary or None,
            "at": row.valid_from,
            "expires": row.valid_until,
            "valid_from": row.valid_from,
            "valid_until": row.valid_until,
            "scope": [f"{kind.value}: {value}" for kind, value in sorted(ticket.scopes)],
            "scope_unresolved": left or None,
            "tags": sorted(ticket.tags) or None,
            "description": f"requested by {row.requester}",
        },
        first_seen=row.valid_from,
        last_seen=row.valid_until,
        sources=(NAME,),
    )
    if row.status in _APPROVED_ONCE:
        for approver in row.approvers:
            yield _edge(approval, _E.APPROVED_BY, ids.person(approver), _N.PERSON, row, evidence)
    for target, target_kind, kind, value in covered:
        yield _edge(approval, _E.COVERS, target, target_kind, row, evidence, scope_kind=kind.value, scope=value)


def _edge(
    approval: str,
    kind: EdgeKind,
    target: str,
    target_kind: NodeKind,
    row: TicketRow,
    evidence: tuple[Evidence, ...],
    **props: Any,
) -> Edge:
    return Edge.make(
        source=approval,
        source_kind=_N.APPROVAL,
        kind=kind,
        target=target,
        target_kind=target_kind,
        props=props,
        first_seen=row.valid_from,
        last_seen=row.valid_until,
        count=1,
        sources=(NAME,),
        evidence=evidence,
        origin=approval,
    )
