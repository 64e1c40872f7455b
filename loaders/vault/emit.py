"""Vault sessions → the graph (rules: loaders/vault/loader.py). Every edge's origin is the session
id (`session:vault:<accessor>:<start>`), so reloading the same files rewrites the same sessions."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph import ids
from graph.model import Edge, Evidence, Node
from graph.schema import EdgeKind, NodeKind
from graph.values import AuthMethod, ChangeType, CredentialType, Nature
from graph.values.vault import VaultSubtype
from loaders.base import Item
from loaders.sessions import AddressBook, Pointer, SessionBase, SessionIndex, pointer_evidence, trim_evidence
from loaders.vault.grants import BUILTIN, Rules, grant_items

__all__ = ["VaultSession", "change_type", "emit"]

NAME = "vault-audit"
_N, _E = NodeKind, EdgeKind


@dataclass(slots=True, eq=False)  # identity: sessions are compared by object, never by value
class VaultSession(SessionBase):
    entity: str = ""
    display_name: str = ""
    policies: set[str] = field(default_factory=set)
    metadata: dict[str, str] = field(default_factory=dict)
    login: bool = False
    changes: list[tuple[str, str, str, str, Pointer]] = field(default_factory=list)  # (request id, path, op, at, ptr)

    def absorb(self, other: Any) -> None:
        SessionBase.absorb(self, other)  # zero-argument super() does not work with slots dataclasses
        self.entity = self.entity or other.entity
        self.display_name = self.display_name or other.display_name
        self.policies |= other.policies
        for key, value in other.metadata.items():
            self.metadata.setdefault(key, value)
        self.login = self.login or other.login
        self.changes.extend(other.changes)


_WRITES = ("create", "update", "delete")


def change_type(path: str, operation: str) -> ChangeType | None:
    """The change a successful request makes (module rules: loaders/vault/loader.py), or None."""
    parts = path.strip("/").split("/")
    if parts[:3] == ["auth", "token", "revoke"] or (
        parts[:2] == ["auth", "token"] and parts[2:3] == ["revoke-accessor"]
    ):
        return ChangeType.REVOKE
    if operation not in _WRITES:
        return None
    policy = parts[:2] == ["sys", "policy"] or parts[:3] == ["sys", "policies", "acl"]
    role = len(parts) >= 4 and parts[0] == "auth" and parts[2] == "role"
    config = len(parts) >= 2 and parts[0] not in ("sys", "auth") and parts[1].startswith("config")
    if policy or role or config:
        return ChangeType.REVOKE if operation == "delete" else ChangeType.GRANT
    return None


def _evidence(pointers: list[Pointer]) -> tuple[Evidence, ...]:
    return pointer_evidence(pointers)


def _edge(
    source: str,
    source_kind: NodeKind,
    kind: EdgeKind,
    target: str,
    target_kind: NodeKind,
    session: VaultSession,
    sid: str,
    evidence: tuple[Evidence, ...],
    count: int = 1,
    times: tuple[str, str] | None = None,
    **props: Any,
) -> Edge:
    """`times`: the edge's own first and last event (a touch's), else the session's."""
    first, last = times or (session.start_text, session.end_text)
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


def emit(
    index: SessionIndex[VaultSession, str],
    failed_logins: int,
    cluster_of: Callable[[str, str], str],
    notes: list[str],
    policies: Mapping[str, Rules] | None = None,
    holders: Mapping[str, set[str]] | None = None,
    places: AddressBook | None = None,
) -> Iterator[Item]:
    """`policies`: the rules the graph holds by policy name; `holders`: the policies the graph
    already saw each entity hold (both read in `prepare`), so an entity's grants are whole;
    `cluster_of`: a Kubernetes-auth service account's cluster (loaders/vault/clusters.py);
    `places`: the Runners and Workloads by address, so a session is FROM the pod or runner it
    came from (`matched_by: ip`), as every audit-log source draws it."""
    places = places or AddressBook()
    entities: dict[str, tuple[str, bool]] = {}
    held: dict[str, tuple[set[str], list[Pointer]]] = {}
    tokens: dict[str, str] = {}
    accounts: set[tuple[str, str, str]] = set()
    paths: set[str] = set()
    for _name, session in index.all_sessions():
        accessor = session.group[0]
        sid = ids.session("vault", accessor, session.start_text)
        yield from _session(sid, accessor, session, cluster_of, entities, tokens, accounts, paths)
        for (place, place_kind), ips in places.by_place(session.ips).items():
            evidence = _evidence(session.evidence)
            yield _edge(sid, _N.SESSION, _E.FROM, place, place_kind, session, sid, evidence, matched_by="ip", ips=ips)
        if session.entity and session.policies:
            names, pointers = held.setdefault(ids.vault_entity(session.entity), (set(), []))
            names |= session.policies
            pointers[:] = trim_evidence([*pointers, *session.evidence[-1:]])
    for entity, (name, machine) in sorted(entities.items()):
        names = held.get(entity, (set(), []))[0] | set((holders or {}).get(entity, ()))
        nature, reason = (
            (Nature.MACHINE, "a Vault entity of a machine auth method (kubernetes, approle)")
            if machine
            else (Nature.UNKNOWN, "a Vault entity; its auth method does not say whose")
        )
        yield Node.make(
            id=entity,
            kind=_N.IDENTITY,
            subtype=VaultSubtype.ENTITY,
            name=name or entity,
            props={
                "platform": "vault",
                "nature": nature.value,
                "nature_reason": reason,
                "policies": sorted(names) or None,
            },
            sources=(NAME,),
        )
        if names:
            yield from grant_items(entity, names, policies or {}, _evidence(held.get(entity, (set(), []))[1]), NAME)
    unknown = sorted({p for names, _ in held.values() for p in names} - set(policies or {}) - set(BUILTIN))
    if unknown:
        notes.append(
            f"vault-audit: {len(unknown)} policies held by tokens have no rules loaded (load them with "
            f"`vault read -format=json sys/policy/NAME` output or their HCL): " + ", ".join(unknown[:10])
        )
    for token, first in sorted(tokens.items()):
        accessor = token.removeprefix("vault:token:")
        yield Node.make(
            id=token,
            kind=_N.CREDENTIAL,
            subtype=VaultSubtype.TOKEN,
            name=f"token {accessor[:24]}",
            props={
                "platform": "vault",
                "credential_type": CredentialType.TOKEN.value,
                "public_id": accessor,
                "lifetime": "session",
            },
            first_seen=first,
            sources=(NAME,),
        )
    for cluster, namespace, name in sorted(accounts):
        yield Node.make(
            id=ids.k8s_service_account(cluster, namespace, name),
            kind=_N.IDENTITY,
            subtype="k8s.serviceaccount",
            name=f"{namespace}/{name}",
            props={
                "platform": "k8s",
                "cluster": cluster,
                "namespace": namespace,
                "nature": Nature.MACHINE.value,
                "nature_reason": "Kubernetes service account",
            },
            sources=(NAME,),
        )
    for path in sorted(paths):
        yield Node.make(
            id=path,
            kind=_N.RESOURCE,
            subtype=VaultSubtype.PATH,
            name=path.removeprefix("vault:path:"),
            props={"platform": "vault", "resource_type": "vault_path"},
            sources=(NAME,),
        )
    if failed_logins:
        notes.append(f"vault-audit: {failed_logins} responses without a token (failed logins), counted, not sessions")


