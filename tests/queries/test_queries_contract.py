"""Every query gives the identical answer on the embedded store and on Neo4j.

The planted scenario is compared whole (with and without `as_of`), and findings over the cloud and
SaaS loaders' fixtures; then hypothesis generates
random graphs (valid per the schema's endpoint tables, with random statuses, natures, levels,
modes, environments and times) and every query runs on both stores for each one.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.embedded import EmbeddedStore
from graph.model import Edge, Evidence, Node
from graph.schema import EDGE_SPECS, EdgeKind, NodeKind
from graph.store import GraphStore
from queries.findings import findings
from tests.conftest import neo4j_lock, neo4j_settings, open_neo4j_store
from tests.fixtures.queries.run_all import run_all
from tests.fixtures.queries.scenario import build_scenario
from tests.loader_helpers import load
from tests.queries.test_findings_saas import FILES as SAAS_FILES
from tests.queries.test_findings_saas import NEW_RULES as SAAS_RULES
from tests.queries.test_findings_saas import NOW as SAAS_NOW

pytestmark = pytest.mark.neo4j

TIMES = ["2024-01-01T00:00:00Z", "2024-03-01T00:00:00Z", "2024-05-01T00:00:00Z", "2024-07-01T00:00:00Z"]
NODE_PROPS: dict[NodeKind, dict[str, list[object]]] = {
    NodeKind.PERSON: {"status": ["active", "offboarded", None]},
    NodeKind.IDENTITY: {"nature": ["machine", "human", "unknown", None], "password_enabled": [True, None],
                        "account": ["111111111111", "222222222222", None]},
    NodeKind.CREDENTIAL: {"status": ["active", "deleted", None], "credential_type": ["aws_access_key", "ci_secret"],
                          "created": [*TIMES, None], "legacy": [True, None], "static_cloud_key": [True, None],
                          "deleted_at": [TIMES[1], None], "last_used": [TIMES[2], None]},
    NodeKind.SESSION: {"interactive": [True, None], "auth_method": ["password", None], "started_at": [*TIMES, None]},
    NodeKind.RUNNER: {"environment": ["production", "staging", None]},
    NodeKind.CHANGE: {"change_type": ["grant", "review", "create"], "decision": ["keep", "revoke", None],
                      "at": [*TIMES, None]},
}  # fmt: skip
EDGE_PROPS: dict[EdgeKind, dict[str, list[object]]] = {
    EdgeKind.CAN_ACCESS: {"level": ["read", "write", "admin"], "flags": [["cluster-admin"], ["secrets-read"], None]},
    EdgeKind.TOUCHED: {"actions": [["create pods/exec"], ["get secrets"], None]},  # exec reach (queries/story_reach.py)
    EdgeKind.USES: {"mode": ["declared", "observed"], "environment": ["production", "staging", None]},
    EdgeKind.CAN_ASSUME: {"via": ["aws_principal", "oidc"], "external_id": [True, None]},
}


@st.composite
def graphs(draw: st.DrawFn) -> tuple[list[Node], list[Edge]]:
    kinds = draw(st.lists(st.sampled_from(list(NodeKind)), min_size=2, max_size=24))
    nodes = []
    for index, kind in enumerate(kinds):
        props = {k: draw(st.sampled_from(v)) for k, v in NODE_PROPS.get(kind, {}).items()}
        seen = draw(st.sampled_from(TIMES))
        nodes.append(Node(id=f"n{index}:{kind.value.lower()}", kind=kind, name=f"node {index}", props=props,
                          first_seen=seen, last_seen=seen))  # fmt: skip
    edges = []
    for _ in range(draw(st.integers(0, 60))):
        kind = draw(st.sampled_from(list(EdgeKind)))
        spec = EDGE_SPECS[kind]
        sources = [n for n in nodes if n.kind in spec.sources]
        targets = [n for n in nodes if n.kind in spec.targets]
        if not sources or not targets:
            continue
        source, target = draw(st.sampled_from(sources)), draw(st.sampled_from(targets))
        props = {k: draw(st.sampled_from(v)) for k, v in EDGE_PROPS.get(kind, {}).items()}
        first = draw(st.sampled_from(TIMES))
        edges.append(Edge(source=source.id, source_kind=source.kind, kind=kind, target=target.id,
                          target_kind=target.kind, props=props, first_seen=first, last_seen=first,
                          evidence=[Evidence(source="random.jsonl", locator=str(len(edges)), at=first)]))  # fmt: skip
    return nodes, edges


@pytest.fixture(scope="module")
def neo4j() -> Iterator[GraphStore]:
    neo4j_settings()
    with neo4j_lock():  # the shared database: no other test run clears it under us
        store = open_neo4j_store()
        try:
            yield store
        finally:
            store.close()


def _embedded(nodes: list[Node], edges: list[Edge], folder: str) -> EmbeddedStore:
    store = EmbeddedStore(Path(folder) / "keytrail.db")
    store.write(nodes, edges)
    return store


def _compare(neo4j: GraphStore, nodes: list[Node], edges: list[Edge], as_of: str | None = None) -> None:
    neo4j.clear()  # type: ignore[attr-defined]
    neo4j.write(nodes, edges)
    with tempfile.TemporaryDirectory() as folder:
        embedded = _embedded(nodes, edges, folder)
        try:
            left, right = run_all(embedded, as_of=as_of, per_kind=2), run_all(neo4j, as_of=as_of, per_kind=2)
        finally:
            embedded.close()
    assert left.keys() == right.keys()
    for key in left:
        assert left[key] == right[key], key


@pytest.mark.parametrize("as_of", [None, "2024-05-02T10:05:00Z", "2024-04-01T00:00:00Z"])
def test_scenario_identical_on_both_stores(neo4j: GraphStore, as_of: str | None) -> None:
    scenario = build_scenario()
    _compare(neo4j, list(scenario.nodes.values()), scenario.edges, as_of)


def test_saas_findings_identical_on_both_stores(neo4j: GraphStore, tmp_path: Path) -> None:
    """The cloud and SaaS rules (queries/rules_saas.py) over what the loaders made of their
    fixtures: the same findings, evidence and all, on both stores (random graphs carry no SaaS
    subtypes, so they never reach these rules)."""
    neo4j.clear()  # type: ignore[attr-defined]
    load(neo4j, *SAAS_FILES)
    embedded = EmbeddedStore(tmp_path / "keytrail.db")
    try:
        load(embedded, *SAAS_FILES)
        left = findings(embedded, now=SAAS_NOW)
    finally:
        embedded.close()
    right = findings(neo4j, now=SAAS_NOW)
    assert set(left.counts_by_rule) >= SAAS_RULES  # not vacuous: every new rule fired
    assert left.model_dump() == right.model_dump()


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(graph=graphs(), as_of=st.sampled_from([None, TIMES[1], TIMES[2]]))
def test_random_graphs_identical_on_both_stores(
    neo4j: GraphStore, graph: tuple[list[Node], list[Edge]], as_of: str | None
) -> None:
    _compare(neo4j, *graph, as_of=as_of)
