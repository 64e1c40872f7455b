"""End to end: the demo estate's GCP project, Okta org and GitHub audit log answer their planted situations.

The estate and its loads are the ones tests/test_demo_estate_e2e.py uses (tests/demo_estate.py):
nothing is generated or loaded a second time. Expected answers come from manifest.json (written by
loaders/demo/saas/situations.py), never from this file. Every query goes through `ask`, over the
calls `_calls` declares, and the cross-store test compares all of them field for field. Rules the
issue-21 findings change adds (`pending_rules`) are asserted as soon as they are registered.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel

import queries
from graph.store import GraphStore
from queries.findings import RULES
from tests.demo_estate import Loaded, Manifest, situation

SAAS = (
    "okta_token_creator_deactivated",
    "github_pat_offboarded_two_runners",
    "github_fine_grained_pat_not_rotated",
    "github_handle_without_person",
    "offboarding_corroborated_by_idp",
    "okta_admin_privilege_grant",
    "github_runner_and_secret_changes",
    "gcp_key_used_from_runners",
    "gcp_impersonation_chain",
    "gcp_federation_without_condition",
)
REGISTERED = {rule.id for rule in RULES}


@pytest.fixture(scope="module")
def embedded(demo_embedded: Loaded) -> Loaded:
    return demo_embedded


@pytest.fixture(scope="module")
def neo4j(demo_neo4j: Loaded) -> Loaded:
    return demo_neo4j


@pytest.fixture(scope="module", params=["embedded", "neo4j"])
def loaded(request: pytest.FixtureRequest) -> Loaded:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


def _calls(manifest: Manifest) -> dict[str, Callable[[GraphStore], BaseModel]]:
    now = manifest["base_time"]
    s = {sid: situation(manifest, sid) for sid in SAAS}
    chain = s["gcp_impersonation_chain"]["expected"]["chain"]
    calls: dict[str, Callable[[GraphStore], BaseModel]] = {
        "findings": lambda g: queries.findings(g, now=now),
        "shared_by_runner": lambda g: queries.shared_credentials(g, by="runner"),
        "ownership_gaps": lambda g: queries.ownership_gaps(g),
        "saas chain path": lambda g: queries.path(g, chain[0], chain[-1], edge_kinds=["CAN_ASSUME"], direction="out"),
    }
    for sid in SAAS:
        subject = s[sid]["subject"]
        calls[f"saas accountability {sid}"] = lambda g, x=subject: queries.accountability(g, x)
        calls[f"saas history {sid}"] = lambda g, x=subject: queries.permission_history(g, x)
    calls["saas history deployer"] = lambda g: queries.permission_history(g, s["gcp_impersonation_chain"]["deployer"])
    for sid in ("github_pat_offboarded_two_runners", "gcp_key_used_from_runners"):
        calls[f"saas story {sid}"] = lambda g, x=s[sid]["subject"]: queries.access_story(g, credential_id=x)
    for name in ("principal", "principal_set"):
        node = s["gcp_federation_without_condition"]["expected"][name]
        calls[f"saas neighbors {name}"] = lambda g, x=node: queries.neighbors(g, x, direction="out")
    return calls


def ask(loaded: Loaded, name: str) -> Any:
    if name not in loaded.answers:
        loaded.answers[name] = _calls(loaded.manifest)[name](loaded.store)
    return loaded.answers[name]


def _node(loaded: Loaded, node_id: str) -> Any:
    found = loaded.store.nodes_by_id([node_id])
    assert node_id in found, node_id
    return found[node_id]


def _categories(loaded: Loaded, *subjects: str) -> set[str]:
    return {f.owasp for f in ask(loaded, "findings").findings if f.subject.id in subjects}


def _rules(loaded: Loaded, *subjects: str) -> set[str]:
    return {f.rule for f in ask(loaded, "findings").findings if f.subject.id in subjects}


def _owners(loaded: Loaded, sid: str) -> list[tuple[str, str, str]]:
    verdict = ask(loaded, f"saas accountability {sid}")
    return [(o.id, o.status, o.provenance) for o in verdict.owners]


def test_the_saas_files_load_whole(loaded: Loaded) -> None:
    counts = loaded.manifest["counts"]
    by_name = {f.path.rsplit("/", 1)[-1]: f for f in loaded.report.files}
    expected = {
        "cloudaudit.googleapis.com.jsonl": ("gcp-audit", counts["gcp_audit_entries"]),
        "system-log.json": ("okta-system-log", counts["okta_events"]),
        "audit-log.jsonl": ("github-audit", counts["github_audit_events"]),
    }
    for name, (loader, accepted) in expected.items():
        report = by_name[name]
        assert (report.loader, report.accepted, report.rejected, report.failure) == (loader, accepted, 0, "")


def test_okta_token_of_a_person_okta_deactivated(loaded: Loaded) -> None:
    s = situation(loaded.manifest, "okta_token_creator_deactivated")
    expected, mira = s["expected"], s["expected"]["owners"][0]
    assert ask(loaded, "saas accountability okta_token_creator_deactivated").verdict == expected["verdict"]
    assert _owners(loaded, s["id"]) == [(mira, "offboarded", "inferred")]
    person = _node(loaded, mira)
    assert (person.props["status"], person.props["offboarded_at"]) == ("offboarded", expected["offboarded_at"])
    # the HR roster still lists them active: the IdP's deactivation is what says they left
    scim = json.loads((loaded.estate / "people" / "scim-users.json").read_text())["Resources"]
    assert [u["active"] for u in scim if f"person:{u['userName']}" == mira] == [expected["roster_active"]]
    chain = next(c for c in ask(loaded, f"saas accountability {s['id']}").chains if c.person == mira)
    cited = [ev.locator for hop in chain.hops for ev in hop.evidence]
    assert any(loc.endswith(f"uuid {s['event_ids']['create']}") for loc in cited), cited
    assert set(expected["finding_categories"]) <= _categories(loaded, s["subject"])


def test_offboarded_persons_pat_still_used_from_two_runners(loaded: Loaded) -> None:
    s = situation(loaded.manifest, "github_pat_offboarded_two_runners")
    expected, mira = s["expected"], s["expected"]["owners"][0]
    assert ask(loaded, f"saas accountability {s['id']}").verdict == expected["verdict"]
    assert _owners(loaded, s["id"]) == [(mira, "offboarded", "inferred")]
    shared = {c.credential.id: c for c in ask(loaded, "shared_by_runner").credentials}
    assert [c.id for c in shared[s["subject"]].consumers] == expected["runners"]
    assert shared[s["subject"]].verdict == expected["verdict"]
    story = ask(loaded, f"saas story {s['id']}")
    assert len(story.sessions) == 14  # one a day over the two weeks of the trail
    for session in story.sessions:
        assert session.person is not None and session.person.id == mira
        assert [i.id for i in session.identities] == [s["identity"]]
        assert [c.id for c in session.credentials] == [s["subject"]]
        assert len(session.origins) == 1 and session.source_ips == [
            expected["runner_ips"][expected["runners"].index(session.origins[0].id)]
        ]
    assert {o.id for x in story.sessions for o in x.origins} == set(expected["runners"])
    offboarded_at = situation(loaded.manifest, "okta_token_creator_deactivated")["expected"]["offboarded_at"]
    assert sum(1 for x in story.sessions if (x.started_at or "") > offboarded_at) == 10  # used after leaving
    token = _node(loaded, s["subject"])
    assert "scopes: " + ", ".join(expected["scopes"]) == token.props["description"]
    assert set(expected["finding_categories"]) <= _categories(loaded, s["subject"])


def test_fine_grained_pat_is_its_requesters_and_not_rotated(loaded: Loaded) -> None:
    s = situation(loaded.manifest, "github_fine_grained_pat_not_rotated")
    assert ask(loaded, f"saas accountability {s['id']}").verdict == s["expected"]["verdict"]
    assert _owners(loaded, s["id"]) == [(s["expected"]["owners"][0], "active", "inferred")]
    assert _node(loaded, s["subject"]).props["created"] == s["expected"]["created"]
    assert set(s["expected"]["finding_categories"]) <= _categories(loaded, s["subject"])


def test_a_handle_no_roster_names_is_a_named_gap(loaded: Loaded) -> None:
    s = situation(loaded.manifest, "github_handle_without_person")
    gap = s["expected"]["owner"]
    assert _owners(loaded, s["id"]) == [(gap, "unknown", "inferred")]
    person = _node(loaded, gap)
    assert (person.subtype, person.props["usernames"]) == ("github.user", [gap.removeprefix("github-user:")])


def _changes(loaded: Loaded, sid: str) -> dict[str, Any]:
    """Event id -> Change node, of every change in the subject's permission history."""
    entries = ask(loaded, f"saas history {sid}").entries
    nodes = loaded.store.nodes_by_id([e.change.id for e in entries])
    return {str(n.props.get("event_id")): n for n in nodes.values()}


