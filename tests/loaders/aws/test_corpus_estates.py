"""AWS files keytrail did not write (issue 17): each defect found on the real corpus, checked there.

Item numbers refer to issue 17. Each test loads the real third-party file and asserts the answer a
user must get; the same mechanisms are unit-tested with fixtures in tests/graph/test_ids.py and
tests/queries/test_findings_aws.py.
"""

from __future__ import annotations

import pytest

from graph import ids
from graph.errors import NotFound
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from queries.accountability import Verdict, accountability
from queries.blast import blast_radius
from queries.findings import findings
from queries.stale import stale_credentials
from tests.conftest import need_corpus
from tests.loader_helpers import edges, load, node

PANTHER = "cloudtrail/panther__AWS.CloudTrail.jsonl"
CLOUDMAPPER = "iam_authz/cloudmapper__iam-get-account-authorization-details.json"
CREATE_ADMIN = "cloudtrail/stratus__aws.persistence.iam-create-admin-user.json"
STEAL = "cloudtrail/stratus__aws.credential-access.ec2-steal-instance-credentials.json"
REPORT = "iam_credential_report/cloudmapper__iam-get-credential-report.json"


def test_item2_a_role_any_principal_can_assume_is_the_most_severe_trust(store: GraphStore) -> None:
    load(store, need_corpus() / CLOUDMAPPER)
    found = findings(store, rule="KT-NHI3-003")
    bad_role = ids.aws_arn("arn:aws:iam::123456789012:role/bad_role")
    assert [f.subject.id for f in found.findings] == [bad_role]
    assert found.findings[0].severity == "critical"
    assert found.findings[0].evidence[0].source == "aws:principal:*"


def test_item3_an_event_is_not_identified_by_its_event_id_alone(store: GraphStore) -> None:
    report = load(store, need_corpus() / PANTHER)
    changes = store.nodes_of_kind(NodeKind.CHANGE, limit=100_000)
    shared = [c for c in changes if c.props.get("event_id") == "1"]
    assert len(shared) == len({c.id for c in shared}) > 1
    assert any("eventID(s) name several different change events ('1' x" in n for n in report.notes)
    new_role = ids.aws_role_by_name("123456789012", "new-role")
    aimed = {e.source for (_s, t), e in edges(store, EdgeKind.TARGETS).items() if t == new_role}
    actions = {node(store, c).props["action"] for c in aimed}
    assert "ConsoleLogin" not in actions and {"CreateRole"} <= actions


def test_item4_expired_session_keys_are_not_stale(embedded_store: GraphStore) -> None:
    load(embedded_store, need_corpus() / PANTHER)
    stale = stale_credentials(embedded_store, now="2026-01-01T00:00:00Z")
    assert stale.credentials and not [c for c in stale.credentials if c.credential.id.startswith("aws:key:ASIA")]
    assert stale.session_credentials > 0


def test_item6_one_key_claimed_by_17_users_is_ambiguous_and_reported(embedded_store: GraphStore) -> None:
    report = load(embedded_store, need_corpus() / PANTHER)
    key = ids.aws_key("AKIAIOSFODNN7EXAMPLE")
    assert any("AKIAIOSFODNN7EXAMPLE is used by 17 identities" in n for n in report.notes)
    verdict = accountability(embedded_store, key)
    assert verdict.verdict is Verdict.AMBIGUOUS
    assert verdict.notes[0].startswith("claimed by 17 identities:")
    assert len(node(embedded_store, key).props["claimed_by"]) == 17  # type: ignore[arg-type]
    conflict = findings(embedded_store, rule="KT-NHI9-003")
    assert key in {f.subject.id for f in conflict.findings}


def test_item7_cloudtrail_grants_and_created_users_reach_the_graph_from_their_moment(store: GraphStore) -> None:
    load(store, need_corpus() / CREATE_ADMIN)
    user = ids.aws_arn("arn:aws:iam::229654561268:user/malicious-iam-user")
    created = node(store, user)
    assert created.subtype == "aws.iam.user" and created.props["account"] == "229654561268"
    account = "aws:account:229654561268"
    blast = blast_radius(store, user)
    assert {r.resource.id: r.level for r in blast.resources}.get(account) == "admin"
    grant = edges(store, EdgeKind.CAN_ACCESS)[(user, account)]
    assert grant.first_seen == "2024-08-01T13:33:28Z" and grant.props["policies"] == ["AdministratorAccess"]
    with pytest.raises(NotFound):  # before CreateUser the user did not exist
        blast_radius(store, user, as_of="2024-08-01T13:33:00Z")


def test_item8_an_instance_credential_comes_from_its_instance(store: GraphStore) -> None:
    load(store, need_corpus() / STEAL)
    instance = ids.ec2_instance("017622104382", "us-north-2r", "i-786a3A8B5C0d92eF4")
    came = [e for (_s, t), e in edges(store, EdgeKind.FROM).items() if t == instance]
    assert came and all(e.props["matched_by"] == "instance_session_name" for e in came)
    assert node(store, instance).kind is NodeKind.WORKLOAD


def test_item9_every_finding_cites_evidence_and_no_owner_noise(embedded_store: GraphStore) -> None:
    corpus = need_corpus()
    load(embedded_store, corpus / CLOUDMAPPER, corpus / REPORT, corpus / PANTHER)
    result = findings(embedded_store)
    assert result.findings and all(f.evidence for f in result.findings)
    unowned = {f.subject.id for f in result.findings if f.rule == "KT-NHI1-002"}
    assert "aws:principal:*" not in unowned
    assert not [s for s in unowned if s.startswith("aws:service:") or s.endswith(":root") or "AWSReservedSSO" in s]
    root_keys = [f for f in result.findings if f.rule == "KT-NHI7-002"]
    assert [f.subject.id for f in root_keys] == [ids.aws_key_slot("arn:aws:iam::123456789012:root", 1)]


def test_item11_an_sso_role_is_one_identity_with_or_without_its_path(embedded_store: GraphStore) -> None:
    load(embedded_store, need_corpus() / PANTHER)
    roles = [n.id for n in embedded_store.nodes_of_kind(NodeKind.IDENTITY, limit=100_000) if "187901811700" in n.id]
    sso = [r for r in roles if "AWSReservedSSO_DevAdmin" in r]
    assert sso == [ids.aws_role_by_name("187901811700", "AWSReservedSSO_DevAdmin_635426549a280cc6")]
    assert node(embedded_store, sso[0]).props["nature"] == "human"


def test_item14_properties_agree_with_ids_and_malformed_arns_are_counted(embedded_store: GraphStore) -> None:
    report = load(embedded_store, need_corpus() / PANTHER)
    role = ids.aws_role_by_name("123123123123", "MakeStuffPublic")
    assert node(embedded_store, role).props["account"] == "123123123123"
    for identity in embedded_store.nodes_of_kind(NodeKind.IDENTITY, limit=100_000):
        account = ids.aws_arn_account(identity.id)
        assert not account or identity.props.get("account") in (None, account), identity.id
        assert ":assumed-role/" not in identity.id
    assert any("assumed-role ARN without a session name" in n for n in report.notes)
    errors = [str(e) for f in report.files for e in f.errors]
    assert any("malformed assumed-role ARN 'arn:aws:sts::98765432:assumed-role/IAM/alice'" in e for e in errors)
