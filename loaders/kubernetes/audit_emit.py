"""Kubernetes audit sessions → Session nodes and their edges, written once every file was read.

Per session: the Session node (`k8s.audit.session`: cluster, user name, times, counts, source
IPs and agents, `interactive` when it exec'd, attached or port-forwarded, `impersonated`, the
`denied` attempts), ACTED_AS the identity its user name is (`system:serviceaccount:<ns>:<name>`
→ that ServiceAccount, the id the objects loader gives it; anyone else a `k8s.user`), STARTED by
the Person whose email (or known user name) the user name is, FROM the pod, workload or runner
whose address is a source IP, FROM the session that was on the host whose address is a source IP
when it started (a kubectl run on app1 during an SSH login there: `session_on_host`,
loaders/sessions/hops.py), TOUCHED each target with its actions and the authorizer's reasons
(`grants`), PERFORMED each RBAC or Secret Change. Every edge's `origin` is the session id, so a
reload replaces counts instead of adding to them.

An undated session (its events carry no time) has no start or end, is named `… @ undated`, and
its description and every evidence pointer say the events had no timestamp.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from graph import ids
from graph.k8s_api import api_node
from graph.model import Edge, Evidence, Node, from_store
from graph.schema import EdgeKind, NodeKind
from graph.values import MatchedBy
from loaders.base import Item
from loaders.kubernetes.audit_sessions import Actor, AuditState, Session
from loaders.kubernetes.audit_targets import Target
from loaders.kubernetes.nodes import service_account_node, user_node
from loaders.sessions import AddressBook, Arrival, HopIndex, HostSessions, Place, Pointer, Visit, trim_evidence

__all__ = ["NAME", "Emitter", "People"]

NAME = "k8s-audit"
People = dict[str, str]  # lower-case email or user name -> Person id


def evidence_of(pointers: list[Pointer]) -> tuple[Evidence, ...]:
    """Pointers as Evidence. Their times are canonical text or "" (undated: loaders/kubernetes/audit_event.py
    makes them), so only the file name's length is left to check; a name Evidence would refuse goes
    through its validation (and its error). Emission is most of the end of a load."""
    return tuple(
        from_store(Evidence, {"source": file, "locator": locator[:500], "at": at or None})
        if 0 < len(file) <= 1000
        else Evidence(source=file, locator=locator[:500], at=at or None)
        for at, file, locator in pointers
    )


def session_id(actor: Actor, session: Session) -> str:
    digest = hashlib.sha256("|".join(session.group).encode()).hexdigest()[:10]
    user = "_".join(actor.username.split()) or "unknown"
    return ids.session("k8s", actor.cluster, user, digest, session.start_text or "undated")


def arrivals(state: AuditState | None) -> HostSessions:
    """This load's dated sessions with source IPs, as arrivals of the hop index (loaders/sessions/hops.py)."""
    found = HostSessions()
    if state is None:
        return found
    state.flush()  # the hop index may ask before this source's finish: requests seen only in an early stage count
    for actor, session in state.index.all_sessions():
        if session.start_text and session.ips:
            found.arrivals.append(
                Arrival(session_id(actor, session), tuple(sorted(session.ips)), session.start, "", NAME)
            )
    return found


