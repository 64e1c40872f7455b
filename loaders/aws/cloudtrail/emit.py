"""CloudTrail sessions → Session nodes and their edges, written once all files were read.

Per session: the Session node (`aws.cloudtrail.session`, see docs/graph-conventions.md),
ACTED_AS the identity (with `session_name`), AUTHENTICATED_WITH the access key (an `ASIA…` key
is `credential_type: aws_session_key`), HAS_CREDENTIAL identity → key, FROM the Runner or
Workload whose address is a source IP (`matched_by: ip`; a runner wins over the instance it
runs on), STARTED by the Person an email or a known user name points to, TOUCHED each target,
PERFORMED each change, and OWNS (`provenance: inferred`) of the keys and users it created when
a person started it. Every edge's `origin` is the session id and its evidence the session's
bounded pointers, so reloading replaces counts instead of adding to them.

`interactive` is true for console sign-ins and for CLI/SDK user agents from an address that is
no known runner or workload (a person at a keyboard, not a pipeline).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graph import ids
from graph.errors import ModelError
from graph.model import Edge, Evidence, Node, from_store
from graph.schema import EdgeKind, NodeKind
from loaders.aws.cloudtrail.chains import AssumeCall, link_chains
from loaders.aws.cloudtrail.event import Principal, valid_key
from loaders.aws.cloudtrail.sessions import Aggregates, Pointer, Session, trim_evidence
from loaders.base import Item, KnownNodes

__all__ = ["Emitter", "Matching"]

NAME = "aws-cloudtrail"
Place = tuple[str, NodeKind]


def _all(known: KnownNodes, kind: NodeKind) -> Iterator[Node]:
    after = ""
    while True:
        page = known.nodes_of_kind(kind, after=after, limit=1000)
        yield from page
        if len(page) < 1000:
            return
        after = page[-1].id


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


@dataclass(slots=True)
class Matching:
    """What the graph already knew when the load started (read in `prepare`)."""

    addresses: dict[str, Place] = field(default_factory=dict)
    networks: list[tuple[Any, str]] = field(default_factory=list)
    slots: dict[tuple[str, str], str] = field(default_factory=dict)
    usernames: dict[str, str] = field(default_factory=dict)
    environments: dict[str, str] = field(default_factory=dict)
    _cache: dict[str, Place | None] = field(default_factory=dict)

    @classmethod
    def from_graph(cls, known: KnownNodes) -> Matching:
        found = cls()
        for node in _all(known, NodeKind.WORKLOAD):
            for address in _strings(node.props.get("private_ips")) + _strings(node.props.get("public_ips")):
                found.addresses[address] = (node.id, NodeKind.WORKLOAD)
        for node in _all(known, NodeKind.RUNNER):
            for address in _strings(node.props.get("ip_addresses")):
                found.addresses[address] = (node.id, NodeKind.RUNNER)
            for cidr in _strings(node.props.get("cidrs")):
                try:
                    found.networks.append((ipaddress.ip_network(cidr, strict=False), node.id))
                except ValueError:
                    continue
        for node in _all(known, NodeKind.CREDENTIAL):
            rotated = node.props.get("last_rotated")
            if node.subtype == "aws.access_key_slot" and isinstance(rotated, str) and "#" in node.id:
                user = "aws:arn:" + node.id.removeprefix("aws:keyslot:").rsplit("#", 1)[0]
                found.slots[(user, rotated)] = node.id
        for node in _all(known, NodeKind.PERSON):
            for name in _strings(node.props.get("usernames")):
                found.usernames[name.lower()] = node.id
        for node in _all(known, NodeKind.RESOURCE):
            environment = node.props.get("environment")
            if node.subtype == "aws.account" and isinstance(environment, str):
                found.environments[node.id.removeprefix("aws:account:")] = environment
        return found

    def place(self, address: str) -> Place | None:
        """The Runner (preferred) or Workload at an address, by exact IP or a runner's CIDR."""
        if address in self._cache:
            return self._cache[address]
        place = self.addresses.get(address)
        if place is None and self.networks:
            try:
                parsed = ipaddress.ip_address(address)
                place = next(((runner, NodeKind.RUNNER) for net, runner in self.networks if parsed in net), None)
            except ValueError:
                place = None
        self._cache[address] = place
        return place


