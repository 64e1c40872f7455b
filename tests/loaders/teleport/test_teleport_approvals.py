"""Teleport access requests judged by the approval window rule (graph/window.py), both stores: an
approved request APPROVES the session that started inside its window; a session that names it
after its access expired, one that names a denied request and one that names a pending request
are not approved, keep the request and why in `unapproved_requests`, and KT-NHI5-002 says so."""

from __future__ import annotations

from pathlib import Path

from graph.schema import EdgeKind
from graph.store import GraphStore
from queries.findings import findings
from queries.story import access_story
from tests.conftest import FIXTURES
from tests.loader_helpers import NOW, edges, errors, load, node

WINDOW = FIXTURES / "teleport" / "approval-window.jsonl"
TP = "teleport.example.com"
APPROVED_ID, DENIED_ID = "0c7e5a3b-61d4-4f0a-9b2e-3d8f1a6c4e01", "7a2d9e14-58c3-4b6f-a1e0-92c4d7b35f02"
PENDING_ID = "e3b84c10-2f7a-4d95-8c61-5a0e9d2b7f03"
APPROVED, DENIED = f"approval:teleport:{TP}:{APPROVED_ID}", f"approval:teleport:{TP}:{DENIED_ID}"
INSIDE, AFTER, UNDER_DENIED, UNDER_PENDING = (f"session:teleport:{TP}:4f1a2b3c-0d9e-4a8b-b7c6-1e2f3a4b5c6{i}"
                                              for i in range(1, 5))  # fmt: skip
EXPIRED_WHY = f"{APPROVED_ID}: it started at 2024-12-02T11:30:00Z, after the approval expired at 2024-12-02T11:00:00Z"
DENIED_WHY = f"{DENIED_ID}: denied by frank@example.com at 2024-12-02T10:06:00Z"


def test_the_approval_carries_requester_reviews_roles_and_window(store: GraphStore) -> None:
    assert errors(load(store, WINDOW)) == []
    assert node(store, APPROVED).props == {
        "platform": "teleport",
        "ticket": APPROVED_ID,
        "status": "approved",
        "requester": "dave@example.com",
        "roles": ["db-admin"],
        "reason": "CHG-88: rotate the billing-pg report password",
        "approvers": ["erin@example.com"],
        "decisions": ["erin@example.com: approved"],
        "reviews": ["2024-12-02T09:05:00Z erin@example.com: approved — CHG-88 is approved"],
        "at": "2024-12-02T09:05:00Z",  # approved by the review that met the threshold: no update event
        "expires": "2024-12-02T11:00:00Z",  # the access expiry, not the later max_duration
        "valid_from": "2024-12-02T09:05:00Z",
        "valid_until": "2024-12-02T11:00:00Z",
        "description": "requested by dave@example.com for roles db-admin",
    }
    denied = node(store, DENIED).props
    assert denied["status"] == "denied" and "approvers" not in denied
    assert denied["reviews"] == ["2024-12-02T10:05:00Z frank@example.com: denied — no change ticket"]
    assert denied["decisions"] == ["frank@example.com: denied"]
    assert "valid_from" not in denied and "valid_until" not in denied  # a denied request grants no window
    approved_by = edges(store, EdgeKind.APPROVED_BY)
    assert (APPROVED, "person:erin@example.com") in approved_by
    assert not [k for k in approved_by if k[0] == DENIED]


def test_only_the_session_inside_an_approved_window_is_approved(store: GraphStore) -> None:
    load(store, WINDOW)
    assert sorted(edges(store, EdgeKind.APPROVED)) == [(APPROVED, INSIDE)]
    assert node(store, INSIDE).props["access_requests"] == [APPROVED_ID]
    assert "unapproved_requests" not in node(store, INSIDE).props
    assert node(store, AFTER).props["access_requests"] == [APPROVED_ID]
    assert node(store, AFTER).props["unapproved_requests"] == [EXPIRED_WHY]
    assert node(store, UNDER_DENIED).props["unapproved_requests"] == [DENIED_WHY]
    assert node(store, UNDER_PENDING).props["unapproved_requests"] == [f"{PENDING_ID}: still pending, never approved"]


def test_privileged_sessions_naming_an_expired_or_denied_request_are_unapproved(store: GraphStore) -> None:
    load(store, WINDOW)
    found = {f.subject.id: f.message for f in findings(store, now=NOW).findings if f.rule == "KT-NHI5-002"}
    database = f"teleport:{TP}:db:billing-pg"
    assert found == {
        AFTER: f"ran GRANT on {database} with no approval on record (access request {EXPIRED_WHY})",
        UNDER_DENIED: f"ran DROP on {database} with no approval on record (access request {DENIED_WHY})",
    }  # INSIDE ran ALTER under its approval; UNDER_PENDING ran nothing privileged


def test_events_in_any_order_give_the_same_judgement(store: GraphStore, tmp_path: Path) -> None:
    """The resolution read before the creation (an export in reverse order) keeps its state and expiry."""
    lines = WINDOW.read_text(encoding="utf-8").splitlines()
    (tmp_path / "reversed.jsonl").write_text("\n".join(reversed(lines)) + "\n", encoding="utf-8")
    assert errors(load(store, tmp_path / "reversed.jsonl")) == []
    assert sorted(edges(store, EdgeKind.APPROVED)) == [(APPROVED, INSIDE)]
    assert node(store, APPROVED).props["valid_until"] == "2024-12-02T11:00:00Z"
    assert node(store, UNDER_DENIED).props["unapproved_requests"] == [DENIED_WHY]


def test_the_story_says_which_request_did_not_approve(store: GraphStore) -> None:
    load(store, WINDOW)
    denied = access_story(store, UNDER_DENIED)
    assert not [s for s in denied.steps if s.step == "approval"]
    assert f"{UNDER_DENIED}: no approval on record (access request {DENIED_WHY})" in denied.missing
    inside = access_story(store, INSIDE)
    (approval,) = [s for s in inside.steps if s.step == "approval"]
    assert approval.refs == [APPROVED, "person:erin@example.com"]
