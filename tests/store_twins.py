"""Helpers for tests that hold the same graph in both stores and compare them.

`Twins` writes every batch to an embedded store and to Neo4j; a batch that one store rejects
must be rejected by the other with the same error, and `assert_same` compares full exports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graph.embedded import EmbeddedStore
from graph.errors import KeytrailError
from graph.model import Edge, Node
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore

__all__ = ["Twins", "edge", "node"]


def node(node_id: str, kind: NodeKind | str, **fields: Any) -> Node:
    return Node.checked(id=node_id, kind=kind, **fields)


def edge(
    source: str,
    source_kind: NodeKind | str,
    kind: EdgeKind | str,
    target: str,
    target_kind: NodeKind | str,
    **fields: Any,
) -> Edge:
    return Edge.checked(
        source=source, source_kind=source_kind, kind=kind, target=target, target_kind=target_kind, **fields
    )


@dataclass
class Twins:
    embedded: EmbeddedStore
    neo4j: GraphStore

    @property
    def both(self) -> tuple[GraphStore, GraphStore]:
        return (self.embedded, self.neo4j)

    def write(self, nodes: Iterable[Node] = (), edges: Iterable[Edge] = ()) -> KeytrailError | None:
        """Write to both; return the error both raised (same class and message), or None."""
        node_list, edge_list = list(nodes), list(edges)
        errors: list[KeytrailError | None] = []
        for store in self.both:
            try:
                store.write(node_list, edge_list)
                errors.append(None)
            except KeytrailError as exc:
                errors.append(exc)
        first, second = errors
        assert type(first) is type(second), f"embedded raised {first!r}, neo4j raised {second!r}"
        assert str(first) == str(second)
        return first

    def exports(self) -> tuple[list[str], list[str]]:
        return list(self.embedded.export()), list(self.neo4j.export())

    def assert_same(self) -> list[str]:
        left, right = self.exports()
        assert left == right
        return left
