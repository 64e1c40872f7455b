"""Neo4j reads run as auto-commit queries with their own retry: transient failures are retried
within a bounded time, anything else fails at once with a StoreError naming the store.

The real server answers; only the driver's session is made to fail a set number of times
(the driver is not ours, and a real transient failure cannot be provoked on demand)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from neo4j.exceptions import ServiceUnavailable

import graph.neo4j_store as neo4j_store
from graph.errors import StoreError, StoreUnavailable
from graph.model import Edge, Node
from graph.neo4j_store import Neo4jStore
from graph.schema import EdgeKind, NodeKind
from tests.conftest import neo4j_lock, neo4j_settings, open_neo4j_store


@pytest.fixture
def neo4j() -> Iterator[Neo4jStore]:
    neo4j_settings()
    with neo4j_lock():
        store = open_neo4j_store()
        assert isinstance(store, Neo4jStore)
        try:
            store.write([Node(id="person:ann@example.com", kind=NodeKind.PERSON, name="Ann")], [])
            yield store
        finally:
            store.close()


def _failing_sessions(store: Neo4jStore, monkeypatch: pytest.MonkeyPatch, failures: int) -> list[int]:
    """The next `failures` sessions fail on run as an unreachable server would; returns a
    one-item list counting the attempts."""
    driver = store._driver
    real_session = driver.session
    attempts = [0]

    class Flaky:
        def __init__(self, session: Any) -> None:
            self.session = session

        def __enter__(self) -> Flaky:
            self.session.__enter__()
            return self

        def __exit__(self, *exc: object) -> None:
            self.session.__exit__(*exc)

        def run(self, *args: Any, **kwargs: Any) -> Any:
            attempts[0] += 1
            if attempts[0] <= failures:
                raise ServiceUnavailable("connection refused (test)")
            return self.session.run(*args, **kwargs)

    monkeypatch.setattr(driver, "session", lambda **kw: Flaky(real_session(**kw)))
    return attempts


def test_a_transient_failure_is_retried(neo4j: Neo4jStore, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = _failing_sessions(neo4j, monkeypatch, failures=2)
    assert neo4j.nodes_by_id(["person:ann@example.com"])["person:ann@example.com"].name == "Ann"
    assert attempts[0] == 3


def test_retries_stop_after_the_retry_time(neo4j: Neo4jStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(neo4j_store, "_READ_RETRY_SECONDS", 0.3)
    attempts = _failing_sessions(neo4j, monkeypatch, failures=10_000)
    with pytest.raises(StoreUnavailable, match="is unavailable"):
        neo4j.nodes_by_id(["person:ann@example.com"])
    assert 2 <= attempts[0] < 10  # backoff from 50 ms: a handful of attempts in 0.3 s


def test_a_bad_query_fails_at_once(neo4j: Neo4jStore) -> None:
    with pytest.raises(StoreError, match="read from") as caught:
        neo4j._records("MATCH (n:Node RETURN n")  # a syntax error is not retryable
    assert not isinstance(caught.value, StoreUnavailable)


def test_packed_reads_span_records_in_order(neo4j: Neo4jStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """Scans, pages and expansions come ROWS_PER_RECORD rows to a Bolt record: with three
    rows to a record, 20 nodes and 20 edges span several records, and the answers (order
    included) are those of one record each."""
    people = [Node(id=f"person:p{i:02d}@example.com", kind=NodeKind.PERSON, name=f"p{i}") for i in range(20)]
    team = Node(id="team:platform", kind=NodeKind.TEAM, name="platform")
    members = [
        Edge(
            source=p.id,
            source_kind=NodeKind.PERSON,
            kind=EdgeKind.MEMBER_OF,
            target=team.id,
            target_kind=NodeKind.TEAM,
            props={"role": f"r{i}"},
        )
        for i, p in enumerate(reversed(people))
    ]
    neo4j.write([team, *people], members)
    steps = [(EdgeKind.MEMBER_OF, "in")]

    def answers() -> tuple[object, ...]:
        return (
            list(neo4j.node_rows(NodeKind.PERSON)),
            list(neo4j.edge_rows(EdgeKind.MEMBER_OF)),
            neo4j.expand([team.id], steps).edges,
            neo4j.expand([team.id], steps)[:2],
            neo4j.nodes_by_id(p.id for p in people),
            neo4j.nodes_of_kind(NodeKind.PERSON, after="person:p03", limit=10),
            neo4j.edges_of_kind(EdgeKind.MEMBER_OF, after=(people[4].id, team.id), limit=10),
        )

    whole = answers()
    monkeypatch.setattr(neo4j, "rows_per_record", 3)
    assert answers() == whole
    node_rows, edge_rows, expanded, (expanded_to, ends), by_id, kind_page, edge_page = whole  # type: ignore[misc]
    assert [r.id for r in node_rows] == sorted([p.id for p in people] + ["person:ann@example.com"])
    assert [(r.source, r.target) for r in edge_rows] == sorted((p.id, team.id) for p in people)
    assert len(expanded) == 20 and expanded == expanded_to and set(ends) == {p.id for p in people}
    assert set(by_id) == {p.id for p in people}
    assert [n.id for n in kind_page] == [p.id for p in people[3:13]]
    assert [e.source for e in edge_page] == [p.id for p in people[5:15]]
