"""The Cypher the Neo4j store runs, generated from the schema tables — never hand-typed labels.

Every label and relationship type that enters a query text comes from `NodeKind` /
`EdgeKind`; every value arrives as a parameter. Writes are one `UNWIND $rows` statement per
node kind and per (edge kind, source kind, target kind) triple, and each statement merges in
Cypher exactly as graph/store.py's rules say (the embedded store does the same in SQL), so a
batch is one round trip per group and no per-row Python work happens beyond building rows.

Each write statement ends by returning the nodes whose stored kind differs from the one the
batch gives them (none, normally): the store then raises `KindConflict` naming the smallest such
id, as the embedded store does, and the transaction rolls back, so a conflicting batch leaves
nothing behind without a separate read of every id first.
"""

from __future__ import annotations

from functools import cache

from graph.model import EVIDENCE_LIMIT
from graph.neo4j_records import packed_lists, packed_rows
from graph.schema import EDGE_SPECS, EdgeKind, NodeKind
from graph.store import scan_projection

__all__ = [
    "edge_merge_query",
    "edge_rows_query",
    "edges_by_key_query",
    "fixed_end_kinds",
    "node_merge_query",
    "node_rows_query",
    "schema_statements",
]


def schema_statements() -> list[str]:
    """Constraint on every node's id, and one id index per kind label (paging a kind by id)."""
    statements = ["CREATE CONSTRAINT keytrail_node_id IF NOT EXISTS FOR (n:Node) REQUIRE n.id IS UNIQUE"]
    for kind in NodeKind:
        statements.append(f"CREATE INDEX keytrail_{kind.value.lower()}_id IF NOT EXISTS FOR (n:{kind.value}) ON (n.id)")
    return statements


def _min(old: str, new: str) -> str:
    return f"CASE WHEN {new} IS NULL THEN {old} WHEN {old} IS NULL OR {new} < {old} THEN {new} ELSE {old} END"


def _max(old: str, new: str) -> str:
    return f"CASE WHEN {new} IS NULL THEN {old} WHEN {old} IS NULL OR {new} > {old} THEN {new} ELSE {old} END"


def _sorted_union(old: str, new: str) -> str:
    """Insert each new item into the (already sorted) old list: a sorted union without APOC."""
    return (
        f"CASE WHEN size({new}) = 0 THEN {old} ELSE reduce(acc = coalesce({old}, []), item IN {new} | "
        "CASE WHEN item IN acc THEN acc ELSE [x IN acc WHERE x < item] + [item] + [x IN acc WHERE x > item] END) END"
    )


def _latest_text(old: str, new: str) -> str:
    return f"CASE WHEN {new} <> '' THEN {new} ELSE {old} END"


@cache
def node_merge_query(kind: NodeKind) -> str:
    """Upsert nodes of one kind; returns the ids already stored with another kind."""
    label = NodeKind(kind).value
    return f"""UNWIND $rows AS row
MERGE (n:Node {{id: row.id}})
ON CREATE SET n:{label}, n.kind = '{label}', n.subtype = row.subtype, n.name = row.name,
    n.first_seen = row.first_seen, n.last_seen = row.last_seen, n.sources = row.sources, n += row.props
ON MATCH SET n += {{
    subtype: {_latest_text("n.subtype", "row.subtype")},
    name: {_latest_text("n.name", "row.name")},
    first_seen: {_min("n.first_seen", "row.first_seen")},
    last_seen: {_max("n.last_seen", "row.last_seen")},
    sources: {_sorted_union("n.sources", "row.sources")}
}}, n += row.props
WITH n WHERE n.kind <> '{label}'
RETURN n.id AS id, n.kind AS kind, '{label}' AS wanted"""


def _placeholder(var: str, label: str) -> str:
    """An endpoint not written yet: an empty node of the edge's declared kind, filled in later."""
    return (
        f"MERGE ({var}:Node {{id: row.{'source' if var == 'a' else 'target'}}})\n"
        f"ON CREATE SET {var}:{label}, {var}.kind = '{label}', {var}.subtype = '', {var}.name = '', "
        f"{var}.sources = []"
    )


def _observation_merge() -> str:
    """The observations map as two parallel lists: replace the origin's count, or add it."""
    replaced = (
        "[i IN range(0, size(r.obs_origins) - 1) | "
        "CASE WHEN r.obs_origins[i] = row.origin THEN row.count ELSE r.obs_counts[i] END]"
    )
    known = "row.origin IN r.obs_origins"
    return f"""obs_counts: {replaced} + CASE WHEN {known} THEN [] ELSE [row.count] END,
    obs_origins: r.obs_origins + CASE WHEN {known} THEN [] ELSE [row.origin] END,
    count: reduce(total = CASE WHEN {known} THEN 0 ELSE row.count END, c IN {replaced} | total + c)"""


