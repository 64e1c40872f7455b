"""BloodHound OpenGraph JSON files → keytrail: keytrail's own exports exactly, others by mapping.

A file is one OpenGraph document (`{"metadata", "graph": {"nodes", "edges"}}`); each node and
each edge is a record (record N counts nodes, then edges, from 1; the message names which).
A file whose `metadata.source_kind` is `keytrail` is keytrail's own export
(graph/opengraph.py): its nodes and edges come back as they were, with the evidence and
sources they were exported with, and its derived inverse edges are skipped. Any other file is
a foreign collector's (loaders/opengraph/foreign.py): nodes map by the documented kind table,
and edges are resolved once every file is read (`finish`), since an edge may name its nodes by
id, by `name` or by property matchers, and those nodes may sit in another file of the same
collector. An edge whose node is in no loaded file, or whose name matches several, is
rejected with its location.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph import opengraph
from graph.errors import LoadError, ModelError
from graph.model import Edge, Evidence
from graph.schema import NodeKind
from loaders.base import Item, LoadContext, Loader, Location, Record, Sample, SourceFile, evidenced_edge
from loaders.formats.json import iter_json_documents
from loaders.opengraph.foreign import edge_kind_for, foreign_id, foreign_node, node_kind_for, source_namespace

__all__ = ["OpenGraphLoader"]

NAME = "opengraph"
STATE = "opengraph.foreign"


@dataclass(frozen=True, slots=True)
class _Item:
    what: str  # "node" | "edge"
    value: Mapping[str, Any]
    namespace: str
    own: bool
    """Written by keytrail itself (`metadata.source_kind` = keytrail)."""


@dataclass(slots=True)
class _Foreign:
    """Foreign nodes seen so far (per namespace: OpenGraph id → keytrail id and kind) and the
    edges waiting for every file to be read."""

    by_id: dict[tuple[str, str], tuple[str, NodeKind]] = field(default_factory=dict)
    by_name: dict[tuple[str, str], list[tuple[str, NodeKind]]] = field(default_factory=dict)
    properties: dict[str, tuple[str, NodeKind, Mapping[str, Any]]] = field(default_factory=dict)
    edges: list[tuple[_Item, Location]] = field(default_factory=list)


class OpenGraphLoader(Loader[_Item]):
    name = NAME
    description = "BloodHound OpenGraph JSON (keytrail's own export, or another collector's)"

    def sniff(self, sample: Sample) -> bool:
        head = sample.text.lstrip()[:8192]
        return head.startswith("{") and '"graph"' in head and ('"nodes"' in head or '"edges"' in head)

    def parse(self, source: SourceFile) -> Iterator[Record[_Item] | LoadError]:
        for parsed in iter_json_documents(source):
            if isinstance(parsed, LoadError):
                yield parsed
                continue
            document = parsed.value
            graph = document.get("graph") if isinstance(document, Mapping) else None
            if not isinstance(graph, Mapping):
                yield parsed.location.error("not an OpenGraph document: no `graph` object")
                continue
            metadata = document.get("metadata")
            own = isinstance(metadata, Mapping) and metadata.get("source_kind") == opengraph.SOURCE_KIND
            namespace = source_namespace(metadata)
            number = 0
            for what in ("node", "edge"):
                entries = graph.get(f"{what}s", [])
                if not isinstance(entries, list):
                    yield parsed.location.error(f"`graph.{what}s` must be a list")
                    continue
                for index, entry in enumerate(entries, 1):
                    number += 1
                    where = Location(source.display, record=number)
                    if isinstance(entry, Mapping):
                        yield Record(where, _Item(what, entry, namespace, own))
                    else:
                        yield where.error(f"{what} {index}: not an object")

    def transform(self, record: Record[_Item], ctx: LoadContext) -> Iterable[Item]:
        item, where = record.value, record.location
        try:
            if item.own:
                return _own(item)
            foreign: _Foreign = ctx.state.setdefault(STATE, _Foreign())
            if item.what == "edge":
                foreign.edges.append((item, where))
                return ()
            node = foreign_node(item.namespace, item.value, NAME)
        except (ModelError, ValueError, TypeError) as exc:
            raise where.error(f"{item.what}: {exc}") from None
        original = str(item.value.get("id"))
        foreign.by_id[(item.namespace, original)] = (node.id, node.kind)
        foreign.by_name.setdefault((item.namespace, node.name), []).append((node.id, node.kind))
        foreign.properties[node.id] = (node.id, node.kind, item.value.get("properties") or {})
        return (node,)

    def finish(self, ctx: LoadContext) -> Iterable[Item | LoadError]:
        foreign: _Foreign = ctx.state.pop(STATE, _Foreign())
        for item, where in foreign.edges:
            try:
                yield _foreign_edge(item, where, foreign)
            except ModelError as exc:
                yield where.error(f"edge: {exc}")


def _own(item: _Item) -> Iterable[Item]:
    if item.what == "node":
        return (opengraph.decode_node(item.value),)
    if opengraph.is_derived(item.value):
        return ()
    return opengraph.decode_edge(item.value)


def _endpoint(item: _Item, end: str, foreign: _Foreign) -> tuple[str, NodeKind]:
    endpoint = item.value.get(end)
    if not isinstance(endpoint, Mapping):
        raise ModelError(f"`{end}` must be an object")
    match_by = endpoint.get("match_by", "id")
    if match_by == "property":
        return _by_properties(endpoint.get("property_matchers"), end, foreign)
    value = endpoint.get("value")
    if match_by == "name":
        found = foreign.by_name.get((item.namespace, str(value)), [])
        if len(found) != 1:
            raise ModelError(f"{end} named {value!r} matches {len(found)} nodes of {item.namespace!r}, not one")
        return found[0]
    if match_by != "id":
        raise ModelError(f"{end}: unknown match_by {match_by!r} (id, name or property)")
    known = foreign.by_id.get((item.namespace, str(value)))
    if known is not None:
        return known
    kind = endpoint.get("kind")
    if isinstance(kind, str):  # a node of another collector's file, typed by the edge
        return foreign_id(item.namespace, value), node_kind_for([kind])[0]
    raise ModelError(f"{end} node {value!r} is in no loaded file of {item.namespace!r} and the edge gives no kind")


def _by_properties(matchers: object, end: str, foreign: _Foreign) -> tuple[str, NodeKind]:
    if not isinstance(matchers, list) or not matchers:
        raise ModelError(f"{end}: match_by property needs property_matchers")
    wanted = {}
    for matcher in matchers:
        if not isinstance(matcher, Mapping) or matcher.get("operator", "equals") != "equals" or "key" not in matcher:
            raise ModelError(f"{end}: a property matcher is {{key, operator: equals, value}}")
        wanted[str(matcher["key"])] = matcher.get("value")
    found = [
        (node_id, kind)
        for node_id, kind, properties in foreign.properties.values()
        if all(properties.get(key) == value for key, value in wanted.items())
    ]
    if len(found) != 1:
        raise ModelError(f"{end}: property matchers {wanted} match {len(found)} nodes, not one")
    return found[0]


def _foreign_edge(item: _Item, where: Location, foreign: _Foreign) -> Edge:
    (source, source_kind), (target, target_kind) = (_endpoint(item, end, foreign) for end in ("start", "end"))
    kind, props = edge_kind_for(item.value.get("kind"), source_kind, target_kind)
    evidence = Evidence(source=where.file, locator=where.locator)
    return evidenced_edge(NAME, source, source_kind, kind, target, target_kind, evidence, **props)
