"""The embedded store: one SQLite file in WAL mode, no server.

Each `write` is one transaction, so a crash (even SIGKILL) leaves the last committed batch
and nothing half-written. Merging happens inside SQLite's upsert, with small registered
functions for the JSON-valued columns, so a bulk load of new records is one `executemany`.

Traversals never load the whole graph: `expand` reads one frontier at a time from indexed
tables (the kind-first key outward, the target index inward), and graph/traverse.py walks the
levels itself, in Python, on both stores; only `shortest_paths` hands the neighbourhood a walk
reached to networkx (for all shortest paths). Cold open is therefore constant, whatever the
size of the file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from graph.errors import KindConflict, StoreError, quoted
from graph.model import EVIDENCE_LIMIT, Edge, Node, StoredEdge, from_store
from graph.schema import EdgeKind, NodeKind
from graph.store import (
    EdgeKey,
    EdgeRow,
    Expansion,
    NodeRow,
    Stats,
    Step,
    WriteSummary,
    batch_kinds,
    check_search_text,
    decode_evidence,
    encode_evidence,
    export_edge_line,
    export_node_line,
    keys_by_kind,
    lazy_expansion,
    merge_evidence,
    projection_checked,
    scan_projection,
)

__all__ = ["DEFAULT_PATH", "EmbeddedStore", "store_file"]

DEFAULT_PATH = Path(".keytrail") / "keytrail.db"
_CHUNK = 900  # below SQLite's default limit of bound variables per statement
_WAL_RESTART_BYTES = 2 * 4096 * 16384  # twice the automatic checkpoint's threshold (4096 pages of 16 KiB)
_MMAP_BYTES = 0x7FFF0000  # SQLite's default SQLITE_MAX_MMAP_SIZE; larger requests are clamped to it

# Edges are keyed kind first. Findings, shared_credentials and ownership_gaps scan whole kinds,
# and a kind-first table makes that a sequential read of the table itself (about twice as fast
# as stepping a kind index and looking each row up: bench/README.md). An expansion always names its
# kinds, so outward it seeks the key itself (kind, source) for each kind and id, and needs no
# source index: two B-trees per edge to write instead of three. Inward it reads edges_by_target.
_EDGES_TABLE = """(
    source TEXT NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL,
    source_kind TEXT NOT NULL, target_kind TEXT NOT NULL,
    props TEXT NOT NULL, first_seen TEXT, last_seen TEXT, count INTEGER NOT NULL,
    sources TEXT NOT NULL, evidence TEXT NOT NULL, observations TEXT NOT NULL,
    PRIMARY KEY (kind, source, target)
) WITHOUT ROWID"""

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS nodes (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, subtype TEXT NOT NULL, name TEXT NOT NULL,
    props TEXT NOT NULL, first_seen TEXT, last_seen TEXT, sources TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS nodes_by_kind ON nodes (kind, id);
CREATE TABLE IF NOT EXISTS edges {_EDGES_TABLE};
CREATE INDEX IF NOT EXISTS edges_by_target ON edges (target, kind, source);
"""

_LAYOUT = 2
"""`PRAGMA user_version` of the current layout. Layout 1 (files written before it, where
user_version is 0) keyed edges by (source, kind, target) with a separate kind index."""

_MIGRATE_1_TO_2 = (
    "DROP INDEX IF EXISTS edges_by_kind",
    f"CREATE TABLE edges_layout2 {_EDGES_TABLE}",
    "INSERT INTO edges_layout2 SELECT * FROM edges ORDER BY kind, source, target",
    "DROP TABLE edges",
    "ALTER TABLE edges_layout2 RENAME TO edges",
)

