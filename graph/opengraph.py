"""keytrail's graph as BloodHound OpenGraph JSON, and back: the interchange with BloodHound CE.

An OpenGraph file is `{"metadata": {"source_kind": …}, "graph": {"nodes": […], "edges": […]}}`;
a node is `{"id", "kinds", "properties"}`, an edge `{"start": {"match_by", "value", "kind"},
"end": {…}, "kind", "properties"}`, and every property value is a primitive or an array of one
primitive type. keytrail writes:

- node kinds `KT_<Kind>` (`KT_Credential`), edge kinds `KT_<KIND>` (`KT_HAS_CREDENTIAL`): the
  namespace prefix BloodHound's extension rules ask for, so keytrail's kinds never collide with
  SharpHound's or GitHound's;
- `name` (what BloodHound shows), the node's own properties under their names, and what
  keytrail itself records under `kt_`: `kt_subtype`, `kt_first_seen`, `kt_last_seen`,
  `kt_sources`; on edges also `kt_count`, `kt_evidence` (each citation as a JSON text) and
  `kt_observations` (the count per origin, as JSON text). A property named like one of these
  (or BloodHound's reserved `objectid`) is written `kt_prop_<name>`, so nothing is lost;
- for each edge that a blast-radius walk follows against its direction (an identity HAS a
  credential, but whoever holds the credential reaches the identity), a derived edge the other
  way, `KT_<KIND>_INVERSE` with `kt_derived: true`, so that BloodHound's pathfinding, which walks
  edges forwards, finds what a leaked credential reaches. Loading skips derived edges.

So `keytrail export --format opengraph` and `keytrail load` of that file give back the same
graph (tests/graph/test_opengraph.py). `extension_schema()` is the graph schema definition
BloodHound CE reads to draw and path-find keytrail's kinds: node kinds with their colours, edge
kinds with `is_traversable` (what a blast radius walks) and the node kinds they join.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any, Final

import orjson

from graph.errors import ModelError, quoted
from graph.legend import NODE_STYLES
from graph.model import Edge, Node
from graph.schema import EDGE_SPECS, NODE_SPECS, Category, EdgeKind, NodeKind

__all__ = [
    "EDGE_PREFIX",
    "NODE_PREFIX",
    "SOURCE_KIND",
    "decode_edge",
    "decode_node",
    "edge_kind_name",
    "extension_schema",
    "is_derived",
    "node_kind_name",
    "write_opengraph",
]

SOURCE_KIND: Final = "keytrail"
NODE_PREFIX: Final = "KT_"
EDGE_PREFIX: Final = "KT_"
INVERSE_SUFFIX: Final = "_INVERSE"
SCHEMA_VERSION: Final = "1"

_OWN = "kt_"
_RENAMED = "kt_prop_"
_RESERVED = frozenset({"name", "objectid"})


def node_kind_name(kind: NodeKind) -> str:
    return f"{NODE_PREFIX}{kind.value}"


def edge_kind_name(kind: EdgeKind) -> str:
    return f"{EDGE_PREFIX}{kind.value}"


def _property_name(key: str) -> str:
    return f"{_RENAMED}{key}" if key in _RESERVED or key.startswith(_OWN) else key


def _own_properties(props: Mapping[str, Any]) -> dict[str, Any]:
    """A node's or edge's own properties, renamed where they would shadow keytrail's or BloodHound's."""
    return {_property_name(key): value for key, value in props.items() if value is not None}


# -- export ----------------------------------------------------------------------------------


def _node(line: Mapping[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {"name": line["name"] or line["id"], **_own_properties(line["props"])}
    if not line["name"]:
        properties[f"{_OWN}unnamed"] = True  # BloodHound shows `name`: the id stands in for it
    for key in ("subtype", "first_seen", "last_seen"):
        if line[key]:
            properties[f"{_OWN}{key}"] = line[key]
    properties[f"{_OWN}sources"] = list(line["sources"])
    return {"id": line["id"], "kinds": [f"{NODE_PREFIX}{line['kind']}"], "properties": properties}


def _endpoint(node_id: str, kind: str) -> dict[str, str]:
    return {"match_by": "id", "value": node_id, "kind": f"{NODE_PREFIX}{kind}"}


def _edges(line: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    properties: dict[str, Any] = _own_properties(line["props"])
    for key in ("first_seen", "last_seen"):
        if line[key]:
            properties[f"{_OWN}{key}"] = line[key]
    properties[f"{_OWN}count"] = line["count"]
    properties[f"{_OWN}sources"] = list(line["sources"])
    properties[f"{_OWN}evidence"] = [orjson.dumps(e, option=orjson.OPT_SORT_KEYS).decode() for e in line["evidence"]]
    properties[f"{_OWN}observations"] = orjson.dumps(line["observations"], option=orjson.OPT_SORT_KEYS).decode()
    start, end = _endpoint(line["source"], line["source_kind"]), _endpoint(line["target"], line["target_kind"])
    yield {"start": start, "end": end, "kind": f"{EDGE_PREFIX}{line['kind']}", "properties": properties}
    if EDGE_SPECS[EdgeKind(line["kind"])].blast == "in":
        derived = {f"{_OWN}derived": True, f"{_OWN}count": line["count"]}
        yield {
            "start": end,
            "end": start,
            "kind": f"{EDGE_PREFIX}{line['kind']}{INVERSE_SUFFIX}",
            "properties": derived,
        }


def write_opengraph(export_lines: Iterable[str], out: IO[str]) -> tuple[int, int]:
    """Write the store's export lines (`GraphStore.export()`: nodes first, then edges) as one
    OpenGraph document, streamed: memory stays flat whatever the graph's size. Returns the
    numbers of nodes and edges written (derived edges included)."""
    metadata = orjson.dumps({"source_kind": SOURCE_KIND}).decode()
    out.write('{"metadata":' + metadata + ',"graph":{"nodes":[')
    nodes = edges = 0
    in_edges = False
    for text in export_lines:
        line = orjson.loads(text)
        if line["type"] == "node":
            if in_edges:
                raise ModelError("export lines out of order: a node after the edges")
            out.write(("," if nodes else "") + "\n" + orjson.dumps(_node(line)).decode())
            nodes += 1
            continue
        if not in_edges:
            out.write('\n],"edges":[')
            in_edges = True
        for edge in _edges(line):
            out.write(("," if edges else "") + "\n" + orjson.dumps(edge).decode())
            edges += 1
    out.write("\n]}}\n" if in_edges else '\n],"edges":[]}}\n')
    return nodes, edges


# -- import of keytrail's own export ---------------------------------------------------------


def _split(properties: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(keytrail's own `kt_` entries without the prefix, the node's or edge's properties)."""
    own: dict[str, Any] = {}
    props: dict[str, Any] = {}
    for key, value in properties.items():
        if key.startswith(_RENAMED):
            props[key.removeprefix(_RENAMED)] = value
        elif key.startswith(_OWN):
            own[key.removeprefix(_OWN)] = value
        else:
            props[key] = value
    return own, props


