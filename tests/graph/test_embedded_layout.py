"""The embedded store's file layout: a file of the older layout is upgraded on open, in one
transaction, to exactly the graph it held; the query plans the layout exists for are used."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from graph.model import Evidence
from graph.schema import EdgeKind, NodeKind
from tests.store_twins import edge, node

ROLE = "aws:arn:arn:aws:iam::123456789012:role/deploy"
KEY = "aws:key:AKIAIOSFODNN7EXAMPLE"
OTHER = "aws:key:AKIAI44QH8DHBEXAMPLE"
BUCKET = "aws:arn:arn:aws:s3:::acme-prod-data"
ALICE = "person:alice@example.com"

# Layout 1, as keytrail wrote it before edges were keyed kind first (user_version 0).
_LAYOUT_1 = """
CREATE TABLE edges_old (
    source TEXT NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL,
    source_kind TEXT NOT NULL, target_kind TEXT NOT NULL,
    props TEXT NOT NULL, first_seen TEXT, last_seen TEXT, count INTEGER NOT NULL,
    sources TEXT NOT NULL, evidence TEXT NOT NULL, observations TEXT NOT NULL,
    PRIMARY KEY (source, kind, target)
) WITHOUT ROWID;
INSERT INTO edges_old SELECT * FROM edges;
DROP TABLE edges;
ALTER TABLE edges_old RENAME TO edges;
CREATE INDEX edges_by_target ON edges (target, kind, source);
CREATE INDEX edges_by_kind ON edges (kind, source, target);
PRAGMA user_version = 0;
"""


def _estate(store: EmbeddedStore) -> None:
    seen = Evidence(source="trail.json", locator="e-1", at="2024-05-01T10:00:00Z")
    store.write(
        [node(ROLE, NodeKind.IDENTITY, name="deploy"), node(ALICE, NodeKind.PERSON, props={"status": "active"})],
        [
            edge(ALICE, NodeKind.PERSON, EdgeKind.OWNS, ROLE, NodeKind.IDENTITY, props={"provenance": "catalog"}),
            edge(ROLE, NodeKind.IDENTITY, EdgeKind.HAS_CREDENTIAL, KEY, NodeKind.CREDENTIAL),
            edge(ROLE, NodeKind.IDENTITY, EdgeKind.HAS_CREDENTIAL, OTHER, NodeKind.CREDENTIAL),
            edge(
                ROLE,
                NodeKind.IDENTITY,
                EdgeKind.CAN_ACCESS,
                BUCKET,
                NodeKind.RESOURCE,
                props={"level": "admin"},
                evidence=(seen,),
                first_seen=seen.at,
                last_seen=seen.at,
                origin="trail.json#e-1",
            ),
        ],
    )


def test_a_layout_1_file_is_upgraded_on_open_to_the_same_graph(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    store = EmbeddedStore(path)
    _estate(store)
    before = list(store.export())
    store.close()
    raw = sqlite3.connect(path, isolation_level=None)
    raw.executescript(_LAYOUT_1)
    raw.close()

    store = EmbeddedStore(path)
    try:
        assert list(store.export()) == before
        assert store.integrity_check() == "ok"
        layout = store._db.execute("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'edges'").fetchall()
        assert store._db.execute("PRAGMA user_version").fetchone()[0] == 2
        assert "PRIMARY KEY (kind, source, target)" in dict(layout)["edges"]
        assert sorted(name for name, _ in layout) == ["edges", "edges_by_target"]
        # Still writable with the same merge rules: the repeat changes nothing.
        _estate(store)
        assert list(store.export()) == before
    finally:
        store.close()


def test_a_file_of_a_newer_layout_is_refused_not_rewritten(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    EmbeddedStore(path).close()
    raw = sqlite3.connect(path, isolation_level=None)
    raw.execute("PRAGMA user_version = 99")
    raw.close()
    with pytest.raises(Exception, match="newer keytrail"):
        EmbeddedStore(path)


@pytest.mark.parametrize(
    ("direction", "index"),
    [("out", "PRIMARY KEY (kind=? AND source=?)"), ("in", "INDEX edges_by_target (target=? AND kind=?)")],
)
def test_expansions_seek_and_scans_read_the_key_in_order(tmp_path: Path, direction: str, index: str) -> None:
    store = EmbeddedStore(tmp_path / "plans.db")
    try:
        _estate(store)
        statements: list[str] = []
        store._db.set_trace_callback(statements.append)
        ids = [ROLE] if direction == "out" else [KEY, OTHER]
        assert store.expand(ids, [(EdgeKind.HAS_CREDENTIAL, direction)]).edges
        store._db.set_trace_callback(None)
        (select,) = [s for s in statements if s.startswith("SELECT")]
        plans = [row[3] for row in store._db.execute("EXPLAIN QUERY PLAN " + select)]
        assert any(index in plan for plan in plans), plans
        scan = store._db.execute(
            "EXPLAIN QUERY PLAN SELECT source, target FROM edges WHERE kind = ? ORDER BY source, target", ["OWNS"]
        ).fetchall()
        assert [row[3] for row in scan] == ["SEARCH edges USING PRIMARY KEY (kind=?)"]
    finally:
        store.close()


def test_an_expansion_reads_its_nodes_only_when_looked_at_and_in_as_few_reads_as_the_look(tmp_path: Path) -> None:
    """On the embedded store a node read costs no round trip, so `expand` reads the nodes around its
    edges only when a caller looks: none for an edges-only caller, the far ends alone for a
    traversal's next level, the far ends and the starts in one read for a query's first level."""
    store = EmbeddedStore(tmp_path / "lazy.db")
    try:
        _estate(store)
        steps = [(EdgeKind.HAS_CREDENTIAL, "out")]
        statements: list[str] = []
        store._db.set_trace_callback(statements.append)

        def node_reads() -> int:
            count = sum(1 for s in statements if s.startswith("SELECT") and "FROM nodes" in s)
            statements.clear()
            return count

        expansion = store.expand([ROLE], steps)
        assert expansion.edges and node_reads() == 0  # edges only
        assert KEY in expansion.ends and node_reads() == 1
        assert ROLE in expansion.starts and node_reads() == 1
        first = store.expand([ROLE], steps)
        node_reads()
        assert ROLE in first.starts and node_reads() == 1  # starts first: both in one read
        assert KEY in first.ends and node_reads() == 0
    finally:
        store.close()
