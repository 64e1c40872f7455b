"""GCP sessions → Session nodes and their edges, written once every file was read.

Per session: the Session (`gcp.audit.session`), ACTED_AS the caller's identity, AUTHENTICATED_WITH
the service-account key it used (with HAS_CREDENTIAL service account → key), FROM the Runner or
Workload at a caller IP (`matched_by: ip`), STARTED by the Person behind it, TOUCHED each target
(`actions` = the methods), PERFORMED each change, CAN_ASSUME for each impersonation hop it showed
(`via: impersonation`; `web_identity` from a federated principal), and a federated principal
MEMBER_OF its pool. Then one node per identity, key, pool and resource the sessions named.

`interactive` is true when a user account called from a browser or the gcloud CLI (its user agent
says so) — a person at a keyboard, not a program.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graph import ids
from graph.errors import ModelError
from graph.model import Edge, Evidence, Node
from graph.schema import EdgeKind, NodeKind
from loaders.base import Item
from loaders.gcp.entry import Caller, identity_props
from loaders.gcp.sessions import Aggregates, Session
from loaders.gcp.targets import Target
from loaders.sessions import AddressBook, Pointer, pointer_evidence, trim_evidence

__all__ = ["Emitter"]

NAME = "gcp-audit"
_HUMAN_AGENTS = ("Mozilla/", "google-cloud-sdk", "gcloud/")


def _evidence(pointers: list[Pointer]) -> tuple[Evidence, ...]:
    """Evidence of pointers already trimmed (trimming again keeps them), without validating each
    canonical field again: loaders/sessions pointer_evidence."""
    return pointer_evidence(pointers)


class Emitter:
    def __init__(self, aggregates: Aggregates, places: AddressBook) -> None:
        self.aggregates = aggregates
        self.places = places
        self.identities: dict[str, Caller] = {}
        self.keys: dict[str, tuple[str, str, str]] = {}  # credential id -> (key id, first, last)
        self.resources: dict[str, Target] = {}

    def items(self, targets: dict[str, Target]) -> Iterator[Item]:
        for caller, session in self.aggregates.all_sessions():
            yield from self._session(caller, session, targets)
        yield from self._shared_nodes()

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
            evidence=evidence,
            origin=sid,
        )

    def _session(self, caller: Caller, session: Session, targets: dict[str, Target]) -> Iterator[Item]:
        key_id = session.group[0]
        sid = ids.session("gcp", key_id or "nokey", "_".join(caller.principal.split()) or "unknown", session.start_text)
        for touch in session.touched.values():
            touch.evidence = trim_evidence(touch.evidence)
        pointers = [p for touch in session.touched.values() for p in touch.evidence]
        evidence = _evidence(trim_evidence(pointers + session.evidence))
        interactive = caller.subtype == "gcp.user" and any(a.startswith(_HUMAN_AGENTS) for a in session.agents)
        yield Node.make(
            id=sid,
            kind=NodeKind.SESSION,
            subtype="gcp.audit.session",
            name=f"{caller.name or caller.principal} @ {session.start_text}",
            props={
                "platform": "gcp",
                "started_at": session.start_text,
                "ended_at": session.end_text,
                "event_count": session.count,
                "error_count": session.errors,
                "source_ips": sorted(session.ips),
                "user_agents": sorted(session.agents),
                "principal": caller.principal,
                "interactive": interactive,
            },
            first_seen=session.start_text,
            last_seen=session.end_text,
            sources=(NAME,),
        )
        edge = self._edge
        if caller.identity:
            self.identities.setdefault(caller.identity, caller)
            yield edge(
                sid,
                NodeKind.SESSION,
                EdgeKind.ACTED_AS,
                caller.identity,
                NodeKind.IDENTITY,
                session,
                sid,
                evidence,
                session.count,
            )
            if caller.pool:
                pool = ids.gcp_wif_pool(caller.pool)
                self.identities.setdefault(
                    pool, Caller(caller.pool, pool, "gcp.iam.workload_identity_pool", caller.pool)
                )
                yield edge(
                    caller.identity,
                    NodeKind.IDENTITY,
                    EdgeKind.MEMBER_OF,
                    pool,
                    NodeKind.IDENTITY,
                    session,
                    sid,
                    evidence,
                )
        if key_id:
            yield from self._key(key_id, session, sid, evidence)
        for (place_id, place_kind), ips in self.places.by_place(session.ips).items():
            yield edge(
                sid,
                NodeKind.SESSION,
                EdgeKind.FROM,
                place_id,
                place_kind,
                session,
                sid,
                evidence,
                matched_by="ip",
                ips=ips,
            )
        for person in sorted(session.people):
            yield edge(person, NodeKind.PERSON, EdgeKind.STARTED, sid, NodeKind.SESSION, session, sid, evidence)
        for (source, assumed), (who, whom, via) in sorted(session.hops.items()):
            self.identities.setdefault(source, who)
            self.identities.setdefault(assumed, whom)
            yield edge(
                source,
                NodeKind.IDENTITY,
                EdgeKind.CAN_ASSUME,
                assumed,
                NodeKind.IDENTITY,
                session,
                sid,
                evidence,
                via=via,
            )
        for target_id in sorted(session.touched):
            touch = session.touched[target_id]
            target = targets[target_id]
            self.resources.setdefault(target_id, target)
            yield edge(
                sid,
                NodeKind.SESSION,
                EdgeKind.TOUCHED,
                target_id,
                target.kind,
                session,
                sid,
                _evidence(touch.evidence),
                touch.count,
                times=(touch.first_text, touch.last_text),
                actions=sorted(touch.actions),
                errors=touch.errors,
            )
        for change, pointer in sorted(set(session.changes)):
            yield edge(
                sid, NodeKind.SESSION, EdgeKind.PERFORMED, change, NodeKind.CHANGE, session, sid, _evidence([pointer])
            )

    def _key(self, key_id: str, session: Session, sid: str, evidence: tuple[Evidence, ...]) -> Iterator[Item]:
        credential = ids.gcp_service_account_key(key_id)
        _, first, last = self.keys.get(credential, (key_id, session.start_text, session.end_text))
        self.keys[credential] = (key_id, min(first, session.start_text), max(last, session.end_text))
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
        holder = ids.gcp_service_account(session.group[2])
        account = session.group[2]
        self.identities.setdefault(holder, Caller(account, holder, "gcp.iam.service_account", account))
        yield self._edge(
            holder,
            NodeKind.IDENTITY,
            EdgeKind.HAS_CREDENTIAL,
            credential,
            NodeKind.CREDENTIAL,
            session,
            sid,
            evidence,
            session.count,
        )

    def _shared_nodes(self) -> Iterator[Item]:
        for credential in sorted(self.keys):
            key_id, first, last = self.keys[credential]
            yield Node.make(
                id=credential,
                kind=NodeKind.CREDENTIAL,
                subtype="gcp.iam.service_account_key",
                name=key_id,
                props={
                    "platform": "gcp",
                    "credential_type": "gcp_service_account_key",
                    "public_id": key_id,
                    "last_used": last,
                },
                first_seen=first,
                last_seen=last,
                sources=(NAME,),
            )
        for identity in sorted(self.identities):
            caller = self.identities[identity]
            if not caller.subtype.startswith("gcp."):  # a GKE caller's k8s service account: its own loader's node
                continue
            yield Node.make(
                id=identity,
                kind=NodeKind.IDENTITY,
                subtype=caller.subtype,
                name=caller.name,
                props=identity_props(caller),
                sources=(NAME,),
            )
        for target_id in sorted(self.resources):
            target = self.resources[target_id]
            if target.kind is NodeKind.IDENTITY and target_id not in self.identities:
                caller = Caller(target.name, target_id, target.subtype, target.name)
                yield Node.make(
                    id=target_id,
                    kind=NodeKind.IDENTITY,
                    subtype=target.subtype,
                    name=target.name,
                    props=identity_props(caller),
                    sources=(NAME,),
                )
            if target.kind is not NodeKind.RESOURCE:
                continue
            try:
                yield Node.make(
                    id=target_id,
                    kind=NodeKind.RESOURCE,
                    subtype=target.subtype,
                    name=target.name,
                    props={"platform": "gcp", "account": target.project or None, "resource_type": target.subtype},
                    sources=(NAME,),
                )
            except ModelError:
                continue
