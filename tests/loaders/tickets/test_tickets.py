"""The tickets loader (docs/tickets.md) on fixtures in every framing, both stores: approvals with
their window, approvers and scope nodes; malformed rows located while the rest load; reload idempotent."""

from __future__ import annotations

from pathlib import Path

from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from tests.conftest import FIXTURES
from tests.loader_helpers import edges, errors, export_text, load, node

TICKETS = FIXTURES / "tickets"
CSV, JSON, LINES, ARRAY = (TICKETS / n for n in ("tickets.csv", "tickets.json", "tickets.jsonl", "tickets-array.json"))


def test_csv_rows_of_one_ticket_make_one_approval_with_every_scope(store: GraphStore) -> None:
    report = load(store, CSV)
    approval = node(store, "approval:ticket:CHG-1001")
    assert approval.subtype == "ticket.approval" and approval.props["status"] == "approved"
    assert approval.props["requester"] == "alice@example.com"
    assert approval.props["approvers"] == ["bob@example.com", "carol@example.com"]
    assert (approval.props["valid_from"], approval.props["valid_until"]) == (
        "2024-11-12T21:30:00Z",
        "2024-11-12T23:00:00Z",
    )
    assert approval.props["reason"] == "Restart app on app1, then check logs" and approval.props["tags"] == [
        "priority=high"
    ]
    covers = edges(store, EdgeKind.COVERS)
    assert covers[("approval:ticket:CHG-1001", "unix:app1:deploy")].props == {
        "scope": "deploy@app1",
        "scope_kind": "identity",
    }
    assert covers[("approval:ticket:CHG-1001", "host:app1")].target_kind == NodeKind.WORKLOAD
    assert covers[("approval:ticket:CHG-1003", "aws:key:AKIAIOSFODNN7EXAMPLE")].target_kind == NodeKind.CREDENTIAL
    # offsets become UTC
    assert node(store, "approval:ticket:CHG-1003").props["valid_from"] == "2024-11-13T08:00:00Z"
    by = edges(store, EdgeKind.APPROVED_BY)
    assert {t for s, t in by if s == "approval:ticket:CHG-1001"} == {
        "person:bob@example.com",
        "person:carol@example.com",
    }
    # a rejected or pending ticket names nobody who approved it
    assert not any(s in ("approval:ticket:CHG-1002", "approval:ticket:CHG-1009") for s, _t in by)
    # unresolved scopes stay on the approval and the summary names them
    assert node(store, "approval:ticket:CHG-1004").props["scope_unresolved"] == ["host: 10.0.1.20", "role: db-admin"]
    assert any("2 scope values resolve to no node id" in n and "CHG-1004 role 'db-admin'" in n for n in report.notes)


def test_malformed_rows_are_located_and_the_rest_load(store: GraphStore) -> None:
    report = load(store, CSV)
    assert errors(report) == [
        f"{CSV}, line 8: field 'status': 'approvd' is not one of approved, rejected, pending, expired, revoked",
        f"{CSV}, line 9: field 'valid_from': '2024-11-13T09:00:00' has no time zone (write Z or an offset)",
        f"{CSV}, line 10: ticket CHG-1001: status 'rejected' disagrees with 'approved' "
        f"on its earlier row ({CSV} line 2); the rows of one ticket must agree",
        f"{CSV}, line 11: field 'approvers': an approved ticket must name who approved it",
        f"{CSV}, line 12: 5 cells where the header names 10 columns",
    ]
    # the disagreeing row's scope is not added to the ticket
    assert node(store, "approval:ticket:CHG-1001").props["scope"] == ["host: app1", "identity: deploy@app1"]
    assert not store.nodes_by_id(["approval:ticket:CHG-1005", "approval:ticket:CHG-1006", "approval:ticket:CHG-1007"])


def test_json_object_array_and_lines_framings(store: GraphStore) -> None:
    report = load(store, JSON, LINES, ARRAY)
    messages = errors(report)
    assert [m.split(": ", 1)[1] for m in messages] == [
        "scope 1: kind 'group' is not one of identity, credential, resource, role, host",
        "field 'valid_until': 2024-11-12T22:00:00Z is before valid_from 2024-11-12T23:00:00Z",
        "a ticket must be a JSON object, not a string",
        "field 'requester': 'carol' is not an email (people are named by email)",
        "invalid JSON (unexpected end of data)",
    ]
    assert [m.split(": ", 1)[0].rsplit(", ", 1)[1] for m in messages] == [
        "record 2",
        "record 3",
        "record 4",
        "line 3",
        "line 4",
    ]
    covers = {(s, t): e for (s, t), e in edges(store, EdgeKind.COVERS).items()}
    inc = "approval:ticket:INC-2001"
    assert {t for s, t in covers if s == inc} == {
        "k8s:default:pod:payments/api-7d9f8c6b5-x2k4q",
        "k8s:default:sa:payments/api",
        "vault:path:secret/data/payments/db",
        "ssh:SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8",
        "aws:arn:arn:aws:iam::123456789012:role/deploy",
    }
    assert node(store, inc).props["tags"] == ["queue=SRE"]
    # a bare database name needs the Teleport cluster the ticket does not name: matched when queried
    assert node(store, "approval:ticket:OPS-3001").props["scope_unresolved"] == ["resource: payments-db"]
    assert node(store, "approval:ticket:OPS-3002").props["status"] == "revoked"
    assert covers[("approval:ticket:CAB-4001", "person:alice@example.com")].target_kind == NodeKind.PERSON


def test_reloading_the_same_files_leaves_the_graph_unchanged(store: GraphStore) -> None:
    load(store, CSV, JSON)
    before = export_text(store)
    load(store, CSV, JSON)
    assert export_text(store) == before


def test_a_scope_value_no_id_can_hold_stays_text_and_the_file_loads(store: GraphStore, tmp_path: Path) -> None:
    """A control character in a host scope (a fuzzed byte, issue 18) once failed the file at emission."""
    path = tmp_path / "tickets.csv"
    path.write_text(
        "ticket_id,status,requester,approvers,scope_kind,scope,valid_from,valid_until,summary\n"
        "CHG-9,approved,alice@example.com,bob@example.com,host,\x140.0.1.20,2024-11-12T21:30:00Z,"
        "2024-11-12T23:00:00Z,fuzzed\n",
        encoding="utf-8",
    )
    report = load(store, path)
    assert errors(report) == [] and not [f for f in report.files if f.failure]
    approval = node(store, "approval:ticket:CHG-9")
    assert approval.props["scope_unresolved"] == ["host: \x140.0.1.20"]
    assert not [t for (s, t) in edges(store, EdgeKind.COVERS) if s == "approval:ticket:CHG-9"]
