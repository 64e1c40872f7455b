"""What one CloudTrail event touched: the primary target of the call, as a node id.

The target is read, in order, from the request parameters that name it (IAM `roleName`,
`userName`, `groupName`, `accessKeyId`, `roleArn`; S3 `bucketName`; `functionName`,
`instanceId(s)`, `secretId`, `tableName`, ... — the first present wins), else from the first
entry of the event's `resources` list, else the service itself in the account
(`aws:res:<account>:<service>:*`), so that every event lands on some target and counts stay
exact. IAM principals are their Identity ids (TOUCHED may point at an Identity), access keys
their Credential ids; everything else a Resource id shaped like CAN_ACCESS targets
(loaders/aws/policy.py), so "granted" and "used" meet on one node. A user or role named only by
name is path-less (CloudTrail does not say the path).

Lookups are cached per (service, parameter, value, account): a busy estate repeats the same
targets millions of times.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graph import ids
from graph.errors import ModelError, quoted
from graph.schema import NodeKind
from loaders.aws.policy import resource_target

__all__ = ["Target", "event_target", "service_of"]

_PARAMETERS = (
    "roleName",
    "userName",
    "groupName",
    "accessKeyId",
    "roleArn",
    "policyArn",
    "bucketName",
    "functionName",
    "instanceId",
    "instanceIds",
    "instancesSet",
    "secretId",
    "tableName",
    "queueUrl",
    "topicArn",
    "keyId",
    "repositoryName",
    "clusterName",
    "cluster",
    "logGroupName",
    "stackName",
    "dBInstanceIdentifier",
    "name",
)
_SERVICES: dict[str, str] = {}
_WHITESPACE = re.compile(r"\s")
_CACHE: dict[tuple[str, str, str, str], Target] = {}


@dataclass(frozen=True, slots=True)
class Target:
    id: str
    kind: NodeKind
    name: str
    subtype: str
    account: str


def service_of(event_source: str) -> str:
    service = _SERVICES.get(event_source)
    if service is None:
        service = _SERVICES[event_source] = event_source.split(".", 1)[0].lower()
    return service


def _first_value(parameter: str, value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and isinstance(value[0], str):
        return value[0]
    if parameter == "instancesSet" and isinstance(value, Mapping):
        items = value.get("items")
        if isinstance(items, list) and items and isinstance(items[0], Mapping):
            return str(items[0].get("instanceId") or "")
    return ""


_RANK = {parameter: rank for rank, parameter in enumerate(_PARAMETERS)}


def event_target(event: Mapping[str, Any], service: str, account: str) -> Target:
    """The primary target of one event (see the module rules)."""
    parameters = event.get("requestParameters")
    if parameters and type(parameters) is dict:
        best, best_rank = "", len(_PARAMETERS)
        for parameter in parameters:  # usually one to three keys: cheaper than sorting
            rank = _RANK.get(parameter)
            if rank is not None and rank < best_rank:
                best, best_rank = parameter, rank
        if best:
            raw = parameters[best]
            if type(raw) is str and raw:
                found = _CACHE.get((service, best, raw, account))
                return found if found is not None else _cached(service, best, raw, account)
            return _ranked(parameters, service, account)
    resources = event.get("resources")
    if resources and isinstance(resources, list) and isinstance(resources[0], Mapping):
        arn = resources[0].get("ARN") or resources[0].get("arn")
        if isinstance(arn, str) and arn.startswith("arn:"):
            return _cached(service, "arn", arn, account)
    found = _CACHE.get((service, "", "*", account))
    return found if found is not None else _cached(service, "", "*", account)


def _ranked(parameters: Mapping[str, Any], service: str, account: str) -> Target:
    """The slow path: the best-ranked parameter is not a plain name, try the others in order."""
    for _rank, parameter in sorted((_RANK[p], p) for p in parameters if p in _RANK):
        value = _first_value(parameter, parameters[parameter])
        if value:
            return _cached(service, parameter, value, account)
    return _cached(service, "", "*", account)


def _cached(service: str, parameter: str, value: str, account: str) -> Target:
    key = (service, parameter, value, account)
    found = _CACHE.get(key)
    if found is None:
        try:
            if _WHITESPACE.search(value):
                raise ModelError(f"target {quoted(value)} has whitespace")  # names no resource: the service
            found = _build(service, parameter, value, account)
        except ModelError:
            found = _build(service, "", "*", account)
        if len(_CACHE) < 500_000:
            _CACHE[key] = found
    return found


def _build(service: str, parameter: str, value: str, account: str) -> Target:
    scoped = account if account.isdigit() and len(account) == 12 else ""
    if service == "iam" or parameter == "roleArn":
        principal = _iam_principal(parameter, value, scoped)
        if principal is not None:
            return principal
    if parameter == "accessKeyId":
        return Target(ids.aws_key(value), NodeKind.CREDENTIAL, value, "aws.access_key", scoped)
    if value.startswith("arn:") and parameter != "queueUrl":
        policy_target = resource_target(value, service, scoped)
        return Target(
            policy_target.id, NodeKind.RESOURCE, policy_target.name, policy_target.subtype, policy_target.account
        )
    if value == "*":
        policy_target = resource_target("*", service, scoped)
        return Target(policy_target.id, NodeKind.RESOURCE, policy_target.name, policy_target.subtype, scoped)
    if service == "s3":
        return Target(ids.aws_resource(value, "s3"), NodeKind.RESOURCE, value, "aws.s3.bucket", "")
    kind = {"instanceId": "instance/", "instanceIds": "instance/", "instancesSet": "instance/"}.get(parameter, "")
    subtype = f"aws.{service}.instance" if kind else f"aws.{service}"
    return Target(ids.aws_resource(kind + value, service, scoped), NodeKind.RESOURCE, kind + value, subtype, scoped)


def _iam_principal(parameter: str, value: str, account: str) -> Target | None:
    if parameter == "roleArn" and value.startswith("arn:aws:iam::"):
        return Target(
            ids.aws_arn(value), NodeKind.IDENTITY, value.rsplit("/", 1)[-1], "aws.iam.role", value.split(":")[4]
        )
    if not account:
        return None
    if parameter == "roleName":
        return Target(ids.aws_role_by_name(account, value), NodeKind.IDENTITY, value, "aws.iam.role", account)
    if parameter in ("userName", "groupName"):
        noun = "user" if parameter == "userName" else "group"
        return Target(
            ids.aws_arn(f"arn:aws:iam::{account}:{noun}/{value}"), NodeKind.IDENTITY, value, f"aws.iam.{noun}", account
        )
    return None
