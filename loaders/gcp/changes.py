"""Cloud Audit Log permission and key lifecycle entries → Changes, keys and the grants they made.

A successful entry (no `status.code`) of these methods becomes the Change `change:gcp:<digest>`
(`gcp.audit.change`; the digest covers the entry's insertId, time, method, resource and caller, so
the same entry read from a sink file and from a `gcloud` export meets itself):

- `SetIamPolicy` (any service: `…SetIamPolicy`, `setIamPolicy`, `SetIAMPolicy`, `setIamPermissions`):
  the `serviceData.policyDelta.bindingDeltas` (or `metadata.…` for the services that log it there)
  are its `detail` ("ADD roles/owner user:x"); change_type `grant` when any binding was added,
  else `revoke`. It TARGETS the resource and every member. An added binding is a CAN_ACCESS from the
  member to the resource (`level` by role, `change` = the Change id); on a service account, a role
  that lets the member act as it (Token Creator, Service Account User, Workload Identity User) is a
  CAN_ASSUME (`via: impersonation`) instead — the edge blast radius follows.
- `CreateServiceAccountKey`: the key (`response.name`) becomes a Credential of its service account
  (HAS_CREDENTIAL, `created`, `status: active`, `expires` when the key has an end); a person who
  created it OWNS it (`provenance: inferred`). `DeleteServiceAccountKey` marks the key `deleted`.
- `CreateServiceAccount` makes the service account (its creator OWNS it, inferred); `DeleteServiceAccount`
  marks it deleted.
- Workload identity pools and their providers (Create / Update / Delete / Undelete): loaders/gcp/federation.py.
Token minting (`GenerateAccessToken`, `GenerateIdToken`, `SignJwt`, `SignBlob` of iamcredentials)
changes nothing: it is a session's impersonation hop (loaders/gcp/loader.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

import orjson

from graph import ids
from graph.errors import ModelError
from graph.model import Evidence, Node, canonical_timestamp
from graph.schema import EdgeKind, NodeKind
from loaders.base import Item, evidenced_edge
from loaders.gcp.entry import Caller, Entry, caller_of_member, identity_props, mapping, parse_key_name, text
from loaders.gcp.federation import ProviderState, federation_items, is_federation_method
from loaders.gcp.targets import Target, entry_target, service_account_named

__all__ = ["IMPERSONATION_ROLES", "ChangeResult", "change_items", "is_policy_method", "level_of_role", "may_change"]

NAME = "gcp-audit"
_edge = partial(evidenced_edge, NAME)
IMPERSONATION_ROLES = frozenset(
    {
        "roles/iam.serviceAccountTokenCreator",
        "roles/iam.serviceAccountUser",
        "roles/iam.workloadIdentityUser",
        "roles/iam.serviceAccountOpenIdTokenCreator",
    }
)
_CHANGE_METHODS = frozenset(
    {"CreateServiceAccountKey", "DeleteServiceAccountKey", "CreateServiceAccount", "DeleteServiceAccount"}
)
_NO_END = 32_503_680_000  # 3000-01-01: GCP logs 9999-12-31 for a key that never expires
_ADMIN_WORDS = ("owner", "editor", "admin", "securityadmin")
_READ_WORDS = ("viewer", "reader", "browser", "getter", "lister")


def is_policy_method(method: str) -> bool:
    last = method.rsplit(".", 1)[-1].lower()
    return last in ("setiampolicy", "setiampermissions")


def level_of_role(role: str) -> str:
    """read | write | admin, by the role's name (predefined roles say what they are)."""
    name = role.rsplit("/", 1)[-1].lower()
    if any(word in name for word in _ADMIN_WORDS):
        return "admin"
    if any(word in name for word in _READ_WORDS):
        return "read"
    return "write"


@dataclass(slots=True)
class ChangeResult:
    change: str
    items: list[Item] = field(default_factory=list)
    provider: ProviderState | None = None
    """A pool provider's fields the entry set, applied once the load is read (loaders/gcp/federation.py)."""


def _change_id(entry: Entry, caller: Caller) -> str:
    what = [entry.insert_id, entry.time, entry.method, entry.resource_name, caller.principal]
    digest = hashlib.sha256(orjson.dumps(what)).hexdigest()[:16]
    return ids.change("gcp", digest)


def _deltas(entry: Entry) -> list[tuple[str, str, str]]:
    """(action, role, member) of every binding delta the entry logged."""
    found = []
    for holder in (entry.payload.get("serviceData"), entry.payload.get("metadata")):
        delta = mapping(mapping(holder).get("policyDelta"))
        rows = delta.get("bindingDeltas")
        for row in rows if isinstance(rows, list) else []:
            row = mapping(row)
            action, role, member = text(row.get("action")), text(row.get("role")), text(row.get("member"))
            if action in ("ADD", "REMOVE") and role and member:
                found.append((action, role, member))
    return found


