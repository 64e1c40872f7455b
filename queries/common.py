"""What every query shares: result building blocks, argument checks, as-of visibility, paging.

Queries read the graph only through the `GraphStore` primitives (`nodes_by_id`, `expand`,
`nodes_of_kind`, `edges_of_kind`, the lean whole-kind scans `node_rows` / `edge_rows`,
`search`), so one implementation answers identically on the embedded store and on Neo4j.
`as_of` hides nodes and edges first seen after it (and changes that happened after it);
everything a query returns is bounded and says so with a `truncated` flag when a cap cut it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, ConfigDict

from graph.errors import ModelError, NotFound, QueryError
from graph.model import Node, PropValue, StoredEdge, canonical_timestamp, from_store
from graph.schema import EdgeKind, NodeKind
from graph.store import EdgeRow, GraphStore, NodeRow, Step

__all__ = [
    "LIST_CAP",
    "PAGE",
    "SEVERITY_RANK",
    "EvidenceRef",
    "Hop",
    "KindRows",
    "NodeRef",
    "Result",
    "Scan",
    "Severity",
    "check_id",
    "check_limit",
    "check_time",
    "days_between",
    "edge_visible",
    "expand_visible",
    "hop",
    "node_ref",
    "node_visible",
    "prop_bool",
    "prop_list",
    "prop_str",
    "require_node",
    "resolve_now",
    "scan_edges",
    "scan_nodes",
    "visible_nodes",
]

PAGE: Final = 5000
"""Rows per page when a query scans a whole kind."""
Scan = Callable[[EdgeKind], list[EdgeRow]]
"""Every visible edge of a kind in (source, target) order (findings passes its shared scans)."""
KindRows = Callable[[NodeKind], Mapping[str, NodeRow]]
"""Every visible node of a kind by id (findings passes its shared scans)."""


class Severity(StrEnum):
    """How serious a finding or an ownership gap is (declared here: rules and gaps both rank by it)."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


SEVERITY_RANK: Final = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2, Severity.CRITICAL: 3}

LIST_CAP: Final = 500
"""Default cap on any list a query returns; `truncated` says when it was reached."""


