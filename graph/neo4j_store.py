"""The Neo4j store: the same GraphStore as the embedded one, on a real Neo4j server.

Each node carries the label `Node` plus its kind label; schema properties are flattened next to
the store's own fields (graph/neo4j_cypher.py names both sets). Writes group a batch by node
kind and by (edge kind, endpoint kinds), and send each group as large `UNWIND $rows MERGE`
statements, all inside one managed transaction per `write` (retried by the driver on transient
errors), so a batch lands whole or not at all.

Reads sort where the protocol says so. Strings are compared by Neo4j in code-point order,
the same order as SQLite's and Python's, so ids page identically on both stores; search keeps
SQLite's exact case rules (ASCII case-insensitive LIKE; casefold for other text) by filtering
Cypher's broader `toLower` match in Python.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, LiteralString
from urllib.parse import unquote, urlsplit, urlunsplit

from neo4j import READ_ACCESS, Driver, GraphDatabase, ManagedTransaction, NotificationMinimumSeverity, Record
from neo4j.exceptions import AuthError as DriverAuthError
from neo4j.exceptions import DriverError, Neo4jError, ServiceUnavailable

from graph.errors import KindConflict, StoreError, StoreUnavailable, quoted
from graph.model import EVIDENCE_LIMIT, Edge, Node, StoredEdge
from graph.neo4j_cypher import (
    edge_merge_query,
    edge_rows_query,
    edges_by_key_query,
    fixed_end_kinds,
    node_merge_query,
    node_rows_query,
    schema_statements,
)
from graph.neo4j_records import (
    NODE_KINDS,
    ROWS_PER_RECORD,
    declared_reader,
    edge_from,
    keyed_edge_reader,
    node_from,
    packed_maps,
    unpack,
)
from graph.open import describe_location
from graph.schema import EdgeKind, NodeKind
from graph.store import (
    EdgeKey,
    EdgeRow,
    Expansion,
    LazyNodes,
    NodeRow,
    Stats,
    Step,
    WriteSummary,
    batch_kinds,
    check_search_text,
    encode_evidence,
    export_edge_line,
    export_node_line,
    keys_by_kind,
    projection_checked,
    scan_projection,
)

__all__ = ["Neo4jStore"]

_ROWS_PER_STATEMENT = 10_000
_PAGE = 5_000
_EAGER_STARTS = 8
"""Up to this many ids, `expand` reads their own nodes in its one query (a query reading its
subject with the first level); a wider frontier's are read only if a caller looks at them."""
_KEYS_PER_READ = 10_000
"""Edge keys looked up per query by `edges_by_key`."""
_READ_RETRY_SECONDS = 30.0
"""How long a read keeps retrying transient failures (the driver's default for transactions)."""
Row = dict[str, object]

_EDGE_RETURN = (
    "a.id AS source, a.kind AS source_kind, type(r) AS kind, b.id AS target, b.kind AS target_kind, properties(r) AS p"
)
_EDGE_COLUMNS = ("source", "source_kind", "kind", "target", "target_kind", "p")
"""The names _EDGE_RETURN gives its columns."""
# 'out': the given id is the source; 'in': it is the target. Types are joined from EdgeKind values.
_EXPAND_PATTERNS = {
    "out": "(a:Node {id: id})-[r:{types}]->(b:Node)",
    "in": "(a:Node)-[r:{types}]->(b:Node {id: id})",
}
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _q(text: str) -> LiteralString:
    """Query texts here are built from schema enums and constants only; values are parameters."""
    return text


def _node_row(node: Node) -> Row:
    return {
        "id": node.id,
        "subtype": node.subtype,
        "name": node.name,
        "props": node.props,
        "first_seen": node.first_seen,
        "last_seen": node.last_seen,
        "sources": list(node.sources),
    }


def _edge_row(edge: Edge) -> Row:
    return {
        "source": edge.source,
        "target": edge.target,
        "props": edge.props,
        "first_seen": edge.first_seen,
        "last_seen": edge.last_seen,
        "count": edge.count,
        "sources": list(edge.sources),
        "evidence": sorted({encode_evidence(e) for e in edge.evidence})[-EVIDENCE_LIMIT:],
        "origin": edge.origin,
    }