class Emitter:
    def __init__(self, state: AuditState, people: People, book: AddressBook, hops: HopIndex | None = None) -> None:
        self.state = state
        self.people = people
        self.book = book
        self.targets: dict[str, Target] = {}
        self.actors: dict[str, Actor] = {}
        self.came_from: dict[str, list[tuple[Visit, str, int]]] = {}
        for arrival, visit, ip, gap in hops.hops(NAME) if hops is not None else ():
            self.came_from.setdefault(arrival.session, []).append((visit, ip, gap))

    def items(self) -> Iterator[Item]:
        for actor, session in self.state.index.all_sessions():
            yield from self._session(actor, session)
        yield from self._shared_nodes()

    def _session_id(self, actor: Actor, session: Session) -> str:
        return session_id(actor, session)

    def _edge(
        self, source: str, source_kind: NodeKind, kind: EdgeKind, target: str, target_kind: NodeKind,
        session: Session, sid: str, evidence: tuple[Evidence, ...], count: int = 1,
        times: tuple[str, str] | None = None, **props: Any,
    ) -> Edge:  # fmt: skip
        first, last = times or (session.start_text, session.end_text)
        return Edge.make(
            source=source, source_kind=source_kind, kind=kind, target=target, target_kind=target_kind,
            props=props, first_seen=first or None, last_seen=last or None,
            count=max(count, 1), sources=(NAME,), evidence=evidence, origin=sid,
        )  # fmt: skip

    def person_of(self, actor: Actor) -> str | None:
        name = actor.username.lower()
        if ids.is_email(name):
            found = self.people.get(name)
            if found:
                return found
        return self.people.get(name) if actor.service_account is None else None

    def _session(self, actor: Actor, session: Session) -> Iterator[Item]:
        sid = self._session_id(actor, session)
        for touch in session.touched.values():
            touch.evidence = trim_evidence(touch.evidence)
        evidence = evidence_of(trim_evidence(session.evidence))
        undated = not session.start_text
        props = {
            "platform": "k8s",
            "cluster": actor.cluster,
            "started_at": session.start_text or None,
            "ended_at": session.end_text or None,
            "event_count": session.count,
            "error_count": session.errors,
            "source_ips": sorted(session.ips),
            "user_agents": sorted(session.agents),
            "principal": actor.username,
            "interactive": session.interactive,
            "impersonated": sorted(session.impersonated) or None,
            "denied": sorted(session.denied) or None,
            "description": f"undated: {session.count} audit events of {actor.username} carry no timestamp"
            if undated
            else None,
        }
        yield Node.make(
            id=sid, kind=NodeKind.SESSION, subtype="k8s.audit.session",
            name=f"{actor.username} @ {session.start_text or 'undated'}", props=props,
            first_seen=session.start_text or None, last_seen=session.end_text or None, sources=(NAME,),
        )  # fmt: skip
        self.actors.setdefault(actor.identity, actor)
        yield self._edge(sid, NodeKind.SESSION, EdgeKind.ACTED_AS, actor.identity, NodeKind.IDENTITY, session, sid,
                         evidence, session.count)  # fmt: skip
        person = self.person_of(actor)
        if person:
            yield self._edge(person, NodeKind.PERSON, EdgeKind.STARTED, sid, NodeKind.SESSION, session, sid, evidence)
        by_place: dict[Place, list[str]] = {}
        for ip in sorted(session.ips):
            place = self.book.place(ip)
            if place is not None:
                by_place.setdefault(place, []).append(ip)
        for (place_id, place_kind), here in sorted(by_place.items()):
            yield self._edge(sid, NodeKind.SESSION, EdgeKind.FROM, place_id, place_kind, session, sid, evidence,
                             matched_by="ip", ips=here)  # fmt: skip
        for visit, ip, gap in self.came_from.get(sid, []):  # run from a host while a session was on it
            yield self._edge(sid, NodeKind.SESSION, EdgeKind.FROM, visit.session, NodeKind.SESSION, session, sid,
                             evidence, matched_by=MatchedBy.SESSION_ON_HOST.value, ips=[ip],
                             gap_seconds=gap)  # fmt: skip
        for target_id in sorted(session.touched):
            touch = session.touched[target_id]
            self.targets.setdefault(target_id, touch.target)
            yield self._edge(
                sid, NodeKind.SESSION, EdgeKind.TOUCHED, target_id, touch.target.kind, session, sid,
                evidence_of(touch.evidence), touch.count, (touch.first_text, touch.last_text),  # the target's own times
                actions=sorted(touch.actions), errors=0,
                grants=sorted(session.grants.get(target_id, ())) or None,
            )  # fmt: skip
        for change, pointer in sorted(set(session.changes)):
            yield self._edge(sid, NodeKind.SESSION, EdgeKind.PERFORMED, change, NodeKind.CHANGE, session, sid,
                             evidence_of([pointer]))  # fmt: skip

    def _shared_nodes(self) -> Iterator[Item]:
        for identity in sorted(self.actors):
            actor = self.actors[identity]
            if actor.service_account is not None:
                yield service_account_node(actor.cluster, *actor.service_account, source=NAME)
            else:
                yield user_node(actor.cluster, actor.username, source=NAME)
        for target_id in sorted(self.targets):
            node = api_node(self.targets[target_id], NAME)
            if node is not None:
                yield node