def _evidence(pointers: list[Pointer], made: dict[Pointer, Evidence] | None = None) -> tuple[Evidence, ...]:
    """Pointers as Evidence. Their times are canonical already (loaders/aws/cloudtrail/event.py event_time),
    so only the lengths Evidence bounds are checked here, not every field again per pointer.
    `made` reuses the (immutable) Evidence of pointers already converted: a session's pointers
    are mostly its targets' pointers too."""
    out = []
    for pointer in pointers:
        found = made.get(pointer) if made is not None else None
        if found is None:
            at, file, locator = pointer
            if 0 < len(file) <= 1000 and len(locator) <= 500:
                found = from_store(Evidence, {"source": file, "locator": locator, "at": at})
            else:
                found = Evidence(source=file, locator=locator[:500], at=at)
            if made is not None:
                made[pointer] = found
        out.append(found)
    return tuple(out)


class Emitter:
    def __init__(self, aggregates: Aggregates, matching: Matching, calls: list[AssumeCall]) -> None:
        self.aggregates = aggregates
        self.matching = matching
        self.calls = calls
        self.keys: dict[str, tuple[str, str, str]] = {}  # credential id -> (key id, first, last)
        self.resources: dict[str, Any] = {}
        self.identities: dict[str, Principal] = {}

    def items(self) -> Iterator[Item]:
        """Lazily, so a caller that writes in batches never holds every session's items at once."""
        session_ids: dict[int, str] = {}
        acted: dict[int, tuple[str, str]] = {}
        for principal, session in self.aggregates.all_sessions():
            session_ids[id(session)] = self._session_id(principal, session)
            if principal.identity and principal.session_name:
                acted[id(session)] = (principal.identity, principal.session_name)
        for principal, session in self.aggregates.all_sessions():
            yield from self._session(session_ids[id(session)], principal, session)
        yield from link_chains(self.calls, self.aggregates, session_ids, acted)
        yield from self._shared_nodes()

    def _session_id(self, principal: Principal, session: Session) -> str:
        key = session.group[0] if valid_key(session.group[0]) else (session.group[0] or "nokey")
        return ids.session(
            "aws",
            "".join(key.split()) or "nokey",
            "_".join(principal.principal.split()) or "unknown",
            session.start_text,
        )

    def _edge(
        self,
        source: str,
        source_kind: NodeKind,
        kind: EdgeKind,
        target: str,
        target_kind: NodeKind,
        session: Session,
        sid: str,
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
            first_seen=session.start_text,
            last_seen=session.end_text,
            count=max(count, 1),
            sources=(NAME,),
            evidence=evidence,
            origin=sid,
        )

    def _session(self, sid: str, principal: Principal, session: Session) -> Iterator[Item]:
        # Each event lands in exactly one target's pointers, and each target keeps its most recent
        # ones (trimmed here once, as the stores would; _activity reads them), so the session's most
        # recent pointers are among their union.
        for touch in session.touched.values():
            touch.evidence = trim_evidence(touch.evidence)
        pointers = [p for touch in session.touched.values() for p in touch.evidence]
        made: dict[Pointer, Evidence] = {}
        evidence = _evidence(trim_evidence(pointers + session.evidence), made)
        places = {ip: place for ip in sorted(session.ips) if (place := self.matching.place(ip)) is not None}
        interactive = session.console or any(ip not in places for ip in session.cli_ips)
        environment = self.matching.environments.get(principal.account)
        props = {
            "platform": "aws",
            "started_at": session.start_text,
            "ended_at": session.end_text,
            "event_count": session.count,
            "error_count": session.errors,
            "source_ips": sorted(session.ips),
            "user_agents": sorted(session.agents),
            "regions": sorted(session.regions),
            "session_name": principal.session_name or None,
            "principal": principal.principal,
            "interactive": interactive,
            "mfa": session.mfa,
            "environment": environment,
        }
        name = f"{principal.session_name or principal.name or principal.principal} @ {session.start_text}"
        yield Node.make(
            id=sid,
            kind=NodeKind.SESSION,
            subtype="aws.cloudtrail.session",
            name=name,
            props=props,
            first_seen=session.start_text,
            last_seen=session.end_text,
            sources=(NAME,),
        )
        if principal.identity:
            self.identities.setdefault(principal.identity, principal)
            yield self._edge(
                sid,
                NodeKind.SESSION,
                EdgeKind.ACTED_AS,
                principal.identity,
                NodeKind.IDENTITY,
                session,
                sid,
                evidence,
                session.count,
                session_name=principal.session_name or None,
            )
        credential = valid_key(session.group[0])
        if credential:
            self._note_key(credential, session)
            yield self._edge(
                sid,
                NodeKind.SESSION,
                EdgeKind.AUTHENTICATED_WITH,
                credential,
                NodeKind.CREDENTIAL,
                session,
                sid,
                evidence,
                session.count,
            )
            if principal.identity:
                yield self._edge(
                    principal.identity,
                    NodeKind.IDENTITY,
                    EdgeKind.HAS_CREDENTIAL,
                    credential,
                    NodeKind.CREDENTIAL,
                    session,
                    sid,
                    evidence,
                    session.count,
                )
        by_place: dict[Place, list[str]] = {}
        for ip, place in places.items():
            by_place.setdefault(place, []).append(ip)
        for (place_id, place_kind), ips_here in sorted(by_place.items()):
            yield self._edge(
                sid,
                NodeKind.SESSION,
                EdgeKind.FROM,
                place_id,
                place_kind,
                session,
                sid,
                evidence,
                matched_by="ip",
                ips=ips_here,
            )
        person = principal.person or self._known_user(principal)
        if person:
            yield self._edge(person, NodeKind.PERSON, EdgeKind.STARTED, sid, NodeKind.SESSION, session, sid, evidence)
        yield from self._activity(sid, session, evidence, person, made)

    def _known_user(self, principal: Principal) -> str | None:
        for candidate in (principal.session_name, principal.name if principal.subtype == "aws.iam.user" else ""):
            if candidate and candidate.lower() in self.matching.usernames:
                return self.matching.usernames[candidate.lower()]
        return None

    def _activity(
        self,
        sid: str,
        session: Session,
        evidence: tuple[Evidence, ...],
        person: str | None,
        made: dict[Pointer, Evidence],
    ) -> Iterator[Item]:
        for target_id in sorted(session.touched):
            touch = session.touched[target_id]
            self.resources.setdefault(target_id, touch.target)
            yield self._edge(
                sid,
                NodeKind.SESSION,
                EdgeKind.TOUCHED,
                target_id,
                touch.target.kind,
                session,
                sid,
                _evidence(touch.evidence, made),  # trimmed in _session
                touch.count,
                actions=sorted(touch.actions),
                errors=touch.errors,
            )
        for change, pointer in sorted(set(session.changes)):
            yield self._edge(
                sid, NodeKind.SESSION, EdgeKind.PERFORMED, change, NodeKind.CHANGE, session, sid, _evidence([pointer])
            )
        if person:
            for target, kind, event_id, pointer in sorted(set(session.inferred_owns)):
                yield self._edge(
                    person,
                    NodeKind.PERSON,
                    EdgeKind.OWNS,
                    target,
                    kind,
                    session,
                    sid,
                    _evidence([pointer]),
                    provenance="inferred",
                    provenance_detail=event_id,
                )

    def _note_key(self, credential: str, session: Session) -> None:
        key_id, first, last = self.keys.get(
            credential, (credential.removeprefix("aws:key:"), session.start_text, session.end_text)
        )
        self.keys[credential] = (key_id, min(first, session.start_text), max(last, session.end_text))

    def _shared_nodes(self) -> Iterator[Item]:
        """Keys, identities and resources seen by many sessions: one node each."""
        for credential in sorted(self.keys):
            key_id, first, last = self.keys[credential]
            kind = "aws_session_key" if key_id.startswith("ASIA") else "aws_access_key"
            yield Node.make(
                id=credential,
                kind=NodeKind.CREDENTIAL,
                subtype="aws.access_key",
                name=key_id,
                props={"platform": "aws", "credential_type": kind, "public_id": key_id},
                first_seen=first,
                last_seen=last,
                sources=(NAME,),
            )
        for identity in sorted(self.identities):
            principal = self.identities[identity]
            yield Node.make(
                id=identity,
                kind=NodeKind.IDENTITY,
                subtype=principal.subtype,
                name=principal.name,
                props={"platform": "aws", "account": principal.account or None},
                sources=(NAME,),
            )
        for target_id in sorted(self.resources):
            target = self.resources[target_id]
            if target.kind is NodeKind.RESOURCE:
                try:
                    yield Node.make(
                        id=target_id,
                        kind=NodeKind.RESOURCE,
                        subtype=target.subtype,
                        name=target.name,
                        props={"platform": "aws", "account": target.account or None, "resource_type": target.subtype},
                        sources=(NAME,),
                    )
                except ModelError:
                    continue
