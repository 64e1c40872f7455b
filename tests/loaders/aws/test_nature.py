"""Who owns an AWS identity and whether it is a person's (issue 17 item 9, what remained):
service-linked roles are AWS's (never an ownership gap or an unowned-NHI finding, and the answer
says AWS owns them), and IAM users that no source shows to be machines are not called
non-human identities: KT-NHI1-004 reports them as accounts of unknown nature.
"""

from __future__ import annotations

import json
from pathlib import Path

from graph import ids
from graph.schema import NodeKind
from graph.store import GraphStore
from loaders.aws.nature import service_linked_role
from queries.accountability import accountability
from queries.findings import findings
from queries.gaps import ownership_gaps
from tests.conftest import need_corpus
from tests.loader_helpers import load, node

PANTHER = "cloudtrail/panther__AWS.CloudTrail.jsonl"
REPORT = "iam_credential_report/cloudmapper__iam-get-credential-report.json"
ACCOUNT = "111122223333"
LINKED = "AWSServiceRoleForAutoScaling"
LINKED_ARN = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/{LINKED}"


def _export(tmp_path: Path) -> Path:
    """An authorization-details export with a service-linked role, as AWS writes one."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "autoscaling.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = {
        "Path": "/aws-service-role/autoscaling.amazonaws.com/",
        "RoleName": LINKED,
        "RoleId": "AROAEXAMPLELINKED0001",
        "Arn": LINKED_ARN,
        "CreateDate": "2024-01-01T00:00:00+00:00",
        "AssumeRolePolicyDocument": trust,
        "InstanceProfileList": [],
        "RolePolicyList": [],
        "AttachedManagedPolicies": [
            {
                "PolicyName": "AutoScalingServiceRolePolicy",
                "PolicyArn": "arn:aws:iam::aws:policy/aws-service-role/AutoScalingServiceRolePolicy",
            }
        ],
        "Tags": [],
    }
    path = tmp_path / "authz.json"
    path.write_text(json.dumps({"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [role], "Policies": []}))
    return path


def test_service_linked_roles_are_known_by_path_or_name() -> None:
    assert service_linked_role("AWSServiceRoleForSSO")
    assert service_linked_role("anything", "/aws-service-role/elasticbeanstalk.amazonaws.com/")
    assert not service_linked_role("ServiceRole") and not service_linked_role("aws-service-role", "/")


def test_exported_service_linked_role_is_owned_by_aws_and_needs_no_owner(store: GraphStore, tmp_path: Path) -> None:
    load(store, _export(tmp_path))
    role = ids.aws_arn(LINKED_ARN)
    props = node(store, role).props
    assert props["managed_by"] == "aws" and props["nature"] == "machine"
    assert "service-linked" in str(props["nature_reason"])
    answer = accountability(store, role)
    assert answer.verdict == "provider_owned" and answer.action.startswith(f"no owner to assign: aws owns {role}")
    assert any(n.startswith("owned by aws, not by anyone in the estate") for n in answer.notes)
    gaps = {s.id for g in ownership_gaps(store).gaps for s in g.subjects}
    assert role not in gaps
    assert role not in {f.subject.id for f in findings(store).findings}


def test_corpus_service_linked_roles_seen_in_cloudtrail_are_not_unowned_nhis(embedded_store: GraphStore) -> None:
    """panther's events act as AWSServiceRoleForAutoScaling, -ForSSO, -ForTrustedAdvisor, ... ."""
    load(embedded_store, need_corpus() / PANTHER)
    linked = [
        n
        for n in embedded_store.nodes_of_kind(NodeKind.IDENTITY, limit=100_000)
        if n.name.startswith("AWSServiceRoleFor")
    ]
    assert len(linked) >= 4
    assert all(n.props.get("managed_by") == "aws" for n in linked)
    flagged = {f.subject.id for f in findings(embedded_store).findings if f.rule in ("KT-NHI1-002", "KT-NHI1-004")}
    assert not flagged & {n.id for n in linked}
    gaps = {s.id for g in ownership_gaps(embedded_store).gaps for s in g.subjects}
    assert not gaps & {n.id for n in linked}


def test_corpus_users_of_unknown_nature_are_not_called_non_human(embedded_store: GraphStore) -> None:
    """CloudTrail alone does not tell a person's IAM user from a program's: those users are
    KT-NHI1-004 (nature unknown, low), never KT-NHI1-002 ("non-human identity"); the credential
    report's programmatic-only user stays a machine and stays KT-NHI1-002."""
    corpus = need_corpus()
    load(embedded_store, corpus / PANTHER, corpus / REPORT)
    result = findings(embedded_store)
    nhi = {f.subject.id: f for f in result.findings if f.rule == "KT-NHI1-002"}
    unknown = {f.subject.id: f for f in result.findings if f.rule == "KT-NHI1-004"}
    alice = ids.aws_arn("arn:aws:iam::123456789012:user/Alice")
    assert alice in unknown and alice not in nhi
    assert "human or machine not known" in unknown[alice].message and unknown[alice].severity == "low"
    assert all(f.evidence for f in unknown.values())
    assert ids.aws_arn("arn:aws:iam::123456789012:user/new-user") in unknown  # named only by a grant
    users = sorted(s for s in nhi if ":user/" in s)
    # the report's users: auditor_tmp has no console password, user's keys are used without MFA
    assert users == [ids.aws_arn(f"arn:aws:iam::123456789012:user/{name}") for name in ("auditor_tmp", "user")]
    assert all(node(embedded_store, u).props["nature"] == "machine" for u in users)
