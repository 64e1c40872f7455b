"""Findings on AWS situations other estates' conventions produce (issue 17), planted on both stores."""

from __future__ import annotations

import json

from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from queries.accountability import Verdict, accountability
from queries.findings import findings
from queries.stale import stale_credentials
from tests.fixtures.queries.scenario import NOW, GraphBuilder

ACCT = "222222222222"
ROLE = f"aws:arn:arn:aws:iam::{ACCT}:role"
USER = f"aws:arn:arn:aws:iam::{ACCT}:user"


def _estate(store: GraphStore) -> GraphStore:
    g = GraphBuilder()
    ID, C, K = NodeKind.IDENTITY, NodeKind.CREDENTIAL, EdgeKind
    anyone = g.node("aws:principal:*", ID, "aws.principal.any", "any AWS principal")
    for name, condition in (
        ("open", ""),
        ("external-id-only", json.dumps({"StringEquals": {"sts:ExternalId": "abc"}})),
        ("wildcard-org", json.dumps({"StringLike": {"aws:PrincipalOrgID": "*"}})),
        ("org-only", json.dumps({"StringEquals": {"aws:PrincipalOrgID": "o-123"}})),
    ):
        role = g.node(f"{ROLE}/{name}", ID, "aws.iam.role", name, nature="machine", account=ACCT)
        g.edge(anyone, K.CAN_ASSUME, role, via="aws_principal", condition=condition,
               external_id="ExternalId" in condition)  # fmt: skip
    service = g.node("aws:service:ec2.amazonaws.com", ID, "aws.service", "ec2.amazonaws.com")
    g.edge(service, K.CAN_ASSUME, f"{ROLE}/open", via="service")
    g.node(f"{USER}/stub", ID, "", "stub")  # only named by someone else's record
    shared = g.node("aws:key:AKIASHARED0000000001", C, "aws.access_key", credential_type="aws_access_key",
                    status="active", created="2024-05-01T00:00:00Z")  # fmt: skip
    for name in ("alice-ci", "bob-ci"):
        user = g.node(f"{USER}/{name}", ID, "aws.iam.user", name, nature="machine", account=ACCT)
        g.edge(user, K.HAS_CREDENTIAL, shared)
    session_key = g.node("aws:key:ASIASESSION000000001", C, "aws.access_key", credential_type="aws_session_key",
                         status="active", created="2023-01-01T00:00:00Z")  # fmt: skip
    g.edge(f"{ROLE}/open", K.HAS_CREDENTIAL, session_key)
    root = g.node(f"aws:arn:arn:aws:iam::{ACCT}:root", ID, "aws.iam.root", "root")
    root_key = g.node(f"aws:keyslot:arn:aws:iam::{ACCT}:root#1", C, "aws.access_key_slot",
                      credential_type="aws_access_key", status="active",
                      last_rotated="2024-05-01T00:00:00Z")  # fmt: skip
    g.edge(root, K.HAS_CREDENTIAL, root_key)
    return g.write(store)


def test_any_principal_trust_needs_a_condition_that_names_someone(store: GraphStore) -> None:
    found = {f.subject.id: f for f in findings(_estate(store), rule="KT-NHI3-003", now=NOW).findings}
    assert set(found) == {f"{ROLE}/open", f"{ROLE}/external-id-only", f"{ROLE}/wildcard-org"}
    assert "not a secret" in found[f"{ROLE}/external-id-only"].message
    assert all(f.evidence and f.evidence[0].source == "aws:principal:*" for f in found.values())


def test_no_owner_rule_skips_what_nobody_owns_and_cites_what_acts(store: GraphStore) -> None:
    result = findings(_estate(store), rule="KT-NHI1-002", now=NOW)
    subjects = {f.subject.id for f in result.findings}
    assert not subjects & {"aws:principal:*", "aws:service:ec2.amazonaws.com", f"{USER}/stub",
                           f"aws:arn:arn:aws:iam::{ACCT}:root", f"{ROLE}/org-only"}  # fmt: skip
    assert {f"{USER}/alice-ci", f"{USER}/bob-ci", f"{ROLE}/open"} <= subjects
    assert all(f.evidence for f in result.findings)


def test_a_key_claimed_by_two_users_is_a_conflict_not_a_blend(store: GraphStore) -> None:
    estate = _estate(store)
    key = "aws:key:AKIASHARED0000000001"
    verdict = accountability(estate, key)
    assert verdict.verdict is Verdict.AMBIGUOUS
    assert verdict.notes[0] == f"claimed by 2 identities: {USER}/alice-ci, {USER}/bob-ci"
    conflict = findings(estate, rule="KT-NHI9-003", now=NOW).findings
    assert [f.subject.id for f in conflict] == [key] and len(conflict[0].evidence) == 2


def test_root_keys_have_their_own_rule_and_session_keys_are_never_stale(store: GraphStore) -> None:
    estate = _estate(store)
    root = findings(estate, rule="KT-NHI7-002", now=NOW).findings
    assert [f.subject.id for f in root] == [f"aws:keyslot:arn:aws:iam::{ACCT}:root#1"]
    assert root[0].severity == "critical"
    stale = stale_credentials(estate, now=NOW)
    assert "aws:key:ASIASESSION000000001" not in {c.credential.id for c in stale.credentials}
    assert stale.session_credentials == 1
    unrotated = findings(estate, rule="KT-NHI7-001", now=NOW).findings
    assert "aws:key:ASIASESSION000000001" not in {f.subject.id for f in unrotated}