def may_change(method: str) -> bool:
    """Whether an entry of this method can be a Change (change_items is None for every other)."""
    return is_policy_method(method) or method.rsplit(".", 1)[-1] in _CHANGE_METHODS or is_federation_method(method)


def change_items(entry: Entry, caller: Caller, evidence: Evidence) -> ChangeResult | None:
    """The Change an entry made and what it changed, or None when it changed nothing."""
    if entry.failed:
        return None
    last = entry.method.rsplit(".", 1)[-1]
    if is_policy_method(entry.method):
        return _policy(entry, caller, evidence)
    if last in ("CreateServiceAccountKey", "DeleteServiceAccountKey"):
        return _key(entry, caller, evidence, last == "CreateServiceAccountKey")
    if last in ("CreateServiceAccount", "DeleteServiceAccount"):
        return _account(entry, caller, evidence, last == "CreateServiceAccount")
    if is_federation_method(entry.method):
        deleting = last.startswith("Delete")
        found = federation_items(entry, _change_node(entry, caller, "delete" if deleting else "federate", ""), evidence)
        return None if found is None else ChangeResult(found.change, found.items, found.provider)
    return None


def _change_node(entry: Entry, caller: Caller, change_type: str, detail: str) -> Node:
    change = _change_id(entry, caller)
    return Node.make(
        id=change,
        kind=NodeKind.CHANGE,
        subtype="gcp.audit.change",
        name=f"{entry.method.rsplit('.', 1)[-1]} {entry.resource_name or entry.project}".strip(),
        props={
            "platform": "gcp",
            "action": entry.method,
            "change_type": change_type,
            "at": entry.time,
            "actor": caller.principal,
            "detail": detail[:2000] or None,
            "source_ip": entry.ip or None,
            "event_id": entry.insert_id or None,
        },
        first_seen=entry.time,
        last_seen=entry.time,
        sources=(NAME,),
    )


def _targets(change: str, target_id: str, kind: NodeKind, evidence: Evidence, what: str) -> Item:
    return _edge(change, NodeKind.CHANGE, EdgeKind.TARGETS, target_id, kind, evidence, field=what)


def _policy(entry: Entry, caller: Caller, evidence: Evidence) -> ChangeResult:
    deltas = _deltas(entry)
    added = any(action == "ADD" for action, _, _ in deltas)
    detail = "; ".join(f"{a} {r} {m}" for a, r, m in deltas) or "policy replaced (no binding delta logged)"
    node = _change_node(entry, caller, "grant" if added or not deltas else "revoke", detail)
    result = ChangeResult(node.id, [node])
    target = entry_target(entry)
    if target is not None:
        result.items.append(_targets(node.id, target.id, target.kind, evidence, "resource"))
    cluster = text(entry.labels.get("cluster_name"))
    for action, role, member in deltas:
        try:
            who = caller_of_member(member, cluster)
        except ModelError:
            who = None
        if who is None or not who.identity:
            continue
        if who.subtype.startswith("gcp."):
            result.items.append(_identity_node(who))
        result.items.append(_targets(node.id, who.identity, NodeKind.IDENTITY, evidence, "member"))
        if action == "ADD" and target is not None:
            result.items.extend(_grant(node.id, who, role, target, evidence))
    return result


def _identity_node(who: Caller) -> Node:
    return Node.make(
        id=who.identity,
        kind=NodeKind.IDENTITY,
        subtype=who.subtype,
        name=who.name,
        props=identity_props(who),
        sources=(NAME,),
    )


def _grant(change: str, who: Caller, role: str, target: Target, evidence: Evidence) -> list[Item]:
    if target.kind is NodeKind.IDENTITY:
        if role not in IMPERSONATION_ROLES or target.id == who.identity:
            return []
        return [
            _edge(
                who.identity,
                NodeKind.IDENTITY,
                EdgeKind.CAN_ASSUME,
                target.id,
                NodeKind.IDENTITY,
                evidence,
                via="impersonation",
            )
        ]
    if target.kind is not NodeKind.RESOURCE:
        return []
    resource = Node.make(
        id=target.id,
        kind=NodeKind.RESOURCE,
        subtype=target.subtype,
        name=target.name,
        props={"platform": "gcp", "account": target.project or None, "resource_type": target.subtype},
        sources=(NAME,),
    )
    level = level_of_role(role)
    grant = _edge(
        who.identity,
        NodeKind.IDENTITY,
        EdgeKind.CAN_ACCESS,
        target.id,
        NodeKind.RESOURCE,
        evidence,
        level=level,
        actions=[role],
        policies=[role],
        change=change,
    )
    return [resource, grant]


