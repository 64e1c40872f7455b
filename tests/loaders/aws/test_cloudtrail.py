"""CloudTrail loader: sessions, changes, chains and correlation, on the corpus and our fixtures."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from api.cli import cli as cli_main
from graph import ids
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from loaders.runner import StrictStop
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import edges, errors, export_text, load, node

AWS = FIXTURES / "aws"
TRAIL = AWS / "cloudtrail"
ACCOUNT = "111122223333"
DEPLOY_KEY = ids.aws_key("AKIAEXAMPLESVCDEPLOY1")
DEPLOY = ids.aws_arn(f"arn:aws:iam::{ACCOUNT}:user/svc-deploy")
GHA_ROLE = ids.aws_arn(f"arn:aws:iam::{ACCOUNT}:role/ci/gha-deploy")


def change_of(store: GraphStore, event_id: str) -> str:
    """The one Change an eventID names (ids add a digest of what else identifies the event)."""
    found = [n.id for n in store.nodes_of_kind(NodeKind.CHANGE, limit=100_000) if n.props.get("event_id") == event_id]
    assert len(found) == 1, found
    return found[0]


def session_of(store: GraphStore, key: str, principal: str, start: str) -> str:
    sid = ids.session("aws", key, principal, start)
    assert node(store, sid).kind is NodeKind.SESSION
    return sid


def test_stratus_admin_user_changes_and_new_key(store: GraphStore) -> None:
    corpus = need_corpus()
    report = load(store, corpus / "cloudtrail" / "stratus__aws.persistence.iam-create-admin-user.json")
    assert report.rejected == 0
    sid = session_of(store, "AKIAOZUDECYXYM4ONAN4", "arn:aws:iam::229654561268:user/christophe", "2024-08-01T13:33:28Z")
    assert node(store, sid).props["event_count"] == 3
    malicious = ids.aws_arn("arn:aws:iam::229654561268:user/malicious-iam-user")
    new_key = ids.aws_key("AKIAXAFZN8JEPF6L682H")
    assert (malicious, new_key) in edges(store, EdgeKind.HAS_CREDENTIAL)
    assert node(store, new_key).props["created"] == "2024-08-01T13:33:28Z"
    changes = {e.target for e in edges(store, EdgeKind.PERFORMED).values() if e.source == sid}
    assert changes == {
        change_of(store, i)
        for i in (
            "083dc4ad-e264-46bc-a407-d0dd31b58bdc",
            "94faedcc-0fa4-46e6-9322-022e8e934f04",
            "3346344c-5a3e-429e-8405-420f98f75d6e",
        )
    }
    attach = node(store, change_of(store, "083dc4ad-e264-46bc-a407-d0dd31b58bdc"))
    assert (
        attach.props["change_type"] == "grant"
        and attach.props["detail"] == "arn:aws:iam::aws:policy/AdministratorAccess"
    )
    assert (attach.id, malicious) in edges(store, EdgeKind.TARGETS)
    touched = edges(store, EdgeKind.TOUCHED)[(sid, malicious)]
    assert touched.count == 3 and touched.props["actions"] == [
        "iam:AttachUserPolicy",
        "iam:CreateAccessKey",
        "iam:CreateUser",
    ]
    assert len(touched.evidence) == 3 and all(e.at == "2024-08-01T13:33:28Z" for e in touched.evidence)


def test_stratus_federation_token_chain_by_returned_key(embedded_store: GraphStore) -> None:
    corpus = need_corpus()
    load(embedded_store, corpus / "cloudtrail" / "stratus__aws.persistence.sts-federation-token.json")
    parent = session_of(
        embedded_store,
        "AKIA6V1GNZTT65XQH36M",
        "arn:aws:iam::742491224508:user/stratus-red-team-user-federation-user",
        "2024-11-30T08:43:17Z",
    )
    child = session_of(
        embedded_store,
        "ASIASTJKC5GCM7ZE6LUP",
        "arn:aws:sts::742491224508:federated-user/stratus_red_team",
        "2024-11-30T08:43:18Z",
    )
    assert edges(embedded_store, EdgeKind.FROM)[(child, parent)].props["matched_by"] == "assume_role_credentials"
    assert (
        node(embedded_store, change_of(embedded_store, "6e882b9d-2af8-4c67-b91f-aeac6a0e5e70")).props["change_type"]
        == "federate"
    )


def test_panther_lines_rejections_are_located_and_sessions_aggregate(embedded_store: GraphStore) -> None:
    corpus = need_corpus()
    report = load(embedded_store, corpus / "cloudtrail" / "panther__AWS.CloudTrail.jsonl")
    assert report.files[0].accepted + report.rejected == 450
    messages = errors(report)
    assert any("line 31: field 'eventName' is missing" in m for m in messages)
    assert any("line 313: field 'eventTime': expected a timestamp, got 'redacted'" in m for m in messages)
    sessions = embedded_store.stats().nodes["Session"]
    assert 0 < sessions < report.files[0].accepted  # aggregated, never one node per event
    total = sum(n.props["event_count"] for n in embedded_store.nodes_of_kind(NodeKind.SESSION, limit=10_000))
    assert total == report.files[0].accepted  # counts are exact


def test_fixture_trail_sessions_runner_person_chains(store: GraphStore) -> None:
    report = load(
        store,
        AWS / "iam-authorization-details.json",
        AWS / "credential-report.csv",
        AWS / "ec2-describe-instances.json",
        TRAIL,
    )
    trail = [f for f in report.files if f.loader == "aws-cloudtrail"]
    assert trail and trail[0].accepted == 11 and trail[0].rejected == 0
    deploy = session_of(
        store, "AKIAEXAMPLESVCDEPLOY1", f"arn:aws:iam::{ACCOUNT}:user/svc-deploy", "2025-01-10T09:10:00Z"
    )
    props = node(store, deploy).props
    assert props["event_count"] == 4 and props["source_ips"] == ["44.192.0.10"] and props["interactive"] is False
    assert edges(store, EdgeKind.FROM)[(deploy, ids.github_runner("acme", "gh-runner-01"))].props["matched_by"] == "ip"
    assert edges(store, EdgeKind.AUTHENTICATED_WITH)[(deploy, DEPLOY_KEY)].count == 4
    bucket = edges(store, EdgeKind.TOUCHED)[(deploy, "aws:res:s3:deploy-bucket")]
    assert bucket.count == 3 and bucket.props["actions"] == ["s3:GetObject", "s3:PutObject"]
    assert {e.locator for e in bucket.evidence} == {
        "record 3, eventID evt-0003",
        "record 4, eventID evt-0004",
        "record 5, eventID evt-0005",
    }
    alice = session_of(
        store, "AKIAEXAMPLEALICE00001", f"arn:aws:iam::{ACCOUNT}:user/alice@example.com", "2025-01-10T09:00:00Z"
    )
    assert ("person:alice@example.com", alice) in edges(store, EdgeKind.STARTED)
    assert node(store, alice).props["interactive"] is True  # aws-cli from an address no runner owns
    owns = edges(store, EdgeKind.OWNS)[("person:alice@example.com", DEPLOY_KEY)]
    assert owns.props == {"provenance": "inferred", "provenance_detail": "evt-0001"}
    child = session_of(
        store,
        "ASIAEXAMPLECHILD00001",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/deploy-run-1",
        "2025-01-10T09:30:00Z",
    )
    from_edges = edges(store, EdgeKind.FROM)
    assert from_edges[(child, deploy)].props["matched_by"] == "assume_role_credentials"
    assert (
        edges(store, EdgeKind.ACTED_AS)[(child, ids.aws_arn(f"arn:aws:iam::{ACCOUNT}:role/ci/deployer"))].props[
            "session_name"
        ]
        == "deploy-run-1"
    )
    gha = session_of(
        store,
        "ASIAEXAMPLEGHA0000001",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/gha-deploy/GitHubActions",
        "2025-01-10T11:01:00Z",
    )
    parent = next(target for (source, target), e in from_edges.items() if source == gha)
    assert from_edges[(gha, parent)].props["matched_by"] == "assume_role_name_time"
    assert node(store, ids.aws_key("ASIAEXAMPLEGHA0000001")).props["credential_type"] == "aws_session_key"
    assert node(store, gha).props["interactive"] is False  # a service SDK from an unknown address is a program


def test_key_lifecycle_and_slot_correlation(store: GraphStore) -> None:
    """The credential report's slot and CloudTrail's CreateAccessKey meet on creation time."""
    load(store, AWS / "credential-report.csv", TRAIL)
    key = node(store, DEPLOY_KEY)
    slot_id = ids.aws_key_slot(f"arn:aws:iam::{ACCOUNT}:user/svc-deploy", 1)
    assert key.props["same_as"] == slot_id and node(store, slot_id).props["same_as"] == DEPLOY_KEY
    assert key.props["status"] == "deleted" and key.props["deleted_at"] == "2025-01-10T16:00:00Z"
    holders = {source for (source, target) in edges(store, EdgeKind.HAS_CREDENTIAL) if target in (DEPLOY_KEY, slot_id)}
    assert holders == {DEPLOY}


def test_role_arn_meets_across_iam_export_cloudtrail_and_workflow(store: GraphStore) -> None:
    """IAM export Arn (with path), CloudTrail sessionIssuer and a workflow's role-to-assume: one node."""
    load(store, AWS / "iam-authorization-details.json", TRAIL, AWS / "github" / "acme" / "webapp")
    acted = {target for (source, target) in edges(store, EdgeKind.ACTED_AS) if "gha-deploy" in source}
    assert acted == {GHA_ROLE}
    assert node(store, GHA_ROLE).subtype == "aws.iam.role"
    runs_as = [source for (source, target) in edges(store, EdgeKind.RUNS_AS) if target == GHA_ROLE]
    assert any(source.startswith("github:acme/webapp:workflow:") for source in runs_as)
    assert edges(store, EdgeKind.CAN_ASSUME)[("github:acme/webapp", GHA_ROLE)].count == 2  # trust + observed use