_UPSERT_NODE = """
INSERT INTO nodes (id, kind, subtype, name, props, first_seen, last_seen, sources)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    subtype = CASE WHEN excluded.subtype != '' THEN excluded.subtype ELSE nodes.subtype END,
    name = CASE WHEN excluded.name != '' THEN excluded.name ELSE nodes.name END,
    props = CASE WHEN excluded.props = '{}' THEN nodes.props ELSE kt_props(nodes.props, excluded.props) END,
    first_seen = coalesce(min(nodes.first_seen, excluded.first_seen), nodes.first_seen, excluded.first_seen),
    last_seen = coalesce(max(nodes.last_seen, excluded.last_seen), nodes.last_seen, excluded.last_seen),
    sources = CASE WHEN excluded.sources = '[]' THEN nodes.sources ELSE kt_union(nodes.sources, excluded.sources) END
"""

# A placeholder merged into an existing node changes nothing (empty fields keep the stored
# values), so it is inserted only when the id is new: no row rewrite, no WAL page for it.
_INSERT_PLACEHOLDER = """
INSERT INTO nodes (id, kind, subtype, name, props, first_seen, last_seen, sources)
VALUES (?, ?, '', '', '{}', NULL, NULL, '[]')
ON CONFLICT (id) DO NOTHING
"""

_UPSERT_EDGE = """
INSERT INTO edges (source, kind, target, source_kind, target_kind, props, first_seen, last_seen,
                   count, sources, evidence, observations)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (source, kind, target) DO UPDATE SET
    props = CASE WHEN excluded.props = '{}' THEN edges.props ELSE kt_props(edges.props, excluded.props) END,
    first_seen = coalesce(min(edges.first_seen, excluded.first_seen), edges.first_seen, excluded.first_seen),
    last_seen = coalesce(max(edges.last_seen, excluded.last_seen), edges.last_seen, excluded.last_seen),
    count = kt_obs_count(edges.observations, excluded.observations),
    sources = CASE WHEN excluded.sources = '[]' THEN edges.sources ELSE kt_union(edges.sources, excluded.sources) END,
    evidence = CASE WHEN excluded.evidence = '[]' THEN edges.evidence
                    ELSE kt_evidence(edges.evidence, excluded.evidence) END,
    observations = kt_obs(edges.observations, excluded.observations)
"""

_EDGE_COLUMNS = (
    "source, kind, target, source_kind, target_kind, props, first_seen, last_seen, "
    "count, sources, evidence, observations"
)
_NODE_COLUMNS = "id, kind, subtype, name, props, first_seen, last_seen, sources"


def _dumps(value: object) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _merge_props(old: str, new: str) -> str:
    return _dumps({**orjson.loads(old), **orjson.loads(new)})


def _union(old: str, new: str) -> str:
    return _dumps(sorted(set(orjson.loads(old)) | set(orjson.loads(new))))


def _merge_evidence_json(old: str, new: str) -> str:
    return _dumps(merge_evidence(orjson.loads(old), orjson.loads(new)))


def _merge_observations(old: str, new: str) -> str:
    return _dumps({**orjson.loads(old), **orjson.loads(new)})


def _observation_count(old: str, new: str) -> int:
    return sum({**orjson.loads(old), **orjson.loads(new)}.values())


_EMPTY_MAP = "{}"
_EMPTY_LIST = "[]"


def _node_row(node: Node) -> tuple[object, ...]:
    # Kinds are StrEnums, bound by SQLite as their text; empty values skip the JSON encoder.
    return (
        node.id,
        node.kind,
        node.subtype,
        node.name,
        _dumps(node.props) if node.props else _EMPTY_MAP,
        node.first_seen,
        node.last_seen,
        _dumps(node.sources) if node.sources else _EMPTY_LIST,
    )


def _edge_row(edge: Edge) -> tuple[object, ...]:
    if not edge.evidence:
        evidence = _EMPTY_LIST
    elif len(edge.evidence) == 1:
        evidence = _dumps([encode_evidence(edge.evidence[0])])
    else:
        evidence = _dumps(sorted({encode_evidence(e) for e in edge.evidence})[-EVIDENCE_LIMIT:])
    return (
        edge.source,
        edge.kind,
        edge.target,
        edge.source_kind,
        edge.target_kind,
        _dumps(edge.props) if edge.props else _EMPTY_MAP,
        edge.first_seen,
        edge.last_seen,
        edge.count,
        _dumps(edge.sources) if edge.sources else _EMPTY_LIST,
        evidence,
        _dumps({edge.origin: edge.count}),
    )


