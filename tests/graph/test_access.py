"""graph/access.py: IAM action and resource patterns, and the calls that need no permission."""

from __future__ import annotations

import pytest

from graph.access import NO_PERMISSION_ACTIONS, action_allowed, iam_action, needs_permission, resource_covers

ACCT = "111122223333"


@pytest.mark.parametrize(
    ("action", "patterns", "allowed"),
    [
        ("ecs:UpdateService", ["ecs:*"], True),
        ("ecs:UpdateService", ["*"], True),
        ("s3:GetObject", ["s3:Get*"], True),
        ("s3:PutObject", ["s3:Get*"], False),
        ("s3:getobject", ["S3:GetObject"], True),  # IAM actions compare case-insensitively
        ("ec2:DescribeInstances", ["*:Describe*"], True),
        ("ec2:DescribeInstances", ["ec2:Describe?nstances"], True),
        ("ec2:DescribeInstances", ["ec2:Describe?"], False),
        ("lambda:UpdateFunctionCode20150331v2", ["lambda:UpdateFunctionCode"], True),  # CloudTrail's API version
        ("iam:ListUsers", ["iam.ListUsers"], False),  # a dot is a dot, not a wildcard
        ("iam:ListUsers", [], False),
    ],
)
def test_action_patterns(action: str, patterns: list[str], allowed: bool) -> None:
    assert action_allowed(action, patterns) is allowed


@pytest.mark.parametrize(
    ("grant", "resource", "covered"),
    [
        (f"aws:res:{ACCT}:ecs:*", f"aws:res:{ACCT}:ecs:payments", True),
        (f"aws:res:{ACCT}:ecs:*", f"aws:res:{ACCT}:ecr:payments", False),  # another service
        (f"aws:res:{ACCT}:ecs:*", "aws:res:999988887777:ecs:payments", False),  # another account
        (f"aws:account:{ACCT}", f"aws:res:{ACCT}:ec2:*", True),
        (f"aws:account:{ACCT}", "aws:res:s3:some-bucket", True),  # buckets have no account in their id
        (f"aws:account:{ACCT}", "aws:res:999988887777:ec2:*", False),
        ("aws:res:*:*", "aws:res:999988887777:ec2:instance/i-0abc", True),
        (f"aws:res:{ACCT}:s3:*", "aws:res:s3:some-bucket", True),
        ("aws:res:s3:logs-*", "aws:res:s3:logs-2025", True),
        ("aws:res:s3:logs-*", "aws:res:s3:Logs-2025", False),  # resource names are case-sensitive
        (f"aws:res:{ACCT}:secretsmanager:secret:app/*", f"aws:res:{ACCT}:secretsmanager:secret:app/db-AbC123", True),
        (f"aws:res:{ACCT}:secretsmanager:secret:app/*", f"aws:res:{ACCT}:secretsmanager:secret:other/db", False),
        (f"aws:res:{ACCT}:sqs:queue-?", f"aws:res:{ACCT}:sqs:queue-1", True),
        (f"aws:res:{ACCT}:sqs:queue-?", f"aws:res:{ACCT}:sqs:queue-12", False),
        (f"aws:res:{ACCT}:ecs:*", "k8s:prod:res:default/pods", False),  # not an AWS resource
        ("k8s:prod:res:default/*", "k8s:prod:res:default/pods", False),  # only AWS patterns widen
    ],
)
def test_resource_patterns(grant: str, resource: str, covered: bool) -> None:
    assert resource_covers(grant, resource) is covered


def test_no_permission_calls_are_declared_once_with_their_source() -> None:
    assert not needs_permission("sts:GetCallerIdentity")
    assert not needs_permission("STS:getcalleridentity")
    assert needs_permission("sts:GetFederationToken") and needs_permission("sts:AssumeRole")
    assert all(action == action.lower() and ":" in action for action in NO_PERMISSION_ACTIONS)
    assert all(source.startswith("https://docs.aws.amazon.com/") for source in NO_PERMISSION_ACTIONS.values())
    assert iam_action("lambda:Invoke20150331") == "lambda:Invoke"
    assert iam_action("ec2:RunInstances") == "ec2:RunInstances"
