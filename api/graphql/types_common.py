"""GraphQL building blocks shared by every result: enums, node references, hops, evidence, pages.

Enums are derived from the one declaration of each (graph/schema.py for kinds and edges, the
query modules for verdicts, OWASP categories and severities, api/auth.py for roles), never
retyped. Each type is built explicitly, field by field, from the pydantic result it mirrors
(`from_result`), so a field added to an internal model is not exposed by accident.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Generic, TypeVar, get_args

import strawberry
from strawberry.scalars import JSON

from api.auth import Role
from graph.model import Node
from graph.schema import EdgeKind, NodeKind
from queries.accountability import Verdict
from queries.common import EvidenceRef, Hop, NodeRef
from queries.rules_base import Owasp, Severity
from queries.shared import ConsumerDimension

if TYPE_CHECKING:
    from api.graphql.context import Context

__all__ = [
    "ConsumerDimensionEnum",
    "CountEntry",
    "EdgeKindEnum",
    "EvidenceType",
    "GraphNodeType",
    "HopType",
    "NodeKindEnum",
    "NodeRefType",
    "OwaspEnum",
    "PageInfo",
    "RoleEnum",
    "SeverityEnum",
    "TraversalDirection",
    "VerdictEnum",
    "counts",
]

NodeKindEnum = strawberry.enum(NodeKind, name="NodeKind", description="Node kinds, from graph/schema.py")
EdgeKindEnum = strawberry.enum(EdgeKind, name="EdgeKind", description="Edge kinds, from graph/schema.py")
VerdictEnum = strawberry.enum(Verdict, name="Verdict", description="Accountability verdicts")
OwaspEnum = strawberry.enum(Owasp, name="OwaspCategory", description="OWASP Non-Human Identities Top 10 (2025)")
SeverityEnum = strawberry.enum(Severity, name="Severity")
RoleEnum = strawberry.enum(Role, name="Role", description="reader < loader < admin")
ConsumerDimensionEnum = strawberry.enum(
    StrEnum("ConsumerDimension", {value.upper(): value for value in get_args(ConsumerDimension)}),  # type: ignore[misc]
    name="ConsumerDimension",
)


@strawberry.enum
class TraversalDirection(StrEnum):
    OUT = "out"
    IN = "in"
    BOTH = "both"


T = TypeVar("T")


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A Relay-style page; `truncated` says the query itself hit its result cap.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    truncated: bool

    @strawberry.field
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


@strawberry.type
class CountEntry:
    key: str
    count: int


def counts(mapping: dict[str, int]) -> list[CountEntry]:
    return [CountEntry(key=k, count=v) for k, v in sorted(mapping.items())]


@strawberry.type(name="GraphNode", description="A node of the graph with its typed properties (never secret values).")
class GraphNodeType:
    id: strawberry.ID
    kind: NodeKindEnum  # type: ignore[valid-type]
    subtype: str
    name: str
    props: JSON
    first_seen: str | None
    last_seen: str | None
    sources: list[str]

    @classmethod
    def from_node(cls, node: Node) -> GraphNodeType:
        return cls(
            id=strawberry.ID(node.id),
            kind=node.kind,
            subtype=node.subtype,
            name=node.name,
            props=dict(node.props),
            first_seen=node.first_seen,
            last_seen=node.last_seen,
            sources=list(node.sources),
        )


@strawberry.type(name="NodeRef", description="A reference to a node; `node` loads the whole node (batched).")
class NodeRefType:
    id: strawberry.ID
    kind: NodeKindEnum  # type: ignore[valid-type]
    name: str
    subtype: str

    @strawberry.field
    async def node(self, info: strawberry.Info[Context, None]) -> GraphNodeType | None:
        return await info.context.node_loader.load(str(self.id))

    @classmethod
    def from_result(cls, ref: NodeRef) -> NodeRefType:
        return cls(id=strawberry.ID(ref.id), kind=NodeKind(ref.kind), name=ref.name, subtype=ref.subtype)


@strawberry.type(name="Evidence", description="Where an observation came from: a file and a line, record or event.")
class EvidenceType:
    source: str
    locator: str
    at: str | None

    @classmethod
    def from_result(cls, ref: EvidenceRef) -> EvidenceType:
        return cls(source=ref.source, locator=ref.locator, at=ref.at)


@strawberry.type(name="Hop", description="One stored edge source -KIND-> target, with its evidence.")
class HopType:
    source: strawberry.ID
    kind: EdgeKindEnum  # type: ignore[valid-type]
    target: strawberry.ID
    first_seen: str | None
    last_seen: str | None
    count: int
    props: JSON
    evidence: list[EvidenceType]

    @strawberry.field
    async def source_node(self, info: strawberry.Info[Context, None]) -> GraphNodeType | None:
        return await info.context.node_loader.load(str(self.source))

    @strawberry.field
    async def target_node(self, info: strawberry.Info[Context, None]) -> GraphNodeType | None:
        return await info.context.node_loader.load(str(self.target))

    @classmethod
    def from_result(cls, hop: Hop) -> HopType:
        return cls(
            source=strawberry.ID(hop.source),
            kind=EdgeKind(hop.kind),
            target=strawberry.ID(hop.target),
            first_seen=hop.first_seen,
            last_seen=hop.last_seen,
            count=hop.count,
            props=dict(hop.props),
            evidence=[EvidenceType.from_result(e) for e in hop.evidence],
        )


def refs(items: list[NodeRef]) -> list[NodeRefType]:
    return [NodeRefType.from_result(r) for r in items]


def hops(items: list[Hop]) -> list[HopType]:
    return [HopType.from_result(h) for h in items]


Cursor = Annotated[str, strawberry.argument(description="endCursor of the previous page")]
