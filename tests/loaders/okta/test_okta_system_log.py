"""Okta System Log: the real corpus events and fixtures in the `/api/v1/logs` shapes, on both stores.

tests/fixtures/okta/system-log.json is an `/api/v1/logs` array: an admin's browser session creates
an API token, grants a privilege and creates an OAuth service app; the token then works from a
runner's address; the admin is suspended and deactivated. system-log-lines.jsonl is JSON lines
with malformed records between good ones.
"""

from __future__ import annotations

from graph import ids
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from queries.accountability import accountability
from queries.gaps import ownership_gaps
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import edges, errors, export_text, load, node

OKTA = FIXTURES / "okta"
LOG = OKTA / "system-log.json"
LINES = OKTA / "system-log-lines.jsonl"
DANA = ids.person("dana.kowalski@acme.example")
DANA_ACCOUNT = ids.okta_user("00u1dana0000000000")
TOKEN = ids.okta_api_token("00T1cisync00000000")
CLIENT = ids.okta_client("0oa1svcreport00000")
TOMAS = ids.person("tomas.berg@acme.example")  # SCIM userName octo-dev: the Okta login of the same person
RUNNER = ids.github_runner("acme", "gh-runner-01")


def test_corpus_events_load_with_located_rejections(store: GraphStore) -> None:
    corpus = need_corpus()
    report = load(store, corpus / "okta" / "panther__Okta.SystemLog.jsonl")
    assert report.files[0].loader == "okta-system-log"
    assert report.files[0].accepted == 26 and report.rejected == 42  # 33 lower-cased partial objects and 9 without time
    messages = errors(report)
    assert sum("field 'eventType': expected a non-empty string" in m for m in messages) == 33
    assert all(" line " in m for m in messages)
    sessions = store.nodes_of_kind(NodeKind.SESSION, limit=1000)
    assert sum(int(s.props["event_count"]) for s in sessions) == 26
    token = ids.okta_api_token("00Tpki36zlWjhjQ1u2p4")
    creator = ids.person("user@example.com")
    assert edges(store, EdgeKind.OWNS)[(creator, token)].props["provenance"] == "inferred"
    assert (ids.okta_user("00u3q14ei6KUOm4Xi2p4"), token) in edges(store, EdgeKind.HAS_CREDENTIAL)
    assert node(store, token).props["status"] == "deleted"  # revoked later in the same load
    grants = [
        n
        for n in store.nodes_of_kind(NodeKind.CHANGE, limit=100)
        if n.props["action"] == "user.account.privilege.grant"
    ]
    assert sorted(str(n.props["detail"]) for n in grants) == [
        "Organization administrator, Application administrator (all)",
        "Super administrator, Read only admin",
    ]


