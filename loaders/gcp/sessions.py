"""GCP sessions: entries aggregated per (service-account key, principal), split on inactivity.

The interval grouping and the common aggregates are the shared session machinery
(loaders/sessions/); a GCP session adds the impersonation hops it showed (delegation chains and
token-minting calls), the Person behind it (the caller, or the human at the start of a delegation
chain) and the changes it made. A session's id is `session:gcp:<key id or "nokey">:<principal>:<start>`
— deterministic, so reloading the same files rewrites the same sessions, and every edge's
`origin` is the session id, so counts are replaced rather than added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loaders.gcp.entry import Caller
from loaders.sessions import Pointer, SessionBase, SessionIndex

__all__ = ["Aggregates", "Hop", "Session"]

Hop = tuple[Caller, Caller, str]
"""(who, whom it acted as, via): one CAN_ASSUME a session showed."""


@dataclass(slots=True, eq=False)  # identity: sessions are compared by object, never by value
class Session(SessionBase):
    hops: dict[tuple[str, str], Hop] = field(default_factory=dict)
    people: set[str] = field(default_factory=set)
    changes: list[tuple[str, Pointer]] = field(default_factory=list)
    services: set[str] = field(default_factory=set)

    def absorb(self, other: Any) -> None:
        SessionBase.absorb(self, other)  # zero-argument super() does not work with slots dataclasses
        for key, hop in other.hops.items():
            self.hops.setdefault(key, hop)
        self.people |= other.people
        self.changes.extend(other.changes)
        self.services |= other.services


class Aggregates(SessionIndex[Session, Caller]):
    """Every GCP session of a load, by (key id, principal)."""

    def __init__(self, gap_seconds: int) -> None:
        super().__init__(gap_seconds, Session)