def test_offboarding_is_corroborated_by_okta_and_github(loaded: Loaded) -> None:
    s = situation(loaded.manifest, "offboarding_corroborated_by_idp")
    person = _node(loaded, s["subject"])
    assert (person.props["status"], person.props["offboarded_at"]) == ("offboarded", s["expected"]["offboarded_at"])
    changes = _changes(loaded, s["id"])
    okta, github = changes[s["event_ids"]["okta_deactivate"]], changes[s["event_ids"]["github_remove_member"]]
    assert (okta.props["action"], okta.props["at"]) == ("user.lifecycle.deactivate", s["expected"]["offboarded_at"])
    assert github.props["action"] == "org.remove_member"


def test_okta_admin_privilege_grant_is_a_change(loaded: Loaded) -> None:
    s = situation(loaded.manifest, "okta_admin_privilege_grant")
    changes = _changes(loaded, s["id"])
    grant = changes[s["event_ids"]["grant"]]
    assert (grant.props["change_type"], grant.props["detail"]) == (
        s["expected"]["change_type"],
        s["expected"]["detail"],
    )


def test_runner_registration_and_secret_update_are_changes(loaded: Loaded) -> None:
    s = situation(loaded.manifest, "github_runner_and_secret_changes")
    changes = _changes(loaded, s["id"])
    assert changes[s["event_ids"]["register_runner"]].props["action"] == "org.register_self_hosted_runner"
    runner = _node(loaded, s["subject"])
    assert {"github-audit", "github-runners"} <= set(runner.sources)  # the inventory's runner, re-registered
    removed = _node(loaded, s["removed_runner"])
    assert removed.sources == ("github-audit",)
    secret = _node(loaded, s["secret"])
    assert "github-audit" in secret.sources and secret.props["status"] == "active"


