"""DataLoaders: node lookups by id from many resolvers of one request become one store call."""

from __future__ import annotations

from strawberry.dataloader import DataLoader

from api.graphql.context import Context
from api.graphql.types_common import GraphNodeType
from graph.model import Node
from graph.store import GraphStore

__all__ = ["node_loader"]


def _nodes_by_id(store: GraphStore, ids: list[str]) -> dict[str, Node]:
    return store.nodes_by_id(ids)


def node_loader(context: Context) -> DataLoader[str, GraphNodeType | None]:
    async def load(ids: list[str]) -> list[GraphNodeType | None]:
        found = await context.run(_nodes_by_id, ids)
        return [GraphNodeType.from_node(found[i]) if i in found else None for i in ids]

    return DataLoader(load_fn=load, max_batch_size=1000)
