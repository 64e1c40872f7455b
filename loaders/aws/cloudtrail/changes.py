"""CloudTrail permission and lifecycle events → Change nodes and what they changed.

Each successful event of `CHANGE_TYPES` (an `errorCode` means nothing changed) becomes a
Change `change:aws:<digest>:<eventID>` with `action`, `change_type`, `at`, `actor`, `detail`,
`event_id`, and TARGETS the users, roles, groups and keys it names. An eventID alone does not
identify an event: hand-made logs reuse "1" for dozens of events, so the digest covers what makes
one event unique — its time, source, account, name, request parameters and caller — and the
same event delivered twice (trail file and event history) still meets itself. Events without an
eventID get a digest of the whole event (`change:aws:sha256-<digest>`). The loader reports
eventIDs shared by several different events in the load summary. The session that made it gets PERFORMED
once sessions are known (loaders/aws/cloudtrail/loader.py).

Access keys: CreateAccessKey's `responseElements.accessKey.accessKeyId` becomes a Credential
(`created`, status active) with HAS_CREDENTIAL from the user; UpdateAccessKey sets its status;
DeleteAccessKey marks it `deleted` with `deleted_at`. CreateAccessKey and CreateUser also ask
for an inferred OWNS from the creator's Person, written when the creating session names one.

Key slots: the credential report's slot whose `last_rotated` equals the new key's creation time
(± 1 s) for the same user is that key (AWS sets one from the other); both nodes then carry
`same_as` = the other's id (slots read in `prepare`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import orjson

from graph import ids
from graph.errors import ModelError
from graph.model import Evidence, Node
from graph.schema import EdgeKind, NodeKind
from loaders.aws.cloudtrail.event import Principal, event_digest, mapping_field
from loaders.aws.cloudtrail.grants import GRANT_EVENTS, created_identity, grant_items
from loaders.base import Item, evidenced_edge

__all__ = ["CHANGE_TYPES", "ChangeResult", "change_items"]

NAME = "aws-cloudtrail"
CHANGE_TYPES: Mapping[str, str] = {
    "CreateUser": "create",
    "DeleteUser": "delete",
    "CreateAccessKey": "create",
    "UpdateAccessKey": "deactivate",  # or activate: decided by the requested status
    "DeleteAccessKey": "delete",
    "AttachUserPolicy": "grant",
    "AttachRolePolicy": "grant",
    "AttachGroupPolicy": "grant",
    "PutUserPolicy": "grant",
    "PutRolePolicy": "grant",
    "PutGroupPolicy": "grant",
    "CreatePolicyVersion": "expand",
    "DetachUserPolicy": "revoke",
    "DetachRolePolicy": "revoke",
    "DetachGroupPolicy": "revoke",
    "DeleteUserPolicy": "revoke",
    "DeleteRolePolicy": "revoke",
    "DeleteGroupPolicy": "revoke",
    "CreateRole": "create",
    "DeleteRole": "delete",
    "UpdateAssumeRolePolicy": "trust",
    "AddUserToGroup": "grant",
    "RemoveUserFromGroup": "revoke",
    "CreateLoginProfile": "create",
    "UpdateLoginProfile": "rotate",
    "DeleteLoginProfile": "delete",
    "GetFederationToken": "federate",
    "ConsoleLogin": "login",
}


@dataclass(slots=True)
class ChangeResult:
    change: str
    items: list[Item] = field(default_factory=list)
    owned: list[tuple[str, NodeKind]] = field(default_factory=list)  # targets the creator owns


def _change_id(event: Mapping[str, Any]) -> str:
    event_id = event.get("eventID")
    if isinstance(event_id, str) and event_id.strip() and " " not in event_id:
        identity = event.get("userIdentity")
        caller = (identity.get("arn") or identity.get("principalId")) if isinstance(identity, Mapping) else None
        what = [
            event.get("eventTime"),
            event.get("eventSource"),
            event.get("recipientAccountId"),
            event.get("eventName"),
            event.get("requestParameters"),
            caller,
        ]
        digest = hashlib.sha256(orjson.dumps(what, option=orjson.OPT_SORT_KEYS)).hexdigest()[:12]
        return ids.change("aws", f"{digest}:{event_id.strip()}")
    return ids.change("aws", f"sha256-{event_digest(event)[:32]}")


_edge = partial(evidenced_edge, NAME)


def _iam(account: str, noun: str, name: object) -> str | None:
    if not isinstance(name, str) or not name or not account.isdigit():
        return None
    try:
        return ids.aws_arn(f"arn:aws:iam::{account}:{noun}/{name}")
    except ModelError:
        return None


def _user_target(event: Mapping[str, Any], params: Mapping[str, Any], principal: Principal, account: str) -> str | None:
    response = event.get("responseElements")
    created = response.get("user") if isinstance(response, Mapping) else None
    if isinstance(created, Mapping) and isinstance(created.get("arn"), str):
        return ids.aws_arn(created["arn"])
    named = _iam(account, "user", params.get("userName"))
    if named is not None:
        return named
    return principal.identity if principal.subtype == "aws.iam.user" else None


def _targets(
    event: Mapping[str, Any], name: str, params: Mapping[str, Any], principal: Principal, account: str
) -> list[tuple[str, NodeKind, str]]:
    """(id, kind, field) of everything one change event changed."""
    found: list[tuple[str, NodeKind, str]] = []
    if "User" in name or "AccessKey" in name or "LoginProfile" in name:
        user = _user_target(event, params, principal, account)
        if user:
            found.append((user, NodeKind.IDENTITY, "user"))
    if "Role" in name:
        response = event.get("responseElements")
        role = response.get("role") if isinstance(response, Mapping) else None
        role_id = ids.aws_arn(role["arn"]) if isinstance(role, Mapping) and isinstance(role.get("arn"), str) else None
        role_id = role_id or (
            ids.aws_role_by_name(account, params["roleName"])
            if isinstance(params.get("roleName"), str) and account.isdigit()
            else None
        )
        if role_id:
            found.append((role_id, NodeKind.IDENTITY, "role"))
    if "Group" in name:
        group = _iam(account, "group", params.get("groupName"))
        if group:
            found.append((group, NodeKind.IDENTITY, "group"))
    if name in ("ConsoleLogin", "GetFederationToken") and principal.identity:
        found.append((principal.identity, NodeKind.IDENTITY, "identity"))
    return found


def change_items(
    event: Mapping[str, Any],
    time_text: str,
    principal: Principal,
    evidence: Evidence,
    slots: Mapping[tuple[str, str], str],
) -> ChangeResult | None:
    """The Change of one event, or None when the event changed nothing (see the module rules)."""
    name = event["eventName"]
    if name not in CHANGE_TYPES or event.get("errorCode"):
        return None
    params = mapping_field(event, "requestParameters")
    account = str(event.get("recipientAccountId") or principal.account or "")
    change_type = CHANGE_TYPES[name]
    detail = str(params.get("policyArn") or params.get("policyName") or params.get("status") or "")
    if name == "UpdateAccessKey":
        change_type = "activate" if str(params.get("status", "")).lower() == "active" else "deactivate"
    if name == "ConsoleLogin":
        response = event.get("responseElements")
        detail = str(response.get("ConsoleLogin", "")) if isinstance(response, Mapping) else ""
    result = ChangeResult(_change_id(event))
    targets = _targets(event, name, params, principal, account)
    label = targets[0][0].rsplit("/", 1)[-1] if targets else ""
    props = {
        "platform": "aws",
        "action": name,
        "change_type": change_type,
        "at": time_text,
        "actor": principal.principal,
        "detail": detail or None,
        "source_ip": event.get("sourceIPAddress") if isinstance(event.get("sourceIPAddress"), str) else None,
        "region": event.get("awsRegion") if isinstance(event.get("awsRegion"), str) else None,
        "event_id": event.get("eventID") if isinstance(event.get("eventID"), str) else None,
    }
    result.items.append(
        Node(
            id=result.change,
            kind=NodeKind.CHANGE,
            subtype="aws.cloudtrail.change",
            name=f"{name} {label}".strip(),
            props=props,
            first_seen=time_text,
            last_seen=time_text,
            sources=(NAME,),
        )
    )
    for target, kind, field_name in targets:
        result.items.append(
            _edge(result.change, NodeKind.CHANGE, EdgeKind.TARGETS, target, kind, evidence, field=field_name)
        )
    created = created_identity(name, event.get("responseElements"), time_text)
    if created is not None:
        result.items.append(created)
    if name in GRANT_EVENTS:
        noun = next(n for n in ("User", "Role", "Group") if n in name).lower()
        grantee = next((t for t, _k, f in targets if f == noun), None)
        if grantee:
            result.items.extend(grant_items(name, params, grantee, account, time_text, result.change, evidence))
    if name == "CreateUser" and targets:
        result.owned.append((targets[0][0], NodeKind.IDENTITY))
    if "AccessKey" in name:
        _key_items(result, event, name, params, targets, time_text, evidence, slots)
    return result


def _key_items(
    result: ChangeResult,
    event: Mapping[str, Any],
    name: str,
    params: Mapping[str, Any],
    targets: list[tuple[str, NodeKind, str]],
    time_text: str,
    evidence: Evidence,
    slots: Mapping[tuple[str, str], str],
) -> None:
    response = event.get("responseElements")
    created = response.get("accessKey") if isinstance(response, Mapping) else None
    key_id = created.get("accessKeyId") if isinstance(created, Mapping) else params.get("accessKeyId")
    try:
        credential = ids.aws_key(str(key_id))
    except ModelError:
        return  # the event names no usable key id (redacted test data): the Change stands alone
    props: dict[str, Any] = {"platform": "aws", "credential_type": "aws_access_key", "public_id": str(key_id).upper()}
    if name == "CreateAccessKey":
        props |= {"status": "active", "created": time_text}
    elif name == "UpdateAccessKey":
        props["status"] = "active" if str(params.get("status", "")).lower() == "active" else "inactive"
    else:
        props |= {"status": "deleted", "deleted_at": time_text}
    user = next((t for t, _k, f in targets if f == "user"), None)
    slot = _matching_slot(slots, user, time_text) if user and name == "CreateAccessKey" else None
    if slot:
        props["same_as"] = slot
        result.items.append(
            Node(
                id=slot,
                kind=NodeKind.CREDENTIAL,
                subtype="aws.access_key_slot",
                props={"same_as": credential},
                sources=(NAME,),
            )
        )
    result.items.append(
        Node(
            id=credential,
            kind=NodeKind.CREDENTIAL,
            subtype="aws.access_key",
            name=str(key_id).upper(),
            props=props,
            first_seen=time_text,
            last_seen=time_text,
            sources=(NAME,),
        )
    )
    result.items.append(
        _edge(
            result.change,
            NodeKind.CHANGE,
            EdgeKind.TARGETS,
            credential,
            NodeKind.CREDENTIAL,
            evidence,
            field="accessKeyId",
        )
    )
    if user:
        result.items.append(
            _edge(user, NodeKind.IDENTITY, EdgeKind.HAS_CREDENTIAL, credential, NodeKind.CREDENTIAL, evidence)
        )
    if name == "CreateAccessKey":
        result.owned.append((credential, NodeKind.CREDENTIAL))


def _matching_slot(slots: Mapping[tuple[str, str], str], user: str, created: str) -> str | None:
    from datetime import datetime, timedelta

    moment = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ")
    for delta in (0, -1, 1):
        found = slots.get((user, (moment + timedelta(seconds=delta)).strftime("%Y-%m-%dT%H:%M:%SZ")))
        if found:
            return found
    return None
