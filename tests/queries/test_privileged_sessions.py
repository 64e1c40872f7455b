"""KT-NHI5-002 on the access-story sources, both stores: a Kubernetes exec (through Teleport), a
database ALTER through Teleport, with no approval, are named; an approved access request or a
ticket covering the pod clears them."""

from __future__ import annotations

from pathlib import Path

from graph.store import GraphStore
from queries.findings import findings
from queries.story import access_story
from tests.conftest import FIXTURES
from tests.loader_helpers import NOW, load

TP = "teleport.example.com"
DB = f"session:teleport:{TP}:2e4d6f80-1a3c-4b5e-8d7f-9a0b1c2d3e4f"
BASTION = f"session:teleport:{TP}:7c9e1a52-8b3f-4d6a-a0e2-91f4b6c3d8e7"  # names an approved access request
EXEC = "session:teleport:teleport.acme.example:8d57a9d5-3848-5ce2-a326-85eb4a6d2eed"
TICKET = (
    "ticket_id,status,requester,approvers,scope_kind,scope,valid_from,valid_until,summary\n"
    "CHG-7,approved,ines.okafor@acme.example,bob@acme.example,resource,shop/pod/api-7d9f8,"
    "2026-11-02T09:30:00Z,2026-11-02T11:00:00Z,debug the api pod\n"
)


def _unapproved(store: GraphStore) -> dict[str, str]:
    return {f.subject.id: f.message for f in findings(store, now=NOW).findings if f.rule == "KT-NHI5-002"}


def test_exec_and_alter_without_approval_are_named(store: GraphStore) -> None:
    load(store, FIXTURES / "teleport" / "access-story.jsonl", FIXTURES / "teleport" / "kube-app.jsonl", cluster="lab")
    found = _unapproved(store)
    assert found[DB].startswith(f"ran ALTER on teleport:{TP}:db:orders-pg")
    assert found[EXEC] == "ran create pods/exec into k8s:lab:pod:shop/api-7d9f8 with no approval on record"
    assert BASTION not in found  # its access request was approved


def test_a_ticket_covering_the_pod_clears_the_exec(store: GraphStore, tmp_path: Path) -> None:
    (tmp_path / "tickets.csv").write_text(TICKET, encoding="utf-8")
    load(store, FIXTURES / "teleport" / "kube-app.jsonl", tmp_path / "tickets.csv", cluster="lab")
    assert EXEC not in _unapproved(store)


def test_the_story_shows_the_ticket_that_approved_the_exec(store: GraphStore, tmp_path: Path) -> None:
    (tmp_path / "tickets.csv").write_text(TICKET, encoding="utf-8")
    load(store, FIXTURES / "teleport" / "kube-app.jsonl", tmp_path / "tickets.csv", cluster="lab")
    story = access_story(store, EXEC)
    (approval,) = [s for s in story.steps if s.step == "approval"]
    assert approval.refs == ["approval:ticket:CHG-7", "person:bob@acme.example"]
    assert approval.summary == "approved by person:bob@acme.example" and approval.evidence
    assert not [m for m in story.missing if "no approval" in m]
    without = access_story(store, "session:teleport:teleport.acme.example:6593cf87-9839-4f18-abf8-c54873aaeb4e")
    assert [m for m in without.missing if m.endswith("no approval on record")]  # the app session: out of scope
