"""Findings over cloud and SaaS audit logs (queries/rules_saas.py), each rule positive and negative,
on both stores, from fixtures in the sources' real formats; and the real corpus's federation entries.

The estate: two self-hosted runners (EC2 DescribeInstances), the GCP deploy key used from both and a
workload identity pool with an open, a conditioned and a deleted provider (Cloud Audit Log sink
lines), GitHub classic PATs and OAuth authorisations with broad and narrow scopes (audit-log
stream), an Okta API token whose creator was deactivated, Okta service apps granted admin and read
scopes or admin roles (oauth-grants.jsonl), an Entra service principal made
Application Administrator.
"""

from __future__ import annotations

from graph import ids
from graph.store import GraphStore
from queries.findings import FindingsResult, findings
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import load

NOW = "2025-06-01T00:00:00Z"
FILES = (
    FIXTURES / "aws" / "ec2-describe-instances.json",
    FIXTURES / "aws" / "ec2-second-runner.json",
    FIXTURES / "gcp_audit" / "gcloud-logging-read.json",
    FIXTURES / "gcp_audit" / "federation-sink.jsonl",
    FIXTURES / "github_audit" / "org-audit-log.json",
    FIXTURES / "github_audit" / "token-scopes-stream.jsonl",
    FIXTURES / "okta" / "system-log.json",
    FIXTURES / "okta" / "oauth-grants.jsonl",
    FIXTURES / "entra" / "audit-diagnostic.jsonl",
)
KEY = ids.gcp_service_account_key("2f1a9c0d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39")
POOL = "projects/acme-prod/locations/global/workloadIdentityPools/ci-pool"
BROAD_PAT = ids.github_token("", "q2Jd1n8mFh0aBcDeFgHiJkLmNoPqRsTuVwXyZ012345=")
READ_PAT = ids.github_token("", "r9Kx0aaaaBbbbCcccDdddEeeeFfffGgggHhhhIiii00=")
ADMIN_PAT = ids.github_token("", "s0Lm1zzzzYyyyXxxxWwwwVvvvUuuuTtttSsssRrrr11=")
OKTA_TOKEN = "okta:token:00T1cisync00000000"
APP_ADMIN = "entra:9f3c2a10-5d4e-4f6a-8b7c-1d2e3f4a5b6c:sp/22222222-bbbb-4ccc-8ddd-000000000002"
EXPECTED = {
    ("KT-NHI1-005", OKTA_TOKEN),
    ("KT-NHI3-004", ids.github_token("9001")),
    ("KT-NHI3-004", ids.okta_client_credentials("0oaScimSync0000001")),  # okta.users.manage by admin consent
    ("KT-NHI3-004", ids.okta_client_credentials("0oaDeployBot000004")),  # okta.apps.manage by client credentials
    ("KT-NHI3-004", ids.okta_client("0oaAdminApp0000005")),  # made Super administrator
    ("KT-NHI3-005", APP_ADMIN),
    ("KT-NHI6-003", KEY),
    ("KT-NHI6-004", ids.gcp_wif_provider(POOL, "github")),
    ("KT-NHI7-003", KEY),
    ("KT-NHI7-003", ids.github_token("4242")),
    ("KT-NHI7-003", ids.github_token("9001")),  # OAuth tokens created 2025-01-12: not rotated since
    ("KT-NHI7-003", ids.github_token("9002")),
    ("KT-NHI7-003", OKTA_TOKEN),
    ("KT-NHI9-005", BROAD_PAT),
}
NEW_RULES = {rule for rule, _ in EXPECTED}


def test_saas_rules_fire_where_planted_and_nowhere_else(store: GraphStore) -> None:
    """One load per store (the Neo4j variant is the costly part): every assertion on it."""
    load(store, *FILES)
    result = findings(store, now=NOW)
    _planted(result)
    _reuse(result)
    # 48 days after the key and tokens were made: within LONG_LIVED_DAYS, nothing is unrotated
    assert findings(store, now="2025-03-01T00:00:00Z", rule="KT-NHI7-003").findings == []


def _planted(result: FindingsResult) -> None:
    found = {(f.rule, f.subject.id): f for f in result.findings}
    assert {key for key in found if key[0] in NEW_RULES} == EXPECTED
    # negatives beside each positive: a conditioned provider and a deleted one, a classic PAT with
    # read scopes used from two addresses, one with admin:org used from one, an OAuth app reading a profile
    assert not {(r, s) for r, s in found if s in {READ_PAT, ADMIN_PAT} and r in NEW_RULES}
    assert ("KT-NHI3-004", ids.github_token("9002")) not in found
    # Okta: read scopes, a revoked consent, a Read only admin role, a user's consent are not broad grants
    okta_clients = ("0oaReporter0000002", "0oaCleanup00000003", "0oaAuditApp0000006", "0oaUserApp00000007")
    quiet = {ids.okta_client(c) for c in okta_clients} | {ids.okta_client_credentials(c) for c in okta_clients}
    assert not {(r, s) for r, s in found if s in quiet and r in NEW_RULES}
    # the SaaS tokens are KT-NHI7-003's, not also KT-NHI7-001's
    assert not [s for r, s in found if r == "KT-NHI7-001" and s in {KEY, OKTA_TOKEN, ids.github_token("4242")}]
    assert all(found[key].evidence for key in EXPECTED)
    provider = found[("KT-NHI6-004", ids.gcp_wif_provider(POOL, "github"))]
    assert "OIDC issuer https://token.actions.githubusercontent.com" in provider.message
    assert [(e.kind, e.target) for e in provider.evidence] == [("CAN_ASSUME", ids.gcp_wif_pool(POOL))]
    federated = found[("KT-NHI6-003", KEY)]
    assert "project acme-prod" in federated.message and federated.evidence[0].kind == "HAS_CREDENTIAL"
    pat = found[("KT-NHI9-005", BROAD_PAT)].message
    assert "(repo, workflow)" in pat and "2 addresses: 44.192.0.10, 44.192.0.20" in pat
    assert "dana.kowalski@acme.example" in found[("KT-NHI1-005", OKTA_TOKEN)].message
    assert "application administrator" in found[("KT-NHI3-005", APP_ADMIN)].message


def _reuse(result: FindingsResult) -> None:
    """Correlation: a GCP key and a GitHub token used from two runners' addresses are USES
    (observed) by both runners, so the existing reuse rule reports them."""
    reuse = {f.subject.id: f.message for f in result.findings if f.rule == "KT-NHI9-001"}
    runners = f"{ids.github_runner('acme', 'gh-runner-01')}, {ids.github_runner('acme', 'gh-runner-02')}"
    assert reuse == {KEY: f"used by 2 runners: {runners}", BROAD_PAT: f"used by 2 runners: {runners}"}


def test_corpus_pool_provider_whose_condition_was_set_later_is_not_open(embedded_store: GraphStore) -> None:
    """The corpus's three federation entries, newest first: a provider created with an empty
    condition, then updated with one, then its pool deleted — nothing is open, whatever the order."""
    lines = (need_corpus() / "gcp_audit" / "panther__GCP.AuditLog.jsonl").read_text().splitlines()
    load(embedded_store, need_corpus() / "gcp_audit" / "panther__GCP.AuditLog.jsonl")
    assert sum("WorkloadIdentityPoolProvider" in line for line in lines) == 2
    result = findings(embedded_store, now=NOW)
    assert not [f for f in result.findings if f.rule in {"KT-NHI6-004", "KT-NHI6-003", "KT-NHI9-005", "KT-NHI3-004"}]
