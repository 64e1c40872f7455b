"""Recording a review decision in the graph, as docs/graph-conventions.md fixes it.

A review is a Change node (`change_type: review`, `decision`, `reviewer`, `note`, `at`)
PERFORMED by the reviewer's Person node and TARGETS the node reviewed; `assign_owner` also
writes an OWNS edge with `provenance: review`. The findings read these (queries/rules_base.py):
the latest review wins, `keep` suppresses NHI5/NHI7, a `revoke` time is a revocation time,
and the review OWNS edge closes an ownership gap. The Change id is derived from the review's
content, so recording the same review twice writes one Change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from graph import ids
from graph.errors import QueryError
from graph.model import Edge, Evidence, Node, canonical_timestamp
from graph.schema import EDGE_SPECS, EdgeKind, NodeKind
from graph.store import GraphStore
from queries.common import require_node

__all__ = ["ReviewInput", "record_review"]

SOURCE = "api.review"
NOTE_MAX = 2000


@dataclass(frozen=True, slots=True)
class ReviewInput:
    node_id: str
    decision: str
    reviewer: str
    note: str
    at: str
    owner_id: str | None = None


@dataclass(frozen=True, slots=True)
class ReviewWritten:
    change: Node
    target: Node
    owner: Node | None


def _checked(review: ReviewInput) -> tuple[str, str, str]:
    """(reviewer person id, canonical time, note) or QueryError naming the bad argument."""
    try:
        reviewer = ids.person(review.reviewer)
        at = canonical_timestamp(review.at)
    except Exception as exc:  # ModelError from the id helpers or the timestamp parser
        raise QueryError(f"review: {exc}") from None
    note = review.note.strip()
    if len(note) > NOTE_MAX:
        raise QueryError(f"review note is longer than {NOTE_MAX} characters")
    if review.decision == "assign_owner" and not review.owner_id:
        raise QueryError("assign_owner needs owner: the id of a Person or Team")
    if review.decision != "assign_owner" and review.owner_id:
        raise QueryError("owner is only for the assign_owner decision")
    return reviewer, at, note


def record_review(store: GraphStore, review: ReviewInput) -> ReviewWritten:
    reviewer, at, note = _checked(review)
    target = require_node(store, review.node_id, None)
    owner: Node | None = None
    if review.owner_id:
        owner = require_node(store, review.owner_id, None, (NodeKind.PERSON, NodeKind.TEAM))
        if target.kind not in EDGE_SPECS[EdgeKind.OWNS].targets:
            raise QueryError(f"{target.id!r} is a {target.kind.value}, which cannot be owned")
    digest = hashlib.sha256("\n".join((target.id, review.decision, reviewer, at, note)).encode()).hexdigest()[:24]
    change_id = ids.change("review", digest)
    evidence = [Evidence(source=SOURCE, locator=change_id, at=at)]
    change = Node(
        id=change_id,
        kind=NodeKind.CHANGE,
        subtype="review.decision",
        name=f"review {review.decision} {target.id}",
        props={
            "change_type": "review",
            "action": f"review:{review.decision}",
            "decision": review.decision,
            "reviewer": review.reviewer.strip().lower(),
            "note": note,
            "at": at,
            "actor": reviewer,
        },
        first_seen=at,
        last_seen=at,
        sources=[SOURCE],
    )
    person = Node(id=reviewer, kind=NodeKind.PERSON, props={"email": review.reviewer.strip().lower()}, sources=[SOURCE])
    common = {"first_seen": at, "last_seen": at, "sources": [SOURCE], "evidence": evidence}
    edges = [
        Edge(
            source=reviewer,
            source_kind=NodeKind.PERSON,
            kind=EdgeKind.PERFORMED,
            target=change_id,
            target_kind=NodeKind.CHANGE,
            **common,
        ),
        Edge(
            source=change_id,
            source_kind=NodeKind.CHANGE,
            kind=EdgeKind.TARGETS,
            target=target.id,
            target_kind=target.kind,
            **common,
        ),
    ]
    if owner is not None:
        edges.append(
            Edge(
                source=owner.id,
                source_kind=owner.kind,
                kind=EdgeKind.OWNS,
                target=target.id,
                target_kind=target.kind,
                props={"provenance": "review", "provenance_detail": change_id},
                **common,
            )
        )
    store.write([change, person], edges)
    return ReviewWritten(change=change, target=target, owner=owner)
