"""The Kubernetes audit loader on the shared corpus (EKS audit events) and on fixtures in the
apiserver's own format (JSON lines, an EventList), on both stores."""

from __future__ import annotations

from graph.model import Node
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import edges, errors, export_text, load, node

K8S = FIXTURES / "kubernetes"
INES = "person:ines.okafor@acme.example"


def _sessions(store: GraphStore) -> dict[str, Node]:
    return {n.id: n for n in store.nodes_of_kind(NodeKind.SESSION, limit=1000)}


def _session_of(store: GraphStore, identity: str, start: str | None) -> Node:
    acted = edges(store, EdgeKind.ACTED_AS)
    found = [
        s for sid, s in _sessions(store).items() if (sid, identity) in acted and s.props.get("started_at") == start
    ]
    assert len(found) == 1, f"{identity} @ {start}: {found}"
    return found[0]


def test_corpus_eks_audit_loads_and_rejects_what_lacks_a_verb_or_user(store: GraphStore) -> None:
    path = need_corpus() / "k8s_audit" / "panther__Amazon.EKS.Audit.jsonl"
    report = load(store, path, cluster="eks")
    rejected = errors(report)
    # 184 lines; the hand-written panther cases without a verb or a user.username are located rejections
    assert len(rejected) == 40
    assert all(", line " in e and ("without a verb" in e or "without a user.username" in e) for e in rejected)
    assert rejected[0].endswith("line 1: audit event without a verb")
    sessions = _sessions(store)
    assert sum(s.props["event_count"] for s in sessions.values()) + 40 + 6 == 184  # 6 repeated stages counted once
    exec_session = _session_of(store, "k8s:eks:user:attacker@example.com", None)
    assert exec_session.props["interactive"] is True
    assert "undated" in exec_session.props["description"]
    touched = edges(store, EdgeKind.TOUCHED)
    exec_touch = touched[(exec_session.id, "k8s:eks:pod:production/webapp-pod")]
    assert "create pods/exec" in exec_touch.props["actions"]
    assert all("no timestamp" in ev.locator for ev in exec_touch.evidence)
    anonymous = _session_of(store, "k8s:eks:user:system:anonymous", "2024-11-13T18:34:10Z")
    assert anonymous.props["source_ips"] == ["44.238.138.237"]
    grants = touched[(anonymous.id, "k8s:eks:res:nonresource:/version")].props["grants"]
    assert grants and "system:public-info-viewer" in grants[0]
    sa_reads = [t for (s, t) in touched if t.startswith("k8s:eks:secret:")]
    assert sa_reads  # named Secrets read are the Secret Credentials the objects loader would name
    changes = store.nodes_of_kind(NodeKind.CHANGE, limit=1000)
    assert changes and all(c.props["change_type"] in ("grant", "revoke", "create", "expand", "delete", "rotate")
                           for c in changes)  # fmt: skip


