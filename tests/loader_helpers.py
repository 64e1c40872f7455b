"""Helpers for loader tests: load paths into a store through the real runner, read the result."""

from __future__ import annotations

from pathlib import Path

from graph.model import Node, StoredEdge
from graph.schema import EdgeKind
from graph.store import GraphStore
from loaders.base import LoadContext
from loaders.runner import LoadReport, run_load

NOW = "2025-01-15T00:00:00Z"
HMAC_KEY = b"test-hmac-key"


def load(
    store: GraphStore,
    *paths: Path,
    repository: str = "",
    runner_org: str = "",
    strict: bool = False,
    cluster: str = "",
    year: int = 0,
) -> LoadReport:
    ctx = LoadContext(
        now=NOW, hmac_key=HMAC_KEY, repository=repository, runner_org=runner_org, cluster=cluster, year=year
    )
    return run_load(store, list(paths), ctx=ctx, strict=strict)


def node(store: GraphStore, node_id: str) -> Node:
    found = store.nodes_by_id([node_id])
    assert node_id in found, f"{node_id} not in the graph"
    return found[node_id]


def edges(store: GraphStore, kind: EdgeKind) -> dict[tuple[str, str], StoredEdge]:
    return {(e.source, e.target): e for e in store.edges_of_kind(kind, limit=100_000)}


def export_text(store: GraphStore) -> str:
    return "\n".join(store.export())


def errors(report: LoadReport) -> list[str]:
    return [str(e) for f in report.files for e in f.errors]