def _key(entry: Entry, caller: Caller, evidence: Evidence, created: bool) -> ChangeResult | None:
    response, request = mapping(entry.payload.get("response")), mapping(entry.payload.get("request"))
    names = (text(response.get("name")), text(request.get("name")), entry.resource_name)
    account_hint = next((a for n in names if (a := service_account_named(n.rpartition("/keys/")[0], entry))), "")
    key = next((k for n in names if (k := parse_key_name(n, account_hint)) is not None), None)
    if key is None:
        return None
    key_id, account = key
    node = _change_node(entry, caller, "create" if created else "delete", f"service account key {key_id} of {account}")
    credential, identity = ids.gcp_service_account_key(key_id), ids.gcp_service_account(account)
    props: dict[str, Any] = {"platform": "gcp", "credential_type": "gcp_service_account_key", "public_id": key_id}
    if created:
        props |= {"status": "active", "created": entry.time, "expires": _expiry(response)}
    else:
        props |= {"status": "deleted", "deleted_at": entry.time}
    key_node = Node.make(
        id=credential,
        kind=NodeKind.CREDENTIAL,
        subtype="gcp.iam.service_account_key",
        name=key_id,
        props=props,
        sources=(NAME,),
    )
    items: list[Item] = [
        node,
        key_node,
        _edge(identity, NodeKind.IDENTITY, EdgeKind.HAS_CREDENTIAL, credential, NodeKind.CREDENTIAL, evidence),
        _targets(node.id, credential, NodeKind.CREDENTIAL, evidence, "key"),
        _targets(node.id, identity, NodeKind.IDENTITY, evidence, "service_account"),
    ]
    if created and caller.person:
        items.append(_owns(caller.person, credential, NodeKind.CREDENTIAL, evidence, node.id))
    return ChangeResult(node.id, items)


def _expiry(response: Mapping[str, Any]) -> str | None:
    """`valid_before_time` / `validBeforeTime` (epoch seconds or RFC 3339) when the key ends; a key
    without an end is logged as ending in year 9999, which is no expiry."""
    value = response.get("valid_before_time") or response.get("validBeforeTime")
    seconds = mapping(value).get("seconds") if isinstance(value, Mapping) else value
    try:
        if isinstance(seconds, int | float) and not isinstance(seconds, bool):
            if seconds >= _NO_END:
                return None
            seconds = datetime.fromtimestamp(seconds, tz=UTC)  # epoch seconds, never milliseconds here
        moment = canonical_timestamp(seconds) if seconds is not None else None
    except (ModelError, ValueError, OverflowError, OSError):
        return None
    return moment if moment and moment < "3000" else None


def _account(entry: Entry, caller: Caller, evidence: Evidence, created: bool) -> ChangeResult | None:
    response, request = mapping(entry.payload.get("response")), mapping(entry.payload.get("request"))
    email = text(response.get("email"))
    if not email:
        account_id, project = text(request.get("account_id") or request.get("accountId")), entry.project
        email = f"{account_id}@{project}.iam.gserviceaccount.com" if account_id and project else ""
    email = email or service_account_named(entry.resource_name or text(request.get("name")), entry)
    if "@" not in email:
        return None
    identity = ids.gcp_service_account(email)
    node = _change_node(entry, caller, "create" if created else "delete", f"service account {email.lower()}")
    props: dict[str, Any] = {"platform": "gcp", "nature": "machine", "nature_reason": "GCP service account"}
    props |= {"created": entry.time} if created else {"deleted": True, "deleted_at": entry.time}
    account = Node.make(
        id=identity,
        kind=NodeKind.IDENTITY,
        subtype="gcp.iam.service_account",
        name=email.lower(),
        props=props,
        sources=(NAME,),
    )
    items: list[Item] = [node, account, _targets(node.id, identity, NodeKind.IDENTITY, evidence, "service_account")]
    if created and caller.person:
        items.append(_owns(caller.person, identity, NodeKind.IDENTITY, evidence, node.id))
    return ChangeResult(node.id, items)


def _owns(person: str, target: str, kind: NodeKind, evidence: Evidence, change: str) -> Item:
    return _edge(
        person, NodeKind.PERSON, EdgeKind.OWNS, target, kind, evidence, provenance="inferred", provenance_detail=change
    )
