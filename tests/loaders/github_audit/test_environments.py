"""GitHub audit-log environments and deployment reviews (loaders/github_audit/environments.py), both stores.

tests/fixtures/github_audit/environments-stream.jsonl is a streamed export: mona-admin protects
acme/shop's `production` environment with required reviewers (octo-dev, the SCIM user Tomas Berg,
and a team) and `staging` with a wait timer; github-actions[bot] starts runs 9001 and 9002; octo-dev
approves 9001 and rejects 9002; ghost-reviewer (no roster entry) approves run 8800, which no event
of the load started; mona-admin then changes production's reviewers, removes staging's timer and
deletes staging; the last protection event names no environment.
"""

from __future__ import annotations

from graph import ids
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from queries.approvals import approvals_of
from queries.rules_base import RuleContext
from tests.conftest import FIXTURES
from tests.loader_helpers import edges, load, node

STREAM = FIXTURES / "github_audit" / "environments-stream.jsonl"
PRODUCTION = ids.github_environment("acme", "shop", "production")
STAGING = ids.github_environment("acme", "shop", "staging")
TOMAS = ids.person("tomas.berg@acme.example")
NOW = "2025-02-01T00:00:00Z"


def _reviews(store: GraphStore) -> dict[str, dict[str, object]]:
    approvals = store.nodes_of_kind(NodeKind.APPROVAL, limit=100)
    return {str(a.props["decisions"][0]): {"id": a.id, **a.props} for a in approvals}  # type: ignore[index]


def test_protection_rules_are_changes_on_the_environment(store: GraphStore) -> None:
    report = load(store, FIXTURES / "people" / "scim-users.json", STREAM)
    assert report.files[-1].rejected == 0 and report.files[-1].accepted == 12
    production = node(store, PRODUCTION)
    assert production.kind == NodeKind.RESOURCE and production.subtype == "github.environment"
    # the update is the latest word on production's reviewers; the team left, qa-lead joined
    assert production.props["required_reviewers"] == ["octo-dev", "qa-lead"]
    assert node(store, STAGING).props["required_reviewers"] == []  # deleted: nobody's review is required
    changes = {c.id: c for c in store.nodes_of_kind(NodeKind.CHANGE, limit=100)}
    targeted = [(changes[s].props["action"], changes[s].props["change_type"])
                for (s, t) in edges(store, EdgeKind.TARGETS) if t == PRODUCTION]  # fmt: skip
    assert sorted(targeted) == [("environment.add_protection_rule", "create"),
                                ("environment.update_protection_rule", "update")]  # fmt: skip
    added = next(c for c in changes.values() if c.props["action"] == "environment.add_protection_rule"
                 and "manual_approval" in str(c.props.get("detail")))  # fmt: skip
    assert added.props["detail"] == "gate manual_approval; reviewers octo-dev, team:release-managers"
    staged = sorted(str(changes[s].props["action"]) for (s, t) in edges(store, EdgeKind.TARGETS) if t == STAGING)
    assert staged == ["environment.add_protection_rule", "environment.delete", "environment.remove_protection_rule"]
    performed = {t for (s, t) in edges(store, EdgeKind.PERFORMED) if t in changes}
    assert len(performed) == 5  # the nameless rule made no Change


def test_deployment_reviews_are_approvals_of_the_runs_sessions(store: GraphStore) -> None:
    load(store, FIXTURES / "people" / "scim-users.json", STREAM)
    reviews = _reviews(store)
    approved, rejected = reviews["octo-dev: approved"], reviews["octo-dev: rejected"]
    assert approved["status"] == "approved" and approved["approvers"] == ["octo-dev"]
    assert approved["scope"] == ["environment: production", "workflow_run: 9001"]
    assert approved["reason"] == "release 4.12 checked" and "scope_unresolved" not in approved
    assert rejected["status"] == "rejected" and "approvers" not in rejected
    by = edges(store, EdgeKind.APPROVED_BY)
    assert (approved["id"], TOMAS) in by  # the reviewer's login meets the roster Person
    assert not [t for (s, t) in by if s == rejected["id"]]
    # the run's session: github-actions[bot]'s, which created and completed run 9001
    approved_edges = [(s, t) for (s, t) in edges(store, EdgeKind.APPROVED) if s == approved["id"]]
    assert len(approved_edges) == 1
    session = node(store, approved_edges[0][1])
    assert session.kind == NodeKind.SESSION and session.props["principal"] == "github-actions[bot]"
    assert not [s for (s, t) in edges(store, EdgeKind.APPROVED) if s == rejected["id"]]
    covers = edges(store, EdgeKind.COVERS)
    assert (approved["id"], PRODUCTION) in covers and (rejected["id"], PRODUCTION) in covers
    # the run no event of the load started: the review stays on the environment, the gap named
    ghost = reviews["ghost-reviewer: approved"]
    assert ghost["scope_unresolved"] == ["workflow_run: 8800"]
    assert not [s for (s, t) in edges(store, EdgeKind.APPROVED) if s == ghost["id"]]
    assert (ghost["id"], ids.github_user("ghost-reviewer")) in by  # a login no roster names: the gap Person
    assert node(store, ids.github_user("ghost-reviewer")).subtype == "github.user"
    # queries see the approval: the run's session is approved by the review, nothing else is
    index = approvals_of(RuleContext(store, None, NOW))
    assert index.of(session.id) == (approved["id"],)
    assert [k for k, v in index.approved.items() if set(v) & {rejected["id"], ghost["id"]}] == []


def test_reloading_the_reviews_rewrites_them(store: GraphStore) -> None:
    load(store, FIXTURES / "people" / "scim-users.json", STREAM)
    first = {(s, t): e.count for (s, t), e in edges(store, EdgeKind.APPROVED).items()}
    load(store, STREAM)
    assert {(s, t): e.count for (s, t), e in edges(store, EdgeKind.APPROVED).items()} == first
    assert len(store.nodes_of_kind(NodeKind.APPROVAL, limit=100)) == 3
