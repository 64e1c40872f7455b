"""CloudTrail sessions → Session nodes and their edges, written once all files were read.

Per session: the Session node (`aws.cloudtrail.session`, see docs/graph-conventions.md),
ACTED_AS the identity (with `session_name`), AUTHENTICATED_WITH the access key (an `ASIA…` key
is `credential_type: aws_session_key`), HAS_CREDENTIAL identity → key, FROM the Runner or
Workload whose address is a source IP (`matched_by: ip`; a runner wins over the instance it
runs on), STARTED by the Person an email or a known user name points to, TOUCHED each target
(with that target's own first and last event times, not the session's),
PERFORMED each change, and OWNS (`provenance: inferred`) of the keys and users it created when
a person started it. Every edge's `origin` is the session id and its evidence the session's
bounded pointers, so reloading replaces counts instead of adding to them.

Instance credentials: a role session named after an instance id (`i-…`: what EC2 names the
sessions of an instance profile) comes FROM that instance's Workload (`matched_by:
instance_session_name`) — the inventory's node when one has that `instance_id`, else a Workload
made from the event (account of the role, the session's region when it used exactly one; with
several regions the instance cannot be placed and the summary says so). Used from elsewhere,
that is what a stolen instance credential looks like: the access story then names the instance.

One key, several users: a long-lived access key (`AKIA…`) belongs to exactly one IAM user. When
sessions show one key with several identities, every HAS_CREDENTIAL is kept as evidence, the
key's `claimed_by` lists the claimants, and the load summary names the conflict (accountability
answers `ambiguous`, findings report it: queries/).

`interactive` is true for console sign-ins and for CLI/SDK user agents from an address that is
no known runner or workload (a person at a keyboard, not a pipeline).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graph import ids
from graph.errors import LoadError, ModelError, quoted
from graph.model import Edge, Evidence, Node, from_store
from graph.schema import EdgeKind, NodeKind
from loaders.aws.cloudtrail.chains import AssumeCall, link_chains
from loaders.aws.cloudtrail.event import Principal, valid_key
from loaders.aws.cloudtrail.matching import Matching
from loaders.aws.cloudtrail.sessions import Aggregates, Pointer, Session, trim_evidence
from loaders.aws.nature import SERVICE_LINKED_PROPS, SSO_REASON, service_linked_role, sso_role
from loaders.base import Item

__all__ = ["Emitter", "Matching", "session_id"]  # Matching: re-exported from loaders/aws/cloudtrail/matching.py

NAME = "aws-cloudtrail"
_INSTANCE_ID = re.compile(r"^i-(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{17})$")
CLAIM_NOTES = 10


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


def session_id(group: tuple[str, ...], principal: str, start_text: str) -> str:
    """A session's node id (module docstring of loaders/aws/cloudtrail/sessions.py); `transform`
    builds the same id for each new caller and validates it, so emission cannot fail on it."""
    key = group[0] if valid_key(group[0]) else (group[0] or "nokey")
    return ids.session("aws", "".join(key.split()) or "nokey", "_".join(principal.split()) or "unknown", start_text)


def _rejected(session: Session, principal: Principal, exc: Exception) -> LoadError:
    """One session that could not be emitted, located at its first event (never the whole load)."""
    _at, file, locator = session.first or (session.start_text, "", "")
    reason = str(exc) if isinstance(exc, ModelError | LoadError) else f"{type(exc).__name__}: {exc}"
    return LoadError(
        f"session of {quoted(principal.principal)} starting {session.start_text} (first event {locator}) "
        f"not loaded: {reason}",
        file=file,
    )


class Emitter:
    def __init__(self, aggregates: Aggregates, matching: Matching, calls: list[AssumeCall]) -> None:
        self.aggregates = aggregates
        self.matching = matching
        self.calls = calls
        self.keys: dict[str, tuple[str, str, str]] = {}  # credential id -> (key id, first, last)
        self.resources: dict[str, Any] = {}
        self.identities: dict[str, Principal] = {}
        self.claims: dict[str, set[str]] = {}  # long-lived key -> identities seen with it
        self.workloads: dict[str, Node] = {}  # instances known only from their sessions
        self.unplaced: dict[str, list[str]] = {}  # instance id -> regions, when several

    def items(self) -> Iterator[Item | LoadError]:
        """Lazily, so a caller that writes in batches never holds every session's items at once."""
        session_ids: dict[int, str] = {}
        acted: dict[int, tuple[str, str]] = {}
        for principal, session in self.aggregates.all_sessions():
            try:
                session_ids[id(session)] = session_id(session.group, principal.principal, session.start_text)
            except ModelError as exc:
                yield _rejected(session, principal, exc)
                continue
            if principal.identity and principal.session_name:
                acted[id(session)] = (principal.identity, principal.session_name)
        for principal, session in self.aggregates.all_sessions():
            if id(session) not in session_ids:
                continue
            # One session's items are built whole before any is yielded: a failure (a defect, since
            # transform validated every id) rejects that session, located, and the others load.
            try:
                built = list(self._session(session_ids[id(session)], principal, session))
            except Exception as exc:
                del session_ids[id(session)]
                yield _rejected(session, principal, exc)
                continue
            yield from built
        yield from link_chains(self.calls, self.aggregates, session_ids, acted)
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
        seen: tuple[str, str] | None = None,
        **props: Any,
    ) -> Edge:
        """An edge of one session; `seen` (first, last) when the fact has times of its own, else the session's."""
        first, last = seen or (session.start_text, session.end_text)
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
                if credential.startswith("aws:key:AKIA"):
                    self.claims.setdefault(credential, set()).add(principal.identity)
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
        instance = self._instance(principal, session)
        if instance is not None:
            yield self._edge(
                sid, NodeKind.SESSION, EdgeKind.FROM, instance, NodeKind.WORKLOAD, session, sid, evidence,
                matched_by="instance_session_name",
            )  # fmt: skip
        for (place_id, place_kind), ips_here in self.matching.places.by_place(places).items():
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

    def _instance(self, principal: Principal, session: Session) -> str | None:
        """The Workload of the instance whose profile credentials a role session used (module rules)."""
        name = principal.session_name
        if principal.subtype != "aws.iam.role" or not _INSTANCE_ID.match(name):
            return None
        known = self.matching.instances.get(name)
        if known is not None:
            return known
        regions = sorted(session.regions)
        account = ids.aws_arn_account(principal.identity or "") or principal.account
        if len(regions) != 1 or not account.isdigit():
            self.unplaced.setdefault(name, regions)
            return None
        workload = ids.ec2_instance(account, regions[0], name)
        self.workloads.setdefault(
            workload,
            Node.make(
                id=workload,
                kind=NodeKind.WORKLOAD,
                subtype="aws.ec2.instance",
                name=name,
                props={"platform": "aws", "instance_id": name, "account": account, "region": regions[0]},
                sources=(NAME,),
            ),
        )
        return workload

    def notes(self) -> list[str]:
        """The load summary's notes on what the sessions showed (call after `items` was consumed)."""
        found = []
        conflicts = {key: holders for key, holders in sorted(self.claims.items()) if len(holders) > 1}
        for key, holders in list(conflicts.items())[:CLAIM_NOTES]:
            names = ", ".join(sorted(holders)[:5]) + (", ..." if len(holders) > 5 else "")
            found.append(
                f"aws-cloudtrail: access key {key.removeprefix('aws:key:')} is used by {len(holders)} identities "
                f"({names}); a long-lived key belongs to one IAM user, so its accountability is ambiguous"
            )
        if len(conflicts) > CLAIM_NOTES:
            found.append(f"aws-cloudtrail: ... and {len(conflicts) - CLAIM_NOTES} more keys used by several identities")
        for instance, regions in sorted(self.unplaced.items()):
            found.append(
                f"aws-cloudtrail: sessions of instance {instance} used several regions ({', '.join(regions)}): "
                "the logs cannot tell the instance's region, so no Workload was made for it"
            )
        return found

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
                (touch.first_text, touch.last_text),  # the target's own times: access-story steps use them
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
            claimants = sorted(self.claims.get(credential, ()))
            yield Node.make(
                id=credential,
                kind=NodeKind.CREDENTIAL,
                subtype="aws.access_key",
                name=key_id,
                props={
                    "platform": "aws",
                    "credential_type": kind,
                    "public_id": key_id,
                    "claimed_by": claimants if len(claimants) > 1 else None,
                },
                first_seen=first,
                last_seen=last,
                sources=(NAME,),
            )
        for identity in sorted(self.identities):
            principal = self.identities[identity]
            props: dict[str, Any] = {
                "platform": "aws",
                "account": ids.aws_arn_account(identity) or principal.account or None,
            }
            if principal.subtype == "aws.iam.role" and sso_role(principal.name):
                props |= {"nature": "human", "nature_reason": SSO_REASON}
            elif principal.subtype == "aws.iam.role" and service_linked_role(principal.name):
                props |= SERVICE_LINKED_PROPS
            yield Node.make(
                id=identity,
                kind=NodeKind.IDENTITY,
                subtype=principal.subtype,
                name=principal.name,
                props=props,
                sources=(NAME,),
            )
        yield from (self.workloads[w] for w in sorted(self.workloads))
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