def test_system_log_sessions_tokens_clients_and_offboarding(store: GraphStore) -> None:
    report = load(store, FIXTURES / "people" / "scim-users.json", FIXTURES / "aws" / "ec2-describe-instances.json", LOG)
    okta = next(f for f in report.files if f.loader == "okta-system-log")
    assert okta.accepted == 12 and okta.rejected == 0
    # one browser session stitched on its externalSessionId, started and ended by Dana
    browser = ids.session("okta", "102AbCdEfGhIjK", "2025-01-06T08:00:00Z")
    props = node(store, browser).props
    assert props["event_count"] == 5 and props["interactive"] is True and props["session_name"] == "102AbCdEfGhIjK"
    assert (DANA, browser) in edges(store, EdgeKind.STARTED)
    assert edges(store, EdgeKind.ACTED_AS)[(browser, DANA_ACCOUNT)].count == 5
    # the token: Dana's account's credential, Dana accountable for it, created in that session
    assert (DANA_ACCOUNT, TOKEN) in edges(store, EdgeKind.HAS_CREDENTIAL)
    assert edges(store, EdgeKind.OWNS)[(DANA, TOKEN)].props["provenance"] == "inferred"
    token = node(store, TOKEN)
    assert token.name == "ci-sync" and token.props["status"] == "active" and token.props["credential_type"] == "token"
    # the token at work from the runner: a session of its own, FROM the runner, touching the group
    used = ids.session("okta", "00u1dana0000000000", "2025-01-07T03:00:00Z")
    assert edges(store, EdgeKind.FROM)[(used, RUNNER)].props["matched_by"] == "ip"
    assert node(store, used).props["interactive"] is False
    # a privilege grant to the account whose login is octo-dev
    privilege = next(n for n in store.nodes_of_kind(NodeKind.CHANGE, limit=100) if n.props["change_type"] == "grant"
                     and n.props["action"] == "user.account.privilege.grant")  # fmt: skip
    assert privilege.props["detail"] == "Super administrator"
    assert (privilege.id, ids.okta_user("00u1octo0000000000")) in edges(store, EdgeKind.TARGETS)
    # the OAuth service app: its creator owns it, its client-credentials grant authenticated with its credentials
    assert edges(store, EdgeKind.OWNS)[(DANA, CLIENT)].props["provenance"] == "inferred"
    service = ids.session("okta", "0oa1svcreport00000", "2025-01-07T03:00:05Z")
    credentials = ids.okta_client_credentials("0oa1svcreport00000")
    assert (service, credentials) in edges(store, EdgeKind.AUTHENTICATED_WITH)
    assert (CLIENT, credentials) in edges(store, EdgeKind.HAS_CREDENTIAL)
    assert node(store, CLIENT).props["nature"] == "machine"
    # offboarding: the latest lifecycle event (deactivate) decides; the failed one changed nothing
    dana = node(store, DANA)
    assert dana.props["status"] == "offboarded" and dana.props["offboarded_at"] == "2025-02-01T09:00:00Z"
    assert node(store, DANA_ACCOUNT).props["deleted"] is True
    # the login octo-dev meets the SCIM person whose username it is: the suspension targets that Person
    suspended = next(
        n for n in store.nodes_of_kind(NodeKind.CHANGE, limit=100) if n.props["at"] == "2025-02-01T09:02:00Z"
    )
    assert (suspended.id, TOMAS) in edges(store, EdgeKind.TARGETS)
    assert node(store, TOMAS).props["status"] == "offboarded"
    assert not any(n.props["at"] == "2025-02-01T09:01:00Z" for n in store.nodes_of_kind(NodeKind.CHANGE, limit=100))
    deactivations = [e for (source, target), e in edges(store, EdgeKind.TARGETS).items() if target == DANA]
    assert {e.evidence[0].at for e in deactivations} == {"2025-01-31T17:00:00Z", "2025-02-01T09:00:00Z"}


def test_token_of_a_deactivated_creator_is_an_ownership_gap_with_evidence(store: GraphStore) -> None:
    load(store, LOG)
    answer = accountability(store, TOKEN)
    assert answer.verdict == "owner_offboarded"
    gap = next(g for g in ownership_gaps(store).gaps if g.owner is not None and g.owner.id == DANA)
    assert gap.gap_type == "owner_offboarded" and TOKEN in {s.id for s in gap.subjects}
    change = next(
        n for n in store.nodes_of_kind(NodeKind.CHANGE, limit=100) if n.props["action"] == "user.lifecycle.deactivate"
    )
    evidence = edges(store, EdgeKind.TARGETS)[(change.id, DANA)].evidence
    assert evidence[0].source.endswith("system-log.json") and evidence[0].locator.startswith("record 10 uuid ")


def test_lines_reject_located_and_keep_the_good_ones(store: GraphStore) -> None:
    report = load(store, LINES)
    assert report.files[0].accepted == 3 and report.rejected == 6
    messages = errors(report)
    for expected in (
        "line 2: field 'eventType': expected a non-empty string",
        "line 3: invalid JSON",
        "line 4: field 'published': malformed timestamp 'yesterday'",
        "line 5: field 'actor': expected an object with an 'id'",
        "line 6: an Okta System Log event must be a JSON object",
        "line 7: user.lifecycle.deactivate: malformed Okta login 'has space'",
    ):
        assert any(expected in m for m in messages), expected
    session = ids.session("okta", "102LinesLines1", "2025-01-09T08:00:00Z")
    assert node(store, session).props["event_count"] == 3


def test_reload_is_idempotent(store: GraphStore) -> None:
    load(store, LOG, LINES)
    first = export_text(store)
    load(store, LOG, LINES)
    assert export_text(store) == first