def test_fixture_sessions_stages_denials_impersonation_and_changes(store: GraphStore) -> None:
    report = load(store, FIXTURES / "people" / "scim-users.json", K8S / "manifests", K8S / "audit", cluster="lab")
    assert [e for e in errors(report) if "kubernetes" in e] == []
    assert "k8s-audit: 1 events were further stages of a request already counted" in report.notes
    ines = _session_of(store, "k8s:lab:user:ines.okafor@acme.example", "2026-11-02T09:00:00Z")
    assert ines.props["event_count"] == 4  # exec (two stages, once), denied get, RBAC create, Secret create
    assert ines.props["error_count"] == 1
    assert ines.props["denied"] == ["get secrets shop/stripe-key (403 Forbidden)"]
    assert ines.props["interactive"] is True
    assert (INES, ines.id) in edges(store, EdgeKind.STARTED)
    touched = edges(store, EdgeKind.TOUCHED)
    assert (ines.id, "k8s:lab:secret:shop/stripe-key") not in touched  # a denied attempt is not a touch
    assert touched[(ines.id, "k8s:lab:pod:shop/api-7d9f8")].count == 1
    performed = {t for s, t in edges(store, EdgeKind.PERFORMED) if s == ines.id}
    kinds = {node(store, c).props["change_type"]: node(store, c) for c in performed}
    assert set(kinds) == {"grant", "create"}
    assert kinds["grant"].props["detail"] == "ClusterRole/cluster-admin to User ines.okafor@acme.example"
    targets = edges(store, EdgeKind.TARGETS)
    assert (kinds["grant"].id, "k8s:lab:clusterrolebinding:ines-debug") in targets
    assert (kinds["create"].id, "k8s:lab:secret:shop/new-token") in targets
    api = _session_of(store, "k8s:lab:sa:shop/api", "2026-11-02T09:02:00Z")
    assert edges(store, EdgeKind.FROM)[(api.id, "k8s:lab:pod:shop/api-7d9f8")].props["ips"] == ["10.1.2.3"]
    assert touched[(api.id, "k8s:lab:secret:shop/db-creds")].props["actions"] == ["get secrets"]
    later = _session_of(store, "k8s:lab:sa:shop/api", "2026-11-02T13:00:00Z")  # from the EventList
    assert touched[(later.id, "k8s:lab:res:shop/configmaps/api-config")].count == 1
    admin = _session_of(store, "k8s:lab:user:platform-admin", "2026-11-02T09:15:00Z")
    assert admin.props["impersonated"] == ["k8s:lab:sa:shop/deployer"]
    assert touched[(admin.id, "k8s:lab:sa:shop/deployer")].props["actions"] == ["impersonate"]
    coredns = _session_of(store, "k8s:lab:sa:kube-system/coredns", None)
    assert coredns.id.endswith(":undated") and coredns.name.endswith("@ undated")
    assert node(store, "k8s:lab:user:ines.okafor@acme.example").props["nature"] == "human"


def test_malformed_audit_lines_are_located_and_the_rest_loads(store: GraphStore) -> None:
    path = K8S / "malformed" / "audit-bad-lines.log"
    report = load(store, path, cluster="lab")
    assert errors(report) == [
        f"{path}, line 2: invalid JSON (unexpected end of data)",
        f"{path}, line 3: audit event without a verb",
        f"{path}, line 4: malformed requestReceivedTimestamp 'yesterday'",
    ]
    session = _session_of(store, "k8s:lab:user:ines.okafor@acme.example", "2026-11-03T08:00:00Z")
    assert session.props["event_count"] == 2  # lines 1 and 5
    assert session.props["ended_at"] == "2026-11-03T08:00:30Z"


def test_malformed_manifest_documents_are_located_and_the_rest_loads(store: GraphStore) -> None:
    path = K8S / "malformed" / "manifests-bad-docs.yaml"
    report = load(store, path, cluster="lab")
    assert errors(report) == [
        f"{path}, line 7: Secret without metadata.name",
        f"{path}, line 15: ServiceAccount without metadata.name",
    ]
    assert node(store, "k8s:lab:sa:ops/reporter").props["dangling"] is False
    assert node(store, "k8s:lab:secret:ops/reporter-token").props["key_names"] == ["token"]


def test_audit_reload_is_idempotent(store: GraphStore) -> None:
    paths = (K8S / "manifests", K8S / "audit")
    load(store, *paths, cluster="lab")
    first = export_text(store)
    load(store, *paths, cluster="lab")
    assert export_text(store) == first


def test_eks_cloudwatch_subscription_payload_names_the_cluster(store: GraphStore) -> None:
    report = load(store, K8S / "cloudwatch")
    assert errors(report) == []  # the authenticator stream's payload is skipped, not rejected
    billing = _session_of(store, "k8s:prod-eks:sa:payments/billing", "2026-11-04T10:15:02Z")
    touched = edges(store, EdgeKind.TOUCHED)
    assert touched[(billing.id, "k8s:prod-eks:secret:payments/stripe")].props["actions"] == ["get secrets"]
    assert billing.props["cluster"] == "prod-eks"
