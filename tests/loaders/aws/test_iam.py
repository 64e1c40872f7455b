"""AWS IAM export, credential report and EC2 loaders on the real corpus and on our fixtures."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import orjson
import pytest

from graph import ids
from graph.schema import EdgeKind
from graph.store import GraphStore
from loaders.aws.policy import analyse_policy
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import edges, errors, export_text, load, node

AWS = FIXTURES / "aws"
ACCOUNT = "111122223333"


def role(name: str, path: str = "/") -> str:
    return ids.aws_arn(f"arn:aws:iam::{ACCOUNT}:role{path}{name}")


def user(name: str) -> str:
    return ids.aws_arn(f"arn:aws:iam::{ACCOUNT}:user/{name}")


def test_cloudsplaining_export_groups_trust_and_admin_by_name(store: GraphStore) -> None:
    corpus = need_corpus()
    report = load(store, corpus / "iam_authz" / "cloudsplaining__test-example-authz-details.json")
    assert report.rejected == 0 and not report.failed
    obama = ids.aws_arn("arn:aws:iam::012345678901:user/obama")
    admin_group = ids.aws_arn("arn:aws:iam::012345678901:group/admin")
    assert (obama, admin_group) in edges(store, EdgeKind.MEMBER_OF)
    access = edges(store, EdgeKind.CAN_ACCESS)
    grant = access[(obama, "aws:account:012345678901")]
    assert grant.props["level"] == "admin" and grant.props["wildcard"] is True
    assert "AdministratorAccess" in grant.props["policies"]
    ec2_role = ids.aws_arn("arn:aws:iam::012345678901:role/OverprivilegedEC2")
    trust = edges(store, EdgeKind.CAN_ASSUME)[("aws:service:ec2.amazonaws.com", ec2_role)]
    assert trust.props["via"] == "service"
    assert node(store, ec2_role).props["nature"] == "machine"
    assert node(store, ec2_role).props["instance_profiles"] == [
        "arn:aws:iam::012345678901:instance-profile/OverprivilegedEC2"
    ]


def test_cloudmapper_wildcard_trust_and_star_star_admin(store: GraphStore) -> None:
    corpus = need_corpus()
    load(store, corpus / "iam_authz" / "cloudmapper__iam-get-account-authorization-details.json")
    bad_role = ids.aws_arn("arn:aws:iam::123456789012:role/bad_role")
    assert ("aws:principal:*", bad_role) in edges(store, EdgeKind.CAN_ASSUME)
    assert edges(store, EdgeKind.CAN_ACCESS)[(bad_role, "aws:account:123456789012")].props["level"] == "admin"
    # a path is part of the id, as in CloudTrail's sessionIssuer
    assert node(store, ids.aws_arn("arn:aws:iam::123456789012:role/service-role/level1")).name == "level1"


def test_arns_without_a_numeric_account_are_kept_and_counted(embedded_store: GraphStore) -> None:
    """cloudmapper's demo export writes `aws` where the account goes: kept, and said (issue 17 item 14)."""
    path = need_corpus() / "iam_authz" / "cloudmapper__iam-get-account-authorization-details.json"
    report = load(embedded_store, path)
    (note,) = [n for n in report.notes if n.startswith("aws-iam:")]
    assert "3 identities whose ARN names the account 'aws', not 12 digits" in note and path.name in note
    user = node(embedded_store, "aws:arn:arn:aws:iam::aws:user/USER")
    assert user.props["account"] == "123456789012"  # the account the file's other ARNs name, never 'aws'


