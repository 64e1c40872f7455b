"""Okta OAuth grants (loaders/okta/grants.py) and KT-NHI3-004 on them, both stores.

tests/fixtures/okta/oauth-grants.jsonl is System Log JSON lines: an admin consents Okta API scopes
to four service apps — SCIM sync (`okta.users.manage`, `okta.groups.manage`), an access reporter
(read scopes only, named by its app instance), a policy cleanup app (granted, then revoked) — a deploy
bot gets `okta.apps.manage` in a client-credentials token, one app is made Super administrator and
another Read only admin, and a user consents `okta.users.manage` to a calendar helper.
"""

from __future__ import annotations

from graph import ids
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from queries.findings import findings
from tests.conftest import FIXTURES
from tests.loader_helpers import edges, load, node

GRANTS = FIXTURES / "okta" / "oauth-grants.jsonl"
NOW = "2025-03-01T00:00:00Z"


def _credentials(client: str) -> str:
    return ids.okta_client_credentials(client)


def test_clients_carry_the_scopes_they_hold_and_the_rule_names_the_broad_ones(store: GraphStore) -> None:
    report = load(store, GRANTS)
    assert report.rejected == 0 and report.files[0].accepted == 8
    assert node(store, _credentials("0oaScimSync0000001")).props["scopes"] == [
        "okta.groups.manage",
        "okta.users.manage",
    ]
    reporter = node(store, _credentials("0oaReporter0000002"))  # named by its app instance
    assert reporter.props["scopes"] == ["okta.groups.read", "okta.logs.read", "okta.users.read"]
    assert node(store, _credentials("0oaCleanup00000003")).props["scopes"] == []  # the revoke came later
    assert node(store, _credentials("0oaDeployBot000004")).props["scopes"] == ["okta.apps.manage", "okta.apps.read"]
    assert not store.nodes_by_id([_credentials("0oaUserApp00000007")])  # a user's consent is not the app's own
    held = edges(store, EdgeKind.HAS_CREDENTIAL)
    assert (ids.okta_client("0oaReporter0000002"), _credentials("0oaReporter0000002")) in held
    changes = {c.id: c for c in store.nodes_of_kind(NodeKind.CHANGE, limit=100)}
    consents = sorted((str(c.props["action"]), str(c.props["change_type"])) for c in changes.values()
                      if "consent" in str(c.props["action"]))  # fmt: skip
    assert consents == [("app.oauth2.admin.consent.grant", "grant")] * 3 + [
        ("app.oauth2.admin.consent.revoke", "revoke"), ("app.oauth2.as.consent.grant", "grant")]  # fmt: skip
    user_consent = next(c for c in changes.values() if c.props["action"] == "app.oauth2.as.consent.grant")
    assert user_consent.props["detail"] == "scopes okta.users.manage"
    assert (user_consent.id, ids.okta_client("0oaUserApp00000007")) in edges(store, EdgeKind.TARGETS)

    hits = {(f.subject.id, f.message) for f in findings(store, now=NOW, rule="KT-NHI3-004").findings}
    assert hits == {
        (_credentials("0oaScimSync0000001"),
         "Okta OAuth service app granted Okta admin scopes: okta.groups.manage, okta.users.manage"),
        (_credentials("0oaDeployBot000004"), "Okta OAuth service app granted Okta admin scopes: okta.apps.manage"),
        (ids.okta_client("0oaAdminApp0000005"),
         "Okta OAuth service app assigned the admin role super administrator (2025-02-05T10:00:00Z)"),
    }  # fmt: skip
    evidence = {f.subject.id: f for f in findings(store, now=NOW, rule="KT-NHI3-004").findings}
    assert all(f.evidence for f in evidence.values())