def _keytrail_kind(kinds: object, prefix: str, enum: type[NodeKind] | type[EdgeKind], what: str) -> Any:
    name = kinds[0] if isinstance(kinds, list) and kinds else kinds
    if not isinstance(name, str) or not name.startswith(prefix):
        raise ModelError(f"{what} kind {quoted(name)} is not one of keytrail's ({prefix}…)")
    try:
        return enum(name.removeprefix(prefix))
    except ValueError:
        raise ModelError(f"unknown keytrail {what} kind {quoted(name)}") from None


def decode_node(node: Mapping[str, Any]) -> Node:
    """A node of a keytrail-written OpenGraph file, back as the node it was exported from."""
    kind = _keytrail_kind(node.get("kinds"), NODE_PREFIX, NodeKind, "node")
    own, props = _split(node.get("properties") or {})
    name = props.pop("name", "")
    return Node(
        id=node.get("id"),
        kind=kind,
        subtype=own.get("subtype", ""),
        name="" if own.get("unnamed") is True else name,
        props=props,
        first_seen=own.get("first_seen"),
        last_seen=own.get("last_seen"),
        sources=tuple(own.get("sources", ())),
    )


def is_derived(edge: Mapping[str, Any]) -> bool:
    properties = edge.get("properties")
    return isinstance(properties, Mapping) and properties.get(f"{_OWN}derived") is True


def _endpoint_of(edge: Mapping[str, Any], end: str) -> tuple[str, NodeKind]:
    endpoint = edge.get(end)
    if not isinstance(endpoint, Mapping) or endpoint.get("match_by", "id") != "id":
        raise ModelError(f"edge {end}: keytrail's own edges name their nodes by id")
    value = endpoint.get("value")
    if not isinstance(value, str):
        raise ModelError(f"edge {end}: no node id (value)")
    return value, _keytrail_kind(endpoint.get("kind"), NODE_PREFIX, NodeKind, f"edge {end} node")


