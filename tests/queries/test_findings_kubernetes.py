"""The Kubernetes rules on the fixture cluster (manifests + audit log in the apiserver's format), both stores."""

from __future__ import annotations

import json
from pathlib import Path

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


_ADMINS = """# context: lab
apiVersion: v1
kind: ServiceAccount
metadata: {name: deployer, namespace: ci}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: operator, namespace: ci}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: binder, namespace: ci}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci-admins}
subjects:
- {kind: ServiceAccount, name: deployer, namespace: ci}
- {kind: ServiceAccount, name: operator, namespace: ci}
- {kind: ServiceAccount, name: binder, namespace: ci}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
"""


def _request(n: int, account: str, verb: str, resource: str, namespace: str, name: str) -> str:
    ref = {"resource": resource, "name": name, **({"namespace": namespace} if namespace else {})}
    scope = f"namespaces/{namespace}/" if namespace else ""
    event = {
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": f"0000000{n}-aaaa",
        "stage": "ResponseComplete", "verb": verb, "requestURI": f"/apis/x/v1/{scope}{resource}/{name}",
        "user": {"username": f"system:serviceaccount:ci:{account}"}, "sourceIPs": ["10.9.0.4"],
        "userAgent": "kubectl/v1.31.2", "objectRef": ref, "responseStatus": {"code": 200},
        "requestReceivedTimestamp": f"2026-11-02T09:0{n}:00Z", "stageTimestamp": f"2026-11-02T09:0{n}:01Z",
    }  # fmt: skip
    return json.dumps(event)


def test_cluster_admin_used_only_for_namespaced_writes_is_never_used_at_that_level(
    store: GraphStore, tmp_path: Path
) -> None:
    """A CI deployer bound to cluster-admin that only patches its deployment is the finding; a
    write to a cluster-scoped resource or an RBAC change is use at that level."""
    (tmp_path / "admins.yaml").write_text(_ADMINS)
    (tmp_path / "audit.log").write_text(
        "\n".join((
            _request(1, "deployer", "patch", "deployments", "payments", "api"),
            _request(2, "deployer", "get", "deployments", "payments", "api"),
            _request(3, "operator", "patch", "nodes", "", "node-1"),
            _request(4, "binder", "create", "clusterrolebindings", "", "extra"),
        )) + "\n"
    )  # fmt: skip
    load(store, tmp_path / "admins.yaml", tmp_path / "audit.log", cluster="lab")
    found = {(f.rule, f.subject.id): f for f in findings(store, now=NOW).findings}
    unused = found[("KT-NHI5-003", "k8s:lab:sa:ci/deployer")]
    assert "1 sessions of it made only reads and writes inside a namespace (get deployments, patch deployments)" in (
        unused.message
    )
    assert ("KT-NHI5-003", "k8s:lab:sa:ci/operator") not in found  # a cluster-scoped write
    assert ("KT-NHI5-003", "k8s:lab:sa:ci/binder") not in found  # an RBAC change
