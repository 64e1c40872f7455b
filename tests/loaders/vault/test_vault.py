"""The Vault audit loader on fixtures in the audit device's format (JSON lines and pretty-printed
concatenated JSON; no real Vault log is in the corpus), both stores."""

from __future__ import annotations

import json
from pathlib import Path

from graph.schema import EdgeKind
from graph.store import GraphStore
from tests.conftest import FIXTURES
from tests.loader_helpers import edges, errors, export_text, load, node

VAULT = FIXTURES / "vault"
SA_ACCESSOR = "hmac-sha256:4f2a9c1d7e3b5a6f8c0d2e4f6a8b0c1d3e5f7a9b1c3d5e7f9a0b2c4d6e8f0a1b"
SA_SESSION = f"session:vault:{SA_ACCESSOR}:2024-11-12T22:50:00Z"
SECRET = "vault:path:secret/data/payments/db"
# the token itself (even HMAC'd), the login JWT and secret values must never reach the graph
NEVER = (
    "0c1d2e3f405162738495a6b7c8d9e0f1",
    "77665544332211ffeeddccbbaa998877",
    "1111aaaa2222bbbb",
    "5e5e5e5e5e5e5e5e",
    "FixtureVaultRawValue42",
)


def test_kubernetes_login_reads_and_denials(store: GraphStore) -> None:
    report = load(store, VAULT, cluster="prod")
    log = (VAULT / "audit.log").as_posix()
    assert errors(report) == [
        f"{log}, line 9: field 'type': expected 'request' or 'response', got 'bogus'",
        f"{log}, line 10: field 'time': malformed timestamp 'not a time'",
    ]
    session = node(store, SA_SESSION)
    assert session.props["event_count"] == 4 and session.props["error_count"] == 1  # responses only, not requests
    assert session.props["principal"] == "kubernetes-payments-api" and session.props["session_name"] == "payments"
    acted = edges(store, EdgeKind.ACTED_AS)
    assert (SA_SESSION, "k8s:prod:sa:payments/api") in acted
    assert (SA_SESSION, "vault:entity:6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d") in acted
    token = f"vault:token:{SA_ACCESSOR}"
    assert (SA_SESSION, token) in edges(store, EdgeKind.AUTHENTICATED_WITH)
    assert node(store, token).props["credential_type"] == "token"
    touched = edges(store, EdgeKind.TOUCHED)
    assert touched[(SA_SESSION, SECRET)].count == 2 and touched[(SA_SESSION, SECRET)].props["actions"] == ["read"]
    assert touched[(SA_SESSION, "vault:path:secret/data/admin/root")].props["errors"] == 1
    accessor = "hmac-sha256:9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d"
    alice = f"session:vault:{accessor}:2024-11-12T23:05:00Z"
    assert {t for s, t in touched if s == alice} == {
        "vault:path:sys/policy/payments-read",
        "vault:path:secret/metadata/payments",
        "vault:path:auth/token/revoke-accessor",
    }
    assert any("1 responses without a token" in note for note in report.notes)
    # a policy write and a token revocation are changes the session performed
    performed = {t for s, t in edges(store, EdgeKind.PERFORMED) if s == alice}
    assert performed == {
        "change:vault:e1a2b3c4-0006-4000-8000-000000000006",
        "change:vault:e1a2b3c4-0008-4000-8000-000000000008",
    }
    policy = node(store, "change:vault:e1a2b3c4-0006-4000-8000-000000000006")
    assert (policy.props["change_type"], policy.props["action"]) == ("grant", "update sys/policy/payments-read")
    assert node(store, "change:vault:e1a2b3c4-0008-4000-8000-000000000008").props["change_type"] == "revoke"
    targets = edges(store, EdgeKind.TARGETS)
    assert ("change:vault:e1a2b3c4-0006-4000-8000-000000000006", "vault:path:sys/policy/payments-read") in targets
    text = export_text(store)
    assert not [value for value in NEVER if value in text]


def test_login_meets_the_service_account_of_the_cluster_manifests(store: GraphStore, tmp_path: Path) -> None:
    manifest = tmp_path / "sa.json"
    manifest.write_text(
        json.dumps({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "api", "namespace": "payments"}})
    )
    load(store, manifest, VAULT / "audit.log", cluster="prod")
    account = node(store, "k8s:prod:sa:payments/api")
    assert {"k8s-manifests", "vault-audit"} <= set(account.sources)
    assert (SA_SESSION, account.id) in edges(store, EdgeKind.ACTED_AS)


def test_reload_is_idempotent(store: GraphStore) -> None:
    load(store, VAULT, cluster="prod")
    first = export_text(store)
    load(store, VAULT, cluster="prod")
    assert export_text(store) == first


_SA = """# context: {cluster}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: api
  namespace: payments
---
apiVersion: v1
kind: Pod
metadata:
  name: api-5f7c9
  namespace: payments
spec:
  serviceAccountName: api
  containers:
  - name: api
    image: registry.example/payments/api:2.0
status:
  podIP: 10.2.0.15
"""


def test_kubernetes_login_finds_the_cluster_that_holds_its_service_account(store: GraphStore, tmp_path: Path) -> None:
    # no --cluster: the one loaded cluster holding payments/api is the login's cluster
    (tmp_path / "lab.yaml").write_text(_SA.format(cluster="lab"))
    report = load(store, tmp_path / "lab.yaml", VAULT / "audit.log")
    assert (SA_SESSION, "k8s:lab:sa:payments/api") in edges(store, EdgeKind.ACTED_AS)
    assert "k8s:default:sa:payments/api" not in store.nodes_by_id(["k8s:default:sa:payments/api"])
    # the login came from the pod's address: the session is FROM that pod, as audit-log sources draw it
    came_from = edges(store, EdgeKind.FROM)[(SA_SESSION, "k8s:lab:pod:payments/api-5f7c9")]
    assert came_from.props == {"matched_by": "ip", "ips": ["10.2.0.15"]}
    assert not [note for note in report.notes if "Kubernetes-auth service accounts" in note]


def test_kubernetes_login_in_no_or_several_clusters_defaults_and_says_so(store: GraphStore, tmp_path: Path) -> None:
    report = load(store, VAULT / "audit.log")
    assert (SA_SESSION, "k8s:default:sa:payments/api") in edges(store, EdgeKind.ACTED_AS)
    assert any("1 Kubernetes-auth service accounts are in no loaded cluster" in note for note in report.notes)
    for cluster in ("lab", "stage"):
        (tmp_path / f"{cluster}.yaml").write_text(_SA.format(cluster=cluster))
    report = load(store, tmp_path / "lab.yaml", tmp_path / "stage.yaml", VAULT / "audit.log")
    ambiguous = [note for note in report.notes if "held in several clusters" in note]
    assert len(ambiguous) == 1 and ambiguous[0].endswith(": payments/api")
    acted = {target for source, target in edges(store, EdgeKind.ACTED_AS) if source == SA_SESSION}
    assert "k8s:lab:sa:payments/api" not in acted and "k8s:stage:sa:payments/api" not in acted