def _session(
    sid: str,
    accessor: str,
    session: VaultSession,
    cluster_of: Callable[[str, str], str],
    entities: dict[str, tuple[str, bool]],
    tokens: dict[str, str],
    accounts: set[tuple[str, str, str]],
    paths: set[str],
) -> Iterator[Item]:
    for touch in session.touched.values():
        touch.evidence = trim_evidence(touch.evidence)
    evidence = _evidence(session.evidence)
    namespace, account = session.metadata.get("service_account_namespace"), session.metadata.get("service_account_name")
    yield Node.make(
        id=sid,
        kind=_N.SESSION,
        subtype=VaultSubtype.SESSION,
        name=f"{session.display_name or accessor[:24]} @ {session.start_text}",
        props={
            "platform": "vault",
            "started_at": session.start_text,
            "ended_at": session.end_text,
            "event_count": session.count,
            "error_count": session.errors,
            "source_ips": sorted(session.ips) or None,
            "principal": session.display_name or None,
            "auth_method": AuthMethod.TOKEN.value,
            "session_name": session.metadata.get("role"),
        },
        first_seen=session.start_text,
        last_seen=session.end_text,
        sources=(NAME,),
    )
    token = ids.vault_token(accessor)
    tokens.setdefault(token, session.start_text)
    yield _edge(sid, _N.SESSION, _E.AUTHENTICATED_WITH, token, _N.CREDENTIAL, session, sid, evidence, session.count)
    if session.entity:
        entity = ids.vault_entity(session.entity)
        machine = bool(account) or "role_id" in session.metadata or "role_name" in session.metadata
        entities.setdefault(entity, (session.display_name, machine))
        yield _edge(sid, _N.SESSION, _E.ACTED_AS, entity, _N.IDENTITY, session, sid, evidence, session.count)
        yield _edge(entity, _N.IDENTITY, _E.HAS_CREDENTIAL, token, _N.CREDENTIAL, session, sid, evidence)
    if namespace and account:
        cluster = cluster_of(namespace, account)
        accounts.add((cluster, namespace, account))
        service_account = ids.k8s_service_account(cluster, namespace, account)
        yield _edge(
            sid,
            _N.SESSION,
            _E.ACTED_AS,
            service_account,
            _N.IDENTITY,
            session,
            sid,
            evidence,
            session.count,
            session_name=session.metadata.get("role"),
        )
    for request_id, path, operation, at, pointer in session.changes:
        kind = change_type(path, operation)
        change = ids.change("vault", request_id)
        yield Node.make(
            id=change,
            kind=_N.CHANGE,
            subtype=VaultSubtype.CHANGE,
            name=f"{operation} {path}",
            props={
                "platform": "vault",
                "action": f"{operation} {path}",
                "change_type": kind.value if kind else None,
                "at": at,
                "actor": session.display_name or None,
                "event_id": request_id,
                "source_ip": next(iter(sorted(session.ips)), None),
            },
            first_seen=at,
            last_seen=at,
            sources=(NAME,),
        )
        yield _edge(sid, _N.SESSION, _E.PERFORMED, change, _N.CHANGE, session, sid, _evidence([pointer]))
        yield _edge(
            change,
            _N.CHANGE,
            _E.TARGETS,
            ids.vault_path(path),
            _N.RESOURCE,
            session,
            sid,
            _evidence([pointer]),
            field="path",
        )
    for path, touch in sorted(session.touched.items()):
        target = ids.vault_path(path)
        paths.add(target)
        yield _edge(
            sid,
            _N.SESSION,
            _E.TOUCHED,
            target,
            _N.RESOURCE,
            session,
            sid,
            _evidence(touch.evidence),
            touch.count,
            times=(touch.first_text, touch.last_text),
            actions=sorted(touch.actions),
            errors=touch.errors,
        )