def test_malformed_lines_located_good_ones_load_and_strict_stops(embedded_store: GraphStore) -> None:
    report = load(embedded_store, AWS / "cloudtrail-lines.jsonl")
    assert report.files[0].accepted == 2 and report.rejected == 2
    assert "cloudtrail-lines.jsonl, line 2: invalid JSON" in errors(report)[0]
    assert "line 3: field 'eventName' is missing" in errors(report)[1]
    with pytest.raises(StrictStop, match="line 2"):
        load(embedded_store, AWS / "cloudtrail-lines.jsonl", strict=True)


def test_loading_twice_leaves_export_byte_identical(store: GraphStore) -> None:
    paths = (
        AWS / "iam-authorization-details.json",
        AWS / "credential-report.csv",
        AWS / "ec2-describe-instances.json",
        TRAIL,
        AWS / "cloudtrail-lines.jsonl",
    )
    load(store, *paths)
    first = export_text(store)
    load(store, *paths)
    assert export_text(store) == first


def test_cli_non_json_and_corrupt_gzip_fail_the_file(tmp_path: Path) -> None:
    garbage = tmp_path / "trail.json"
    garbage.write_text("this is not JSON at all\n")
    corrupt = tmp_path / "broken.json.gz"
    corrupt.write_bytes(gzip.compress(b'{"Records": [{"eventName": "x", "userIdentity": {}}]}')[:25])
    runner = CliRunner()
    store = str(tmp_path / "k.db")
    for path in (garbage, corrupt):
        result = runner.invoke(cli_main, ["load", "--store", store, str(path)])
        assert result.exit_code == 1, result.output
        assert "FAILED" in result.output and str(path) in result.output
    forced = runner.invoke(cli_main, ["load", "--store", store, "--source", "aws-cloudtrail", str(garbage)])
    assert "line 1: not JSON" in forced.output
    good = runner.invoke(cli_main, ["load", "--store", store, str(TRAIL)])
    assert good.exit_code == 0 and "11 accepted, 0 rejected" in good.output


