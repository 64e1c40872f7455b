"""AWS resource tags: as `key=value` text, and ownership tags as OWNS edges.

Estates record owners in tags more often than anywhere else. A tag whose key (case-insensitive)
is one of `ctx.owner_tag_names` names an owner: an email value is that Person
(`person:<email>`), any other value a Team slug (`team:<slug>`), because non-email owner values
in practice are team names ("platform", "Payments Team"). The edge carries
`provenance: tag` and `provenance_detail` = the tag key as written.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from graph import ids
from graph.errors import ModelError
from graph.model import Edge, Evidence
from graph.schema import EdgeKind, NodeKind
from loaders.base import evidenced_edge

__all__ = ["owner_edges", "tag_pairs", "tag_texts"]


def tag_pairs(raw: object) -> list[tuple[str, str]]:
    """Tags from the AWS shapes: [{"Key": k, "Value": v}] (also lower-case keys) or {k: v}."""
    pairs: list[tuple[str, str]] = []
    if isinstance(raw, Mapping):
        pairs = [(str(k), str(v)) for k, v in raw.items()]
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, Mapping):
                key = item.get("Key", item.get("key"))
                value = item.get("Value", item.get("value", ""))
                if isinstance(key, str):
                    pairs.append((key, "" if value is None else str(value)))
    return pairs


def tag_texts(pairs: list[tuple[str, str]]) -> list[str]:
    return sorted(f"{key}={value}" for key, value in pairs)


def owner_edges(
    pairs: list[tuple[str, str]],
    owner_tag_names: tuple[str, ...],
    target: str,
    target_kind: NodeKind,
    evidence: Evidence,
    source: str,
) -> Iterator[Edge]:
    """OWNS from the Person or Team each ownership tag names (see the module rules)."""
    wanted = {name.lower() for name in owner_tag_names}
    for key, value in pairs:
        text = value.strip()
        if key.lower() not in wanted or not text:
            continue
        try:
            owner, kind = (ids.person(text), NodeKind.PERSON) if ids.is_email(text) else (ids.team(text), NodeKind.TEAM)
        except ModelError:
            continue  # a value no owner id can be built from ("n/a", "?") names nobody
        yield evidenced_edge(
            source, owner, kind, EdgeKind.OWNS, target, target_kind, evidence, provenance="tag", provenance_detail=key
        )
