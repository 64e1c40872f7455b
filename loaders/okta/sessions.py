"""Okta sessions: events stitched on `authenticationContext.externalSessionId`, written in `finish`.

Events that carry an externalSessionId belong to that Okta session whatever their address;
events without one (API-token and client-credentials calls, system events) group by actor. Both
split on inactivity through the shared machinery (loaders/sessions/). A session's id is
`session:okta:<externalSessionId or actor id>:<start>` — deterministic, so reloading rewrites it,
and every edge's `origin` is the session id, so counts are replaced rather than added.

Per session: the Session (`okta.session`; `interactive` when it started with `user.session.start`
from a browser), ACTED_AS the actor's account, STARTED by its Person, AUTHENTICATED_WITH the OAuth
client's credentials for a client-credentials grant, FROM the Runner or Workload at its address,
TOUCHED its targets (`actions` = event types), PERFORMED its changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graph import ids
from graph.model import Edge, Evidence, Node
from graph.schema import EdgeKind, NodeKind
from loaders.base import Item
from loaders.okta.event import Actor, Target
from loaders.sessions import AddressBook, Pointer, SessionBase, SessionIndex, trim_evidence

__all__ = ["Aggregates", "Session", "emit_sessions"]

NAME = "okta-system-log"


@dataclass(slots=True, eq=False)  # identity: sessions are compared by object, never by value
class Session(SessionBase):
    changes: list[tuple[str, Pointer]] = field(default_factory=list)
    client_credentials: bool = False
    started: bool = False
    ended: bool = False

    def absorb(self, other: Any) -> None:
        SessionBase.absorb(self, other)  # zero-argument super() does not work with slots dataclasses
        self.changes.extend(other.changes)
        self.client_credentials = self.client_credentials or other.client_credentials
        self.started = self.started or other.started
        self.ended = self.ended or other.ended


class Aggregates(SessionIndex[Session, Actor]):
    def __init__(self, gap_seconds: int) -> None:
        super().__init__(gap_seconds, Session)


def _evidence(pointers: list[Pointer]) -> tuple[Evidence, ...]:
    return tuple(Evidence(source=file, locator=locator[:500], at=at) for at, file, locator in pointers)


def emit_sessions(aggregates: Aggregates, places: AddressBook, targets: dict[str, Target]) -> Iterator[Item]:
    actors: dict[str, Actor] = {}
    for actor, session in aggregates.all_sessions():
        yield from _session(actor, session, places, targets)
        if actor.identity:
            actors.setdefault(actor.identity, actor)
    for identity in sorted(actors):
        actor = actors[identity]
        yield _identity(identity, actor.subtype, actor.name)
    for target_id in sorted(targets):
        target = targets[target_id]
        if target.kind is NodeKind.IDENTITY and target_id not in actors:
            yield _identity(target_id, target.subtype, target.name)
        elif target.kind is NodeKind.RESOURCE:
            yield Node.make(
                id=target_id,
                kind=NodeKind.RESOURCE,
                subtype=target.subtype,
                name=target.name,
                props={"platform": "okta", "resource_type": target.object_type},
                sources=(NAME,),
            )


def _identity(identity: str, subtype: str, name: str) -> Node:
    human = subtype == "okta.user"
    props = {
        "platform": "okta",
        "nature": "human" if human else "machine",
        "nature_reason": "Okta user account" if human else "Okta OAuth client",
    }
    return Node.make(id=identity, kind=NodeKind.IDENTITY, subtype=subtype, name=name, props=props, sources=(NAME,))


def _session(actor: Actor, session: Session, places: AddressBook, targets: dict[str, Target]) -> Iterator[Item]:
    anchor = session.group[0] or actor.principal
    sid = ids.session("okta", "_".join(anchor.split()) or "unknown", session.start_text)
    for touch in session.touched.values():
        touch.evidence = trim_evidence(touch.evidence)
    pointers = [p for touch in session.touched.values() for p in touch.evidence]
    evidence = _evidence(trim_evidence(pointers + session.evidence))
    browser = any(agent.startswith("Mozilla/") for agent in session.agents)
    yield Node.make(
        id=sid,
        kind=NodeKind.SESSION,
        subtype="okta.session",
        name=f"{actor.login or actor.name or actor.principal} @ {session.start_text}",
        props={
            "platform": "okta",
            "started_at": session.start_text,
            "ended_at": session.end_text,
            "event_count": session.count,
            "error_count": session.errors,
            "source_ips": sorted(session.ips),
            "user_agents": sorted(session.agents),
            "principal": actor.login or actor.principal,
            "session_name": session.group[0] or None,
            "interactive": session.started and browser,
        },
        first_seen=session.start_text,
        last_seen=session.end_text,
        sources=(NAME,),
    )

    def edge(
        source: str,
        source_kind: NodeKind,
        kind: EdgeKind,
        target: str,
        target_kind: NodeKind,
        pointers: tuple[Evidence, ...] = evidence,
        count: int = 1,
        times: tuple[str, str] | None = None,
        **props: Any,
    ) -> Edge:
        first, last = times or (session.start_text, session.end_text)  # a touch's own times, else the session's
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
            evidence=pointers,
            origin=sid,
        )

    if actor.identity:
        yield edge(sid, NodeKind.SESSION, EdgeKind.ACTED_AS, actor.identity, NodeKind.IDENTITY, count=session.count)
    if actor.person:
        yield edge(actor.person, NodeKind.PERSON, EdgeKind.STARTED, sid, NodeKind.SESSION)
    if session.client_credentials and actor.subtype == "okta.oauth_client":
        credential = ids.okta_client_credentials(actor.principal)
        yield Node.make(
            id=credential,
            kind=NodeKind.CREDENTIAL,
            subtype="okta.client_credentials",
            name=f"{actor.name} client credentials",
            props={"platform": "okta", "credential_type": "api_key", "public_id": actor.principal},
            sources=(NAME,),
        )
        yield edge(sid, NodeKind.SESSION, EdgeKind.AUTHENTICATED_WITH, credential, NodeKind.CREDENTIAL)
        yield edge(actor.identity, NodeKind.IDENTITY, EdgeKind.HAS_CREDENTIAL, credential, NodeKind.CREDENTIAL)
    for (place_id, place_kind), ips_here in places.by_place(session.ips).items():
        yield edge(sid, NodeKind.SESSION, EdgeKind.FROM, place_id, place_kind, matched_by="ip", ips=ips_here)
    for target_id in sorted(session.touched):
        touch = session.touched[target_id]
        yield edge(
            sid,
            NodeKind.SESSION,
            EdgeKind.TOUCHED,
            target_id,
            targets[target_id].kind,
            _evidence(touch.evidence),
            touch.count,
            times=(touch.first_text, touch.last_text),
            actions=sorted(touch.actions),
            errors=touch.errors,
        )
    for change, pointer in sorted(set(session.changes)):
        yield edge(sid, NodeKind.SESSION, EdgeKind.PERFORMED, change, NodeKind.CHANGE, _evidence([pointer]))
