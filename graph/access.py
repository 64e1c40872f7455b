"""Whether a grant covers what was done: IAM action and resource patterns, and the calls that need no permission.

A CAN_ACCESS edge names its target as the policy wrote it (loaders/aws/policy.py): `ecs:*` on
`*` is the Resource `aws:res:<account>:ecs:*`, `*` on `*` the account itself, an ARN pattern
`aws:res:<account>:<service>:<pattern>`; its `actions` are the policy's action patterns
(`s3:Get*`, `ecs:*`, `*`). A TOUCHED edge names the concrete resource a call hit and the calls'
names (`ecs:UpdateService`). Granted and used meet when the grant's resource pattern covers the
touched resource and one of its action patterns matches the call: IAM wildcards are `*` (any
run of characters) and `?` (one), actions compare case-insensitively, resource names
case-sensitively (ARNs are). Some calls need no permission at all; they are listed once, in
NO_PERMISSION_ACTIONS, each with the AWS documentation that says so, and are never "touched but
not granted". Conditions, boundaries and SCPs are not evaluated (as in loaders/aws/policy.py):
coverage can overstate what was allowed, never understate it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Final

__all__ = [
    "NO_PERMISSION_ACTIONS",
    "action_allowed",
    "iam_action",
    "needs_permission",
    "resource_covers",
]

_GUIDE: Final = "https://docs.aws.amazon.com/IAM/latest/UserGuide/"
_STS: Final = "https://docs.aws.amazon.com/STS/latest/APIReference/"
NO_PERMISSION_ACTIONS: Final[Mapping[str, str]] = {
    # lower-cased IAM action -> where AWS documents that it needs no permission
    "sts:getcalleridentity": f"{_STS}API_GetCallerIdentity.html: 'No permissions are required to perform this "
    "operation' (an explicit deny does not stop it)",
    "sts:getsessiontoken": f"{_GUIDE}id_credentials_temp_control-access_getsessiontoken.html: 'No permissions are "
    "required for a user to get a session token ... You cannot use policies to control authentication operations'",
    "sts:assumerolewithwebidentity": f"{_STS}API_AssumeRoleWithWebIdentity.html: 'Calling "
    "AssumeRoleWithWebIdentity does not require the use of AWS security credentials' (the role's trust policy decides)",
    "sts:assumerolewithsaml": f"{_STS}API_AssumeRoleWithSAML.html: 'Calling AssumeRoleWithSAML does not require "
    "the use of AWS security credentials' (the role's trust policy decides)",
    "signin:consolelogin": f"{_GUIDE}cloudtrail-integration.html (sign-in events): a console "
    "sign-in is authentication, recorded by CloudTrail, not an API call an identity policy authorizes",
}
# CloudTrail names some Lambda calls with their API version (UpdateFunctionCode20150331v2); the
# IAM action is the name without it.
_API_VERSION: Final = re.compile(r"(?<=[a-z])20\d{6}(?:v\d+)?$", re.IGNORECASE)
_RESOURCE: Final = "aws:res:"
_ACCOUNT: Final = "aws:account:"
_VAULT: Final = "vault:path:"


def iam_action(action: str) -> str:
    """The IAM action a recorded call needs (`service:Name`, API-version suffix dropped)."""
    return _API_VERSION.sub("", action)


def needs_permission(action: str) -> bool:
    return iam_action(action).lower() not in NO_PERMISSION_ACTIONS


@lru_cache(maxsize=4096)
@lru_cache(maxsize=4096)
def _vault_glob(pattern: str) -> re.Pattern[str]:
    """A Vault policy path: `+` is one path segment, a trailing `*` any suffix (docs: policies)."""
    star = pattern.endswith("*")
    body = re.escape(pattern[:-1] if star else pattern).replace(r"\+", "[^/]+")
    return re.compile(body + (".*" if star else ""))


def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    text = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile(text, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def action_allowed(action: str, patterns: Iterable[str]) -> bool:
    """True when one IAM action pattern (`*`, `s3:*`, `s3:Get*`, `ec2:Describe?nstances`) matches the call."""
    wanted = iam_action(action)
    return any(_glob(p, True).fullmatch(wanted) for p in patterns)


def _parts(node_id: str) -> tuple[str, str, str] | None:
    """(account or "", service, name) of an `aws:res:` id (graph/ids/aws.py aws_resource), else None."""
    if not node_id.startswith(_RESOURCE):
        return None
    head, _, rest = node_id[len(_RESOURCE) :].partition(":")
    if len(head) == 12 and head.isdigit():
        service, _, name = rest.partition(":")
        return head, service, name
    return "", head, rest


def resource_covers(grant_target: str, resource: str) -> bool:
    """True when a grant's target (as the policy wrote it) includes the touched resource.

    The account Resource (`*` on `*`) covers every resource of its account and the account-less
    ones (S3 buckets); `aws:res:*:*` (no account known) covers every AWS resource; a service
    pattern covers the resources of that service whose name it matches, in its account (a side
    with no account, like an S3 bucket, matches any). A Vault path pattern covers the paths it
    matches by Vault's rules (loaders/vault/grants.py)."""
    if grant_target == resource:
        return True
    if grant_target.startswith(_VAULT) and resource.startswith(_VAULT):
        return bool(_vault_glob(grant_target[len(_VAULT) :]).fullmatch(resource[len(_VAULT) :]))
    touched = _parts(resource)
    if touched is None:
        return False
    if grant_target.startswith(_ACCOUNT):
        return touched[0] in ("", grant_target[len(_ACCOUNT) :])
    granted = _parts(grant_target)
    if granted is None:
        return False
    account, service, pattern = granted
    if service == "*":
        return not account or touched[0] in ("", account)
    if service != touched[1] or (account and touched[0] and account != touched[0]):
        return False
    return bool(_glob(pattern, False).fullmatch(touched[2]))
