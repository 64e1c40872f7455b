"""AWS ids: accounts, principals and resources by ARN, access keys, credential-report key slots.

Correlation rules (each tested with two real files that must meet, tests/loaders/aws/):

- AWS principals: an ARN in CloudTrail `userIdentity` (or `sessionContext.sessionIssuer`),
  the IAM export's `Arn` and a workflow's `role-to-assume` are the same `aws:arn:...` id. An
  assumed-role ARN (`arn:aws:sts::A:assumed-role/R/S`) names the role `arn:aws:iam::A:role/R`.
  IAM users, roles and groups are named in their account without their path
  (`role/aws-reserved/sso.amazonaws.com/R` is `role/R`): IAM names are unique per account
  whatever the path, and CloudTrail prints the path in `sessionIssuer` but never in an
  assumed-role ARN, so an id that kept the path would split one role in two. The path stays a
  property. ARNs are case-sensitive except the service and partition. Malformed assumed-role
  ARNs seen in real test data are normalised when they still name one role — no session name
  (`assumed-role/R`), or the `iam` service in place of `sts` — and `aws_arn_repair` says why,
  so loaders can count them; any other malformed ARN raises.
- AWS access keys: the key id from the credential report, CloudTrail `accessKeyId`,
  `responseElements.accessKey.accessKeyId` and a scanner finding is `aws:key:<KEY ID>`
  (upper case). A credential-report slot (`aws:keyslot:<user arn>#<1|2>`) names no key id; it
  meets its key through `same_as` (docs/graph-conventions.md).
- Resources: a target named by ARN is that ARN's id; one named by service and name is
  `aws:res:<account>:<service>:<name>`, so CloudTrail's TOUCHED and IAM's CAN_ACCESS meet.
"""

from __future__ import annotations

import re

from graph.errors import ModelError, quoted
from graph.ids._base import require

__all__ = [
    "aws_account",
    "aws_arn",
    "aws_arn_account",
    "aws_arn_repair",
    "aws_key",
    "aws_key_slot",
    "aws_principal",
    "aws_resource",
    "aws_role_by_name",
    "aws_service",
    "ec2_instance",
]

_ACCESS_KEY = re.compile(r"^(AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{12,124}$")
_ACCOUNT = re.compile(r"^\d{12}$")
_ARN = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|aws|)?:(.+)$", re.I)
_ASSUMED = re.compile(r"^arn:([^:]+):sts::(\d{12}):assumed-role/([^/]+)/(.+)$")
# assumed-role ARNs written by hand that still name one role: no session, or `iam` for `sts`
_ASSUMED_LOOSE = re.compile(r"^arn:([^:]+):(?:sts|iam)::(\d{12}):assumed-role/([^/]+)(?:/(.*))?$", re.I)
_NAMED_IN_ACCOUNT = re.compile(r"^(user|role|group)/(?:.*/)?([^/]+)$")


def aws_account(account_id: str) -> str:
    text = str(account_id).strip()
    if not _ACCOUNT.match(text):
        raise ModelError(f"malformed AWS account id {quoted(account_id)}")
    return f"aws:account:{text}"


def aws_key(key_id: str) -> str:
    text = key_id.strip().upper()
    if not _ACCESS_KEY.match(text):
        raise ModelError(f"malformed AWS access key id {quoted(key_id)}")
    return f"aws:key:{text}"


def aws_key_slot(user_arn: str, slot: int) -> str:
    """An access-key slot (1 or 2) of an IAM user as the credential report lists it: the report
    names no key id, so a slot only meets its key id through `same_as` (see loaders/aws/cloudtrail/)."""
    if slot not in (1, 2):
        raise ModelError(f"malformed access-key slot {quoted(slot)}")
    return f"aws:keyslot:{aws_arn(user_arn).removeprefix('aws:arn:')}#{slot}"


def aws_service(principal: str) -> str:
    """An AWS service principal of a trust policy or `invokedBy`, e.g. `aws:service:ec2.amazonaws.com`."""
    return f"aws:service:{require(principal, 'service principal').lower()}"


def aws_arn(arn: str) -> str:
    """An ARN as an id; assumed-role session ARNs collapse to their role, IAM users, roles and
    groups drop their path (see the module rules)."""
    text = require(arn, "ARN")
    assumed = _ASSUMED.match(text) or _ASSUMED_LOOSE.match(text)
    if assumed:
        partition, account, role = assumed.group(1).lower(), assumed.group(2), assumed.group(3)
        return f"aws:arn:arn:{partition}:iam::{account}:role/{role}"
    match = _ARN.match(text)
    if not match:
        raise ModelError(f"malformed ARN {quoted(arn)}")
    partition, service = match.group(1).lower(), match.group(2).lower()
    rest = text.split(":", 3)[3]
    if service == "iam":
        account, resource = rest.split(":", 2)[1:]
        named = _NAMED_IN_ACCOUNT.match(resource)
        if named:
            rest = f":{account}:{named.group(1)}/{named.group(2)}"
    return f"aws:arn:arn:{partition}:{service}:{rest}"


def aws_arn_repair(arn: str) -> str:
    """Why `aws_arn` had to normalise a malformed ARN ('' when it was well formed): loaders count
    these in the load summary rather than let a hand-written ARN pass unnoticed."""
    text = arn.strip()
    if _ASSUMED.match(text) or not _ASSUMED_LOOSE.match(text):
        return ""
    if text.split(":")[2].lower() != "sts":
        return "assumed-role ARN under the iam service (read as sts)"
    return "assumed-role ARN without a session name (read as the role)"


def aws_arn_account(node_id: str) -> str:
    """The 12-digit account an `aws:arn:` id names, '' when it names none (an AWS-managed policy,
    an S3 bucket): a node's `account` property is always this, so it never contradicts its id."""
    parts = node_id.removeprefix("aws:arn:").split(":")
    account = parts[4] if len(parts) > 5 else ""
    return account if _ACCOUNT.match(account) else ""


def aws_principal(arn: str) -> str:
    """Same as aws_arn; named for call sites that read a trust-policy or userIdentity principal."""
    return aws_arn(arn)


def aws_role_by_name(account_id: str, name: str) -> str:
    """A role known only by name (path unknown): the path-less ARN, as CloudTrail reports it."""
    require(name, "role name")
    return f"aws:arn:arn:aws:iam::{aws_account(account_id).split(':')[-1]}:role/{name.strip()}"


def aws_resource(arn_or_name: str, service: str = "", account: str = "") -> str:
    """A target resource: its ARN when the source gives one, else service + name in the account."""
    text = require(arn_or_name, "resource")
    if text.startswith("arn:"):
        return aws_arn(text)
    scope = f"{account}:" if account else ""
    return f"aws:res:{scope}{service.lower() or 'unknown'}:{text}"


def ec2_instance(account_id: str, region: str, instance_id: str) -> str:
    return aws_arn(f"arn:aws:ec2:{region}:{account_id}:instance/{require(instance_id, 'instance id')}")
