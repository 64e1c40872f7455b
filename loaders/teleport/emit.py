"""Teleport sessions and access requests → the graph, once every file was read.

Per session (`teleport.session`, id `session:teleport:<cluster>:<sid>`): ACTED_AS the Teleport
user (`teleport.user`: `machine` when a bot — an `impersonator` or a `bot-` name —, else `human`)
and, on a host, the unix account it logged in as (`login`), or, on a database, the database user
(`teleport.db_user`, machine: a shared database account); STARTED by the person when the
Teleport user is an email; TOUCHED the host (`unix.host` by `server_hostname`, its `server_addr`
IP in `private_ips`) with the commands run, or the database (`teleport.database`) with the
queries (both masked: loaders/sessions/commands.py); FROM the Runner/Workload at the client
address, and FROM the session that was on the host at that address (loaders/sessions/hops.py).

Per access request: an Approval (`teleport.access_request`: status = the request's state,
requester, roles, reason, approvers, reviews, the window `valid_from` / `valid_until`:
loaders/teleport/identities.py), APPROVED_BY each reviewer who approved it (a Person when the
reviewer is an email; other reviewers are named in the summary), and APPROVED → each session
whose `access_requests` names it, when the request approves the session by the window rule of
every approval (graph/window.py): the request was approved and the session started inside its
window. A session keeps every request it names in `access_requests`; one that does not approve it
(denied, pending, or the session started outside its window) is in `unapproved_requests` as
`<request id>: <why>` (`5b1f…: denied by carol@example.com at …`), so KT-NHI5-002 can say so. A
session that names a request no loaded file shows is kept, and the summary names the request as
missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graph import ids
from graph.model import Edge, Evidence, Node
from graph.schema import EdgeKind, NodeKind
from graph.values import MatchedBy, Nature
from graph.values.ssh import SshSubtype
from graph.values.teleport import TeleportSubtype
from loaders.base import Item
from loaders.sessions import (
    AddressBook,
    Arrival,
    HopIndex,
    HostSessions,
    Pointer,
    Visit,
    pointer_evidence,
)
from loaders.sessions.accounts import account_nature
from loaders.sessions.commands import MAX_COMMANDS, mask_command
from loaders.teleport.identities import not_approving, requests, users
from loaders.teleport.reached import apps, connections, destinations, kube_requests
from loaders.teleport.sessions import TeleportState, TpSession

__all__ = ["emit", "host_sessions"]

NAME = "teleport-audit"
NOTE_ROWS = 10
_N, _E = NodeKind, EdgeKind
_LOOPBACK = ("127.0.0.1", "::1", "")


def _evidence(pointers: list[Pointer]) -> tuple[Evidence, ...]:
    return pointer_evidence(pointers)


def _edge(
    source: str,
    source_kind: NodeKind,
    kind: EdgeKind,
    target: str,
    target_kind: NodeKind,
    first: str,
    last: str,
    origin: str,
    evidence: tuple[Evidence, ...],
    count: int = 1,
    **props: Any,
) -> Edge:
    return Edge.make(
        source=source,
        source_kind=source_kind,
        kind=kind,
        target=target,
        target_kind=target_kind,
        props=props,
        first_seen=first,
        last_seen=last,
        count=max(count, 1),
        sources=(NAME,),
        evidence=evidence,
        origin=origin,
    )


def _host(state: TeleportState, session: TpSession) -> tuple[str, str]:
    """(hostname, ip) of the node a session ran on: its own events, else another event of its server id.
    A Kubernetes or application session ran on no host (its server id is Teleport's kube or app
    agent): what it reached is the cluster's objects or the application."""
    if (session.kube_cluster or session.apps) and not session.hostname and not session.commands:
        return "", ""
    known = state.servers.get((session.cluster, session.server_id), ("", ""))
    # with no event naming the node's hostname, the node is known by its Teleport server id
    return session.hostname or known[0] or session.server_id, session.server_ip or known[1]


def _hosts(state: TeleportState) -> dict[str, tuple[str, set[str]]]:
    """host id -> (hostname, its addresses) of every node this load's sessions ran on."""
    hosts: dict[str, tuple[str, set[str]]] = {}
    for _sid, session in all_sessions(state):
        hostname, ip = _host(state, session)
        if hostname:
            addresses = hosts.setdefault(ids.unix_host(hostname), (hostname, set()))[1]
            if ip not in _LOOPBACK:
                addresses.add(ip)
    return hosts


def all_sessions(state: TeleportState) -> list[tuple[str, TpSession]]:
    """(session id, session) of every session: by sid, and the sid-less kube request sessions by
    user, Kubernetes cluster and start."""
    found = [(ids.session("teleport", s.cluster, s.sid), s) for _u, s in state.index.all_sessions()]
    for _u, s in state.kube_index.all_sessions():
        user = "_".join(s.user.split())
        found.append((ids.session("teleport", s.cluster, "kube", s.kube_cluster, user, s.start_text), s))
    return found