def test_fixture_export_trust_kinds_ownership_and_located_rejection(store: GraphStore) -> None:
    report = load(store, AWS / "iam-authorization-details.json")
    assert report.rejected == 1
    assert "record 2" in errors(report)[0] and "field 'UserDetailList[1].Arn' is missing" in errors(report)[0]
    trust = edges(store, EdgeKind.CAN_ASSUME)
    pinned = trust[("github:acme/webapp", role("gha-deploy", "/ci/"))]
    assert pinned.props["subject"] == "repo:acme/webapp:ref:refs/heads/main" and pinned.props["via"] == "oidc"
    provider = ids.aws_arn(f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com")
    assert trust[(provider, role("gha-any", "/ci/"))].props["subject"] == ""
    assert trust[("aws:arn:arn:aws:iam::999988887777:root", role("vendor-audit"))].props["external_id"] is True
    assert trust[("aws:arn:arn:aws:iam::444455556666:root", role("vendor-noext"))].props["external_id"] is False
    owners = edges(store, EdgeKind.OWNS)
    assert owners[("person:dana@example.com", user("svc-deploy"))].props == {
        "provenance": "tag",
        "provenance_detail": "owner-email",
    }
    assert owners[("team:payments", user("svc-deploy"))].props["provenance_detail"] == "team"
    assert "purpose=deploys" in node(store, user("svc-deploy")).props["tags"]
    assert node(store, user("alice@example.com")).props["nature"] == "human"


def test_fixture_levels_group_policies_and_deny() -> None:
    report_store_free = analyse_policy(
        {
            "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:DeleteBucket"], "Resource": "arn:aws:s3:::b/*"},
                {"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"},
            ]
        },
        "p",
        ACCOUNT,
    )
    assert [(g.target.id, g.level, sorted(g.actions)) for g in report_store_free] == [
        ("aws:res:s3:b", "read", ["s3:GetObject"])
    ]
    escalation = analyse_policy(
        {"Statement": {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}}, "p", ACCOUNT
    )
    assert escalation[0].level == "admin"


def test_fixture_user_access_includes_group_policy_known_by_name(embedded_store: GraphStore) -> None:
    load(embedded_store, AWS / "iam-authorization-details.json")
    access = edges(embedded_store, EdgeKind.CAN_ACCESS)
    power = access[(user("svc-deploy"), f"aws:account:{ACCOUNT}")]
    assert power.props["level"] == "write" and power.props["policies"] == ["group:deployers/PowerUserAccess"]
    bucket = access[(user("svc-deploy"), "aws:res:s3:deploy-bucket")]
    assert bucket.props["actions"] == ["s3:GetObject", "s3:PutObject"]  # DeleteBucket denied explicitly
    assert bucket.props["level"] == "write"


def test_credential_report_csv_and_base64_api_json_agree(store: GraphStore, tmp_path: Path) -> None:
    report = load(store, AWS / "credential-report.csv")
    assert report.rejected == 1 and "line 4" in errors(report)[0] and "22 columns" in errors(report)[0]
    slot = node(store, ids.aws_key_slot(f"arn:aws:iam::{ACCOUNT}:user/svc-deploy", 1))
    assert slot.props["status"] == "active" and slot.props["last_rotated"] == "2025-01-10T09:00:00Z"
    assert slot.props["last_used_service"] == "s3" and slot.props["slot"] == 1
    assert node(store, ids.aws_key_slot(f"arn:aws:iam::{ACCOUNT}:user/svc-deploy", 2)).props["status"] == "inactive"
    deploy = node(store, user("svc-deploy"))
    assert deploy.props["nature"] == "machine" and deploy.props["password_enabled"] is False
    alice = node(store, user("alice@example.com"))
    assert alice.props["nature"] == "human" and alice.props["mfa_active"] is True
    root = node(store, ids.aws_arn(f"arn:aws:iam::{ACCOUNT}:root"))
    assert root.subtype == "aws.iam.root" and "password_enabled" not in root.props
    nodes_before = [line for line in store.export() if '"type":"node"' in line]
    assert not load(store, AWS / "credential-report-api.json").failed
    assert [line for line in store.export() if '"type":"node"' in line] == nodes_before  # same facts, base64 form


def test_credential_report_corpus_both_forms(embedded_store: GraphStore) -> None:
    corpus = need_corpus()
    report = load(embedded_store, *sorted((corpus / "iam_credential_report").iterdir()))
    assert report.rejected == 0 and not report.failed
    key2 = node(embedded_store, ids.aws_key_slot("arn:aws:iam::123456789012:user/user", 2))
    assert key2.props["last_used_service"] == "s3" and key2.props["status"] == "active"
    assert node(embedded_store, ids.aws_arn("arn:aws:iam::123456789012:user/auditor_tmp")).props["nature"] == "machine"


