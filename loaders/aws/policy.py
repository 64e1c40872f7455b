"""IAM policy documents → what they grant: per target resource, an access level and the actions.

Pure analysis shared by the IAM export loader (identity policies) and anything else that reads
an IAM policy document. A statement's actions are classified per action:

- `admin`: `*`, `iam:*`, `sts:AssumeRole*` on `*`, and the privilege-escalation IAM verbs
  (`iam:Put*Policy`, `iam:Attach*Policy`, `iam:PassRole`, `iam:CreatePolicyVersion`,
  `iam:CreateAccessKey`, `iam:*LoginProfile`, `iam:UpdateAssumeRolePolicy`,
  `iam:AddUserToGroup`) on `*`;
- `read`: verbs starting Get/List/Describe/Head/... (a wildcard such as `s3:Get*` counts by
  its prefix);
- `write`: everything else, including `service:*` (flagged `wildcard`).

Targets: `*` is the service within the account (`aws:res:<account>:<service>:*`); an action
of every service (`*`, `*:Get*`) on `*` targets the account Resource itself; a specific ARN is
`aws:res:<account>:<service>:<resource>` (S3: `aws:res:s3:<bucket>`, objects fold into their
bucket). Targets never reuse the `aws:arn:` ids of identities or instances, so a policy that
names a role or an instance cannot clash with the Identity or Workload node of that ARN.

Deny: an explicit unconditional Deny removes an allowed (action, resource) pair when the deny's
action pattern matches the allowed action text and its resource pattern matches the allowed
resource. Limits, on purpose: a partial deny does not narrow a wider allow (`Deny s3:Delete*`
leaves `Allow s3:*` standing as written), conditional denies, NotAction/NotResource denies,
permission boundaries and SCPs are not applied, and an Allow with NotAction is read as `*`.
The result can therefore overstate access, never understate it.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from graph import ids

__all__ = [
    "AWS_MANAGED_POLICIES",
    "Grant",
    "Target",
    "action_level",
    "analyse_policy",
    "as_list",
    "merge_grants",
    "resource_target",
]

LEVELS = ("read", "write", "admin")
_READ_PREFIXES = (
    "get",
    "list",
    "describe",
    "head",
    "lookup",
    "search",
    "scan",
    "query",
    "select",
    "batchget",
    "view",
    "check",
    "read",
    "download",
    "filter",
    "test",
    "estimate",
    "validate",
)
_ESCALATION = (
    "iam:put*policy",
    "iam:attach*policy",
    "iam:passrole",
    "iam:createpolicyversion",
    "iam:setdefaultpolicyversion",
    "iam:createaccesskey",
    "iam:*loginprofile",
    "iam:updateassumerolepolicy",
    "iam:addusertogroup",
    "sts:assumerole*",
)

_S = "Statement"
# AWS-managed policies known by name when the export does not include their documents.
# Simplified to the statements that decide the level; their conditional iam:PassRole grants
# (restricted to one service by a Condition) are left out rather than read as admin.
AWS_MANAGED_POLICIES: Mapping[str, Mapping[str, object]] = {
    "AdministratorAccess": {_S: [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    "PowerUserAccess": {
        _S: [{"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"}]
    },
    "ReadOnlyAccess": {_S: [{"Effect": "Allow", "Action": ["*:Get*", "*:List*", "*:Describe*"], "Resource": "*"}]},
    "ViewOnlyAccess": {_S: [{"Effect": "Allow", "Action": ["*:List*", "*:Describe*"], "Resource": "*"}]},
    "SecurityAudit": {_S: [{"Effect": "Allow", "Action": ["*:Get*", "*:List*", "*:Describe*"], "Resource": "*"}]},
    "IAMFullAccess": {_S: [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]},
    "IAMReadOnlyAccess": {_S: [{"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}]},
    "AmazonS3FullAccess": {_S: [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]},
    "AmazonS3ReadOnlyAccess": {_S: [{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}]},
    "AmazonEC2FullAccess": {_S: [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]},
    "AmazonEC2ReadOnlyAccess": {_S: [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]},
    "AmazonECS_FullAccess": {_S: [{"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}]},
    "AmazonRDSFullAccess": {_S: [{"Effect": "Allow", "Action": "rds:*", "Resource": "*"}]},
    "AWSLambda_FullAccess": {_S: [{"Effect": "Allow", "Action": "lambda:*", "Resource": "*"}]},
    "AWSLambdaFullAccess": {_S: [{"Effect": "Allow", "Action": "lambda:*", "Resource": "*"}]},
    "SecretsManagerReadWrite": {_S: [{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}]},
    "AmazonDynamoDBFullAccess": {_S: [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]},
    "AmazonSSMFullAccess": {_S: [{"Effect": "Allow", "Action": "ssm:*", "Resource": "*"}]},
}


@dataclass(frozen=True, slots=True)
class Target:
    """A Resource node a grant points at."""

    id: str
    name: str
    subtype: str
    account: str
    service: str
    arn: str = ""


@dataclass(slots=True)
class Grant:
    """What one identity may do on one target, merged over statements and policies."""

    target: Target
    level: str
    actions: set[str] = field(default_factory=set)
    policies: set[str] = field(default_factory=set)
    wildcard: bool = False


def as_list(value: object) -> list[str]:
    """A policy element that IAM lets be one string or a list of them (Action, Resource,
    Principal entries, condition values), as a list; anything else is empty."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _statements(document: object) -> list[Mapping[str, object]]:
    if not isinstance(document, Mapping):
        return []
    raw = document.get("Statement")
    items = raw if isinstance(raw, list) else [raw]
    return [s for s in items if isinstance(s, Mapping)]


