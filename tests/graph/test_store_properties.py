"""Random batches written to both stores give byte-identical exports and identical reads.

Hypothesis draws small graphs over a shared pool of ids (so writes collide and merge), with
random kinds, timestamps, props of every declared type, repeated and new observation
origins, evidence beyond EVIDENCE_LIMIT, and now and then a node given the wrong kind (which
both stores must reject whole, with the same message).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from graph.embedded import EmbeddedStore
from graph.model import Edge, Evidence, Node
from graph.schema import EDGE_SPECS, NODE_SPECS, EdgeKind, NodeKind, PropertyType
from graph.store import GraphStore
from tests.conftest import neo4j_lock, neo4j_settings, open_neo4j_store
from tests.store_twins import Twins

pytestmark = pytest.mark.neo4j

KINDS = sorted(NodeKind, key=lambda k: k.value)
# Two ids per kind, one of them non-ASCII, so ids collide across batches and sort interestingly.
POOL: dict[str, NodeKind] = {}
for _kind in KINDS:
    POOL[f"{_kind.value.lower()}:a-{_kind.value}"] = _kind
    POOL[f"{_kind.value.lower()}:Ünï-{_kind.value}-\U0001d518"] = _kind

TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=8)
TIMESTAMPS = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2026, 1, 1)).map(
    lambda moment: moment.replace(tzinfo=UTC, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
)
VALUES: dict[PropertyType, st.SearchStrategy[Any]] = {
    "str": TEXT,
    "int": st.integers(min_value=-(2**53), max_value=2**53),
    "float": st.floats(allow_nan=False, allow_infinity=False, width=64),
    "bool": st.booleans(),
    "timestamp": TIMESTAMPS,
    "list[str]": st.lists(TEXT, max_size=3),
}


def props_for(declared: Any) -> st.SearchStrategy[dict[str, Any]]:
    keys = sorted(declared)
    return (
        st.dictionaries(st.sampled_from(keys), st.nothing(), max_size=0)
        if not keys
        else st.lists(st.sampled_from(keys), max_size=3, unique=True).flatmap(
            lambda chosen: st.fixed_dictionaries({k: VALUES[declared[k]] for k in chosen})
        )
    )


@st.composite
def nodes(draw: st.DrawFn) -> Node:
    node_id = draw(st.sampled_from(sorted(POOL)))
    kind = POOL[node_id] if draw(st.integers(0, 19)) else draw(st.sampled_from(KINDS))
    return Node.checked(
        id=node_id,
        kind=kind,
        subtype=draw(st.sampled_from(["", "aws.iam.user", "github.workflow"])),
        name=draw(st.one_of(st.just(""), TEXT)),
        props=draw(props_for(NODE_SPECS[kind].properties)),
        first_seen=draw(st.none() | TIMESTAMPS),
        last_seen=draw(st.none() | TIMESTAMPS),
        sources=draw(st.lists(st.sampled_from(["aws.iam", "cloudtrail", "github", "scim"]), max_size=2)),
    )


@st.composite
def edges(draw: st.DrawFn) -> Edge:
    kind = draw(st.sampled_from(sorted(EdgeKind, key=lambda k: k.value)))
    spec = EDGE_SPECS[kind]
    source = draw(st.sampled_from(sorted(i for i, k in POOL.items() if k in spec.sources)))
    target = draw(st.sampled_from(sorted(i for i, k in POOL.items() if k in spec.targets)))
    evidence = draw(
        st.lists(
            st.builds(
                Evidence,
                source=st.sampled_from(["trail.json", "iam.json"]),
                locator=st.integers(0, 30).map(str),
                at=st.none() | TIMESTAMPS,
            ),
            max_size=12,
        )
    )
    return Edge.checked(
        source=source,
        source_kind=POOL[source],
        kind=kind,
        target=target,
        target_kind=POOL[target],
        props=draw(props_for(spec.properties)),
        first_seen=draw(st.none() | TIMESTAMPS),
        last_seen=draw(st.none() | TIMESTAMPS),
        count=draw(st.integers(1, 5)),
        sources=draw(st.lists(st.sampled_from(["aws.iam", "cloudtrail", "github"]), max_size=2)),
        evidence=evidence,
        origin=draw(st.sampled_from(["", "file-a", "file-b", "file-c"])),
    )


BATCHES = st.lists(st.tuples(st.lists(nodes(), max_size=6), st.lists(edges(), max_size=8)), min_size=1, max_size=4)


@pytest.fixture(scope="module")
def neo4j_store() -> Iterator[GraphStore]:
    neo4j_settings()
    with neo4j_lock():
        graph = open_neo4j_store()
        try:
            yield graph
        finally:
            graph.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=BATCHES, needle=st.sampled_from(["a", "ü", "UNÏ", "-", "\U0001d518", "x"]))
def test_random_batches_give_identical_stores(
    neo4j_store: GraphStore, batches: list[tuple[list[Node], list[Edge]]], needle: str
) -> None:
    neo4j_store.clear()  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory() as folder:
        embedded = EmbeddedStore(Path(folder) / "twin.db")
        try:
            twins = Twins(embedded, neo4j_store)
            for batch_nodes, batch_edges in batches:
                error = twins.write(batch_nodes, batch_edges)
                event(f"batch {'rejected: ' + type(error).__name__ if error else 'written'}")
            lines = twins.assert_same()
            event(f"exported lines: {len(lines) // 10 * 10}+")
            assert embedded.stats() == neo4j_store.stats()
            assert embedded.search(needle) == neo4j_store.search(needle)
            steps = [(kind, direction) for kind in EdgeKind for direction in ("out", "in")]
            ids = sorted(POOL)[::3]
            assert embedded.expand(ids, steps) == neo4j_store.expand(ids, steps)
            as_of = "2023-01-01T00:00:00Z"
            assert embedded.expand(ids, steps, as_of=as_of) == neo4j_store.expand(ids, steps, as_of=as_of)
            # a few ids (Neo4j reads their nodes in the same query) and many (read when asked for)
            assert embedded.expand(ids[:3], steps) == neo4j_store.expand(ids[:3], steps)
            assert embedded.expand(ids, steps).starts == neo4j_store.expand(ids, steps).starts
        finally:
            embedded.close()
