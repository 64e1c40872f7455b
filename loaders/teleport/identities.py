"""Teleport users and access requests → Identity and Approval nodes (rules: loaders/teleport/emit.py).

A Teleport user is `machine` when it is a bot (an `impersonator` on its certificates, or a `bot-`
name) and `human` otherwise: people sign in to Teleport. An access request is an Approval whose
status is the request's state (lower case: `approved`, `denied`, `pending`, `promoted`), with
its `requester`, `roles`, `reason`, `approvers` (the reviewers who proposed APPROVED), every
review in `decisions` (`<reviewer>: <decision>`) and `reviews` (`<time> <reviewer>: <decision>`,
then ` — <reason>` when the reviewer gave one), and, approved, its window: `valid_from` (the
approval) and `valid_until` (the access expiry: `expires`, else `max_duration`; absent when no
event records one). Each reviewer who approved is an APPROVED_BY Person when the reviewer is an
email (other reviewers are named in the load summary).

A session that names a request is approved by it by the window rule every approval follows
(graph/window.py): only an approved request approves, and only a session that started inside its
window. `not_approving` says why a request does not approve a session, for the session to keep.
"""

from __future__ import annotations

from collections.abc import Iterator

from graph import ids
from graph.model import Edge, Evidence, Node, PropValue
from graph.schema import EdgeKind, NodeKind
from graph.values import Nature
from graph.values.teleport import TeleportSubtype
from graph.window import APPROVED, outside_reason
from loaders.base import Item
from loaders.sessions import Pointer, pointer_evidence
from loaders.teleport.sessions import Request, RequestReview, TeleportState

__all__ = ["not_approving", "requests", "users"]

NOTE_ROWS = 10
_N, _E = NodeKind, EdgeKind


def _evidence(pointers: list[Pointer]) -> tuple[Evidence, ...]:
    return pointer_evidence(pointers)


def users(state: TeleportState, name: str) -> Iterator[Item]:
    for (cluster, user), impersonator in sorted(state.users.items()):
        bot = bool(impersonator) or user.startswith("bot-")
        reason = (
            f"a Teleport bot (impersonator {impersonator})"
            if impersonator
            else "a Teleport bot (bot- user)"
            if bot
            else "a Teleport user: people sign in to Teleport"
        )
        yield Node.make(
            id=ids.teleport_user(cluster, user),
            kind=_N.IDENTITY,
            subtype=TeleportSubtype.USER,
            name=user,
            props={
                "platform": "teleport",
                "cluster": cluster,
                "nature": (Nature.MACHINE if bot else Nature.HUMAN).value,
                "nature_reason": reason,
            },
            sources=(name,),
        )


def not_approving(request: Request, started: str) -> str:
    """Why `request` does not approve a session that started at `started`; empty when it does."""
    status = request.state.lower()
    if status == APPROVED:
        return outside_reason(started, request.valid_from, request.valid_until)
    if status == "denied":
        deniers = sorted({r.reviewer for r in request.reviews if r.decision == "DENIED"}) or [request.resolved_by]
        by = ", ".join(d for d in deniers if d)
        return "denied" + (f" by {by}" if by else "") + (f" at {request.resolved_at}" if request.resolved_at else "")
    if status == "pending":
        return "still pending, never approved"
    return f"{status}, not approved"


def _review(review: RequestReview) -> str:
    text = f"{review.at} {review.reviewer}: {review.decision.lower()}"
    return text + (f" — {review.reason}" if review.reason else "")


def _props(request: Request) -> dict[str, PropValue | None]:
    reviews = sorted(set(request.reviews))
    approved = request.state.lower() == APPROVED
    roles = ", ".join(request.roles) or "?"
    return {
        "platform": "teleport",
        "at": request.resolved_at or request.created or None,
        "ticket": request.request_id,
        "status": request.state.lower(),
        "requester": request.requester or None,
        "roles": list(request.roles) or None,
        "reason": request.reason or None,
        "approvers": sorted({r.reviewer for r in reviews if r.decision == "APPROVED"}) or None,
        "decisions": [f"{r.reviewer}: {r.decision.lower()}" for r in reviews] or None,
        "reviews": [_review(r) for r in reviews] or None,
        "expires": request.valid_until or None,
        "valid_from": (request.valid_from or None) if approved else None,
        "valid_until": (request.valid_until or None) if approved else None,
        "description": f"requested by {request.requester or '?'} for roles {roles}",
    }


def requests(state: TeleportState, notes: list[str], name: str) -> Iterator[Item]:
    unlinked: list[str] = []
    for (cluster, request_id), request in sorted(state.requests.items()):
        approval = ids.teleport_approval(cluster, request_id)
        evidence = _evidence(request.evidence)
        first = request.created or min(p[0] for p in request.evidence)
        last = max(p[0] for p in request.evidence)
        yield Node.make(
            id=approval,
            kind=_N.APPROVAL,
            subtype=TeleportSubtype.ACCESS_REQUEST,
            name=f"access request {request_id} ({', '.join(request.roles) or '?'})",
            props=_props(request),
            first_seen=first,
            last_seen=last,
            sources=(name,),
        )
        for at, reviewer, decision, _reason in sorted(set(request.reviews)):
            if decision != "APPROVED":
                continue
            if not ids.is_email(reviewer):
                unlinked.append(f"{reviewer} ({request_id})")
                continue
            yield Edge.make(
                source=approval,
                source_kind=_N.APPROVAL,
                kind=_E.APPROVED_BY,
                target=ids.person(reviewer),
                target_kind=_N.PERSON,
                props={},
                first_seen=at,
                last_seen=at,
                count=1,
                sources=(name,),
                evidence=evidence,
                origin=approval,
            )
    if unlinked:
        notes.append(
            f"teleport-audit: {len(unlinked)} approving reviewers are not emails, so no Person: "
            + ", ".join(unlinked[:NOTE_ROWS])
        )
