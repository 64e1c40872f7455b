"""Whether an AWS identity is a person's or a machine's, and who owns it, from what its name and
path say.

Shared by every AWS source that meets a role (the IAM export, CloudTrail's callers), so an SSO
role is the people's, and a service-linked role AWS's, whichever file named it first.
"""

from __future__ import annotations

__all__ = [
    "SERVICE_LINKED_PATH",
    "SERVICE_LINKED_PREFIX",
    "SERVICE_LINKED_PROPS",
    "SSO_PATH",
    "SSO_PREFIX",
    "SSO_REASON",
    "service_linked_role",
    "sso_role",
]

SSO_PATH = "/aws-reserved/sso.amazonaws.com/"
SSO_PREFIX = "AWSReservedSSO_"
SSO_REASON = "IAM Identity Center permission-set role: people sign in through it"

SERVICE_LINKED_PATH = "/aws-service-role/"
SERVICE_LINKED_PREFIX = "AWSServiceRoleFor"
SERVICE_LINKED_PROPS: dict[str, str] = {
    "nature": "machine",
    "nature_reason": "AWS service-linked role: an AWS service creates it, alone can assume it, and deletes it",
    "managed_by": "aws",
}
"""What a service-linked role is: AWS answers for it (`managed_by`), so it needs no owner in the
estate; what it can reach is still its blast radius."""


def sso_role(name: str, path: str = "") -> bool:
    """An IAM Identity Center permission-set role: people sign in through it (`human`)."""
    return path.startswith(SSO_PATH) or name.startswith(SSO_PREFIX)


def service_linked_role(name: str, path: str = "") -> bool:
    """A service-linked role (`/aws-service-role/<service>/AWSServiceRoleFor…`): AWS's own."""
    return path.startswith(SERVICE_LINKED_PATH) or name.startswith(SERVICE_LINKED_PREFIX)
