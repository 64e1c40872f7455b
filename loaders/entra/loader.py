"""Microsoft Entra ID sign-in and audit logs → service principals, their credentials, sessions, changes.

Read (loaders/entra/records.py for the two shapes):

- **Service-principal and managed-identity sign-ins** (`ServicePrincipalSignInLogs`,
  `ManagedIdentitySignInLogs`, Graph `signInEventTypes` servicePrincipal / managedIdentity):
  the service principal as an Identity (`entra:<tenant>:sp/<object id>`, nature machine), the
  credential it signed in with as its Credential (`servicePrincipalCredentialKeyId`; its type
  from `clientCredentialType` — a client secret or a certificate; never a value, the log has
  none), the API signed in to (`resourceId`, `resourceDisplayName`) as a Resource it TOUCHED.
  Sign-ins of one service principal with one `correlationId` are one Session (shared session
  machinery: loaders/sessions/), FROM the Runner or Workload at its `ipAddress` when the
  inventories declared that address. A sign-in with a non-zero `status.errorCode` counts as an
  error of its session, not as access.
- **Audit events that make or change NHI access**: `Add service principal credentials` and
  `Update application - Certificates and secrets management` (Entra writes an en dash; a Change `create` on the service
  principal; when the event's `KeyDescription` names a `KeyIdentifier`, the Credential it added,
  with the person who added it as its inferred owner, as for an AWS key's creator), `Add service
  principal` (create), and role membership (`Add member to role`, PIM completions, `Remove member
  from role`, `Delete role assignment`: grant / revoke on the member). Each Change is PERFORMED by
  the person (`initiatedBy.user.userPrincipalName`) or service principal that made it.

Interactive user sign-ins and directory events with no NHI meaning (policy updates, guest
invitations) are accepted and not written; the load summary says how many.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graph import ids
from graph.errors import LoadError, ModelError
from graph.model import Edge, Evidence, Node, canonical_timestamp
from graph.schema import EdgeKind, NodeKind
from graph.values.common import AuthMethod, ChangeType, CredentialType, MatchedBy, Nature, Provenance
from graph.values.entra import EntraSubtype
from loaders.base import Item, KnownNodes, LoadContext, Loader, Record, Sample, SourceFile, evidenced_edge
from loaders.entra.records import EntraRecord, read_record
from loaders.formats.json import iter_json_documents
from loaders.sessions import MAX_DISTINCT, AddressBook, Pointer, SessionBase, Touch, trim_evidence

__all__ = ["EntraLoader"]

NAME = "entra"
STATE = "entra.state"
_NHI_SIGN_INS = {"servicePrincipal", "managedIdentity"}
_CREDENTIAL_TYPES = {
    "clientsecret": (EntraSubtype.CLIENT_SECRET, CredentialType.PASSWORD, AuthMethod.PASSWORD),
    "clientassertion": (EntraSubtype.CLIENT_CERTIFICATE, CredentialType.CERTIFICATE, AuthMethod.PUBLICKEY),
    "certificate": (EntraSubtype.CLIENT_CERTIFICATE, CredentialType.CERTIFICATE, AuthMethod.PUBLICKEY),
}
_CHANGES = {
    "add service principal credentials": ChangeType.CREATE,
    "update application \u2013 certificates and secrets management": ChangeType.CREATE,  # Entra's en dash
    "update application - certificates and secrets management": ChangeType.CREATE,
    "add service principal": ChangeType.CREATE,
    "add member to role": ChangeType.GRANT,
    "add member to role in pim completed (permanent)": ChangeType.GRANT,
    "add member to role in pim completed (timebound)": ChangeType.GRANT,
    "add eligible member to role in pim completed (permanent)": ChangeType.GRANT,
    "remove member from role": ChangeType.REVOKE,
    "delete role assignment": ChangeType.REVOKE,
}
_KEY_IDENTIFIER = re.compile(r"KeyIdentifier=([0-9A-Fa-f-]{36})")


@dataclass(slots=True, eq=False)
class EntraSession(SessionBase):
    principal: str = ""
    principal_name: str = ""
    tenant: str = ""
    credential: str | None = None
    auth_method: str | None = None


@dataclass(slots=True)
class _State:
    sessions: dict[tuple[str, str], EntraSession] = field(default_factory=dict)
    places: AddressBook = field(default_factory=AddressBook)
    not_read: Counter[str] = field(default_factory=Counter)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


class EntraLoader(Loader[Mapping[str, Any]]):
    name = NAME
    description = "Microsoft Entra ID sign-in and audit logs (diagnostic-settings JSON lines, Graph pages)"

    def sniff(self, sample: Sample) -> bool:
        head = sample.text.lstrip()[:16384]
        if not head.startswith(("{", "[")):
            return False
        return "providers/Microsoft.aadiam" in head or '"signInEventTypes"' in head or "auditLogs/signIns" in head

    def parse(self, source: SourceFile) -> Iterator[Record[Mapping[str, Any]] | LoadError]:
        for parsed in iter_json_documents(source):
            if isinstance(parsed, LoadError):
                yield parsed
            elif isinstance(parsed.value, Mapping) and isinstance(parsed.value.get("value"), list):  # a Graph page
                for index, item in enumerate(parsed.value["value"], 1):
                    where = parsed.location._replace(record=index, line=None)
                    yield Record(where, item) if isinstance(item, Mapping) else where.error("not a JSON object")
            elif isinstance(parsed.value, Mapping):
                yield parsed
            else:
                yield parsed.location.error("an Entra ID record must be a JSON object")

    def prepare(self, ctx: LoadContext, known: KnownNodes) -> None:
        ctx.state[STATE] = _State(places=AddressBook.from_graph(known))

    def transform(self, record: Record[Mapping[str, Any]], ctx: LoadContext) -> Iterable[Item]:
        state: _State = ctx.state.setdefault(STATE, _State())
        entry = read_record(record.value)
        if isinstance(entry, str):
            raise record.location.error(entry)
        try:
            if entry.kind == "sign-in":
                if entry.event_type not in _NHI_SIGN_INS:
                    state.not_read[f"{entry.event_type} sign-ins"] += 1
                    return ()
                return _sign_in(entry, record, ctx, state)
            return _audit(entry, record, ctx, state)
        except (ModelError, ValueError, TypeError) as exc:
            raise record.location.error(str(exc)) from None

    def finish(self, ctx: LoadContext) -> Iterable[Item | LoadError]:
        state: _State = ctx.state.pop(STATE, _State())
        for session in sorted(state.sessions.values(), key=lambda s: (s.principal, s.start, s.group)):
            yield from _emit(session, state.places)
        if state.not_read:
            counts = ", ".join(f"{count} {what}" for what, count in sorted(state.not_read.items()))
            ctx.notes.append(f"entra: accepted and not written (no non-human identity in them): {counts}")


def _service_principal(tenant: str, object_id: str, name: str, managed: bool) -> Node:
    return Node.make(
        id=ids.entra_service_principal(tenant, object_id),
        kind=NodeKind.IDENTITY,
        subtype=EntraSubtype.MANAGED_IDENTITY if managed else EntraSubtype.SERVICE_PRINCIPAL,
        name=name or object_id,
        props={
            "platform": "entra",
            "account": tenant,
            "nature": Nature.MACHINE,
            "nature_reason": "an Entra ID service principal" + (" (managed identity)" if managed else ""),
        },
        sources=(NAME,),
    )


def _credential(tenant: str, principal: str, key_id: str, credential_kind: str) -> Node:
    # a key id with no type the log names ("none"): a credential of the principal, of unknown type
    subtype, credential_type, _ = _CREDENTIAL_TYPES.get(
        credential_kind.lower(), (EntraSubtype.CREDENTIAL, CredentialType.UNKNOWN, None)
    )
    return Node.make(
        id=ids.entra_credential(tenant, principal, key_id),
        kind=NodeKind.CREDENTIAL,
        subtype=subtype,
        name=key_id,
        props={"platform": "entra", "credential_type": credential_type, "public_id": key_id, "account": tenant},
        sources=(NAME,),
    )


def _sign_in(entry: EntraRecord, record: Record[Mapping[str, Any]], ctx: LoadContext, state: _State) -> list[Item]:
    props = entry.properties
    principal = _text(props.get("servicePrincipalId"))
    if not principal:
        raise ModelError("field 'servicePrincipalId': a service principal sign-in names its service principal")
    if not entry.tenant:
        raise ModelError("no tenant: neither tenantId, a /tenants/ resourceId nor resourceTenantId")
    at = canonical_timestamp(entry.time)
    managed = entry.event_type == "managedIdentity" or _text(props.get("managedIdentityType")).lower() not in (
        "",
        "none",
    )
    identity = _service_principal(entry.tenant, principal, _text(props.get("servicePrincipalName")), managed)
    items: list[Item] = [identity]
    evidence = ctx.evidence(record.location, at=at)
    key_id = _text(props.get("servicePrincipalCredentialKeyId"))
    kind = _text(props.get("clientCredentialType"))
    credential = None
    if key_id:
        node = _credential(entry.tenant, principal, key_id, kind)
        credential = node.id
        items += [
            node,
            _link(identity.id, NodeKind.IDENTITY, EdgeKind.HAS_CREDENTIAL, node.id, NodeKind.CREDENTIAL, evidence),
        ]
    resource_id = _text(props.get("resourceId"))
    resource = ids.entra_resource(entry.tenant, resource_id) if resource_id else None
    if resource:
        items.append(
            Node.make(
                id=resource,
                kind=NodeKind.RESOURCE,
                subtype=EntraSubtype.RESOURCE,
                name=_text(props.get("resourceDisplayName")) or resource_id,
                props={"platform": "entra", "account": entry.tenant},
                sources=(NAME,),
            )
        )
    correlation = _text(props.get("correlationId")) or _text(props.get("id"))
    if not correlation:
        raise ModelError("field 'correlationId': a sign-in without a correlation id cannot be placed in a session")
    _absorb(state, entry, identity, credential, kind, resource, correlation, at, record)
    return items


def _absorb(
    state: _State,
    entry: EntraRecord,
    identity: Node,
    credential: str | None,
    kind: str,
    resource: str | None,
    correlation: str,
    at: str,
    record: Record[Mapping[str, Any]],
) -> None:
    """Fold one validated sign-in into its session (only after everything above it held)."""
    seconds = int(_epoch(at))
    key = (identity.id, correlation)
    session = state.sessions.get(key)
    if session is None:
        session = state.sessions[key] = EntraSession(
            group=key, start=seconds, end=seconds, start_text=at, end_text=at,
            principal=identity.id, principal_name=identity.name, tenant=entry.tenant,
        )  # fmt: skip
    elif seconds < session.start:
        session.start, session.start_text = seconds, at
    elif seconds > session.end:
        session.end, session.end_text = seconds, at
    failed = _error_code(entry.properties) not in (0, None)
    session.count += 1
    session.errors += failed
    session.credential = session.credential or credential
    session.auth_method = session.auth_method or _auth_method(kind)
    if entry.caller_ip and len(session.ips) < MAX_DISTINCT:
        session.ips.add(entry.caller_ip)
    pointer: Pointer = (at, record.location.file, record.location.locator)
    session.evidence = trim_evidence([*session.evidence, pointer])
    if resource:
        touch = session.touched.get(resource)
        if touch is None:
            touch = session.touched[resource] = Touch(resource, seconds, at)
        else:
            touch.seen(seconds, at)
        touch.count += 1
        touch.errors += failed
        touch.actions.add("sign-in")
        touch.evidence = trim_evidence([*touch.evidence, pointer])


def _epoch(at: str) -> float:
    return datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()


def _error_code(props: Mapping[str, Any]) -> object:
    status = props.get("status")
    code = status.get("errorCode") if isinstance(status, Mapping) else None
    return int(code) if isinstance(code, int | str) and str(code).lstrip("-").isdigit() else code


def _auth_method(kind: str) -> str | None:
    found = _CREDENTIAL_TYPES.get(kind.lower())
    if found:
        return found[2]
    return AuthMethod.TOKEN if kind.lower() in ("federatedidentitycredential", "managedidentity") else None


def _link(
    source: str,
    source_kind: NodeKind,
    kind: EdgeKind,
    target: str,
    target_kind: NodeKind,
    evidence: Evidence,
    **props: Any,
) -> Edge:
    return evidenced_edge(NAME, source, source_kind, kind, target, target_kind, evidence, **props)


def _emit(session: EntraSession, places: AddressBook) -> Iterator[Item]:
    principal_id = session.principal.split(":sp/", 1)[1]
    correlation = session.group[1]
    sid = ids.session("entra", session.tenant, principal_id, correlation)
    evidence = tuple(Evidence(source=f, locator=loc, at=t) for t, f, loc in session.evidence)
    yield Node.make(
        id=sid,
        kind=NodeKind.SESSION,
        subtype=EntraSubtype.SIGN_IN,
        name=f"{session.principal_name} @ {session.start_text}",
        props={
            "started_at": session.start_text,
            "ended_at": session.end_text,
            "principal": session.principal_name,
            "source_ips": sorted(session.ips),
            "event_count": session.count,
            "error_count": session.errors,
            "auth_method": session.auth_method,
            "interactive": False,
            "platform": "entra",
        },
        first_seen=session.start_text,
        last_seen=session.end_text,
        sources=(NAME,),
    )

    def edge(
        kind: EdgeKind,
        target: str,
        target_kind: NodeKind,
        pointers: tuple[Evidence, ...],
        count: int,
        seen: tuple[str, str] | None = None,
        **props: Any,
    ) -> Edge:
        first, last = seen or (session.start_text, session.end_text)  # a touch has its own times
        return Edge.make(
            source=sid, source_kind=NodeKind.SESSION, kind=kind, target=target, target_kind=target_kind,
            props=props, first_seen=first, last_seen=last, count=count, sources=(NAME,), evidence=pointers,
        )  # fmt: skip

    yield edge(EdgeKind.ACTED_AS, session.principal, NodeKind.IDENTITY, evidence, session.count)
    if session.credential:
        yield edge(EdgeKind.AUTHENTICATED_WITH, session.credential, NodeKind.CREDENTIAL, evidence, session.count)
    # one FROM per place with all its addresses (two addresses of one runner were two writes of one edge)
    for (place_id, place_kind), addresses in places.by_place(session.ips).items():
        yield edge(EdgeKind.FROM, place_id, place_kind, evidence, session.count, ips=addresses, matched_by=MatchedBy.IP)
    for target in sorted(session.touched):
        touch = session.touched[target]
        pointers = tuple(Evidence(source=f, locator=loc, at=t) for t, f, loc in touch.evidence)
        yield edge(
            EdgeKind.TOUCHED,
            target,
            NodeKind.RESOURCE,
            pointers,
            touch.count,
            (touch.first_text, touch.last_text),
            actions=sorted(touch.actions),
            errors=touch.errors,
        )


# -- audit events --------------------------------------------------------------------------------


def _initiator(props: Mapping[str, Any], tenant: str) -> tuple[str, NodeKind, str] | None:
    """(node id, kind, actor text) of who made an audit event: a person by UPN, or a service principal."""
    initiated = props.get("initiatedBy")
    if not isinstance(initiated, Mapping):
        return None
    user = initiated.get("user")
    if isinstance(user, Mapping):
        upn = _text(user.get("userPrincipalName"))
        if upn and ids.is_email(upn):
            return ids.person(upn), NodeKind.PERSON, upn
    app = initiated.get("app")
    if isinstance(app, Mapping) and _text(app.get("servicePrincipalId")):
        name = _text(app.get("displayName")) or _text(app.get("servicePrincipalId"))
        return ids.entra_service_principal(tenant, _text(app["servicePrincipalId"])), NodeKind.IDENTITY, name
    return None


def _audit(entry: EntraRecord, record: Record[Mapping[str, Any]], ctx: LoadContext, state: _State) -> list[Item]:
    props = entry.properties
    operation = (
        _text(props.get("activityDisplayName"))
        or _text(props.get("operationName"))
        or _text(record.value.get("operationName") or record.value.get("operationname"))
    )
    change_type = _CHANGES.get(operation.lower())
    if change_type is None:
        state.not_read[f"{entry.event_type or 'audit'} events"] += 1
        return []
    if not entry.tenant:
        raise ModelError("no tenant: neither tenantId nor a /tenants/ resourceId")
    at = canonical_timestamp(props.get("activityDateTime") or entry.time)
    event_id = _text(props.get("id")) or _text(record.value.get("correlationId") or record.value.get("correlationid"))
    if not event_id:
        raise ModelError("field 'id' / 'correlationId': an audit event needs an id to be one Change")
    evidence = ctx.evidence(record.location, at=at)
    actor = _initiator(props, entry.tenant)
    change = ids.change("entra", f"{entry.tenant}/{event_id}/{operation.lower().replace(' ', '-')}")
    change_props = {
        "action": operation,
        "change_type": change_type,
        "at": at,
        "actor": actor[2] if actor else None,
        "source_ip": entry.caller_ip or None,
        "event_id": event_id,
        "platform": "entra",
    }
    items: list[Item] = []
    targets = [t for t in props.get("targetResources") or [] if isinstance(t, Mapping)]
    details: list[str] = []
    for target in targets:
        items += _target(entry.tenant, change, target, actor, operation, evidence, details)
    change_props["detail"] = "; ".join(details) or None
    items.insert(
        0,
        Node.make(
            id=change,
            kind=NodeKind.CHANGE,
            subtype=EntraSubtype.AUDIT,
            name=operation,
            props=change_props,
            sources=(NAME,),
        ),
    )
    if actor:
        items.append(_link(actor[0], actor[1], EdgeKind.PERFORMED, change, NodeKind.CHANGE, evidence))
    return items


def _target(
    tenant: str,
    change: str,
    target: Mapping[str, Any],
    actor: tuple[str, NodeKind, str] | None,
    operation: str,
    evidence: Evidence,
    details: list[str],
) -> Iterator[Item]:
    kind = _text(target.get("type")).lower()
    object_id = _text(target.get("id"))
    modified = [m for m in target.get("modifiedProperties") or [] if isinstance(m, Mapping)]
    for item in modified:
        if _text(item.get("displayName")) in ("Role.DisplayName", "Role.displayName"):
            details.append(f"role {_text(str(item.get('newValue') or item.get('oldValue') or '')).strip(chr(34))}")
    if kind == "user":
        upn = _text(target.get("userPrincipalName"))
        if upn and ids.is_email(upn):
            yield _link(change, NodeKind.CHANGE, EdgeKind.TARGETS, ids.person(upn), NodeKind.PERSON, evidence)
        return
    if kind not in ("serviceprincipal", "application") or not object_id:
        return
    principal = ids.entra_service_principal(tenant, object_id)
    yield _service_principal(tenant, object_id, _text(target.get("displayName")), False)
    yield _link(change, NodeKind.CHANGE, EdgeKind.TARGETS, principal, NodeKind.IDENTITY, evidence)
    for item in modified:
        if _text(item.get("displayName")) != "KeyDescription":
            continue
        for key_id in _KEY_IDENTIFIER.findall(str(item.get("newValue") or "")):
            credential = _credential(
                tenant,
                object_id,
                key_id,
                "certificate" if "KeyType=AsymmetricX509Cert" in str(item.get("newValue")) else "clientsecret",
            )
            yield credential
            yield _link(
                principal, NodeKind.IDENTITY, EdgeKind.HAS_CREDENTIAL, credential.id, NodeKind.CREDENTIAL, evidence
            )
            yield _link(change, NodeKind.CHANGE, EdgeKind.TARGETS, credential.id, NodeKind.CREDENTIAL, evidence)
            if actor and actor[1] is NodeKind.PERSON:
                yield _link(
                    actor[0], NodeKind.PERSON, EdgeKind.OWNS, credential.id, NodeKind.CREDENTIAL, evidence,
                    provenance=Provenance.INFERRED, provenance_detail=f"added it ({operation})",
                )  # fmt: skip