def host_sessions(state: TeleportState) -> HostSessions:
    """This load's Teleport sessions as visits and arrivals for the hop index (loaders/sessions/hops.py)."""
    found = HostSessions()
    for host, (_name, addresses) in _hosts(state).items():
        found.addresses.extend((address, host) for address in sorted(addresses))
    for sid, session in all_sessions(state):
        hostname = _host(state, session)[0]
        host = ids.unix_host(hostname) if hostname else ""
        if host:
            found.visits.append(Visit(sid, host, session.start, session.end, NAME))
        if session.ips:
            found.arrivals.append(Arrival(sid, tuple(sorted(session.ips)), session.start, host, NAME))
    return found


def emit(state: TeleportState, hops: HopIndex, places: AddressBook, notes: list[str]) -> Iterator[Item]:
    sessions = all_sessions(state)
    hosts = _hosts(state)
    came_from: dict[str, list[tuple[Visit, str, int]]] = {}
    for arrival, visit, ip, gap in hops.hops(NAME):
        came_from.setdefault(arrival.session, []).append((visit, ip, gap))
    named: dict[tuple[str, str], set[str]] = {}
    for sid, session in sessions:
        yield from _session(sid, session, state, places, came_from.get(sid, []), named)
    yield from _hops_into_graph(came_from, dict(sessions))
    for host, (hostname, addresses) in sorted(hosts.items()):
        yield Node.make(
            id=host,
            kind=_N.WORKLOAD,
            subtype=SshSubtype.HOST,
            name=hostname,
            props={"platform": "unix", "private_ips": sorted(addresses) or None},
            sources=(NAME,),
        )
    yield from users(state, NAME)
    yield from requests(state, notes, NAME)
    missing = sorted(request for request in named if request not in state.requests)
    if missing:
        notes.append(
            f"teleport-audit: {len(missing)} access requests named by sessions are in no loaded file: "
            + ", ".join(f"{rid} (by {', '.join(sorted(named[(c, rid)])[:3])})" for c, rid in missing[:NOTE_ROWS])
        )
    failed = sum(state.failed_logins.values())
    if failed:
        notes.append(f"teleport-audit: {failed} failed Teleport logins, counted, not sessions")


def _judged(sid: str, session: TpSession, state: TeleportState, named: dict[tuple[str, str], set[str]]
            ) -> tuple[list[str], list[str]]:  # fmt: skip
    """(the requests that approve the session, `<request id>: <why not>` of those that do not)."""
    approving, refused = [], []
    for request_id in sorted(session.access_requests):
        named.setdefault((session.cluster, request_id), set()).add(sid)
        request = state.requests.get((session.cluster, request_id))
        if request is None:
            continue  # in no loaded file: the summary names it
        why = not_approving(request, session.start_text)
        if why:
            refused.append(f"{request_id}: {why}")
        else:
            approving.append(request_id)
    return approving, refused