def _sessions(store: GraphStore) -> list[tuple[str, object, object]]:
    found = store.nodes_of_kind(NodeKind.SESSION, limit=10_000)
    return sorted((n.id, n.props["event_count"], n.props["ended_at"]) for n in found)


def test_sessions_do_not_depend_on_file_order(embedded_store: GraphStore, tmp_path: Path) -> None:
    """S3 trees list regions before dates: events of one session arrive out of order across files."""
    source = next(TRAIL.rglob("*.json.gz"))
    records = orjson.loads(gzip.decompress(source.read_bytes()))["Records"]
    # three files whose name order is the reverse of time order, the middle one interleaved
    chunks = (records[8:], records[::2][:4], records[1:8:2])
    folder = tmp_path / "trail"
    folder.mkdir()
    for index, chunk in enumerate(chunks):
        (folder / f"part-{index}.json").write_bytes(orjson.dumps({"Records": chunk}))
    assert sorted(r["eventID"] for chunk in chunks for r in chunk) == sorted(r["eventID"] for r in records)
    load(embedded_store, folder)
    shuffled = _sessions(embedded_store)
    other = tmp_path / "in-order.db"
    from graph.embedded import EmbeddedStore

    ordered = EmbeddedStore(other)
    try:
        load(ordered, TRAIL)
        assert _sessions(ordered) == shuffled
    finally:
        ordered.close()
