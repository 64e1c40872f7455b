"""permission_history(node): the changes that affected a node, oldest first, with actor and time.

Changes are Change nodes that TARGET the node — and, for an identity, the credentials it
holds (HAS_CREDENTIAL), since creating or deleting a key is part of the identity's history.
The actor is whoever PERFORMED the change (a session, identity or person), falling back to
the change's own `actor` text when no edge names one. With `as_of`, changes after it are
left out: the history as it stood then.
"""

from __future__ import annotations

from typing import Final

from graph.schema import EdgeKind
from graph.store import GraphStore
from queries.common import (
    LIST_CAP,
    EvidenceRef,
    NodeRef,
    Result,
    check_limit,
    check_time,
    expand_visible,
    hop,
    node_ref,
    prop_str,
    require_node,
    visible_nodes,
)

__all__ = ["HistoryEntry", "PermissionHistoryResult", "permission_history"]

CREDENTIAL_CAP: Final = 200


class HistoryEntry(Result):
    change: NodeRef
    at: str | None
    change_type: str
    action: str
    target: str
    actors: list[NodeRef]
    actor_text: str = ""
    detail: str = ""
    decision: str = ""
    evidence: list[EvidenceRef] = []


class PermissionHistoryResult(Result):
    subject: NodeRef
    entries: list[HistoryEntry]
    truncated: bool = False


def permission_history(
    store: GraphStore, node_id: str, *, as_of: str | None = None, limit: int = LIST_CAP
) -> PermissionHistoryResult:
    """Changes targeting the node (and its credentials), ordered by time then id."""
    check_limit(limit, "limit", 1, 100_000)
    as_of = check_time(as_of)
    subject = require_node(store, node_id, as_of)
    credentials = expand_visible(store, [subject.id], ((EdgeKind.HAS_CREDENTIAL, "out"),), as_of)
    targets = [subject.id, *sorted({e.target for e in credentials})[:CREDENTIAL_CAP]]
    targeting = expand_visible(store, targets, ((EdgeKind.TARGETS, "in"),), as_of)
    changes = visible_nodes(store, sorted({e.source for e in targeting}), as_of)
    performed = expand_visible(store, sorted(changes), ((EdgeKind.PERFORMED, "in"),), as_of)
    actors = visible_nodes(store, sorted({e.source for e in performed}), as_of)
    entries = []
    for edge in targeting:
        change = changes.get(edge.source)
        at = (prop_str(change, "at") or change.first_seen) if change else None
        if change is None or (as_of and at and at > as_of):
            continue
        by = sorted({e.source for e in performed if e.target == change.id and e.source in actors})
        entries.append(
            HistoryEntry(
                change=node_ref(change),
                at=at,
                change_type=prop_str(change, "change_type"),
                action=prop_str(change, "action"),
                target=edge.target,
                actors=[node_ref(actors[a]) for a in by],
                actor_text=prop_str(change, "actor"),
                detail=prop_str(change, "detail"),
                decision=prop_str(change, "decision"),
                evidence=hop(edge).evidence,
            )
        )
    entries.sort(key=lambda e: (e.at or "", e.change.id, e.target))
    return PermissionHistoryResult(subject=node_ref(subject), entries=entries[:limit], truncated=len(entries) > limit)
