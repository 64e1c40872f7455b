"""The Kubernetes objects loader on the real kubectl/popeye files of the shared corpus, both stores."""

from __future__ import annotations

from graph.schema import EdgeKind
from graph.store import GraphStore
from tests.conftest import need_corpus
from tests.loader_helpers import edges, errors, export_text, load, node


def test_corpus_manifests_load_with_references_kept(store: GraphStore) -> None:
    corpus = need_corpus() / "k8s_manifests"
    report = load(store, corpus, cluster="lab")
    assert errors(report) == []
    runs_as = edges(store, EdgeKind.RUNS_AS)
    assert ("k8s:lab:pod:default/p1", "k8s:lab:sa:default/default") in runs_as
    uses = edges(store, EdgeKind.USES)
    assert {"k8s:lab:secret:default/sec1", "k8s:lab:secret:default/sec2"} <= {t for s, t in uses if s.endswith("/p1")}
    legacy = node(store, "k8s:lab:secret:default/default-token-dsl46")  # mounted, never defined
    assert legacy.props["legacy"] is True and legacy.props["dangling"] is True
    secret = node(store, "k8s:lab:secret:default/s1")
    assert secret.props["key_names"] == ["password", "token"] and secret.props["dangling"] is False
    grants = edges(store, EdgeKind.CAN_ACCESS)
    assert grants[("k8s:lab:sa:default/sa2", "k8s:lab:clusterrole:cr-bozo")].props["dangling"] is True
    assert grants[("k8s:lab:user:fred", "k8s:lab:res:*/pods")].props["level"] == "read"
    assert "YnVtYmxlYmVldHVuYQo=" not in export_text(store)  # Secret data and last-applied annotation


def test_reload_is_idempotent(store: GraphStore) -> None:
    corpus = need_corpus() / "k8s_manifests"
    load(store, corpus)
    first = export_text(store)
    load(store, corpus)
    assert export_text(store) == first
