"""Teleport sessions and access requests, aggregated across every event of a load.

A session is every event with one `sid` (Teleport's own session id: SSH, exec and database
sessions all carry one), so the group is (cluster, sid) and no gap splits it — a sid is never
reused. A `kube.request` outside an exec stream carries no sid: those of one Teleport user on
one Kubernetes cluster are grouped by time, with the load's session gap (`kube_index`). An
access request is every `access_request.*` event with one `id`: its creation (the requester,
roles, reason, expiry), its reviews (reviewer, proposed state, reason) and its resolution: the
latest `access_request.update` with a `state`, or a review whose `state` (the request's state
after the review) is no longer PENDING. The access expiry is the resolution's `expires`, else
the creation's, else `max_duration`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from loaders.sessions import Pointer, SessionBase, SessionIndex, Touch

__all__ = ["Request", "RequestReview", "TeleportState", "TpSession"]

NO_GAP = 366 * 24 * 3600  # a sid names one session whatever the time between its events


@dataclass(slots=True, eq=False)  # identity: sessions are compared by object, never by value
class TpSession(SessionBase):
    cluster: str = ""
    sid: str = ""
    user: str = ""
    login: str = ""
    impersonator: str = ""
    server_id: str = ""
    hostname: str = ""
    server_ip: str = ""
    access_requests: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    commands: list[tuple[str, Pointer]] = field(default_factory=list)
    queries: list[tuple[str, Pointer]] = field(default_factory=list)
    db_service: str = ""
    db_user: str = ""
    ended: bool = False
    kube_cluster: str = ""
    kube_users: set[str] = field(default_factory=set)
    kube_groups: set[str] = field(default_factory=set)
    kube: dict[tuple[str, str, str], Touch[tuple[str, str, str]]] = field(default_factory=dict)  # (res, ns, name)
    kube_commands: list[tuple[tuple[str, str, str], str, Pointer]] = field(default_factory=list)
    apps: dict[str, Touch[str]] = field(default_factory=dict)
    app_addresses: dict[str, tuple[str, str]] = field(default_factory=dict)  # app -> (uri, public address)
    connections: dict[tuple[str, int], Touch[tuple[str, int]]] = field(default_factory=dict)  # (dst ip, port)

    def absorb(self, other: Any) -> None:
        SessionBase.absorb(self, other)  # zero-argument super() does not work with slots dataclasses
        for name in ("cluster", "sid", "user", "login", "impersonator", "server_id", "hostname", "server_ip",
                     "db_service", "db_user", "kube_cluster"):  # fmt: skip
            if not getattr(self, name):
                setattr(self, name, getattr(other, name))
        self.access_requests |= other.access_requests
        self.kinds |= other.kinds
        self.commands.extend(other.commands)
        self.queries.extend(other.queries)
        self.ended = self.ended or other.ended
        self.kube_users |= other.kube_users
        self.kube_groups |= other.kube_groups
        self.kube_commands.extend(other.kube_commands)
        for mine, theirs in ((self.kube, other.kube), (self.apps, other.apps), (self.connections, other.connections)):
            for key, touch in theirs.items():
                if key in mine:
                    mine[key].absorb(touch)
                else:
                    mine[key] = touch
        for app, addresses in other.app_addresses.items():
            self.app_addresses.setdefault(app, addresses)


class RequestReview(NamedTuple):
    at: str
    reviewer: str
    decision: str  # the reviewer's proposed state, upper case as Teleport writes it: APPROVED | DENIED
    reason: str


@dataclass(slots=True)
class Request:
    cluster: str
    request_id: str
    requester: str = ""
    roles: tuple[str, ...] = ()
    reason: str = ""
    created: str = ""
    expires: str = ""  # the access expiry, as the resolution (else the creation) names it
    max_duration: str = ""
    state: str = "PENDING"
    resolved_at: str = ""
    resolved_by: str = ""
    reviews: list[RequestReview] = field(default_factory=list)
    evidence: list[Pointer] = field(default_factory=list)

    def resolve(self, state: str, at: str, by: str, expires: str) -> None:
        """The request's state as of `at`: the latest resolution wins, whatever order files come in."""
        if state.upper() == "PENDING" or at < self.resolved_at:
            return
        self.state, self.resolved_at, self.resolved_by = state.upper(), at, by
        self.expires = expires or self.expires

    @property
    def valid_from(self) -> str:
        """When it began to grant access: its approval, else (approved as created) its creation."""
        return self.resolved_at or self.created

    @property
    def valid_until(self) -> str:
        return self.expires or self.max_duration


@dataclass(slots=True)
class TeleportState:
    index: SessionIndex[TpSession, str] = field(default_factory=lambda: SessionIndex(NO_GAP, TpSession))
    kube_index: SessionIndex[TpSession, str] = field(default_factory=lambda: SessionIndex(3600, TpSession))
    servers: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)  # server id -> (hostname, ip)
    requests: dict[tuple[str, str], Request] = field(default_factory=dict)
    users: dict[tuple[str, str], str] = field(default_factory=dict)  # (cluster, user) -> impersonator
    failed_logins: dict[tuple[str, str], int] = field(default_factory=dict)
