"""What a CloudTrail IAM change grants, and the identity it creates, as graph facts from that moment.

An IAM export shows the grants standing when it was taken; CloudTrail shows them being made. A
successful `Attach{User,Role,Group}Policy` or `Put{User,Role,Group}Policy` becomes CAN_ACCESS
edges from the user, role or group to what the policy allows — read by the same analysis as the
export's policies (loaders/aws/policy.py), so "granted" means one thing whatever the source —
with `first_seen` = the event time (an as-of answer sees the grant from that moment, not
before), the Change id in `change`, and the event as evidence. An attached policy is known by
its document only when it is an AWS-managed policy keytrail knows by name (AdministratorAccess,
PowerUserAccess, ReadOnlyAccess, IAMFullAccess, ...): a customer-managed policy's document is
not in the event, so its attachment stays a Change with no grant rather than a guess. An inline
policy's document is in `requestParameters.policyDocument` (JSON text, sometimes URL-encoded).

Detach and Delete events stay Changes only: an edge's time bounds are when it was seen, so a
revocation cannot end a grant in the graph yet; `permission-history` shows both.

`CreateUser` / `CreateRole` type the new identity from `responseElements` (its ARN, path and
creation time), so the user is an `aws.iam.user` Identity in its account, not an untyped stub.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any

import orjson

from graph import ids
from graph.errors import ModelError
from graph.model import Edge, Evidence, Node
from graph.schema import EdgeKind, NodeKind
from loaders.aws.policy import AWS_MANAGED_POLICIES, Grant, analyse_policy
from loaders.base import Item

__all__ = ["GRANT_EVENTS", "created_identity", "grant_items"]

NAME = "aws-cloudtrail"
GRANT_EVENTS = frozenset(
    {"AttachUserPolicy", "AttachRolePolicy", "AttachGroupPolicy", "PutUserPolicy", "PutRolePolicy", "PutGroupPolicy"}
)
_AWS_MANAGED_PREFIX = ":iam::aws:policy/"


def _document(params: Mapping[str, Any]) -> tuple[object, str] | None:
    """(policy document, policy name) an Attach or Put event grants, None when the event cannot say."""
    policy_arn = params.get("policyArn")
    if isinstance(policy_arn, str):
        if _AWS_MANAGED_PREFIX not in policy_arn:
            return None  # a customer-managed policy: its document is not in the event
        name = policy_arn.rsplit("/", 1)[-1]
        document = AWS_MANAGED_POLICIES.get(name)
        return (document, name) if document is not None else None
    text = params.get("policyDocument")
    if not isinstance(text, str):
        return None
    if text.lstrip().startswith("%7B"):
        text = urllib.parse.unquote(text)
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return document, str(params.get("policyName") or "inline")


def grant_items(
    name: str,
    params: Mapping[str, Any],
    grantee: str,
    account: str,
    at: str,
    change: str,
    evidence: Evidence,
) -> Iterator[Item]:
    """CAN_ACCESS edges (and their Resource nodes) one successful grant event gives `grantee`."""
    if name not in GRANT_EVENTS:
        return
    found = _document(params)
    if found is None:
        return
    document, policy = found
    for grant in analyse_policy(document, policy, account):
        yield from _grant(grantee, grant, at, change, evidence)


def _grant(grantee: str, grant: Grant, at: str, change: str, evidence: Evidence) -> Iterator[Item]:
    target = grant.target
    yield Node(
        id=target.id,
        kind=NodeKind.RESOURCE,
        subtype=target.subtype,
        name=target.name,
        props={"platform": "aws", "account": target.account or None, "resource_type": target.subtype},
        sources=(NAME,),
    )
    yield Edge.make(
        source=grantee,
        source_kind=NodeKind.IDENTITY,
        kind=EdgeKind.CAN_ACCESS,
        target=target.id,
        target_kind=NodeKind.RESOURCE,
        props={
            "level": grant.level,
            "actions": sorted(grant.actions),
            "policies": sorted(grant.policies),
            "wildcard": grant.wildcard,
            "change": change,
        },
        first_seen=at,
        last_seen=at,
        sources=(NAME,),
        evidence=(evidence,),
    )


def created_identity(name: str, response: object, at: str) -> Node | None:
    """The Identity a CreateUser / CreateRole event created, typed from its responseElements."""
    noun = {"CreateUser": "user", "CreateRole": "role"}.get(name)
    created = response.get(noun) if noun and isinstance(response, Mapping) else None
    if not isinstance(created, Mapping) or not isinstance(created.get("arn"), str):
        return None
    try:
        identity = ids.aws_arn(created["arn"])
    except ModelError:
        return None
    label = created.get("userName") if noun == "user" else created.get("roleName")
    props: dict[str, Any] = {
        "platform": "aws",
        "arn": created["arn"],
        "account": ids.aws_arn_account(identity) or None,
        "path": created.get("path") if isinstance(created.get("path"), str) else None,
        "created": at,
    }
    if noun == "role":
        props |= {"nature": "machine", "nature_reason": "IAM role"}
    return Node(
        id=identity,
        kind=NodeKind.IDENTITY,
        subtype=f"aws.iam.{noun}",
        name=str(label or identity.rsplit("/", 1)[-1]),
        props=props,
        first_seen=at,
        sources=(NAME,),
    )