def test_ec2_instances_runner_profile_role_and_owner(store: GraphStore) -> None:
    report = load(store, AWS / "iam-authorization-details.json", AWS / "ec2-describe-instances.json")
    assert any("Reservations[1].Instances[0]: missing InstanceId" in e for e in errors(report))
    instance = ids.ec2_instance(ACCOUNT, "us-east-1", "i-0aaaaaaaaaaaa0001")
    workload = node(store, instance)
    assert workload.props["public_ips"] == ["44.192.0.10"] and workload.props["environment"] == "production"
    runner = node(store, ids.github_runner("acme", "gh-runner-01"))
    assert runner.props["ip_addresses"] == ["10.20.0.10", "44.192.0.10"]
    runs_as = edges(store, EdgeKind.RUNS_AS)
    # the IAM export lists profile "runner-profile" under role runner-fleet: names differ, the export decides
    assert "matched_by" not in runs_as[(instance, role("runner-fleet"))].props
    other = ids.ec2_instance(ACCOUNT, "us-east-1", "i-0bbbbbbbbbbbb0002")
    assert runs_as[(other, role("app-server"))].props["matched_by"] == "profile_name"
    assert ("person:hector@example.com", ids.github_runner("acme", "gh-runner-01")) in edges(store, EdgeKind.OWNS)


@pytest.mark.parametrize(
    "name", ["iam-authorization-details.json", "ec2-describe-instances.json", "credential-report.csv"]
)
def test_loading_twice_leaves_export_unchanged(embedded_store: GraphStore, name: str) -> None:
    load(embedded_store, AWS / name)
    first = export_text(embedded_store)
    load(embedded_store, AWS / name)
    assert export_text(embedded_store) == first


def test_sso_and_saml_roles_are_people_other_roles_machines(embedded_store: GraphStore, tmp_path: Path) -> None:
    saml = f"arn:aws:iam::{ACCOUNT}:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE"
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"Federated": saml}, "Action": "sts:AssumeRoleWithSAML"}]}
    sso_name = "AWSReservedSSO_Developer_0123456789abcdef"
    export = {
        "RoleDetailList": [
            {
                "RoleName": sso_name,
                "Path": "/aws-reserved/sso.amazonaws.com/",
                "Arn": f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/{sso_name}",
                "AssumeRolePolicyDocument": trust,
            },
            {
                "RoleName": "okta-admins",
                "Path": "/",
                "Arn": f"arn:aws:iam::{ACCOUNT}:role/okta-admins",
                "AssumeRolePolicyDocument": trust,
            },
        ]
    }
    path = tmp_path / "authz.json"
    path.write_text(json.dumps(export))
    load(embedded_store, path)
    sso = node(embedded_store, ids.aws_arn(export["RoleDetailList"][0]["Arn"]))
    assert sso.props["nature"] == "human" and "Identity Center" in str(sso.props["nature_reason"])
    assert node(embedded_store, role("okta-admins")).props["nature"] == "human"
    assert edges(embedded_store, EdgeKind.CAN_ASSUME)[(ids.aws_arn(saml), role("okta-admins"))].props["via"] == "saml"


def test_a_large_credential_report_json_is_recognised_whatever_its_size(tmp_path: Path) -> None:
    """Issue 23.4: a GetCredentialReport JSON whose base64 Content fills the sniffed head (the
    demo at --scale 5 writes 150 KB) was "format not recognised"; detection reads the value."""
    from loaders.registry import loader_named
    from loaders.runner import detect, discover

    header = (FIXTURES / "aws" / "credential-report.csv").read_text().splitlines()[0]
    rows = [f"svc-{n:05d},arn:aws:iam::123456789012:user/svc-{n:05d}" + ",N/A" * (header.count(",") - 1)
            for n in range(3000)]  # fmt: skip
    content = base64.b64encode("\n".join([header, *rows]).encode()).decode()
    report = tmp_path / "credential-report.json"
    report.write_text(orjson.dumps({"Content": content, "ReportFormat": "text/csv"}).decode())
    assert report.stat().st_size > 200_000
    (file,) = discover([report])
    assert detect(file) is loader_named("aws-credential-report")