@cache
def edge_merge_query(kind: EdgeKind, source_kind: NodeKind, target_kind: NodeKind) -> str:
    """Upsert edges of one (kind, source kind, target kind); returns the endpoints whose stored
    kind differs from the edge's declaration."""
    rel, source, target = EdgeKind(kind).value, NodeKind(source_kind).value, NodeKind(target_kind).value
    union = _sorted_union("r.evidence", "row.evidence")
    evidence = f"CASE WHEN size(row.evidence) = 0 THEN r.evidence ELSE ({union})[-{EVIDENCE_LIMIT}..] END"
    return f"""UNWIND $rows AS row
{_placeholder("a", source)}
{_placeholder("b", target)}
MERGE (a)-[r:{rel}]->(b)
ON CREATE SET r.first_seen = row.first_seen, r.last_seen = row.last_seen, r.count = row.count,
    r.sources = row.sources, r.evidence = row.evidence, r.obs_origins = [row.origin], r.obs_counts = [row.count],
    r += row.props
ON MATCH SET r += {{
    first_seen: {_min("r.first_seen", "row.first_seen")},
    last_seen: {_max("r.last_seen", "row.last_seen")},
    sources: {_sorted_union("r.sources", "row.sources")},
    evidence: {evidence},
    {_observation_merge()}
}}, r += row.props
WITH a, b WHERE a.kind <> '{source}' OR b.kind <> '{target}'
RETURN CASE WHEN a.kind <> '{source}' THEN a.id ELSE b.id END AS id,
       CASE WHEN a.kind <> '{source}' THEN a.kind ELSE b.kind END AS kind,
       CASE WHEN a.kind <> '{source}' THEN '{source}' ELSE '{target}' END AS wanted"""


_VISIBLE = "($as_of IS NULL OR {v}.first_seen IS NULL OR {v}.first_seen <= $as_of)"


@cache
def node_rows_query(kind: NodeKind, properties: tuple[str, ...]) -> str:
    """Every node of one kind, lean: the core fields, then each of `properties` (graph/store.py
    `scan_projection`: all declared ones, or those a scan asks for) as a column of its own
    (null where the node has none), so `sources` never crosses the wire. Rows come packed
    (graph/neo4j_records.py `packed_rows`): id, subtype, name, first_seen, last_seen, properties...

    Naming each declared property costs the server about half what listing `keys(n)` and
    reading each key did (bench/README.md)."""
    label = NodeKind(kind).value
    columns = (
        ("n.id", "id"), ("coalesce(n.subtype, '')", "subtype"), ("coalesce(n.name, '')", "name"),
        ("n.first_seen", "first_seen"), ("n.last_seen", "last_seen"),
        *((f"n.`{name}`", f"p{i}") for i, name in enumerate(properties)),
    )  # fmt: skip
    return f"""MATCH (n:{label}) WHERE {_VISIBLE.format(v="n")}
{packed_rows(columns, "id")}"""


def fixed_end_kinds(kind: EdgeKind) -> tuple[NodeKind | None, NodeKind | None]:
    """The source and target kinds the schema allows an edge kind, where it allows just one:
    writes enforce them, so a scan need not read them from every endpoint."""
    spec = EDGE_SPECS[EdgeKind(kind)]
    return (
        next(iter(spec.sources)) if len(spec.sources) == 1 else None,
        next(iter(spec.targets)) if len(spec.targets) == 1 else None,
    )


@cache
def edge_rows_query(kind: EdgeKind, properties: tuple[str, ...]) -> str:
    """Every relationship of one type, lean: endpoints, their kinds, the times, then each of
    `properties` (as for `node_rows_query`) as a column of its own (null where absent); no
    evidence, sources or observations. Rows come packed (`packed_rows`): source, target, source_kind,
    target_kind, first_seen, last_seen, properties...

    An endpoint kind the schema fixes (`fixed_end_kinds`) comes as null, not read from each
    node's properties; and the endpoints are not label-checked, as every node of the
    database is a keytrail :Node (each a measurable share of a scan's cost a row). Named
    properties instead of `keys(r)` cut the server's share by about a third (bench/README.md)."""
    rel = EdgeKind(kind).value
    fixed_source, fixed_target = fixed_end_kinds(kind)
    columns = (
        ("a.id", "source"), ("b.id", "target"),
        ("null" if fixed_source else "a.kind", "source_kind"), ("null" if fixed_target else "b.kind", "target_kind"),
        ("r.first_seen", "first_seen"), ("r.last_seen", "last_seen"),
        *((f"r.`{name}`", f"p{i}") for i, name in enumerate(properties)),
    )  # fmt: skip
    return f"""MATCH (a)-[r:{rel}]->(b) WHERE {_VISIBLE.format(v="r")}
{packed_rows(columns, "source, target")}"""


@cache
def edges_by_key_query(kind: EdgeKind) -> str:
    """The relationships of one type between given endpoint pairs ($pairs: [source id, target id]),
    in full: the lean columns of `edge_rows_query` with the bookkeeping (count, sources,
    evidence, observations) before the properties. Rows come packed, unordered: source,
    target, source_kind, target_kind, first_seen, last_seen, count, sources, evidence,
    obs_origins, obs_counts, properties...

    Both ends are found by their unique id and the relationship between them then, so a busy
    endpoint's other edges are never read past, as an expand from either end would."""
    rel = EdgeKind(kind).value
    fixed_source, fixed_target = fixed_end_kinds(kind)
    columns = (
        "a.id", "b.id", "null" if fixed_source else "a.kind", "null" if fixed_target else "b.kind",
        "r.first_seen", "r.last_seen", "r.count", "r.sources", "r.evidence", "r.obs_origins", "r.obs_counts",
        *(f"r.`{name}`" for name in scan_projection(kind, None)),
    )  # fmt: skip
    return f"""UNWIND $pairs AS pair
MATCH (a:Node {{id: pair[0]}})-[r:{rel}]->(b:Node {{id: pair[1]}})
{packed_lists(columns)}"""
