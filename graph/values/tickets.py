"""Ticket subtypes: approvals imported from a ticketing system (graph/ids/tickets.py,
loaders/tickets/, docs/tickets.md)."""

from __future__ import annotations

from enum import StrEnum

from graph.schema import EdgeKind, NodeKind
from graph.values._registry import Subtype, Vocabulary

__all__ = ["SUBTYPES", "VOCABULARIES", "ScopeKind", "TicketStatus", "TicketSubtype"]


class TicketSubtype(StrEnum):
    APPROVAL = "ticket.approval"


class TicketStatus(StrEnum):
    """A ticket's `status`: only an approved ticket approves anything."""

    APPROVED = "approved"
    REJECTED = "rejected"
    PENDING = "pending"
    EXPIRED = "expired"
    REVOKED = "revoked"


class ScopeKind(StrEnum):
    """What a ticket's scope value names (docs/tickets.md: which node each resolves to)."""

    IDENTITY = "identity"
    CREDENTIAL = "credential"
    RESOURCE = "resource"
    ROLE = "role"
    HOST = "host"


SUBTYPES = (
    Subtype(
        TicketSubtype.APPROVAL,
        (NodeKind.APPROVAL,),
        "a change or access ticket: requester, approvers, scope and validity window",
    ),
)

VOCABULARIES = (Vocabulary(EdgeKind.COVERS, "scope_kind", ScopeKind, "what the ticket's scope value names"),)
