"""AWS subtypes: IAM principals, keys and key slots, CloudTrail sessions and changes, resources.

Resource subtypes are named after what the policy or event names: `aws.<service>` for a
service's resources as a whole, `aws.<service>.<resource type>` for one (`aws.s3.bucket`).
"""

from __future__ import annotations

from enum import StrEnum

from graph.schema import NodeKind
from graph.values._registry import Subtype, SubtypeFamily

__all__ = ["SUBTYPES", "AwsSubtype"]


class AwsSubtype(StrEnum):
    IAM_USER = "aws.iam.user"
    IAM_ROLE = "aws.iam.role"
    IAM_GROUP = "aws.iam.group"
    IAM_ROOT = "aws.iam.root"
    IAM_OIDC_PROVIDER = "aws.iam.oidc_provider"
    IAM_SAML_PROVIDER = "aws.iam.saml_provider"
    SERVICE = "aws.service"
    ACCOUNT = "aws.account"
    ACCESS_KEY = "aws.access_key"
    ACCESS_KEY_SLOT = "aws.access_key_slot"
    EC2_INSTANCE = "aws.ec2.instance"
    CLOUDTRAIL_SESSION = "aws.cloudtrail.session"
    CLOUDTRAIL_CHANGE = "aws.cloudtrail.change"


_N, _S = NodeKind, AwsSubtype
SUBTYPES = (
    # An IAM role is also a Resource when a policy grants access to it (iam:PassRole, sts:AssumeRole).
    Subtype(_S.IAM_USER, (_N.IDENTITY,), "an IAM user"),
    Subtype(_S.IAM_ROLE, (_N.IDENTITY, _N.RESOURCE), "an IAM role (a Resource as a grant's target)"),
    Subtype(_S.IAM_GROUP, (_N.IDENTITY,), "an IAM group"),
    Subtype(_S.IAM_ROOT, (_N.IDENTITY,), "an account's root user"),
    Subtype(_S.IAM_OIDC_PROVIDER, (_N.IDENTITY,), "an IAM OIDC identity provider"),
    Subtype(_S.IAM_SAML_PROVIDER, (_N.IDENTITY,), "an IAM SAML identity provider"),
    Subtype(_S.SERVICE, (_N.IDENTITY,), "an AWS service principal"),
    Subtype(_S.ACCOUNT, (_N.RESOURCE,), "an AWS account"),
    Subtype(_S.ACCESS_KEY, (_N.CREDENTIAL,), "an access key, by key id"),
    Subtype(_S.ACCESS_KEY_SLOT, (_N.CREDENTIAL,), "a credential-report key slot (no key id)"),
    Subtype(_S.EC2_INSTANCE, (_N.WORKLOAD,), "an EC2 instance"),
    Subtype(_S.CLOUDTRAIL_SESSION, (_N.SESSION,), "one credential's activity in CloudTrail"),
    Subtype(_S.CLOUDTRAIL_CHANGE, (_N.CHANGE,), "a permission or lifecycle event in CloudTrail"),
    SubtypeFamily(
        "aws.<service>[.<resource type>]",
        r"aws\.[a-z0-9-]+(\.[a-z0-9-]+)?",
        (_N.RESOURCE,),
        "a service's resources, or one resource type of it, as a policy or event names them",
    ),
)