class Result(BaseModel):
    """Base of every query result: immutable, with fields that serialise as documented."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class NodeRef(Result):
    id: str
    kind: str
    name: str = ""
    subtype: str = ""


class EvidenceRef(Result):
    source: str
    locator: str = ""
    at: str | None = None


class Hop(Result):
    """One edge of a chain, as stored (source -KIND-> target), with the evidence behind it."""

    source: str
    kind: str
    target: str
    first_seen: str | None = None
    last_seen: str | None = None
    count: int = 1
    props: dict[str, PropValue] = {}
    evidence: list[EvidenceRef] = []


# References and hops copy values the store read back (validated when written), so they are
# built with `from_store`, without validation: findings builds hundreds of thousands of them.


def node_ref(node: Node | NodeRow) -> NodeRef:
    return from_store(NodeRef, {"id": node.id, "kind": node.kind.value, "name": node.name, "subtype": node.subtype})


def hop(edge: StoredEdge) -> Hop:
    return from_store(
        Hop,
        {
            "source": edge.source,
            "kind": edge.kind.value,
            "target": edge.target,
            "first_seen": edge.first_seen,
            "last_seen": edge.last_seen,
            "count": edge.count,
            "props": dict(edge.props),
            "evidence": [
                from_store(EvidenceRef, {"source": e.source, "locator": e.locator, "at": e.at}) for e in edge.evidence
            ],
        },
    )


def check_time(value: str | None, name: str = "as_of") -> str | None:
    """A user-given timestamp in canonical form, or QueryError naming the argument."""
    if value is None or value == "":
        return None
    try:
        return canonical_timestamp(value)
    except ModelError as exc:
        raise QueryError(f"{name}: {exc}") from None


def check_limit(value: int, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise QueryError(f"{name} must be an integer from {low} to {high}, got {value!r}")
    return value


def resolve_now(now: str | None, as_of: str | None) -> str:
    """The moment ages are measured from: `now` if given, else `as_of`, else the clock."""
    return check_time(now, "now") or as_of or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_CANONICAL = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z")


@functools.lru_cache(maxsize=1 << 16)
def _parse(moment: str) -> datetime:
    # Canonical timestamps skip strptime (far slower, bench/README.md; hot in findings over every credential);
    # anything else takes strptime's path, with its exact acceptance and errors. Cached: a
    # findings run parses the same load-time stamps hundreds of thousands of times, and a
    # datetime is immutable.
    match = _CANONICAL.fullmatch(moment)
    if match is None:
        return datetime.strptime(moment, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    year, month, day, hour, minute, second = map(int, match.groups())
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def days_between(earlier: str, later: str) -> int:
    return (_parse(later) - _parse(earlier)) // timedelta(days=1)


def minus_days(moment: str, days: int) -> str:
    return (_parse(moment) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def node_visible(node: Node, as_of: str | None) -> bool:
    return as_of is None or node.first_seen is None or node.first_seen <= as_of


def edge_visible(edge: StoredEdge, as_of: str | None) -> bool:
    return as_of is None or edge.first_seen is None or edge.first_seen <= as_of


def check_id(node_id: object) -> None:
    """QueryError unless `node_id` is a non-empty string."""
    if not isinstance(node_id, str) or not node_id:
        raise QueryError(f"a node id is required, got {node_id!r}")


def require_node(
    store: GraphStore,
    node_id: str,
    as_of: str | None,
    kinds: Sequence[NodeKind] = (),
    *,
    read: Mapping[str, Node] | None = None,
) -> Node:
    """The node, or NotFound (also when it did not exist yet as of); QueryError for a wrong kind.
    `read`: nodes a read already returned; the node is fetched only when it is not among them."""
    check_id(node_id)
    node = read.get(node_id) if read is not None else None
    if node is None:
        node = store.nodes_by_id([node_id]).get(node_id)
    if node is None or not node_visible(node, as_of):
        suffix = f" as of {as_of}" if as_of and node is not None else ""
        raise NotFound(f"no node {node_id!r} in the graph{suffix}")
    if kinds and node.kind not in kinds:
        raise QueryError(f"{node_id!r} is {_a(node.kind.value)}; this query takes {_either(kinds)}")
    return node


def _a(word: str) -> str:
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def _either(kinds: Sequence[NodeKind]) -> str:
    """`a Session`, `a Session or a Credential`, `a Person, a Team or an Identity`."""
    names = [_a(k.value) for k in kinds]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def visible_nodes(
    store: GraphStore, ids: Iterable[str], as_of: str | None, *, read: Mapping[str, Node] | None = None
) -> dict[str, Node]:
    """The visible nodes of `ids`. `read`: nodes a read already returned (an `expand`'s ends or
    starts); only the others are fetched, and only if there are any."""
    if read is None:
        return {i: n for i, n in store.nodes_by_id(ids).items() if node_visible(n, as_of)}
    wanted = list(ids)
    found = {i: read[i] for i in wanted if i in read}
    missing = [i for i in wanted if i not in read]
    if missing:
        found.update(store.nodes_by_id(missing))
    return {i: n for i, n in found.items() if node_visible(n, as_of)}


def expand_visible(store: GraphStore, ids: Sequence[str], steps: Sequence[Step], as_of: str | None) -> list[StoredEdge]:
    if not ids:
        return []
    return store.expand(ids, steps, as_of=as_of).edges


def scan_nodes(store: GraphStore, kind: NodeKind, as_of: str | None) -> Iterator[Node]:
    """Every node of a kind, page by page in id order, hiding those first seen after as_of."""
    after = ""
    while True:
        page = store.nodes_of_kind(kind, after=after, limit=PAGE)
        for node in page:
            if node_visible(node, as_of):
                yield node
        if len(page) < PAGE:
            return
        after = page[-1].id


def scan_edges(store: GraphStore, kind: EdgeKind, as_of: str | None) -> Iterator[StoredEdge]:
    """Every edge of a kind, page by page in (source, target) order, hiding later ones."""
    after = ("", "")
    while True:
        page = store.edges_of_kind(kind, after=after, limit=PAGE)
        for edge in page:
            if edge_visible(edge, as_of):
                yield edge
        if len(page) < PAGE:
            return
        after = (page[-1].source, page[-1].target)


Record = Node | StoredEdge | NodeRow | EdgeRow
"""Anything with `props`: full models and the lean rows of whole-kind scans."""


def prop_str(node: Record, key: str) -> str:
    value = node.props.get(key)
    return value if isinstance(value, str) else ""


def prop_bool(node: Record, key: str) -> bool:
    return node.props.get(key) is True


def prop_list(node: Record, key: str) -> list[str]:
    value = node.props.get(key)
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