def _placeholders(nodes: list[Node], edges: list[Edge], stored: set[str]) -> list[tuple[str, str]]:
    """Edge endpoints neither stored nor written by this batch, with the kind the edge gives them."""
    known = stored.union(n.id for n in nodes)
    missing: dict[str, str] = {}
    for edge in edges:
        if edge.source not in known:
            missing.setdefault(edge.source, edge.source_kind)
        if edge.target not in known:
            missing.setdefault(edge.target, edge.target_kind)
    return list(missing.items())


# Rows read back skip the enum constructor: a dict lookup per kind is several times cheaper.
_NODE_KINDS = {k.value: k for k in NodeKind}
_EDGE_KINDS = {k.value: k for k in EdgeKind}


def _node_from_row(row: tuple[Any, ...]) -> Node:
    node_id, kind, subtype, name, props, first_seen, last_seen, sources = row
    return from_store(
        Node,
        {
            "id": node_id,
            "kind": _NODE_KINDS[kind],
            "subtype": subtype,
            "name": name,
            "props": orjson.loads(props),
            "first_seen": first_seen,
            "last_seen": last_seen,
            "sources": tuple(orjson.loads(sources)),
        },
    )


def _edge_from_row(row: tuple[Any, ...]) -> StoredEdge:
    (source, kind, target, source_kind, target_kind, props, first_seen, last_seen,
     count, sources, evidence, observations) = row  # fmt: skip
    return from_store(
        StoredEdge,
        {
            "source": source,
            "source_kind": _NODE_KINDS[source_kind],
            "kind": _EDGE_KINDS[kind],
            "target": target,
            "target_kind": _NODE_KINDS[target_kind],
            "props": orjson.loads(props),
            "first_seen": first_seen,
            "last_seen": last_seen,
            "count": count,
            "sources": tuple(orjson.loads(sources)),
            "evidence": tuple(decode_evidence(e) for e in orjson.loads(evidence)) if evidence != _EMPTY_LIST else (),
            "observations": orjson.loads(observations),
        },
    )


_ROWS_PER_FETCH = 5000


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _props_reader(kind: NodeKind | EdgeKind, properties: Sequence[str] | None) -> Callable[[str], dict[str, Any]]:
    """A scan's props decoder: the stored JSON whole, only the named properties, or none unread."""
    names = scan_projection(kind, properties)
    if properties is None:
        return projection_checked(kind, names, orjson.loads)
    if not names:
        return projection_checked(kind, names, lambda _text: {})

    def projected(text: str) -> dict[str, Any]:
        props = orjson.loads(text)
        return {name: props[name] for name in names if name in props}

    return projection_checked(kind, names, projected)


def store_file(path: str | Path) -> Path:
    """The database file a store location names: a folder (or a new name without a suffix)
    holds `keytrail.db`."""
    target = Path(path)
    if target.is_dir() or (not target.suffix and not target.exists()):
        return target / "keytrail.db"
    return target


