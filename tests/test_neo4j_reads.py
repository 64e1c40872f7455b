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
from graph.model import Node
from graph.neo4j_store import Neo4jStore
from graph.schema import NodeKind
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
