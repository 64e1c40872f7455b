"""Approval matching (docs/tickets.md, queries/approvals.py) and KT-NHI5-002, both stores: a ticket
approves a session or change inside its window and scope; outside either, or not approved, it does not."""

from __future__ import annotations

import pytest

from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from queries.approvals import approvals_of
from queries.findings import findings
from queries.rules_base import RuleContext
from tests.conftest import FIXTURES
from tests.fixtures.queries.scenario import NOW, ROLE, USER, build_scenario
from tests.loader_helpers import load

S3 = "aws:session:s3"  # started 10:10 as role/ci, made the grant aws:change:c1 at 10:15 (scenario.py)
TICKET = "approval:ticket:CHG-1"
HOP = "session:ssh:app1:2301:2024-11-12T22:01:00Z"  # deploy@app1 at 22:01 (tests/fixtures/openssh/app1.auth.log)


def _flagged(store: GraphStore) -> bool:
    return any(f.rule == "KT-NHI5-002" and f.subject.id == S3 for f in findings(store, now=NOW).findings)


@pytest.mark.parametrize(
    ("status", "start", "end", "scope", "flagged"),
    [
        ("approved", "2024-05-02T10:00:00Z", "2024-05-02T11:00:00Z", f"{ROLE}/ci", False),  # the session's role
        ("rejected", "2024-05-02T10:00:00Z", "2024-05-02T11:00:00Z", f"{ROLE}/ci", True),
        ("approved", "2024-05-03T10:00:00Z", "2024-05-03T11:00:00Z", f"{ROLE}/ci", True),  # outside the window
        ("approved", "2024-05-02T10:00:00Z", "2024-05-02T11:00:00Z", f"{USER}/deploy", True),  # out of scope
        # the change's target, in the window of the change though not of the session's start
        ("approved", "2024-05-02T10:12:00Z", "2024-05-02T11:00:00Z", f"{ROLE}/shared", False),
    ],
)
def test_a_ticket_approves_inside_its_window_and_scope_only(
    store: GraphStore, status: str, start: str, end: str, scope: str, flagged: bool
) -> None:
    g = build_scenario()
    g.node(TICKET, NodeKind.APPROVAL, "ticket.approval", status=status, valid_from=start, valid_until=end)
    g.edge(TICKET, EdgeKind.COVERS, scope, at=start, scope_kind="role", scope=scope)
    g.write(store)
    assert _flagged(store) is flagged


def test_without_a_ticket_the_permission_change_session_is_flagged(store: GraphStore) -> None:
    build_scenario().write(store)
    assert _flagged(store)


def test_loaded_tickets_meet_the_ssh_login_they_approve(store: GraphStore) -> None:
    """Two real-format files that must meet: CHG-1001 names `deploy@app1` and `app1`; the sshd log's
    login as deploy on app1 at 22:01 is inside its window; CHG-1002 (same scope, rejected) approves nothing."""
    load(store, FIXTURES / "tickets" / "tickets.csv", FIXTURES / "openssh" / "app1.auth.log")
    index = approvals_of(RuleContext(store, None, NOW))
    assert index.of(HOP) == ("approval:ticket:CHG-1001",)
    assert not any("CHG-1002" in a for approvals in index.approved.values() for a in approvals)
    # the 21:40 login on app1 is inside the window too, and the host app1 is in CHG-1001's scope
    early = "session:ssh:app1:2201:2024-11-12T21:40:15Z"
    assert index.of(early) == ("approval:ticket:CHG-1001",)
