"""Teleport users and access requests → Identity and Approval nodes (rules: loaders/teleport/emit.py).

A Teleport user is `machine` when it is a bot (an `impersonator` on its certificates, or a `bot-`
name) and `human` otherwise: people sign in to Teleport. An access request is an Approval whose
status is the request's state; each reviewer who proposed APPROVED is an APPROVED_BY Person when
the reviewer is an email (other reviewers are named in the load summary).
"""

from __future__ import annotations

from collections.abc import Iterator

from graph import ids
from graph.model import Edge, Evidence, Node
from graph.schema import EdgeKind, NodeKind
from graph.values import Nature
from graph.values.teleport import TeleportSubtype
from loaders.base import Item
from loaders.sessions import Pointer, pointer_evidence
from loaders.teleport.sessions import TeleportState

__all__ = ["requests", "users"]

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


def requests(state: TeleportState, notes: list[str], name: str) -> Iterator[Item]:
    unlinked: list[str] = []
    for (cluster, request_id), request in sorted(state.requests.items()):
        approval = ids.teleport_approval(cluster, request_id)
        evidence = _evidence(request.evidence)
        first = request.created or min(p[0] for p in request.evidence)
        last = max(p[0] for p in request.evidence)
        roles = ", ".join(request.roles) or "?"
        yield Node.make(
            id=approval,
            kind=_N.APPROVAL,
            subtype=TeleportSubtype.ACCESS_REQUEST,
            name=f"access request {request_id} ({roles})",
            props={
                "platform": "teleport",
                "at": request.resolved_at or request.created or None,
                "ticket": request_id,
                "status": request.state.lower(),
                "reason": request.reason or None,
                "expires": request.expires or None,
                "description": f"requested by {request.requester or '?'} for roles {roles}",
            },
            first_seen=first,
            last_seen=last,
            sources=(name,),
        )
        for reviewer, proposed, at in sorted(set(request.reviews)):
            if proposed.upper() != "APPROVED":
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
