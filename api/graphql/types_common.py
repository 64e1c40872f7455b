"""GraphQL building blocks shared by every result: enums, node references, hops, evidence, pages.

Enums are derived from the one declaration of each (graph/schema.py for kinds and edges, the
query modules for verdicts, OWASP categories and severities, api/auth.py for roles), never
retyped. Each type is built explicitly, field by field, from the pydantic result it mirrors
(`from_result`), so a field added to an internal model is not exposed by accident.

Lists that multiply (evidence under every hop, the nodes and edges of a subgraph) are packed:
a named scalar holding an array of small flat objects whose keys the scalar's description
lists. graphql-core spends microseconds on every field it resolves; an accountability answer
with typed evidence was ~1,000 fields and a 10k-node subgraph ~40,000, so packing them is
what makes the API cost little more than the query itself.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Generic, NewType, TypeVar, get_args

import strawberry
from strawberry.scalars import JSON
from strawberry.types.scalar import ScalarDefinition

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
    "EDGE_KIND_NAMES",
    "NODE_KIND_NAMES",
    "PACKED_SCALARS",
    "SEVERITY_NAMES",
    "ConsumerDimensionEnum",
    "CountEntry",
    "EdgeKindEnum",
    "EvidenceList",
    "GraphNodeType",
    "HopType",
    "NodeKindEnum",
    "NodeRefType",
    "OwaspEnum",
    "PageInfo",
    "RoleEnum",
    "SeverityEnum",
    "SubgraphEdges",
    "SubgraphNodes",
    "TraversalDirection",
    "VerdictEnum",
    "counts",
    "pack_evidence",
]

if TYPE_CHECKING:
    # strawberry.enum registers the class itself and returns it; to mypy a call result is not a
    # type, so these names are spelled as the plain aliases they are at run time.
    NodeKindEnum = NodeKind
    EdgeKindEnum = EdgeKind
    VerdictEnum = Verdict
    OwaspEnum = Owasp
    SeverityEnum = Severity
    RoleEnum = Role
    ConsumerDimensionEnum = StrEnum
else:
    NodeKindEnum = strawberry.enum(NodeKind, name="NodeKind", description="Node kinds, from graph/schema.py")
    EdgeKindEnum = strawberry.enum(EdgeKind, name="EdgeKind", description="Edge kinds, from graph/schema.py")
    VerdictEnum = strawberry.enum(Verdict, name="Verdict", description="Accountability verdicts")
    OwaspEnum = strawberry.enum(Owasp, name="OwaspCategory", description="OWASP Non-Human Identities Top 10 (2025)")
    SeverityEnum = strawberry.enum(Severity, name="Severity")
    RoleEnum = strawberry.enum(Role, name="Role", description="reader < loader < admin")
    # one member per value of the query's Literal, so the dimensions are declared once
    ConsumerDimensionEnum = strawberry.enum(
        StrEnum("ConsumerDimension", {value.upper(): value for value in get_args(ConsumerDimension)}),
        name="ConsumerDimension",
    )


EvidenceList = NewType("EvidenceList", list[dict[str, object]])
SubgraphNodes = NewType("SubgraphNodes", list[dict[str, object]])
SubgraphEdges = NewType("SubgraphEdges", list[dict[str, object]])


def _refuse_input(value: object) -> object:
    raise ValueError("packed arrays are output only")


def _packed(name: str, description: str) -> ScalarDefinition:
    """An output-only scalar holding an already JSON-shaped array (see the module docstring)."""
    return strawberry.scalar(
        name=name, description=description, serialize=lambda value: value, parse_value=_refuse_input
    )


PACKED_SCALARS: dict[object, ScalarDefinition] = {
    EvidenceList: _packed(
        "EvidenceList",
        "Where an observation came from, packed: a JSON array of objects "
        '{"source": file name, "locator": line, record or event within it, "at": UTC ISO 8601 time or null}.',
    ),
    SubgraphNodes: _packed(
        "SubgraphNodes",
        "The nodes of a subgraph, packed for drawing: a JSON array of objects "
        '{"id": node id, "kind": NodeKind name, "name": display name, "depth": hops from the subject}.',
    ),
    SubgraphEdges: _packed(
        "SubgraphEdges",
        "The edges of a subgraph, packed for drawing: a JSON array of objects "
        '{"source": node id, "kind": EdgeKind name, "target": node id, "level": "read"|"write"|"admin" or ""}.',
    ),
}
"""The schema's scalar_map entries for the packed types (api/graphql/schema.py)."""

NODE_KIND_NAMES: dict[str, str] = {kind.value: kind.name for kind in NodeKind}
EDGE_KIND_NAMES: dict[str, str] = {kind.value: kind.name for kind in EdgeKind}
"""Stored kind values -> GraphQL enum names: packed arrays spell kinds as typed fields do."""
SEVERITY_NAMES: dict[str, str] = {severity.value: severity.name for severity in Severity}


def pack_evidence(items: list[EvidenceRef]) -> EvidenceList:
    return EvidenceList([{"source": e.source, "locator": e.locator, "at": e.at} for e in items])


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


def counts(mapping: dict[str, int], names: dict[str, str] | None = None) -> list[CountEntry]:
    """Count entries by key; `names` respells keys that are enum values as the GraphQL enum
    spells them (nodesByKind: CREDENTIAL, countsBySeverity: HIGH), one spelling per answer."""
    spell = names or {}
    return sorted((CountEntry(key=spell.get(k, k), count=v) for k, v in mapping.items()), key=lambda e: e.key)


@strawberry.type(name="GraphNode", description="A node of the graph with its typed properties (never secret values).")
class GraphNodeType:
    id: strawberry.ID
    kind: NodeKindEnum
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
            props=JSON(dict(node.props)),
            first_seen=node.first_seen,
            last_seen=node.last_seen,
            sources=list(node.sources),
        )


@strawberry.type(name="NodeRef", description="A reference to a node; `node` loads the whole node (batched).")
class NodeRefType:
    id: strawberry.ID
    kind: NodeKindEnum
    name: str
    subtype: str

    @strawberry.field
    async def node(self, info: strawberry.Info[Context, None]) -> GraphNodeType | None:
        return await info.context.node_loader.load(str(self.id))

    @classmethod
    def from_result(cls, ref: NodeRef) -> NodeRefType:
        return cls(id=strawberry.ID(ref.id), kind=NodeKind(ref.kind), name=ref.name, subtype=ref.subtype)


@strawberry.type(name="Hop", description="One stored edge source -KIND-> target, with its evidence.")
class HopType:
    source: strawberry.ID
    kind: EdgeKindEnum
    target: strawberry.ID
    first_seen: str | None
    last_seen: str | None
    count: int
    props: JSON
    evidence: EvidenceList

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
            props=JSON(dict(hop.props)),
            evidence=pack_evidence(hop.evidence),
        )


def refs(items: list[NodeRef]) -> list[NodeRefType]:
    return [NodeRefType.from_result(r) for r in items]


def hops(items: list[Hop], made: dict[int, HopType] | None = None) -> list[HopType]:
    """The hops as GraphQL types; with `made` (one dict per result, alive while it converts),
    a Hop that several lists of the result share is converted once."""
    if made is None:
        return [HopType.from_result(h) for h in items]
    return [made.get(id(h)) or made.setdefault(id(h), HopType.from_result(h)) for h in items]


Cursor = Annotated[str, strawberry.argument(description="endCursor of the previous page")]
