"""End to end: the demo estate's cluster, Vault, hosts, Teleport cluster and tickets answer their planted situations.

The estate and its loads are the ones tests/test_demo_estate_e2e.py uses (tests/demo_estate.py):
nothing is generated or loaded a second time. Expected answers come from manifest.json (written by
loaders/demo/infra/situations.py), never from this file. Every query goes through `ask`, over the
calls `_calls` declares, and the cross-store test compares all of them field for field.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

import queries
from graph.schema import EdgeKind
from graph.store import GraphStore
from tests.demo_estate import Loaded, Manifest, situation
from tests.loader_helpers import export_text

INFRA = (
    "infra_bastion_hop_reaches_person",
    "infra_ssh_key_on_three_hosts",
    "infra_password_login_to_service_account",
    "infra_exec_into_pod_without_approval",
    "infra_cluster_admin_never_used_at_that_level",
    "infra_legacy_token_secret",
    "infra_secrets_readable_never_read",
    "infra_secret_values_never_stored",
    "infra_vault_login_joins_service_account",
    "infra_database_changes_with_and_without_ticket",
)
LOADERS = {
    "objects.yaml": "k8s-manifests",
    "auth.log": "openssh-auth",
    "events.log": "teleport-audit",
    "vault-audit.log": "vault-audit",
    "payments-read.hcl": "vault-policy",
    "changes.csv": "tickets",
}


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
    s = {sid: situation(manifest, sid) for sid in INFRA}
    calls: dict[str, Callable[[GraphStore], BaseModel]] = {
        "findings": lambda g: queries.findings(g, now=now),
        "shared_by_workload": lambda g: queries.shared_credentials(g, by="workload"),
    }
    hop = s["infra_bastion_hop_reaches_person"]
    calls["story hop"] = lambda g: queries.access_story(g, session_id=hop["subject"])
    calls["story person"] = lambda g: queries.access_story(g, hop["expected"]["person"])
    exec_ = s["infra_exec_into_pod_without_approval"]
    calls["story exec"] = lambda g: queries.access_story(g, exec_["subject"])
    calls["story key"] = lambda g: queries.access_story(g, credential_id=s["infra_ssh_key_on_three_hosts"]["subject"])
    calls["story vault"] = lambda g: queries.access_story(g, s["infra_vault_login_joins_service_account"]["subject"])
    db = s["infra_database_changes_with_and_without_ticket"]["expected"]
    for name in ("approved_session", "unapproved_session"):
        calls[f"story {name}"] = lambda g, x=db[name]: queries.access_story(g, session_id=x)
    for sid in INFRA:
        calls[f"accountability {sid}"] = lambda g, x=s[sid]["subject"]: queries.accountability(g, x)
    return calls


def ask(loaded: Loaded, name: str) -> Any:
    if name not in loaded.answers:
        loaded.answers[name] = _calls(loaded.manifest)[name](loaded.store)
    return loaded.answers[name]


def _node(loaded: Loaded, node_id: str) -> Any:
    found = loaded.store.nodes_by_id([node_id])
    assert node_id in found, node_id
    return found[node_id]


def _found(loaded: Loaded) -> dict[str, set[str]]:
    """Rule -> the subjects it found."""
    found: dict[str, set[str]] = {}
    for f in ask(loaded, "findings").findings:
        found.setdefault(f.rule, set()).add(f.subject.id)
    return found


def _sessions_of(loaded: Loaded, identity: str) -> list[str]:
    return sorted(
        e.source for e in loaded.store.edges_of_kind(EdgeKind.ACTED_AS, limit=100_000) if e.target == identity
    )


def test_the_infra_files_load_whole(loaded: Loaded) -> None:
    counts = loaded.manifest["counts"]
    reports = [f for f in loaded.report.files if f.path.rsplit("/", 1)[-1] in LOADERS or "/audit/eks-audit-" in f.path]
    for report in reports:
        name = report.path.rsplit("/", 1)[-1]
        assert (report.loader, report.rejected, report.failure) == (LOADERS.get(name, "k8s-audit"), 0, ""), report
    by_loader: dict[str, int] = {}
    for report in reports:
        by_loader[report.loader] = by_loader.get(report.loader, 0) + report.accepted
    assert by_loader["k8s-manifests"] == counts["k8s_objects"]
    assert by_loader["teleport-audit"] == counts["teleport_events"]
    assert by_loader["tickets"] == counts["ticket_rows"]
    assert by_loader["openssh-auth"] == counts["ssh_log_lines"]
    assert sum(1 for r in reports if r.loader == "k8s-audit") == 14


@pytest.mark.parametrize("sid", INFRA)
def test_each_planted_rule_finds_its_subject_and_no_false_one(loaded: Loaded, sid: str) -> None:
    s = situation(loaded.manifest, sid)
    found = _found(loaded)
    for rule, subjects in s["expected"]["rules"].items():
        assert set(subjects) <= found.get(rule, set()), (rule, subjects)
    for rule, subjects in s["expected"]["not_rules"].items():
        assert not set(subjects) & found.get(rule, set()), (rule, subjects)


def test_the_bastion_hop_reaches_the_person_and_the_approval(loaded: Loaded) -> None:
    s = situation(loaded.manifest, "infra_bastion_hop_reaches_person")
    expected = s["expected"]
    story = ask(loaded, "story hop")
    stories = {x.session.id: x for x in story.sessions}
    assert set(stories) == {s["subject"], *expected["parents"]}
    hop, bastion = stories[s["subject"]], stories[expected["parents"][0]]
    assert hop.parents == expected["parents"] and hop.person is not None and hop.person.id == expected["person"]
    assert hop.person_via == expected["parents"][0]
    assert [i.id for i in hop.identities] == [expected["identity"]]
    assert [a.id for a in bastion.approvals] == [expected["approval"]]
    assert bastion.approved_by == expected["approved_by"]
    commands = {t.target.id: t.commands for x in story.sessions for t in x.touched if t.commands}
    assert commands == expected["commands"]
    assert [x.session for x in story.steps if x.step == "session_started"] == [*expected["parents"], s["subject"]]
    approval = _node(loaded, expected["approval"])
    assert approval.props["expires"] == expected["approval_expires"]
    # from the person's side: the same two sessions, among hector's others
    person_story = {x.session.id for x in ask(loaded, "story person").sessions}
    assert {s["subject"], *expected["parents"]} <= person_story


def test_one_key_on_three_hosts_from_the_runner_and_the_bastion(loaded: Loaded) -> None:
    s = situation(loaded.manifest, "infra_ssh_key_on_three_hosts")
    expected = s["expected"]
    finding = next(
        f for f in ask(loaded, "findings").findings if f.rule == "KT-NHI9-004" and f.subject.id == s["subject"]
    )
    assert finding.message == f"one SSH key accepted on 3 hosts: {', '.join(expected['hosts'])}"
    holders = sorted(
        e.source for e in loaded.store.edges_of_kind(EdgeKind.HAS_CREDENTIAL, limit=100_000) if e.target == s["subject"]
    )
    assert holders == expected["accounts"]
    story = ask(loaded, "story key")
    hop_story = situation(loaded.manifest, "infra_bastion_hop_reaches_person")
    with_key = [x for x in story.sessions if s["subject"] in [c.id for c in x.credentials]]
    assert len(with_key) == expected["sessions"]
    assert {x.session.id for x in story.sessions} - {x.session.id for x in with_key} == set(
        hop_story["expected"]["parents"]
    )  # and the bastion session the hop came from
    origins = {o.id for x in with_key for o in x.origins}
    assert origins == {expected["runner"], expected["bastion"]}
    from_runner = [x for x in with_key if expected["runner"] in [o.id for o in x.origins]]
    assert len(from_runner) == expected["sessions"] - 1 and all(
        x.source_ips == [expected["runner_ip"]] for x in from_runner
    )
    (hop,) = [x for x in with_key if [o.id for o in x.origins] == [expected["bastion"]]]
    assert (
        hop.person is not None
        and hop.person.id == situation(loaded.manifest, "infra_bastion_hop_reaches_person")["expected"]["person"]
    )


def test_password_logins_to_the_backup_account(loaded: Loaded) -> None:
    s = situation(loaded.manifest, "infra_password_login_to_service_account")
    sessions = loaded.store.nodes_by_id(_sessions_of(loaded, s["subject"]))
    assert len(sessions) == s["expected"]["sessions"]
    assert {n.props["auth_method"] for n in sessions.values()} == {s["expected"]["auth_method"]}


def test_exec_into_the_pod_reaches_its_secrets_and_has_no_approval(loaded: Loaded) -> None:
    s = situation(loaded.manifest, "infra_exec_into_pod_without_approval")
    expected = s["expected"]
    story = ask(loaded, "story exec")
    (session,) = story.sessions
    assert session.person is not None and session.person.id == expected["person"]
    assert session.started_at == expected["at"] and session.approvals == []
    (reach,) = session.reached
    assert reach.workload.id == expected["pod"] and [i.id for i in reach.identities] == [expected["service_account"]]
    assert [x.id for x in reach.secrets_read] == expected["secrets_read"]
    assert [x.id for x in reach.secrets_reachable] == expected["secrets_reachable"]
    assert f"{session.session.id}: no approval on record" in story.missing
    found = _found(loaded)
    for rule in expected["session_rules"]:
        assert session.session.id in found[rule]
    # the pod counts with the Deployment that made it: one consumer of each secret
    pod = _node(loaded, expected["pod"])
    assert pod.props["controller"] == s["deployment"]
    shared = {c.credential.id for c in ask(loaded, "shared_by_workload").credentials}
    assert not set(expected["secrets_read"] + expected["secrets_reachable"]) & shared


def test_cluster_admin_used_only_to_patch_one_deployment(loaded: Loaded) -> None:
    s = situation(loaded.manifest, "infra_cluster_admin_never_used_at_that_level")
    expected = s["expected"]
    finding = next(
        f for f in ask(loaded, "findings").findings if f.rule == "KT-NHI5-003" and f.subject.id == s["subject"]
    )
    actions = ", ".join(expected["actions"])
    assert (
        f"{expected['sessions']} sessions of it made only reads and writes inside a namespace ({actions})"
        in finding.message
    )
    sessions = _sessions_of(loaded, s["subject"])
    assert len(sessions) == expected["sessions"]
    origins = {
        (e.source, e.target) for e in loaded.store.edges_of_kind(EdgeKind.FROM, limit=100_000) if e.source in sessions
    }
    assert origins == {(x, expected["runner"]) for x in sessions}


def test_legacy_token_secret_is_the_deployers(loaded: Loaded) -> None:
    s = situation(loaded.manifest, "infra_legacy_token_secret")
    secret = _node(loaded, s["subject"])
    assert secret.props["legacy"] is True and secret.props["credential_type"] == "k8s_token"
    holders = [
        e.source for e in loaded.store.edges_of_kind(EdgeKind.HAS_CREDENTIAL, limit=100_000) if e.target == s["subject"]
    ]
    assert holders == [s["expected"]["holder"]]


def test_secrets_readable_and_never_read(loaded: Loaded) -> None:
    s = situation(loaded.manifest, "infra_secrets_readable_never_read")
    messages = {f.subject.id: f.message for f in ask(loaded, "findings").findings if f.rule == "KT-NHI5-004"}
    for account, unread in s["expected"]["unread"].items():
        assert messages[account].startswith(f"may read {len(unread)} Secrets it never read: {', '.join(unread)} ")


def test_no_secret_value_of_the_cluster_reaches_the_graph_or_the_answers(loaded: Loaded) -> None:
    s = situation(loaded.manifest, "infra_secret_values_never_stored")
    values = [
        base64.b64decode(v).decode()
        for doc in yaml.safe_load_all((loaded.estate / s["objects"]).read_text())
        if doc["kind"] == "Secret"
        for v in doc["data"].values()
    ]
    assert len(values) == 5
    secret = _node(loaded, s["subject"])
    assert secret.props["key_names"] == s["expected"]["keys"]
    dumped = export_text(loaded.store)  # the whole store, as `keytrail export` writes it
    answers = "\n".join(ask(loaded, n).model_dump_json() for n in _calls(loaded.manifest))
    for value in values:
        if len(value) > 4:  # "ci" and "payments_app" are names, not secrets; every other value is checked
            assert value not in dumped and value not in answers, value


def test_vault_logins_join_the_service_account_and_its_pod(loaded: Loaded) -> None:
    s = situation(loaded.manifest, "infra_vault_login_joins_service_account")
    expected = s["expected"]
    vault = [x for x in _sessions_of(loaded, s["subject"]) if x.startswith("session:vault:")]
    assert len(vault) == expected["sessions"]
    came_from = {
        (e.source, e.target) for e in loaded.store.edges_of_kind(EdgeKind.FROM, limit=100_000) if e.source in vault
    }
    assert came_from == {(x, expected["from"]) for x in vault}
    touched = [e for e in loaded.store.edges_of_kind(EdgeKind.TOUCHED, limit=100_000) if e.source in vault]
    assert {e.target for e in touched if e.props.get("actions") == ["read"] and not e.props["errors"]} == {
        expected["read"]
    }
    (denied,) = [e for e in touched if e.target == expected["denied"]]
    assert denied.props["errors"] == 1 and denied.first_seen == expected["denied_on"]
    grants = {
        e.target
        for e in loaded.store.edges_of_kind(EdgeKind.CAN_ACCESS, limit=100_000)
        if e.source == expected["entity"]
    }
    assert expected["grant"] in grants
    write = [
        n
        for n in loaded.store.nodes_by_id(
            [
                e.target
                for e in loaded.store.edges_of_kind(EdgeKind.PERFORMED, limit=100_000)
                if e.source.startswith("session:vault:")
            ]
        ).values()
    ]
    assert [(c.props["at"], c.props["action"]) for c in write] == [
        (expected["policy_written_at"], "update sys/policy/payments-read")
    ]
    writer = [
        f
        for f in ask(loaded, "findings").findings
        if f.rule == "KT-NHI5-002" and f.subject.id.startswith("session:vault:")
    ]
    assert [f.message for f in writer] == [
        "made permission changes (update sys/policy/payments-read) with no approval on record"
    ]


def test_database_change_inside_a_ticket_is_approved_and_the_other_is_not(loaded: Loaded) -> None:
    s = situation(loaded.manifest, "infra_database_changes_with_and_without_ticket")
    expected = s["expected"]
    approved = ask(loaded, "story approved_session")
    (session,) = [x for x in approved.sessions if x.session.id == expected["approved_session"]]
    assert [a.id for a in session.approvals] == [expected["approved_by_ticket"]]
    assert session.approved_by == [expected["ticket_approver"]]
    queries_run = [c for t in session.touched for c in t.commands]
    assert expected["approved_query"] in queries_run
    unapproved = ask(loaded, "story unapproved_session")
    (other,) = [x for x in unapproved.sessions if x.session.id == expected["unapproved_session"]]
    assert other.approvals == [] and expected["unapproved_query"] in [c for t in other.touched for c in t.commands]
    assert f"{expected['unapproved_session']}: no approval on record" in unapproved.missing
    rejected = _node(loaded, expected["rejected_ticket"])
    assert rejected.props["status"] == "rejected"
    people = {x.person.id for x in (session, other) if x.person}
    assert people == set(expected["people"])


def test_both_stores_give_identical_infra_answers(embedded: Loaded, neo4j: Loaded) -> None:
    names = sorted(_calls(embedded.manifest))
    differing = [n for n in names if ask(embedded, n).model_dump() != ask(neo4j, n).model_dump()]
    assert differing == []
