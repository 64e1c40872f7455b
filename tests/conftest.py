"""Shared fixtures: the `store` fixture runs a test on the embedded store and on the real Neo4j.

Neo4j is reached through KEYTRAIL_NEO4J_URI / _USER / _PASSWORD (set by
`eval "$(scripts/neo4j-local env)"`, which `make test` does). Without them a Neo4j test skips
with the reason — except in CI (CI=true), where it fails: CI must never pass by skipping.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from graph.runtime import tune_gc
from graph.store import GraphStore, check_projections

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
FIXTURES = REPO / "tests" / "fixtures"
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_configure(config: pytest.Config) -> None:
    """The test process runs with the collector settings of keytrail's own processes, and scans
    whose rows fail loudly when code reads a property the scan did not project."""
    tune_gc()
    check_projections(True)


def need_corpus() -> Path:
    """The shared corpus, or skip (fail in CI) with the reason."""
    if CORPUS.is_dir():
        return CORPUS
    if IN_CI:
        pytest.fail(f"CI needs the shared corpus at {CORPUS}")
    pytest.skip(f"../shared/corpus not found at {CORPUS}")


def neo4j_settings() -> tuple[str, str, str]:
    uri = os.environ.get("KEYTRAIL_NEO4J_URI", "")
    if not uri:
        reason = 'Neo4j not configured: run `eval "$(scripts/neo4j-local env)"` after `scripts/neo4j-local start`'
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return uri, os.environ.get("KEYTRAIL_NEO4J_USER", "neo4j"), os.environ.get("KEYTRAIL_NEO4J_PASSWORD", "")


@contextmanager
def neo4j_lock() -> Iterator[None]:
    """Hold the one shared Neo4j database for a test: several engineers' test runs share the
    server, and every test clears the database, so tests from different processes take turns."""
    # One lock per server, not per checkout: test runs from several work trees share a server.
    uri = os.environ.get("KEYTRAIL_NEO4J_URI", "")
    key = "".join(ch if ch.isalnum() else "_" for ch in uri) or "default"
    lock_path = Path(tempfile.gettempdir()) / f"keytrail-neo4j-tests-{key}.lock"
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def open_neo4j_store() -> GraphStore:
    from graph.neo4j_store import Neo4jStore

    uri, user, password = neo4j_settings()
    store = Neo4jStore(uri, user=user, password=password)
    store.clear()
    return store


@pytest.fixture(params=["embedded", "neo4j"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[GraphStore]:
    """An empty store of each kind; the same test body runs on both."""
    graph: GraphStore
    if request.param == "embedded":
        graph = EmbeddedStore(tmp_path / "keytrail.db")
        try:
            yield graph
        finally:
            graph.close()
        return
    neo4j_settings()
    with neo4j_lock():
        graph = open_neo4j_store()
        try:
            yield graph
        finally:
            graph.close()


@pytest.fixture
def embedded_store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    graph = EmbeddedStore(tmp_path / "keytrail.db")
    try:
        yield graph
    finally:
        graph.close()


# The demo estate, generated and loaded once for the end-to-end modules that share it (tests/demo_estate.py).
from tests.demo_estate import demo_embedded, demo_estate, demo_neo4j  # noqa: E402, F401