def action_level(action: str, resource: str) -> str:
    """read | write | admin for one action pattern on one resource pattern (module rules)."""
    text = action.lower()
    if text in ("*", "*:*", "iam:*"):
        return "admin"
    if resource == "*" and any(fnmatch.fnmatchcase(text, p) or text == p for p in _ESCALATION):
        return "admin"
    verb = text.split(":", 1)[1] if ":" in text else text
    if verb != "*" and verb.startswith(_READ_PREFIXES):
        return "read"
    return "write"


def resource_target(resource: str, service: str, account: str) -> Target:
    """The Resource node for a resource pattern of a statement (see the module rules)."""
    if resource == "*" or not resource.startswith("arn:"):
        if service == "*":
            return _account_target(account)
        name = resource if resource != "*" else "*"
        return Target(
            id=ids.aws_resource(name, service, account),
            name=f"{service}:{name}" + (f" in {account}" if account else ""),
            subtype=f"aws.{service}",
            account=account,
            service=service,
        )
    parts = resource.split(":", 5)
    arn_service = parts[2].lower() if len(parts) > 2 else service
    arn_account = parts[4] if len(parts) > 4 and parts[4] else ""
    rest = parts[5] if len(parts) > 5 else resource
    if arn_service == "s3":
        rest, arn_account = rest.split("/", 1)[0], ""
    kind = rest.split("/", 1)[0].split(":", 1)[0] if ("/" in rest or ":" in rest) else arn_service
    return Target(
        id=ids.aws_resource(rest, arn_service, arn_account),
        name=rest,
        subtype=f"aws.{arn_service}.{kind}" if kind != arn_service else f"aws.{arn_service}",
        account=arn_account,
        service=arn_service,
        arn=resource if arn_service != "s3" else f"arn:aws:s3:::{rest}",
    )


def _account_target(account: str) -> Target:
    if account:
        return Target(ids.aws_account(account), account, "aws.account", account, "*")
    return Target(ids.aws_resource("*", "*", ""), "all services", "aws.account", "", "*")


def _denied(action: str, resource: str, denies: list[tuple[list[str], list[str]]]) -> bool:
    low = action.lower()
    for actions, resources in denies:
        if any(fnmatch.fnmatchcase(low, a.lower()) for a in actions) and any(
            fnmatch.fnmatchcase(resource, r) for r in resources
        ):
            return True
    return False


def _unconditional_denies(statements: list[Mapping[str, object]]) -> list[tuple[list[str], list[str]]]:
    denies = []
    for statement in statements:
        if statement.get("Effect") == "Deny" and "Condition" not in statement and "Action" in statement:
            resources = as_list(statement.get("Resource")) or ["*"]
            denies.append((as_list(statement.get("Action")), resources))
    return denies


def _allowed_pairs(statements: list[Mapping[str, object]]) -> Iterator[tuple[str, str, str]]:
    """(action, resource, highest level) per allowed pair; NotAction reads as `*`, capped at
    write when it excludes `iam:*` (PowerUserAccess is not admin)."""
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        cap = "admin"
        if "Action" in statement:
            actions = as_list(statement.get("Action"))
        else:
            actions = ["*"]
            excluded = {a.lower() for a in as_list(statement.get("NotAction"))}
            cap = "write" if {"iam:*", "*"} & excluded else "admin"
        resources = as_list(statement.get("Resource")) if "Resource" in statement else ["*"]
        for action in actions:
            for resource in resources:
                yield action, resource, cap


def analyse_policy(document: object, policy_name: str, account: str) -> list[Grant]:
    """The grants of one policy document, one per target, after explicit unconditional denies."""
    statements = _statements(document)
    denies = _unconditional_denies(statements)
    grants: dict[str, Grant] = {}
    for action, resource, cap in _allowed_pairs(statements):
        if _denied(action, resource, denies):
            continue
        service = action.split(":", 1)[0].lower() if ":" in action else "*"
        target = resource_target(resource, service, account)
        level = min(action_level(action, resource), cap, key=LEVELS.index)
        wildcard = action in ("*", "*:*") or action.endswith(":*")
        grant = grants.get(target.id)
        if grant is None:
            grant = grants[target.id] = Grant(target, level)
        grant.level = max(grant.level, level, key=LEVELS.index)
        grant.actions.add(action)
        grant.policies.add(policy_name)
        grant.wildcard = grant.wildcard or wildcard
    return list(grants.values())


def merge_grants(groups: Iterable[list[Grant]]) -> list[Grant]:
    """Grants of several policies merged per target: highest level, union of actions and policies."""
    merged: dict[str, Grant] = {}
    for grants in groups:
        for grant in grants:
            into = merged.get(grant.target.id)
            if into is None:
                merged[grant.target.id] = Grant(
                    grant.target, grant.level, set(grant.actions), set(grant.policies), grant.wildcard
                )
                continue
            into.level = max(into.level, grant.level, key=LEVELS.index)
            into.actions |= grant.actions
            into.policies |= grant.policies
            into.wildcard = into.wildcard or grant.wildcard
    return [merged[key] for key in sorted(merged)]