def _session(
    sid: str,
    session: TpSession,
    state: TeleportState,
    places: AddressBook,
    came_from: list[tuple[Visit, str, int]],
    named: dict[tuple[str, str], set[str]],
) -> Iterator[Item]:
    evidence = _evidence(session.evidence)
    approving, refused = _judged(sid, session, state, named)
    first, last = session.start_text, session.end_text
    hostname, _ip = _host(state, session)
    host = ids.unix_host(hostname) if hostname else ""
    app = min(session.apps, default="")
    where = hostname or session.db_service or session.kube_cluster or app or session.server_id or "?"
    yield Node.make(
        id=sid,
        kind=_N.SESSION,
        subtype=TeleportSubtype.SESSION,
        name=f"{session.user} → {where} @ {first}",
        props={
            "platform": "teleport",
            "started_at": first,
            "ended_at": last,
            "event_count": session.count,
            "source_ips": sorted(session.ips) or None,
            "principal": session.user,
            "session_name": session.login or session.db_user or None,
            "interactive": session.interactive,
            "host": host or None,
            "cluster": session.cluster,
            "kubernetes_cluster": session.kube_cluster or None,
            "kubernetes_groups": sorted(session.kube_groups) or None,
            "network": destinations(session) or None,
            "access_requests": sorted(session.access_requests) or None,
            "unapproved_requests": refused or None,
        },
        first_seen=first,
        last_seen=last,
        sources=(NAME,),
    )
    user = ids.teleport_user(session.cluster, session.user)
    yield _edge(sid, _N.SESSION, _E.ACTED_AS, user, _N.IDENTITY, first, last, sid, evidence, session.count)
    if ids.is_email(session.user):
        yield _edge(ids.person(session.user), _N.PERSON, _E.STARTED, sid, _N.SESSION, first, last, sid, evidence)
    if host:
        if session.login:
            account = ids.unix_account(hostname, session.login)
            nature, reason = account_nature(session.login, None)
            yield Node.make(
                id=account,
                kind=_N.IDENTITY,
                subtype=SshSubtype.ACCOUNT,
                name=f"{session.login}@{hostname}",
                props={"platform": "unix", "nature": nature.value, "nature_reason": reason},
                sources=(NAME,),
            )
            yield _edge(
                sid,
                _N.SESSION,
                _E.ACTED_AS,
                account,
                _N.IDENTITY,
                first,
                last,
                sid,
                evidence,
                session_name=session.login,
            )
        commands = sorted({mask_command(c) for c, _p in session.commands})[:MAX_COMMANDS]
        actions = sorted(k for k in session.kinds if k in ("session.start", "exec", "session.command"))
        yield _edge(
            sid,
            _N.SESSION,
            _E.TOUCHED,
            host,
            _N.WORKLOAD,
            first,
            last,
            sid,
            evidence,
            max(len(session.commands), 1),
            actions=actions or ["session"],
            commands=commands or None,
        )
    if session.db_service:
        yield from _database(sid, session, evidence)
    if session.kube_cluster:
        yield from kube_requests(sid, session, evidence, NAME)
    yield from apps(sid, session, NAME)
    yield from connections(sid, session, places, NAME)
    for ip in sorted(session.ips):
        place = places.place(ip)
        if place is not None:
            yield _edge(
                sid,
                _N.SESSION,
                _E.FROM,
                place[0],
                place[1],
                first,
                last,
                sid,
                evidence,
                matched_by=MatchedBy.IP.value,
                ips=[ip],
            )
    for visit, ip, gap in came_from:
        yield _edge(
            sid,
            _N.SESSION,
            _E.FROM,
            visit.session,
            _N.SESSION,
            first,
            last,
            sid,
            evidence,
            matched_by=MatchedBy.SESSION_ON_HOST.value,
            ips=[ip],
            gap_seconds=gap,
        )
    for request_id in approving:
        approval = ids.teleport_approval(session.cluster, request_id)
        yield _edge(approval, _N.APPROVAL, _E.APPROVED, sid, _N.SESSION, first, last, sid, evidence)


def _database(sid: str, session: TpSession, evidence: tuple[Evidence, ...]) -> Iterator[Item]:
    first, last = session.start_text, session.end_text
    database = ids.teleport_database(session.cluster, session.db_service)
    yield Node.make(
        id=database,
        kind=_N.RESOURCE,
        subtype=TeleportSubtype.DATABASE,
        name=session.db_service,
        props={"platform": "teleport", "resource_type": "database", "cluster": session.cluster},
        sources=(NAME,),
    )
    queries = sorted({mask_command(q) for q, _p in session.queries})[:MAX_COMMANDS]
    verbs = sorted({q.split(None, 1)[0].upper() for q, _p in session.queries if q.split()})
    yield _edge(
        sid,
        _N.SESSION,
        _E.TOUCHED,
        database,
        _N.RESOURCE,
        first,
        last,
        sid,
        _evidence([p for _q, p in session.queries]) or evidence,
        max(len(session.queries), 1),
        actions=verbs or ["connect"],
        commands=queries or None,
    )
    if session.db_user:
        db_user = ids.teleport_db_user(session.cluster, session.db_service, session.db_user)
        yield Node.make(
            id=db_user,
            kind=_N.IDENTITY,
            subtype=TeleportSubtype.DB_USER,
            name=f"{session.db_user}@{session.db_service}",
            props={
                "platform": "teleport",
                "nature": Nature.MACHINE.value,
                "nature_reason": "a database user: shared by whoever connects as it",
                "cluster": session.cluster,
            },
            sources=(NAME,),
        )
        yield _edge(
            sid, _N.SESSION, _E.ACTED_AS, db_user, _N.IDENTITY, first, last, sid, evidence, session_name=session.db_user
        )


def _hops_into_graph(came_from: dict[str, list[tuple[Visit, str, int]]], own: dict[str, TpSession]) -> Iterator[Item]:
    """FROM edges of sessions the graph held that came from one of ours (origin: the arrival)."""
    for arrival_id, found in sorted(came_from.items()):
        if arrival_id in own:
            continue
        for visit, ip, gap in found:
            session = own[visit.session]
            yield _edge(
                arrival_id,
                _N.SESSION,
                _E.FROM,
                visit.session,
                _N.SESSION,
                session.start_text,
                session.end_text,
                arrival_id,
                _evidence(session.evidence),
                matched_by=MatchedBy.SESSION_ON_HOST.value,
                ips=[ip],
                gap_seconds=gap,
            )