def decode_edge(edge: Mapping[str, Any]) -> list[Edge]:
    """An edge of a keytrail-written OpenGraph file, back as the writes that recreate it
    exactly (one per origin it was observed under, the first carrying its evidence)."""
    kind = _keytrail_kind(edge.get("kind"), EDGE_PREFIX, EdgeKind, "edge")
    (source, source_kind), (target, target_kind) = _endpoint_of(edge, "start"), _endpoint_of(edge, "end")
    own, props = _split(edge.get("properties") or {})
    try:
        evidence = [orjson.loads(text) for text in own.get("evidence", [])]
        observations: dict[str, int] = orjson.loads(own.get("observations", "{}")) or {"": own.get("count", 1)}
    except (orjson.JSONDecodeError, TypeError) as exc:
        raise ModelError(f"edge {kind.value}: kt_evidence / kt_observations are not keytrail's JSON: {exc}") from None
    common = {
        "source": source,
        "source_kind": source_kind,
        "kind": kind,
        "target": target,
        "target_kind": target_kind,
        "props": props,
        "first_seen": own.get("first_seen"),
        "last_seen": own.get("last_seen"),
        "sources": tuple(own.get("sources", ())),
    }
    return [
        Edge(**common, count=count, origin=origin, evidence=evidence if index == 0 else ())
        for index, (origin, count) in enumerate(sorted(observations.items()))
    ]


# -- the extension schema ----------------------------------------------------------------------

_CATEGORY_TYPE: Final = {
    Category.OWNERSHIP: "ownership",
    Category.CREDENTIAL: "credential",
    Category.ACCESS: "access",
    Category.ACTIVITY: "activity",
    Category.CHANGE: "change",
    Category.PROVENANCE: "provenance",
}


def extension_schema() -> dict[str, Any]:
    """The graph schema definition BloodHound CE reads for keytrail's kinds (see the module doc)."""
    node_kinds = [
        {
            "symbol": kind.value,
            "representation": node_kind_name(kind),
            "description": NODE_SPECS[kind].description,
            "icon_color": NODE_STYLES[kind].colour,
            "is_display_kind": True,
            "is_source_kind": False,
        }
        for kind in NodeKind
    ]
    relationships: list[dict[str, Any]] = []
    for kind, spec in EDGE_SPECS.items():
        pairs = [(s, t) for s in sorted(spec.sources) for t in sorted(spec.targets)]
        relationships.append(
            _relationship(kind.value, edge_kind_name(kind), spec.description, spec.blast == "out", pairs)
        )
        if spec.blast == "in":
            inverse = f"{edge_kind_name(kind)}{INVERSE_SUFFIX}"
            description = (
                f"derived: {spec.description}, walked the other way (whoever holds the target reaches the source)"
            )
            relationships.append(
                _relationship(f"{kind.value}{INVERSE_SUFFIX}", inverse, description, True, [(t, s) for s, t in pairs])
            )
    categories = [
        {
            "name": category.value,
            "description": f"keytrail's {category.value} edges",
            "category_type": _CATEGORY_TYPE[category],
            "relationships": [edge_kind_name(k) for k, spec in EDGE_SPECS.items() if spec.category is category],
        }
        for category in Category
    ]
    return {
        "schema": {
            "name": SOURCE_KIND,
            "version": SCHEMA_VERSION,
            "description": "keytrail: non-human identities and secrets, and the people accountable for them",
        },
        "properties": [
            {
                "symbol": symbol,
                "name": symbol.replace("_", " "),
                "representation": f"{_OWN}{symbol}",
                "data_type": data_type,
                "description": description,
            }
            for symbol, data_type, description in _OWN_PROPERTIES
        ],
        "node_kinds": node_kinds,
        "relationship_kinds": relationships,
        "categories": categories,
    }


def _relationship(
    symbol: str, representation: str, description: str, traversable: bool, pairs: list[tuple[NodeKind, NodeKind]]
) -> dict[str, Any]:
    return {
        "symbol": symbol,
        "representation": representation,
        "description": description,
        "is_traversable": traversable,
        "constraints": [{"source_node": node_kind_name(s), "target_node": node_kind_name(t)} for s, t in pairs],
    }


_OWN_PROPERTIES: Final = (
    ("subtype", "string", "keytrail's subtype of the node (<platform>.<thing>)"),
    ("first_seen", "string", "first time the evidence saw it (UTC, ISO 8601)"),
    ("last_seen", "string", "last time the evidence saw it (UTC, ISO 8601)"),
    ("sources", "string", "the loaders whose files recorded it"),
    ("count", "integer", "how many times the edge was observed"),
    ("evidence", "string", "each citation (file, line or event) as JSON text"),
    ("observations", "string", "the observation count per origin, as JSON text"),
    ("unnamed", "boolean", "the node has no name of its own: `name` repeats its id"),
    ("derived", "boolean", "an inverse edge written for pathfinding; not evidence of its own"),
)
