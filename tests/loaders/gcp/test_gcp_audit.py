"""GCP Cloud Audit Logs: the real corpus entries and fixtures in gcloud's formats, on both stores.

The fixtures (tests/fixtures/gcp_audit) are the three framings the loader reads: a `gcloud logging
read --format=json` array, a sink's JSON lines (with malformed lines between good ones), and an
`entries.list` response. Accountability runs on what the loader made: a key's creator owns it, and
when an HR roster says that person left, the key is an ownership gap.
"""

from __future__ import annotations

from pathlib import Path

from graph import ids
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from queries.accountability import accountability
from queries.gaps import ownership_gaps
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import edges, errors, export_text, load, node

GCP = FIXTURES / "gcp_audit"
ARRAY = GCP / "gcloud-logging-read.json"
SINK = GCP / "sink-cloudaudit.jsonl"
DEPLOY = ids.gcp_service_account("deploy@acme-prod.iam.gserviceaccount.com")
CI = ids.gcp_service_account("ci-builder@acme-prod.iam.gserviceaccount.com")
KEY = ids.gcp_service_account_key("2f1a9c0d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39")
OLD_KEY = ids.gcp_service_account_key("0c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0c0ff")
ALICE = ids.person("alice@acme.example")
POOL = "projects/123456789012/locations/global/workloadIdentityPools/github"
RUNNER = ids.github_runner("acme", "gh-runner-01")


def _session(caller: str, start: str, key: str = "nokey") -> str:
    return ids.session("gcp", key, caller, start)


def test_corpus_entries_load_with_located_rejections(store: GraphStore) -> None:
    corpus = need_corpus()
    report = load(store, corpus / "gcp_audit" / "panther__GCP.AuditLog.jsonl")
    assert report.files[0].loader == "gcp-audit"
    assert report.files[0].accepted == 135 and report.rejected == 60  # 195 lines: the rest are partial test objects
    messages = errors(report)
    assert any(m.endswith("line 10: field 'protoPayload.methodName': expected a non-empty string") for m in messages)
    assert all("line " in m for m in messages)
    sessions = store.nodes_of_kind(NodeKind.SESSION, limit=10_000)
    assert sum(int(s.props["event_count"]) for s in sessions) == 135  # every accepted entry is in one session
    # the key a37835… signs JWTs for its own service account in six entries: one session, one key
    key = ids.gcp_service_account_key("a378358365ff3d22e9c1a72fecf4605ddff76b47")
    account = ids.gcp_service_account("some-project@company.iam.gserviceaccount.com")
    assert node(store, key).props["credential_type"] == "gcp_service_account_key"
    assert (account, key) in edges(store, EdgeKind.HAS_CREDENTIAL)
    used = [e for e in edges(store, EdgeKind.AUTHENTICATED_WITH).values() if e.target == key]
    assert len(used) == 1 and used[0].count == 6
    # SetIamPolicy binding deltas: the backdoor owner grant on the organisation
    organization = "gcp:res:organizations/888888888888"
    backdoor = edges(store, EdgeKind.CAN_ACCESS)[(ids.gcp_user("backdoor@example.com"), organization)]
    assert backdoor.props["level"] == "admin" and backdoor.props["actions"] == ["roles/owner"]
    # CreateServiceAccountKey by a user: the new key is its service account's, and its creator owns it
    created = ids.gcp_service_account_key("69049163b190437ab9279b28e8afa24bb5c5b076")
    holder = ids.gcp_service_account("created-service-account@gcp-project1.iam.gserviceaccount.com")
    assert (holder, created) in edges(store, EdgeKind.HAS_CREDENTIAL)
    assert edges(store, EdgeKind.OWNS)[(ids.person("staging@company.io"), created)].props["provenance"] == "inferred"