class EmbeddedStore:
    """SQLite-backed GraphStore. Not shared between threads; open one per thread."""

    def __init__(self, path: str | Path = DEFAULT_PATH) -> None:
        target = store_file(path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
            # 16 KiB pages (new files only; must precede WAL mode): edge keys are long text, and
            # bigger pages mean fewer splits and shallower indexes, a faster bulk load (bench/README.md).
            self._db.execute("PRAGMA page_size=16384")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA busy_timeout=10000")
            self._db.execute("PRAGMA cache_size=-262144")
            # Checkpoint every 4096 pages of WAL instead of 1000: bulk loads rewrite the same hot index
            # pages many times between checkpoints, so fewer checkpoints copy far less.
            self._db.execute("PRAGMA wal_autocheckpoint=4096")
            # Read pages straight from a memory map (up to SQLite's 2 GB build limit) instead of
            # copying each 16 KiB page into the cache: random row reads (expand, findings'
            # evidence edges on a 1M-node store) are faster (bench/README.md).
            self._db.execute(f"PRAGMA mmap_size={_MMAP_BYTES}")
            self._upgrade_layout()
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open embedded store at {target}: {exc}") from exc
        self._path = target
        for name, arity, function in (
            ("kt_props", 2, _merge_props),
            ("kt_union", 2, _union),
            ("kt_evidence", 2, _merge_evidence_json),
            ("kt_obs", 2, _merge_observations),
            ("kt_obs_count", 2, _observation_count),
        ):
            self._db.create_function(name, arity, function, deterministic=True)

    def _upgrade_layout(self) -> None:
        """Bring a file of an older layout to `_LAYOUT` in one transaction (a crash leaves the
        old layout, and the next open upgrades again); a new file just gets the version."""
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version == _LAYOUT:
            return
        if version > _LAYOUT:
            raise sqlite3.DatabaseError(f"written by a newer keytrail (layout {version}; this one reads {_LAYOUT})")
        has_edges = self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'edges'").fetchone()
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for statement in _MIGRATE_1_TO_2 if has_edges else ():
                self._db.execute(statement)
            self._db.execute(f"PRAGMA user_version = {_LAYOUT}")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @property
    def concurrent_reads(self) -> bool:
        return False  # one SQLite connection: one thread at a time

    @property
    def location(self) -> str:
        return str(self._path)

    def write(self, nodes: Iterable[Node], edges: Iterable[Edge]) -> WriteSummary:
        node_list = list(nodes)
        edge_list = list(edges)
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                stored = self._check_kinds(node_list, edge_list)
                self._db.executemany(_UPSERT_NODE, map(_node_row, node_list))
                self._db.executemany(_INSERT_PLACEHOLDER, _placeholders(node_list, edge_list, stored))
                self._db.executemany(_UPSERT_EDGE, map(_edge_row, edge_list))
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            self._keep_wal_bounded()
        except sqlite3.IntegrityError as exc:
            raise StoreError(f"write rejected by {self._path}: {exc}") from exc
        except sqlite3.OperationalError as exc:
            raise StoreError(f"write to {self._path} failed: {exc}") from exc
        return WriteSummary(nodes=len(node_list), edges=len(edge_list))

    def _keep_wal_bounded(self) -> None:
        """Start the WAL over once it has grown past _WAL_RESTART_BYTES.

        The automatic checkpoint after a commit is PASSIVE: it copies pages back but can only
        start the WAL over at a moment when no reader holds a snapshot of it. Readers that
        overlap without pause (an API serving several clients during a load) never leave such a
        moment, so the WAL grew without bound (662 MiB against 87 MiB alone), every page lookup
        searched more of its index, and a load beside ten clients took six times as long.
        TRUNCATE waits (busy_timeout) only for the readers of this moment to finish — new ones
        read the database file, which holds every page by then — and starts the WAL over."""
        wal = self._path.with_name(self._path.name + "-wal")
        try:
            size = wal.stat().st_size
        except FileNotFoundError:
            return
        if size > _WAL_RESTART_BYTES:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def _check_kinds(self, nodes: list[Node], edges: list[Edge]) -> set[str]:
        """Every id keeps the kind it was first written with, within the batch and across.
        Returns the ids of the batch already stored."""
        declared = batch_kinds(nodes, edges)
        # One statement for the whole batch: SQLite walks the JSON map and probes the primary key.
        found = self._db.execute(
            "SELECT j.key, n.kind, j.value FROM json_each(?) AS j JOIN nodes AS n ON n.id = j.key",
            (orjson.dumps(declared).decode(),),
        ).fetchall()
        conflicts = {node_id: (kind, wanted) for node_id, kind, wanted in found if kind != wanted}
        if conflicts:
            # The smallest id, so both stores name the same node whatever order they check in.
            node_id = min(conflicts)
            stored, wanted = conflicts[node_id]
            raise KindConflict(f"node {quoted(node_id)} is a {stored}; this batch gives it kind {wanted}")
        return {row[0] for row in found}

    def nodes_by_id(self, ids: Iterable[str]) -> dict[str, Node]:
        found: dict[str, Node] = {}
        for chunk in _chunks(sorted(set(ids))):
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(f"SELECT {_NODE_COLUMNS} FROM nodes WHERE id IN ({marks})", chunk):
                node = _node_from_row(row)
                found[node.id] = node
        return found

    def edges_by_key(self, keys: Iterable[EdgeKey]) -> dict[EdgeKey, StoredEdge]:
        found: dict[EdgeKey, StoredEdge] = {}
        for kind, pairs in keys_by_kind(keys).items():
            for start in range(0, len(pairs), _CHUNK // 2):
                chunk = pairs[start : start + _CHUNK // 2]
                # The wanted pairs first, each a seek of the (kind, source, target) key: CROSS
                # JOIN keeps that order whatever the planner guesses without statistics.
                values = ",".join(["(?, ?)"] * len(chunk))
                sql = (
                    f"SELECT {_EDGE_COLUMNS} FROM (VALUES {values}) AS k CROSS JOIN edges AS e "
                    "ON e.kind = ? AND e.source = k.column1 AND e.target = k.column2"
                )
                for row in self._db.execute(sql, [*(v for pair in chunk for v in pair), kind.value]):
                    found[(row[0], row[1], row[2])] = _edge_from_row(row)
        return found

    def nodes_of_kind(self, kind: NodeKind, *, after: str = "", limit: int = 1000) -> list[Node]:
        rows = self._db.execute(
            f"SELECT {_NODE_COLUMNS} FROM nodes WHERE kind = ? AND id > ? ORDER BY id LIMIT ?",
            (NodeKind(kind).value, after, limit),
        )
        return [_node_from_row(r) for r in rows]

    def expand(self, ids: Sequence[str], steps: Sequence[Step], *, as_of: str | None = None) -> Expansion:
        # A read of the nodes costs no round trip here: they are read only if the caller looks.
        return lazy_expansion(self.nodes_by_id, ids, steps, self._expand_edges(ids, steps, as_of))

    def _expand_edges(self, ids: Sequence[str], steps: Sequence[Step], as_of: str | None) -> list[StoredEdge]:
        found: dict[tuple[str, str, str], StoredEdge] = {}
        unique = sorted(set(ids))
        for direction, column in (("out", "source"), ("in", "target")):
            kinds = sorted({EdgeKind(k).value for k, d in steps if d == direction})
            if not kinds or not unique:
                continue
            kind_marks = ",".join("?" * len(kinds))
            time_clause = " AND (first_seen IS NULL OR first_seen <= ?)" if as_of else ""
            for chunk in _chunks(unique):
                marks = ",".join("?" * len(chunk))
                # Inward, name the target index: without statistics the planner would rather
                # scan each whole kind of the (kind, source, target) key than seek (target, kind).
                table = "edges INDEXED BY edges_by_target" if direction == "in" else "edges"
                sql = (
                    f"SELECT {_EDGE_COLUMNS} FROM {table} WHERE {column} IN ({marks}) "
                    f"AND kind IN ({kind_marks}){time_clause}"
                )
                params = [*chunk, *kinds, *([as_of] if as_of else [])]
                for row in self._db.execute(sql, params):
                    found[(row[0], row[1], row[2])] = _edge_from_row(row)  # the edge's key, as stored
        return [found[key] for key in sorted(found)]

    def edges_of_kind(
        self, kind: EdgeKind, *, after: tuple[str, str] = ("", ""), limit: int = 1000
    ) -> list[StoredEdge]:
        rows = self._db.execute(
            f"SELECT {_EDGE_COLUMNS} FROM edges WHERE kind = ? AND (source, target) > (?, ?) "
            "ORDER BY source, target LIMIT ?",
            (EdgeKind(kind).value, after[0], after[1], limit),
        )
        return [_edge_from_row(r) for r in rows]

    def node_rows(
        self, kind: NodeKind, *, as_of: str | None = None, properties: Sequence[str] | None = None
    ) -> Iterator[NodeRow]:
        time_clause = " AND (first_seen IS NULL OR first_seen <= ?)" if as_of else ""
        sql = (
            f"SELECT id, subtype, name, props, first_seen, last_seen FROM nodes WHERE kind = ?{time_clause} ORDER BY id"
        )
        node_kind = NodeKind(kind)
        props_of = projection_checked(
            node_kind, scan_projection(node_kind, properties), _props_reader(node_kind, properties)
        )
        for rows in self._fetch(sql, [node_kind.value, *([as_of] if as_of else [])]):
            for node_id, subtype, name, props, first_seen, last_seen in rows:
                yield NodeRow(node_id, node_kind, subtype, name, props_of(props), first_seen, last_seen)

    def edge_rows(
        self, kind: EdgeKind, *, as_of: str | None = None, properties: Sequence[str] | None = None
    ) -> Iterator[EdgeRow]:
        time_clause = " AND (first_seen IS NULL OR first_seen <= ?)" if as_of else ""
        sql = (
            "SELECT source, target, source_kind, target_kind, props, first_seen, last_seen FROM edges "
            f"WHERE kind = ?{time_clause} ORDER BY source, target"
        )
        edge_kind, kinds = EdgeKind(kind), _NODE_KINDS
        props_of = projection_checked(
            edge_kind, scan_projection(edge_kind, properties), _props_reader(edge_kind, properties)
        )
        for rows in self._fetch(sql, [edge_kind.value, *([as_of] if as_of else [])]):
            for source, target, source_kind, target_kind, props, first_seen, last_seen in rows:
                yield EdgeRow(source, edge_kind, target, kinds[source_kind], kinds[target_kind], props_of(props),
                              first_seen, last_seen)  # fmt: skip

    def _fetch(self, sql: str, params: list[str]) -> Iterator[list[Any]]:
        """A query's rows in batches, on a cursor of its own that is closed however the caller stops."""
        cursor = self._db.cursor()
        try:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(_ROWS_PER_FETCH):
                yield rows
        finally:
            cursor.close()

    def search(self, text: str, kinds: Sequence[NodeKind] | None = None, limit: int = 50) -> list[Node]:
        needle = check_search_text(text).casefold()
        kind_values = sorted({NodeKind(k).value for k in kinds}) if kinds else []
        kind_clause = f" AND kind IN ({','.join('?' * len(kind_values))})" if kind_values else ""
        if needle.isascii():
            pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            sql = (
                f"SELECT {_NODE_COLUMNS} FROM nodes WHERE (id LIKE ? ESCAPE '\\' "
                f"OR name LIKE ? ESCAPE '\\'){kind_clause} ORDER BY id LIMIT ?"
            )
            rows = self._db.execute(sql, [pattern, pattern, *kind_values, limit])
            return [_node_from_row(r) for r in rows]
        sql = f"SELECT {_NODE_COLUMNS} FROM nodes WHERE 1=1{kind_clause} ORDER BY id"
        hits = []
        for row in self._db.execute(sql, kind_values):
            if needle in str(row[0]).casefold() or needle in str(row[3]).casefold():
                hits.append(_node_from_row(row))
                if len(hits) >= limit:
                    break
        return hits

    def stats(self) -> Stats:
        nodes = dict(self._db.execute("SELECT kind, count(*) FROM nodes GROUP BY kind ORDER BY kind").fetchall())
        edges = dict(self._db.execute("SELECT kind, count(*) FROM edges GROUP BY kind ORDER BY kind").fetchall())
        return Stats(nodes=nodes, edges=edges)

    def export(self) -> Iterator[str]:
        reader = self._db.cursor()
        for row in reader.execute(f"SELECT {_NODE_COLUMNS} FROM nodes ORDER BY id"):
            yield export_node_line(_node_from_row(row))
        for row in reader.execute(f"SELECT {_EDGE_COLUMNS} FROM edges ORDER BY source, kind, target"):
            yield export_edge_line(_edge_from_row(row))

    def integrity_check(self) -> str:
        """SQLite's own integrity check: 'ok' on a sound file."""
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        self._db.close()
