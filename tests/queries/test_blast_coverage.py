"""Blast radius: touched calls meet wildcard and resource-pattern grants; calls that need no permission never count.

Loaded through the real loaders on both stores: an IAM export and a CloudTrail trail written in
their real formats (one user whose policy grants `ecs:*`, `s3:Get*` on `logs-*` buckets and one
secret path; its key calls inside and outside those grants), and the real corpus' cloudsplaining
export with a trail of its `MyRole` and `biden` (explicit EC2 actions, `lambda:*` from
AWSLambdaFullAccess) plus Stratus Red Team's stolen instance credentials.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from graph import ids
from graph.store import GraphStore
from queries.blast import ReachedResource, blast_radius
from tests.conftest import need_corpus
from tests.loader_helpers import load

ACCT = "111122223333"
USER = f"arn:aws:iam::{ACCT}:user/svc-deploy"
KEY = "AKIAEXAMPLECOVERAGE01"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "ecs:*", "Resource": "*"},
        {"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "arn:aws:s3:::logs-*"},
        {
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": f"arn:aws:secretsmanager:us-east-1:{ACCT}:secret:app/*",
        },
    ],
}
SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCT}:secret:"


def _export(users: list[dict[str, Any]]) -> bytes:
    return orjson.dumps({"UserDetailList": users, "GroupDetailList": [], "RoleDetailList": [], "Policies": []})


def _user() -> dict[str, Any]:
    return {
        "Arn": USER,
        "UserName": "svc-deploy",
        "UserId": "AIDAEXAMPLECOVERAGE1",
        "Path": "/",
        "CreateDate": "2024-01-01T00:00:00+00:00",
        "GroupList": [],
        "AttachedManagedPolicies": [],
        "UserPolicyList": [{"PolicyName": "deploy", "PolicyDocument": POLICY}],
    }


def event(
    number: int, at: str, call: str, parameters: dict[str, Any] | None, identity: dict[str, Any]
) -> dict[str, Any]:
    service, name = call.split(":", 1)
    return {
        "eventVersion": "1.09",
        "eventID": f"coverage-{number:04d}",
        "eventTime": at,
        "eventSource": f"{service}.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.90",
        "userAgent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.1",
        "requestParameters": parameters,
        "responseElements": None,
        "recipientAccountId": identity["accountId"],
        "eventType": "AwsApiCall",
        "userIdentity": identity,
    }


def _trail(tmp_path: Path, calls: list[tuple[str, dict[str, Any] | None]], identity: dict[str, Any]) -> Path:
    records = [event(n, f"2025-01-10T10:{n:02d}:00Z", call, params, identity) for n, (call, params) in enumerate(calls)]
    path = tmp_path / "trail.json"
    path.write_bytes(orjson.dumps({"Records": records}))
    return path


def _rows(store: GraphStore, subject: str) -> dict[str, ReachedResource]:
    return {r.resource.id: r for r in blast_radius(store, subject).resources}


def test_touched_calls_meet_wildcard_and_pattern_grants(store: GraphStore, tmp_path: Path) -> None:
    iam = tmp_path / "iam.json"
    iam.write_bytes(_export([_user()]))
    identity = {
        "type": "IAMUser",
        "principalId": "AIDAEXAMPLECOVERAGE1",
        "arn": USER,
        "accountId": ACCT,
        "accessKeyId": KEY,
        "userName": "svc-deploy",
    }
    calls = [
        ("sts:GetCallerIdentity", None),
        ("ecs:UpdateService", {"cluster": "payments", "service": "api"}),
        ("s3:GetObject", {"bucketName": "logs-2025", "key": "a.log"}),
        ("s3:PutObject", {"bucketName": "logs-2025", "key": "b.log"}),  # Get*/List* only
        ("secretsmanager:GetSecretValue", {"secretId": SECRET + "app/db-AbC123"}),
        ("secretsmanager:GetSecretValue", {"secretId": SECRET + "other/db-XyZ789"}),  # outside app/*
        ("iam:ListUsers", None),  # nothing grants iam
    ]
    load(store, iam, _trail(tmp_path, calls, identity))
    result = blast_radius(store, ids.aws_key(KEY))
    rows = {r.resource.id: r for r in result.resources}
    ecs = rows[ids.aws_resource("payments", "ecs", ACCT)]
    assert (ecs.level, ecs.granted_via, ecs.ungranted_actions) == ("write", [ids.aws_resource("*", "ecs", ACCT)], [])
    assert ecs.granted_by == [ids.aws_arn(USER)] and ecs.depth == 2
    sts = rows[ids.aws_resource("*", "sts", ACCT)]
    assert (sts.level, sts.ungranted_actions, sts.no_permission_actions) == ("none", [], ["sts:GetCallerIdentity"])
    bucket = rows[ids.aws_resource("logs-2025", "s3")]
    assert bucket.level == "read" and bucket.ungranted_actions == ["s3:PutObject"]
    assert bucket.granted_via == [ids.aws_resource("logs-*", "s3")]
    app = rows[ids.aws_resource("secret:app/db-AbC123", "secretsmanager", ACCT)]
    assert (app.level, app.ungranted_actions) == ("read", [])
    other = rows[ids.aws_resource("secret:other/db-XyZ789", "secretsmanager", ACCT)]
    assert (other.level, other.granted_via, other.ungranted_actions) == ("none", [], ["secretsmanager:GetSecretValue"])
    iam_row = rows[ids.aws_resource("*", "iam", ACCT)]
    assert iam_row.ungranted_actions == ["iam:ListUsers"]
    # touched but not granted: the PutObject bucket, the other secret, iam — never sts, ecs or the app secret
    assert result.summary.touched_ungranted == 3
    assert result.summary.touched == 6
    # a pattern used on its resources is not "granted but never touched"
    assert rows[ids.aws_resource("*", "ecs", ACCT)].used_through == [ecs.resource.id]
    assert rows[ids.aws_resource("logs-*", "s3")].used_through == [bucket.resource.id]
    assert result.summary.granted_untouched == 0


def test_corpus_iam_export_grants_meet_a_trail_of_its_identities(store: GraphStore, tmp_path: Path) -> None:
    """cloudsplaining's export: MyRole's inline policy lists EC2 actions on `*`; biden has
    AWSLambdaFullAccess (`lambda:*`). Their calls on concrete resources are granted through those
    patterns, except the EC2 call the role's policy does not list."""
    corpus = need_corpus()
    account = "012345678901"
    role = f"arn:aws:iam::{account}:role/MyRole"
    as_role = {
        "type": "AssumedRole",
        "principalId": "AROAEXAMPLEMYROLE:ops",
        "accountId": account,
        "arn": f"arn:aws:sts::{account}:assumed-role/MyRole/ops",
        "accessKeyId": "ASIAEXAMPLEMYROLE001",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAEXAMPLEMYROLE",
                "arn": role,
                "accountId": account,
                "userName": "MyRole",
            }
        },
    }
    calls = [
        ("sts:GetCallerIdentity", None),
        ("ec2:AssociateIamInstanceProfile", {"instanceId": "i-0123456789abcdef0"}),
        ("ec2:TerminateInstances", {"instancesSet": {"items": [{"instanceId": "i-0123456789abcdef0"}]}}),
    ]
    role_trail = _trail(tmp_path, calls, as_role)
    as_biden = {
        "type": "IAMUser",
        "principalId": "AIDAEXAMPLEBIDEN0001",
        "arn": f"arn:aws:iam::{account}:user/biden",
        "accountId": account,
        "accessKeyId": "AKIAEXAMPLEBIDEN0001",
        "userName": "biden",
    }
    (tmp_path / "biden").mkdir()
    biden_trail = _trail(
        tmp_path / "biden", [("lambda:UpdateFunctionCode20150331v2", {"functionName": "web-router"})], as_biden
    )
    load(store, corpus / "iam_authz" / "cloudsplaining__test-example-authz-details.json", role_trail, biden_trail)
    rows = _rows(store, ids.aws_arn(role))
    instance = rows[ids.aws_resource("instance/i-0123456789abcdef0", "ec2", account)]
    assert instance.granted_via == [ids.aws_resource("*", "ec2", account)]
    assert instance.ungranted_actions == ["ec2:TerminateInstances"]  # the policy lists Associate, not Terminate
    assert rows[ids.aws_resource("*", "sts", account)].no_permission_actions == ["sts:GetCallerIdentity"]
    function = _rows(store, ids.aws_arn(f"arn:aws:iam::{account}:user/biden"))[
        ids.aws_resource("web-router", "lambda", account)
    ]
    assert (function.level, function.ungranted_actions) == ("write", [])


def test_corpus_stolen_instance_credentials_count_only_calls_that_need_permission(store: GraphStore) -> None:
    """Stratus Red Team: the stolen instance role calls GetCallerIdentity and DescribeInstances;
    no export grants the role anything, so DescribeInstances is touched-not-granted and
    GetCallerIdentity (no permission needed) is not."""
    corpus = need_corpus()
    load(store, corpus / "cloudtrail" / "stratus__aws.credential-access.ec2-steal-instance-credentials.json")
    account = "017622104382"
    result = blast_radius(
        store, ids.aws_arn(f"arn:aws:iam::{account}:role/stratus-red-team-ec2-steal-credentials-role")
    )
    rows = {r.resource.id: r for r in result.resources}
    assert rows[ids.aws_resource("*", "sts", account)].no_permission_actions == ["sts:GetCallerIdentity"]
    assert rows[ids.aws_resource("*", "ec2", account)].ungranted_actions == ["ec2:DescribeInstances"]
    assert result.summary.touched_ungranted == 1
