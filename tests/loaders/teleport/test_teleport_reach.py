"""Teleport's kube, app and network events: what a proxied session reached, on both stores.

`kube.request` (Teleport's reference example has no sid), a kube `exec`, `app.session.start` and
`session.network` (the real corpus file's nmap connection); the pod exec'd through Teleport is the
pod of the manifests, so the NHI10 rule on exec into a privileged workload sees it."""

from __future__ import annotations

from graph.schema import EdgeKind
from graph.store import GraphStore
from queries.findings import findings
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import NOW, edges, errors, export_text, load, node

KUBE = FIXTURES / "teleport" / "kube-app.jsonl"
K8S = FIXTURES / "kubernetes"
TP = "teleport.acme.example"
REQUESTS = f"session:teleport:{TP}:kube:lab:ines.okafor@acme.example:2026-11-02T10:00:00Z"
LATER = f"session:teleport:{TP}:kube:lab:ines.okafor@acme.example:2026-11-02T14:00:00Z"
EXEC = f"session:teleport:{TP}:8d57a9d5-3848-5ce2-a326-85eb4a6d2eed"
APP = f"session:teleport:{TP}:6593cf87-9839-4f18-abf8-c54873aaeb4e"
POD = "k8s:lab:pod:shop/api-7d9f8"


def test_kube_requests_exec_and_app_sessions(store: GraphStore) -> None:
    report = load(store, FIXTURES / "people" / "scim-users.json", K8S / "manifests", KUBE, cluster="lab")
    assert [e for e in errors(report) if "scim-users" not in e] == []  # the roster has one bad record on purpose
    touched = edges(store, EdgeKind.TOUCHED)
    # sid-less requests: one session per user and Kubernetes cluster, split by the session gap
    assert touched[(REQUESTS, "k8s:lab:res:shop/pods")].props["actions"] == ["list pods"]
    secret = touched[(REQUESTS, "k8s:lab:secret:shop/stripe-key")]
    assert secret.props["actions"] == ["get secrets"] and secret.props["errors"] == 1  # 403: denied
    assert touched[(REQUESTS, POD)].props["actions"] == ["create pods/exec"]
    assert node(store, REQUESTS).props["interactive"] is True
    assert node(store, REQUESTS).props["kubernetes_cluster"] == "lab"
    assert (LATER, "k8s:lab:res:shop/pods") in touched
    # the exec stream: its command ran in the pod, not on Teleport's kube agent
    assert touched[(EXEC, POD)].props["commands"] == ["env"]
    assert not [t for s, t in touched if s == EXEC and t.startswith("host:")]
    acted = edges(store, EdgeKind.ACTED_AS)
    assert (EXEC, "k8s:lab:user:ines.okafor@acme.example") in acted  # kubernetes_users: who Teleport impersonated
    assert ("person:ines.okafor@acme.example", EXEC) in edges(store, EdgeKind.STARTED)
    app = touched[(APP, f"teleport:{TP}:app:grafana")]
    assert app.props["actions"] == ["app.session.start"]
    assert node(store, f"teleport:{TP}:app:grafana").props["app_uri"] == "http://localhost:3000"
    assert [t for s, t in touched if s == APP] == [f"teleport:{TP}:app:grafana"]  # not the app agent's id
    # the pod of the manifests runs as shop/api: a person exec'd into it through Teleport
    found = {(f.rule, f.subject.id): f for f in findings(store, now=NOW).findings}
    assert ("KT-NHI10-002", "k8s:lab:sa:shop/api") in found
    before = export_text(store)
    load(store, KUBE, cluster="lab")
    assert export_text(store) == before


def test_session_network_destinations_on_the_corpus(store: GraphStore) -> None:
    load(store, need_corpus() / "teleport")
    nmap = node(store, "session:teleport:teleport:a3562a0e-e57f-4273-9f69-eedb6cd029cb")
    assert nmap.props["network"] == ["67.205.137.100:1723"]
