"""The demo estate loaded whole, once per test run, for every end-to-end module that asks it questions.

Generating and loading the estate costs tens of seconds per store, so the modules that test it
(tests/test_demo_estate_e2e.py, tests/test_demo_saas_e2e.py, tests/test_demo_infra_e2e.py) share
one tree, one embedded store (session-scoped) and one Neo4j load. Neo4j is shared with other tests
and other engineers' runs, which clear it, so `demo_neo4j` holds the server lock only for one module
at a time (as the `store` fixture does) and reuses the load it made when the database still holds
exactly what it loaded (the same node and edge counts per kind); otherwise it loads again. The
fixtures are registered in tests/conftest.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from graph.embedded import EmbeddedStore
from graph.store import GraphStore, Stats
from loaders.base import LoadContext
from loaders.demo import generate_demo
from loaders.runner import LoadReport, run_load

__all__ = ["HMAC_KEY", "SEED", "Loaded", "Manifest", "demo_embedded", "demo_estate", "demo_neo4j", "situation"]

SEED = 7
HMAC_KEY = b"keytrail-demo-e2e-fixed-key"

Manifest = dict[str, Any]


@dataclass
class Loaded:
    """One store holding the whole estate, with every query answer cached by call name."""

    name: str
    store: GraphStore
    manifest: Manifest
    estate: Path
    report: LoadReport
    answers: dict[str, BaseModel] = field(default_factory=dict)
    stats: Stats | None = None


def situation(manifest: Manifest, sid: str) -> dict[str, Any]:
    found = [s for s in manifest["situations"] if s["id"] == sid]
    assert len(found) == 1, sid
    return found[0]  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def demo_estate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    out = tmp_path_factory.mktemp("demo-e2e") / "estate"
    generate_demo(out, seed=SEED, scale=1)
    return out, json.loads((out / "manifest.json").read_text())


def _load(name: str, store: GraphStore, estate: tuple[Path, Manifest]) -> Loaded:
    root, manifest = estate
    ctx = LoadContext(now=manifest["base_time"], hmac_key=HMAC_KEY)
    loaded = Loaded(name, store, manifest, root, run_load(store, [root], ctx=ctx))
    loaded.stats = store.stats()
    return loaded


@pytest.fixture(scope="session")
def demo_embedded(demo_estate: tuple[Path, Manifest], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    store = EmbeddedStore(tmp_path_factory.mktemp("demo-e2e-db") / "keytrail.db")
    try:
        yield _load("embedded", store, demo_estate)
    finally:
        store.close()


_NEO4J_LOADS: dict[str, Loaded] = {}


@pytest.fixture(scope="module")
def demo_neo4j(demo_estate: tuple[Path, Manifest]) -> Iterator[Loaded]:
    from graph.neo4j_store import Neo4jStore
    from tests.conftest import neo4j_lock, neo4j_settings  # here: tests/conftest.py imports this module

    uri, user, password = neo4j_settings()  # skips locally (fails in CI) when Neo4j is not configured
    with neo4j_lock():  # the same lock as the `store` fixture: nobody clears the database under us
        store = Neo4jStore(uri, user=user, password=password)
        try:
            known = _NEO4J_LOADS.get(uri)
            if known is not None and known.stats == store.stats():
                known.store = store  # the database still holds this load: its answers still hold
            else:
                store.clear()
                known = _NEO4J_LOADS[uri] = _load("neo4j", store, demo_estate)
            yield known
        finally:
            store.close()