def _groups(nodes: list[Node], edges: list[Edge]) -> list[tuple[str, list[Row]]]:
    """Rows grouped by the statement that writes them; batch order kept within each group."""
    plan: dict[str, list[Row]] = {}
    for node in nodes:
        plan.setdefault(node_merge_query(node.kind), []).append(_node_row(node))
    for edge in edges:
        plan.setdefault(edge_merge_query(edge.kind, edge.source_kind, edge.target_kind), []).append(_edge_row(edge))
    return list(plan.items())


def _write_groups(tx: ManagedTransaction, plan: list[tuple[str, list[Row]]]) -> None:
    conflicts: dict[str, tuple[str, str]] = {}
    for query, rows in plan:
        for start in range(0, len(rows), _ROWS_PER_STATEMENT):
            for record in tx.run(_q(query), rows=rows[start : start + _ROWS_PER_STATEMENT]):
                conflicts[record["id"]] = (record["kind"], record["wanted"])
    if conflicts:
        # Raising inside the transaction function rolls the whole batch back.
        node_id = min(conflicts)
        stored, wanted = conflicts[node_id]
        raise KindConflict(f"node {quoted(node_id)} is a {stored}; this batch gives it kind {wanted}")


class Neo4jStore:
    """GraphStore on a Neo4j 5 server through the official driver. Safe to share between threads."""

    rows_per_record = ROWS_PER_RECORD
    """Rows per Bolt record in the packed reads (graph/neo4j_records.py); tests set it small."""

    def __init__(self, uri: str, *, user: str, password: str, database: str | None = None) -> None:
        self._uri = uri
        self._location = describe_location(_with_user(uri, user))
        self._database = database
        try:
            self._driver: Driver = GraphDatabase.driver(
                uri,
                auth=(user, password),
                notifications_min_severity=NotificationMinimumSeverity.OFF,
            )
        except (DriverError, ValueError) as exc:
            raise StoreUnavailable(f"cannot reach Neo4j at {self._location}: {exc}") from None
        try:
            self._driver.verify_connectivity()
            self._create_schema()
        except BaseException as exc:
            self._driver.close()
            if isinstance(exc, DriverAuthError):
                raise StoreUnavailable(f"Neo4j at {self._location} refused the credentials") from None
            if isinstance(exc, ServiceUnavailable | DriverError | Neo4jError | OSError):
                raise StoreUnavailable(f"cannot reach Neo4j at {self._location}: {exc}") from None
            raise

    @classmethod
    def from_uri(cls, uri: str, *, database: str | None = None) -> Neo4jStore:
        """Credentials from the URI's user-info, else KEYTRAIL_NEO4J_USER / KEYTRAIL_NEO4J_PASSWORD."""
        parts = urlsplit(uri)
        user = unquote(parts.username) if parts.username else os.environ.get("KEYTRAIL_NEO4J_USER", "neo4j")
        if parts.password is not None:
            password = unquote(parts.password)
        else:
            password = os.environ.get("KEYTRAIL_NEO4J_PASSWORD", "")
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        bare = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
        return cls(bare, user=user, password=password, database=database)

    @property
    def concurrent_reads(self) -> bool:
        return True  # every read opens a session of its own on the thread-safe driver

    @property
    def location(self) -> str:
        return self._location

    # -- plumbing ----------------------------------------------------------------------------

    def _create_schema(self) -> None:
        with self._driver.session(database=self._database) as session:
            for statement in schema_statements():
                session.run(_q(statement)).consume()
            session.run(_q("CALL db.awaitIndexes(300)")).consume()

    def _read(self, query: str, params: dict[str, Any]) -> list[Record]:
        """One read query in an auto-commit transaction, every record fetched.

        Every read here is a single query, so it needs no explicit transaction, and auto-commit
        spares the BEGIN/COMMIT exchange, a noticeable share of a small read on loopback
        (bench/README.md), and a query makes up to ten reads. Transient failures are retried with
        backoff for up to _READ_RETRY_SECONDS, as the driver's managed transactions would be."""
        deadline = time.monotonic() + _READ_RETRY_SECONDS
        pause = 0.05
        while True:
            try:
                with self._driver.session(database=self._database, default_access_mode=READ_ACCESS) as session:
                    return list(session.run(_q(query), params))
            except (Neo4jError, DriverError) as exc:
                if exc.is_retryable() and time.monotonic() + pause < deadline:
                    time.sleep(pause)
                    pause = min(pause * 2, 2.0)
                    continue
                if isinstance(exc, ServiceUnavailable):
                    raise StoreUnavailable(f"Neo4j at {self._location} is unavailable: {exc}") from None
                raise StoreError(f"read from {self._location} failed: {exc}") from None

    def _records(self, query: str, **params: Any) -> list[dict[str, Any]]:
        return [record.data() for record in self._read(query, params)]

    # -- writes ------------------------------------------------------------------------------

    def write(self, nodes: Iterable[Node], edges: Iterable[Edge]) -> WriteSummary:
        node_list = list(nodes)
        edge_list = list(edges)
        batch_kinds(node_list, edge_list)
        plan = _groups(node_list, edge_list)
        if plan:
            try:
                with self._driver.session(database=self._database) as session:
                    session.execute_write(_write_groups, plan)
            except ServiceUnavailable as exc:
                raise StoreUnavailable(f"Neo4j at {self._location} is unavailable: {exc}") from None
            except (Neo4jError, DriverError) as exc:
                raise StoreError(f"write to {self._location} failed: {exc}") from None
        return WriteSummary(nodes=len(node_list), edges=len(edge_list))

    def clear(self) -> None:
        """Delete every node and relationship, in batches (for tests and benchmarks)."""
        # Relationships first, then nodes: DETACH DELETE of well-connected nodes would put all
        # of their relationships into one inner transaction and can exceed the memory pool.
        try:
            with self._driver.session(database=self._database) as session:
                for statement in (
                    "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS",
                    "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
                ):
                    session.run(_q(statement)).consume()
        except (Neo4jError, DriverError) as exc:
            raise StoreError(f"clearing {self._location} failed: {exc}") from None

    # -- reads -------------------------------------------------------------------------------

    def nodes_by_id(self, ids: Iterable[str]) -> dict[str, Node]:
        wanted = sorted(set(ids))
        found: dict[str, Node] = {}
        query = packed_maps("UNWIND $ids AS id MATCH (n:Node {id: id}) RETURN properties(n) AS n", ("n",))
        for start in range(0, len(wanted), _PAGE):
            for row in self._packed(query, ids=wanted[start : start + _PAGE]):
                node = node_from(row["n"])
                found[node.id] = node
        return found

    def edges_by_key(self, keys: Iterable[EdgeKey]) -> dict[EdgeKey, StoredEdge]:
        found: dict[EdgeKey, StoredEdge] = {}
        for kind, pairs in keys_by_kind(keys).items():
            decode = keyed_edge_reader(kind, scan_projection(kind, None), fixed_end_kinds(kind))
            query = edges_by_key_query(kind)
            for start in range(0, len(pairs), _KEYS_PER_READ):
                for row in self._packed(query, pairs=[list(p) for p in pairs[start : start + _KEYS_PER_READ]]):
                    edge = decode(row)
                    found[edge.key] = edge
        return found

    def nodes_of_kind(self, kind: NodeKind, *, after: str = "", limit: int = 1000) -> list[Node]:
        label = NodeKind(kind).value
        page = f"MATCH (n:{label}) WHERE n.id > $after RETURN properties(n) AS n ORDER BY n.id LIMIT $limit"
        nodes = [node_from(row["n"]) for row in self._packed(packed_maps(page, ("n",)), after=after, limit=limit)]
        return sorted(nodes, key=lambda node: node.id)  # packing does not keep the order

    def expand(self, ids: Sequence[str], steps: Sequence[Step], *, as_of: str | None = None) -> Expansion:
        """The edges, their far-end nodes and, for a few ids (a query's subject), the nodes of
        `ids` as rows of their own (null edge columns), in one query; the nodes of a wider
        frontier (a traversal's next level, which has them already) only when looked at."""
        unique = sorted(set(ids))
        eager_starts = len(unique) <= _EAGER_STARTS
        parts = []
        for direction, pattern in _EXPAND_PATTERNS.items():
            kinds = sorted({EdgeKind(k).value for k, d in steps if d == direction})
            if kinds:
                match = pattern.replace("{types}", "|".join(kinds))
                far = "properties(b)" if direction == "out" else "properties(a)"
                parts.append(
                    f"UNWIND $ids AS id MATCH {match} "
                    "WHERE $as_of IS NULL OR r.first_seen IS NULL OR r.first_seen <= $as_of "
                    f"RETURN {_EDGE_RETURN}, {far} AS far"
                )
        if eager_starts:
            nulls = ", ".join(f"null AS {column}" for column in _EDGE_COLUMNS)
            parts.append(f"UNWIND $ids AS id MATCH (n:Node {{id: id}}) RETURN {nulls}, properties(n) AS far")
        if not unique:
            return Expansion([], {}, {})
        if not parts:  # no steps, and too many ids to read them eagerly
            return Expansion([], {}, LazyNodes(lambda: self.nodes_by_id(unique)))
        found: dict[tuple[str, str, str], StoredEdge] = {}
        ends: dict[str, Node] = {}
        starts: dict[str, Node] = {}
        query = packed_maps(" UNION ALL ".join(parts), (*_EDGE_COLUMNS, "far"))
        for row in self._packed(query, ids=unique, as_of=as_of):
            into = ends
            if row["kind"] is None:  # a node of `ids` itself: only its `far`
                into = starts
            else:
                edge = edge_from(row)
                found[edge.key] = edge
            if row["far"]["id"] not in into:
                into[row["far"]["id"]] = node_from(row["far"])
        edges = [found[key] for key in sorted(found)]
        if not eager_starts:
            return Expansion(edges, ends, LazyNodes(lambda: self.nodes_by_id(unique)))
        return Expansion(edges, ends, starts)

    def edges_of_kind(
        self, kind: EdgeKind, *, after: tuple[str, str] = ("", ""), limit: int = 1000
    ) -> list[StoredEdge]:
        rel = EdgeKind(kind).value
        page = (
            f"MATCH (a:Node)-[r:{rel}]->(b:Node) "
            "WHERE a.id > $source OR (a.id = $source AND b.id > $target) "
            f"RETURN {_EDGE_RETURN} ORDER BY a.id, b.id LIMIT $limit"
        )
        rows = self._packed(packed_maps(page, _EDGE_COLUMNS), source=after[0], target=after[1], limit=limit)
        return sorted((edge_from(row) for row in rows), key=lambda edge: edge.key)  # packing does not keep the order

    # Scans build millions of rows: each is made with tuple.__new__ (the named tuple's own
    # constructor is a Python-level lambda around it), and `_declared` skips its comprehension
    # for rows whose properties are all null, most of them (bench/README.md has the saving).

    def node_rows(
        self, kind: NodeKind, *, as_of: str | None = None, properties: Sequence[str] | None = None
    ) -> Iterator[NodeRow]:
        node_kind = NodeKind(kind)
        names = scan_projection(node_kind, properties)
        query = node_rows_query(node_kind, names)
        new, props_of = tuple.__new__, projection_checked(node_kind, names, declared_reader(names, 5))
        for row in self._packed(query, as_of=as_of):
            yield new(NodeRow, (row[0], node_kind, row[1], row[2], props_of(row), row[3], row[4]))

    def edge_rows(
        self, kind: EdgeKind, *, as_of: str | None = None, properties: Sequence[str] | None = None
    ) -> Iterator[EdgeRow]:
        edge_kind, kinds = EdgeKind(kind), NODE_KINDS
        names = scan_projection(edge_kind, properties)
        query = edge_rows_query(edge_kind, names)
        new, props_of = tuple.__new__, projection_checked(edge_kind, names, declared_reader(names, 6))
        fixed_source, fixed_target = fixed_end_kinds(edge_kind)
        for row in self._packed(query, as_of=as_of):
            yield new(EdgeRow, (row[0], edge_kind, row[1], fixed_source or kinds[row[2]],
                                fixed_target or kinds[row[3]], props_of(row), row[4], row[5]))  # fmt: skip

    def _packed(self, query: str, **params: Any) -> Iterator[Any]:
        """The rows of a packed read (graph/neo4j_records.py), unpacked from its records."""
        yield from unpack(self._read(query, {**params, "rows_per_record": self.rows_per_record}))

    def search(self, text: str, kinds: Sequence[NodeKind] | None = None, limit: int = 50) -> list[Node]:
        needle = check_search_text(text).casefold()
        kind_values = sorted({NodeKind(k).value for k in kinds}) if kinds else None
        if needle.isascii():
            # Cypher's toLower finds a superset of SQLite's ASCII-only LIKE; Python keeps the exact set.
            where = "(toLower(n.id) CONTAINS $needle OR toLower(n.name) CONTAINS $needle)"

            def keep(node: Node) -> bool:
                return needle in node.id.translate(_ASCII_LOWER) or needle in node.name.translate(_ASCII_LOWER)
        else:
            where = "true"

            def keep(node: Node) -> bool:
                return needle in node.id.casefold() or needle in node.name.casefold()

        hits: list[Node] = []
        after = ""
        while len(hits) < limit:
            page = self._records(
                f"MATCH (n:Node) WHERE n.id > $after AND {where} AND ($kinds IS NULL OR n.kind IN $kinds) "
                "RETURN properties(n) AS n ORDER BY n.id LIMIT $page",
                after=after,
                needle=needle,
                kinds=kind_values,
                page=_PAGE,
            )
            nodes = [node_from(r["n"]) for r in page]
            hits.extend(node for node in nodes if keep(node))
            if len(nodes) < _PAGE:
                break
            after = nodes[-1].id
        return hits[: max(limit, 0)]

    def stats(self) -> Stats:
        nodes: dict[str, int] = {}
        edges: dict[str, int] = {}
        # Label and type counts come from Neo4j's count store: constant time per kind.
        for kind in sorted(NodeKind, key=lambda k: k.value):
            count = self._records(f"MATCH (n:{kind.value}) RETURN count(n) AS c")[0]["c"]
            if count:
                nodes[kind.value] = count
        for rel in sorted(EdgeKind, key=lambda k: k.value):
            count = self._records(f"MATCH ()-[r:{rel.value}]->() RETURN count(r) AS c")[0]["c"]
            if count:
                edges[rel.value] = count
        return Stats(nodes=nodes, edges=edges)

    def export(self) -> Iterator[str]:
        for node in self._pages_of_nodes():
            yield export_node_line(node)
        # Edges by (source, kind, target): page the sources by id, sort each page's edges.
        after = ""
        while True:
            ids = [
                r["id"]
                for r in self._records(
                    "MATCH (n:Node) WHERE n.id > $after RETURN n.id AS id ORDER BY n.id LIMIT $page",
                    after=after,
                    page=_PAGE,
                )
            ]
            if not ids:
                return
            records = self._records(
                f"UNWIND $ids AS id MATCH (a:Node {{id: id}})-[r]->(b:Node) RETURN {_EDGE_RETURN}", ids=ids
            )
            for edge in sorted((edge_from(r) for r in records), key=lambda e: e.key):
                yield export_edge_line(edge)
            after = ids[-1]

    def _pages_of_nodes(self) -> Iterator[Node]:
        after = ""
        while True:
            page = self._records(
                "MATCH (n:Node) WHERE n.id > $after RETURN properties(n) AS n ORDER BY n.id LIMIT $page",
                after=after,
                page=_PAGE,
            )
            yield from (node_from(r["n"]) for r in page)
            if len(page) < _PAGE:
                return
            after = page[-1]["n"]["id"]

    def close(self) -> None:
        self._driver.close()


def _with_user(uri: str, user: str) -> str:
    """The URI with the user name (never the password) in it, for `location`."""
    parts = urlsplit(uri)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"{user}@{host}" if user else host, parts.path, "", ""))
