"""The Kubernetes rules on the fixture cluster (manifests + audit log in the apiserver's format), both stores."""

from __future__ import annotations

from graph.store import GraphStore
from queries.findings import findings
from tests.conftest import FIXTURES
from tests.loader_helpers import NOW, load

K8S = FIXTURES / "kubernetes"


def test_kubernetes_rules_on_the_fixture_cluster(store: GraphStore) -> None:
    load(store, FIXTURES / "people" / "scim-users.json", K8S / "manifests", K8S / "audit", cluster="lab")
    found = {(f.rule, f.subject.id): f for f in findings(store, now=NOW).findings}
    unused = found[("KT-NHI5-003", "k8s:lab:sa:shop/deployer")]
    assert unused.owasp == "NHI5" and unused.action.startswith("bind the service account")
    assert "ClusterRoleBinding deployer-admin -> ClusterRole cluster-admin" in unused.message
    assert "2 sessions of it made only read requests" in unused.message
    assert "audit window 2026-11-02T09:00:00Z to 2026-11-02T13:00:05Z" in unused.message
    assert unused.evidence  # the grant and the sessions it cites
    unread = found[("KT-NHI5-004", "k8s:lab:sa:shop/api")]
    assert "may read 1 Secrets it never read: shop/stripe-key" in unread.message  # db-creds was read
    human = found[("KT-NHI10-002", "k8s:lab:sa:shop/api")]
    assert human.message.startswith(
        "person:ines.okafor@acme.example ran create pods/exec into k8s:lab:pod:shop/api-7d9f8"
    )
    assert {e.kind for e in human.evidence} == {"TOUCHED", "RUNS_AS", "CAN_ACCESS"}
    assert ("KT-NHI5-001", "k8s:lab:sa:shop/deployer") not in found  # judged by KT-NHI5-003 instead


def test_no_never_claims_without_audit_coverage(store: GraphStore) -> None:
    load(store, K8S / "manifests", cluster="lab")
    rules = {f.rule for f in findings(store, now=NOW).findings}
    assert not rules & {"KT-NHI5-003", "KT-NHI5-004", "KT-NHI10-002"}
