"""Whether an AWS identity is a person's or a machine's, from what its name and path say.

Shared by every AWS source that meets a role (the IAM export, CloudTrail's callers), so an SSO
role is the people's whichever file named it first.
"""

from __future__ import annotations

__all__ = ["SSO_PATH", "SSO_PREFIX", "SSO_REASON", "sso_role"]

SSO_PATH = "/aws-reserved/sso.amazonaws.com/"
SSO_PREFIX = "AWSReservedSSO_"
SSO_REASON = "IAM Identity Center permission-set role: people sign in through it"


def sso_role(name: str, path: str = "") -> bool:
    """An IAM Identity Center permission-set role: people sign in through it (`human`)."""
    return path.startswith(SSO_PATH) or name.startswith(SSO_PREFIX)
