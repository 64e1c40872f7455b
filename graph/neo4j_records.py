"""How Neo4j reads travel: rows packed into a few Bolt records, and decoded back into keytrail's models.

The Python driver reads every record with two socket reads and a round of bookkeeping whatever
its size (bench/README.md has the measured cost), so every read of the Neo4j store returns its
rows collected into lists, `$rows_per_record` rows to a record: the query texts end with one of
the tails built here (`packed_rows` for sorted whole-kind scans, `packed_maps` for reads whose
order does not matter), and `unpack` turns the records back into rows. The decoders then build
nodes, edges and lean rows from those rows without validation (they were validated when
written: graph/_fastmodel.py), and without an enum constructor per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Final

from graph.model import Node, StoredEdge, from_store
from graph.schema import EdgeKind, NodeKind
from graph.store import decode_evidence

__all__ = [
    "EDGE_CORE",
    "EDGE_KINDS",
    "NODE_CORE",
    "NODE_KINDS",
    "ROWS_PER_RECORD",
    "declared",
    "declared_reader",
    "edge_from",
    "keyed_edge_reader",
    "node_from",
    "packed_maps",
    "packed_rows",
    "unpack",
]

NODE_CORE = frozenset({"id", "kind", "subtype", "name", "first_seen", "last_seen", "sources"})
"""Node properties the store owns; schema properties are stored beside them, flattened."""

EDGE_CORE = frozenset({"first_seen", "last_seen", "count", "sources", "evidence", "obs_origins", "obs_counts"})
"""Relationship properties the store owns; `obs_origins`/`obs_counts` are the observations map."""

ROWS_PER_RECORD: Final = 5000
"""Rows packed into one Bolt record (the `$rows_per_record` of the packed reads) by default."""

NODE_KINDS: Final = {k.value: k for k in NodeKind}
EDGE_KINDS: Final = {k.value: k for k in EdgeKind}
"""Kinds read back by value: a dict lookup is several times cheaper than the enum constructor."""

_CHUNKS = """UNWIND range(0, size(rows) - 1, $rows_per_record) AS start
RETURN rows[start..start + $rows_per_record] AS chunk"""
"""The tail of every packed read: its collected `rows`, $rows_per_record to a record."""


def packed_rows(columns: tuple[tuple[str, str], ...], order: str) -> str:
    """The tail of a whole-kind scan: its rows sorted, then sent $rows_per_record to a record.

    `columns` are (expression, name) pairs. The sort materialises every row on the server
    anyway; `collect` after ORDER BY keeps the order (Cypher's documented way to build a sorted
    list), and each record's `chunk` is a list of rows, each a list in the order of `columns`."""
    projection = ", ".join(f"{expression} AS {name}" for expression, name in columns)
    return f"""WITH {projection}
ORDER BY {order}
WITH collect([{", ".join(name for _, name in columns)}]) AS rows
{_CHUNKS}"""


def packed_lists(columns: Iterable[str]) -> str:
    """The tail of a read whose rows are the lists of `columns` expressions, in no order."""
    return f"""WITH collect([{", ".join(columns)}]) AS rows
{_CHUNKS}"""


def packed_maps(union: str, names: tuple[str, ...]) -> str:
    """A read's rows (`union` returns the columns `names`) as maps, $rows_per_record to a record,
    each record's `chunk` a list of them; the rows' order is not kept (see `packed_rows` for why)."""
    fields = ", ".join(f"{name}: {name}" for name in names)
    return f"""CALL {{ {union} }}
WITH collect({{{fields}}}) AS rows
{_CHUNKS}"""


def unpack(records: Iterable[Any]) -> Iterator[Any]:
    """The rows of a packed read, from its records (each record's one column is a chunk of rows)."""
    for record in records:
        yield from record[0]


def declared(names: tuple[str, ...], values: list[Any]) -> dict[str, Any]:
    """The properties a read returned as columns (`scan_projection` order), without the nulls
    of those the record does not have."""
    if values.count(None) == len(values):
        return {}
    return {key: value for key, value in zip(names, values, strict=True) if value is not None}


def declared_reader(names: tuple[str, ...], start: int) -> Callable[[list[Any]], dict[str, Any]]:
    """`declared` of a row whose property columns begin at `start`, specialised for scans that
    read none or one property (most of a findings run's millions of rows)."""
    if not names:
        return lambda _row: {}
    if len(names) == 1:
        name = names[0]

        def one(row: list[Any]) -> dict[str, Any]:
            value = row[start]
            return {} if value is None else {name: value}

        return one
    return lambda row: declared(names, row[start:])


def node_from(props: dict[str, Any]) -> Node:
    """A node from its Neo4j properties (`properties(n)`): the store's fields and the flattened rest."""
    return from_store(
        Node,
        {
            "id": props["id"],
            "kind": NODE_KINDS[props["kind"]],
            "subtype": props.get("subtype", ""),
            "name": props.get("name", ""),
            "props": {k: v for k, v in props.items() if k not in NODE_CORE},
            "first_seen": props.get("first_seen"),
            "last_seen": props.get("last_seen"),
            "sources": tuple(props.get("sources") or ()),
        },
    )


def edge_from(record: dict[str, Any]) -> StoredEdge:
    """An edge from a row of the store's edge columns (endpoints, kinds, `p` = `properties(r)`)."""
    props: dict[str, Any] = record["p"]
    return from_store(
        StoredEdge,
        {
            "source": record["source"],
            "source_kind": NODE_KINDS[record["source_kind"]],
            "kind": EDGE_KINDS[record["kind"]],
            "target": record["target"],
            "target_kind": NODE_KINDS[record["target_kind"]],
            "props": {k: v for k, v in props.items() if k not in EDGE_CORE},
            "first_seen": props.get("first_seen"),
            "last_seen": props.get("last_seen"),
            "count": props["count"],
            "sources": tuple(props.get("sources") or ()),
            "evidence": tuple(decode_evidence(e) for e in props.get("evidence") or ()),
            "observations": dict(zip(props.get("obs_origins") or (), props.get("obs_counts") or (), strict=True)),
        },
    )


def keyed_edge_reader(
    kind: EdgeKind, names: tuple[str, ...], fixed: tuple[NodeKind | None, NodeKind | None]
) -> Callable[[list[Any]], StoredEdge]:
    """The decoder of `edges_by_key_query`'s rows for one kind: `names` are its property columns
    (`scan_projection` order), `fixed` the endpoint kinds the schema fixes (`fixed_end_kinds`)."""
    fixed_source, fixed_target = fixed

    def decode(row: list[Any]) -> StoredEdge:
        (source, target, source_kind, target_kind, first_seen, last_seen, count, sources, evidence,
         origins, counts, *values) = row  # fmt: skip
        return from_store(
            StoredEdge,
            {
                "source": source,
                "source_kind": fixed_source or NODE_KINDS[source_kind],
                "kind": kind,
                "target": target,
                "target_kind": fixed_target or NODE_KINDS[target_kind],
                "props": declared(names, values),
                "first_seen": first_seen,
                "last_seen": last_seen,
                "count": count,
                "sources": tuple(sources or ()),
                "evidence": tuple(decode_evidence(e) for e in evidence or ()),
                "observations": dict(zip(origins or (), counts or (), strict=True)),
            },
        )

    return decode