def test_gcloud_array_sessions_keys_grants_and_hops(store: GraphStore) -> None:
    report = load(store, FIXTURES / "aws" / "ec2-describe-instances.json", ARRAY)
    gcp = next(f for f in report.files if f.loader == "gcp-audit")
    assert gcp.accepted == 10 and gcp.rejected == 0
    # the deploy key, created by alice, used twice from the runner's address
    deploy = _session("deploy@acme-prod.iam.gserviceaccount.com", "2025-01-10T09:10:00Z", KEY.rsplit(":", 1)[1])
    props = node(store, deploy).props
    assert props["event_count"] == 2 and props["source_ips"] == ["44.192.0.10"] and props["interactive"] is False
    assert edges(store, EdgeKind.AUTHENTICATED_WITH)[(deploy, KEY)].count == 2
    assert edges(store, EdgeKind.FROM)[(deploy, RUNNER)].props["matched_by"] == "ip"
    assert edges(store, EdgeKind.ACTED_AS)[(deploy, DEPLOY)].count == 2
    touched = edges(store, EdgeKind.TOUCHED)
    bucket = "gcp:res:projects/_/buckets/acme-artifacts/objects/release.tar.gz"
    assert touched[(deploy, bucket)].props["actions"] == ["storage:storage.objects.get"]
    key = node(store, KEY)
    assert key.props["status"] == "active" and key.props["created"] == "2025-01-10T09:00:00Z"
    assert "expires" not in key.props  # the year-9999 end GCP logs for a key that never expires
    assert (DEPLOY, KEY) in edges(store, EdgeKind.HAS_CREDENTIAL)
    assert edges(store, EdgeKind.OWNS)[(ALICE, KEY)].props["provenance"] == "inferred"
    assert node(store, OLD_KEY).props["status"] == "deleted"
    # alice at a browser: her Google account, her Person, an interactive session
    alice = _session("alice@acme.example", "2025-01-10T09:00:00Z")
    assert node(store, alice).props["interactive"] is True
    assert (ALICE, alice) in edges(store, EdgeKind.STARTED)
    assert node(store, ids.gcp_user("alice@acme.example")).props["nature"] == "human"
    # SetIamPolicy: Token Creator on the deploy account is impersonation; editor on the project is admin
    assume = edges(store, EdgeKind.CAN_ASSUME)
    assert assume[(CI, DEPLOY)].props["via"] == "impersonation"
    access = edges(store, EdgeKind.CAN_ACCESS)
    assert access[(DEPLOY, "gcp:res:projects/acme-prod")].props["level"] == "admin"
    principal_set = ids.gcp_federated_principal(POOL, "set", "attribute.repository/acme/shop")
    assert access[(principal_set, "gcp:res:projects/acme-prod")].props["level"] == "read"
    changes = {n.props["detail"] for n in store.nodes_of_kind(NodeKind.CHANGE, limit=100)}
    assert any("REMOVE roles/viewer user:bob@acme.example" in str(d) for d in changes)
    assert not any("mallory" in str(d) for d in changes)  # a denied SetIamPolicy changed nothing
    # the delegation chain alice -> ci-builder -> deploy, and alice behind the delegated session
    assert (ids.gcp_user("alice@acme.example"), CI) in assume
    delegated = _session("deploy@acme-prod.iam.gserviceaccount.com", "2025-01-10T10:01:00Z")
    assert (ALICE, delegated) in edges(store, EdgeKind.STARTED)
    # workload identity federation: the GitHub subject is a member of its pool
    subject = ids.gcp_federated_principal(POOL, "subject", "repo:acme/shop:ref:refs/heads/main")
    assert (subject, ids.gcp_wif_pool(POOL)) in edges(store, EdgeKind.MEMBER_OF)
    assert node(store, subject).props["nature"] == "machine"


def test_sink_lines_reject_located_and_keep_the_good_ones(store: GraphStore) -> None:
    report = load(store, SINK)
    assert report.files[0].accepted == 2 and report.rejected == 5
    messages = errors(report)
    for expected in (
        "line 2: field 'protoPayload.methodName': expected a non-empty string",
        "line 3: invalid JSON",
        "line 4: field 'timestamp': malformed timestamp 'not-a-time'",
        "line 5: field 'protoPayload': expected an object",
        "line 6: field 'protoPayload.authenticationInfo': malformed service account email",
    ):
        assert any(expected in m for m in messages), expected
    session = _session("deploy@acme-prod.iam.gserviceaccount.com", "2025-01-11T08:00:00Z", KEY.rsplit(":", 1)[1])
    assert node(store, session).props["event_count"] == 2


def test_reload_is_idempotent(store: GraphStore) -> None:
    load(store, ARRAY, SINK)
    first = export_text(store)
    load(store, ARRAY, SINK)
    assert export_text(store) == first


def test_key_of_an_offboarded_creator_is_an_ownership_gap(store: GraphStore, tmp_path: Path) -> None:
    roster = tmp_path / "scim-users.json"
    roster.write_text(
        '{"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "Resources": [{"schemas": '
        '["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u1", "userName": "alice@acme.example", '
        '"active": false, "meta": {"resourceType": "User", "lastModified": "2025-01-20T00:00:00Z"}}]}'
    )
    load(store, roster, ARRAY)
    answer = accountability(store, KEY)
    assert answer.verdict == "owner_offboarded"
    gaps = [g for g in ownership_gaps(store).gaps if g.gap_type == "owner_offboarded"]
    assert any(g.owner is not None and g.owner.id == ALICE and KEY in {s.id for s in g.subjects} for g in gaps)