def test_gcp_key_used_from_two_deploy_runners(loaded: Loaded) -> None:
    s = situation(loaded.manifest, "gcp_key_used_from_runners")
    expected = s["expected"]
    assert ask(loaded, f"saas accountability {s['id']}").verdict == expected["verdict"]
    assert _owners(loaded, s["id"]) == [(expected["owners"][0], "active", "inferred")]
    shared = {c.credential.id: c for c in ask(loaded, "shared_by_runner").credentials}
    assert [c.id for c in shared[s["subject"]].consumers] == expected["runners"]
    story = ask(loaded, f"saas story {s['id']}")
    assert len(story.sessions) == 14
    for session in story.sessions:
        assert [i.id for i in session.identities] == [s["identity"]]
        assert set(session.source_ips) <= set(expected["runner_ips"]) and len(session.origins) == 1
        assert "no person linked" in session.missing
    assert {o.id for x in story.sessions for o in x.origins} == set(expected["runners"])
    assert _node(loaded, s["subject"]).props["created"] == expected["created"]
    assert set(expected["finding_categories"]) <= _categories(loaded, s["subject"])


def test_gcp_impersonation_chain_names_the_person(loaded: Loaded) -> None:
    s = situation(loaded.manifest, "gcp_impersonation_chain")
    chain, expected = s["expected"]["chain"], s["expected"]
    paths = ask(loaded, "saas chain path").paths
    assert [[(h.source, h.target) for h in p] for p in paths] == [[(chain[0], chain[1]), (chain[1], chain[2])]]
    # who may impersonate terraform was itself a change: Token Creator granted to ci-builder
    granted = _changes(loaded, s["id"])[s["event_ids"]["grant_token_creator"]]
    assert granted.props["detail"] == expected["token_creator"]
    entries = ask(loaded, "saas history deployer").entries
    changes = loaded.store.nodes_by_id([e.change.id for e in entries])
    grant = next(c for c in changes.values() if c.props.get("event_id") == s["event_ids"]["chain_set_policy"])
    assert grant.props["detail"] == expected["granted"]
    (entry,) = [e for e in entries if e.change.id == grant.id]
    (session,) = [a.id for a in entry.actors]
    story = queries.access_story(loaded.store, session_id=session)
    assert [(x.person.id if x.person else None, [i.id for i in x.identities]) for x in story.sessions] == [
        (expected["person"], [s["subject"]])
    ]


def test_gcp_federation_principals_meet_their_pool(loaded: Loaded) -> None:
    s = situation(loaded.manifest, "gcp_federation_without_condition")
    expected = s["expected"]
    principal = {(n.edge.kind, n.node.id) for n in ask(loaded, "saas neighbors principal").neighbors}
    assert ("MEMBER_OF", s["subject"]) in principal
    principal_set = {(n.edge.kind, n.node.id) for n in ask(loaded, "saas neighbors principal_set").neighbors}
    assert ("CAN_ASSUME", expected["can_assume"]) in principal_set  # Workload Identity User on the deployer


@pytest.mark.parametrize("sid", SAAS)
def test_pending_issue_21_rules_find_their_planted_subject(loaded: Loaded, sid: str) -> None:
    """Each issue-21 rule the situation names finds it, once the rule is registered."""
    s = situation(loaded.manifest, sid)
    registered = [r for r in s["expected"]["pending_rules"] if r in REGISTERED]
    subjects = {s["subject"], s["expected"].get("provider", ""), s.get("identity", "")}
    assert set(registered) <= _rules(loaded, *subjects)


def test_both_stores_give_identical_saas_answers(embedded: Loaded, neo4j: Loaded) -> None:
    names = sorted(_calls(embedded.manifest))
    differing = [n for n in names if ask(embedded, n).model_dump() != ask(neo4j, n).model_dump()]
    assert differing == []
