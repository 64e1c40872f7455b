"""Entra ID sign-in and audit logs (issue 21 item 4): on the real diagnostic-settings file of the
corpus, and on fixtures in Graph's and the diagnostic settings' shapes for what it does not show
(credential key ids, managed identities, a credential added by a person now offboarded)."""

from __future__ import annotations

import json
from pathlib import Path

from graph import ids
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from queries.accountability import accountability
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import edges, errors, export_text, load, node

TENANT = "9f3c2a10-5d4e-4f6a-8b7c-1d2e3f4a5b6c"
SP = ids.entra_service_principal(TENANT, "22222222-bbbb-4ccc-8ddd-000000000002")
KEY = ids.entra_credential(TENANT, "22222222-bbbb-4ccc-8ddd-000000000002", "0f8fad5b-d9cb-469f-a165-70867728950e")
ENTRA = FIXTURES / "entra"


def test_the_corpus_file_loads_its_service_principal_sign_ins_and_changes(store: GraphStore) -> None:
    path = need_corpus() / "azure_ad_signin" / "panther__Azure.Audit.jsonl"
    report = load(store, path)
    assert not errors(report), errors(report)
    stats = store.stats()
    assert stats.nodes["Session"] == 2 and stats.edges["ACTED_AS"] == 2
    principal = node(store, "entra:85e54ec3-85ee-4b03-9e3b-863075eb9b62:sp/4b6986ec-c49c-40c0-89ce-b2ac51213e39")
    assert principal.kind is NodeKind.IDENTITY and principal.props["nature"] == "machine"
    touched = edges(store, EdgeKind.TOUCHED)
    assert any(target.endswith("037694de-8c7d-498d-917d-edb650090fa5") for _, target in touched)
    # the expired-secret sign-ins (AADSTS7000215) are errors of their session, not access
    failing = next(e for (_, target), e in touched.items() if target.endswith("037694de-8c7d-498d-917d-edb650090fa5"))
    assert failing.props["errors"] == failing.count
    added = node(store, "change:entra:tenant-123/sp-creds-001/add-service-principal-credentials")
    assert added.props["change_type"] == "create" and added.props["actor"] == "frodo@lotr.com"
    assert ("person:frodo@lotr.com", added.id) in edges(store, EdgeKind.PERFORMED)
    assert any("interactiveUser sign-ins" in note for note in report.notes)  # said, not silently dropped


def test_sign_ins_become_sessions_with_their_credential(store: GraphStore) -> None:
    report = load(store, ENTRA / "signins-graph.json")
    (rejected,) = errors(report)
    assert "signins-graph.json, record 4: field 'servicePrincipalId'" in rejected, rejected
    sid = ids.session("entra", TENANT, "22222222-bbbb-4ccc-8ddd-000000000002", "c0ffee00-0000-4000-8000-000000000001")
    session = node(store, sid)
    assert session.props["event_count"] == 2 and session.props["error_count"] == 1
    assert session.props["started_at"] == "2025-01-14T08:00:05Z" and session.props["ended_at"] == "2025-01-14T08:03:40Z"
    assert session.props["auth_method"] == "password" and session.props["source_ips"] == ["203.0.113.10"]
    assert (sid, KEY) in edges(store, EdgeKind.AUTHENTICATED_WITH)
    assert (SP, KEY) in edges(store, EdgeKind.HAS_CREDENTIAL)
    assert node(store, KEY).subtype == "entra.client_secret"
    touched = {target: e for (source, target), e in edges(store, EdgeKind.TOUCHED).items() if source == sid}
    # each resource at the time of its own sign-in, not the session's start
    assert {target: (e.first_seen, e.last_seen) for target, e in touched.items()} == {
        ids.entra_resource(TENANT, "00000003-0000-0000-c000-000000000000"): ("2025-01-14T08:00:05Z",) * 2,
        ids.entra_resource(TENANT, "cfa8b339-82a2-471a-a3c9-0fc0be7a4093"): ("2025-01-14T08:03:40Z",) * 2,
    }
    managed = node(store, ids.entra_service_principal(TENANT, "44444444-dddd-4eee-8fff-000000000004"))
    assert managed.subtype == "entra.managed_identity"
    before = export_text(store)
    assert not [e for e in errors(load(store, ENTRA / "signins-graph.json")) if "record 4" not in e]
    assert export_text(store) == before  # idempotent


def test_a_secret_added_by_a_person_now_offboarded_is_theirs_and_says_so(store: GraphStore, tmp_path: Path) -> None:
    roster = tmp_path / "scim.json"
    roster.write_text(
        json.dumps(
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                "Resources": [
                    {
                        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                        "id": "u1",
                        "userName": "dana.whitfield@acme.example",
                        "active": False,
                        "meta": {"resourceType": "User", "lastModified": "2025-01-11T00:00:00Z"},
                    }
                ],
            }
        )
    )
    report = load(store, roster, ENTRA / "audit-diagnostic.jsonl", ENTRA / "signins-graph.json")
    rejected = errors(report)
    assert any("audit-diagnostic.jsonl, line 3: malformed timestamp 'not a time'" in e for e in rejected), rejected
    assert any("audit-diagnostic.jsonl, line 4: an Entra ID record must be a JSON object" in e for e in rejected)
    owns = edges(store, EdgeKind.OWNS)[("person:dana.whitfield@acme.example", KEY)]
    assert (
        owns.props["provenance"] == "inferred"
        and "Certificates and secrets management" in owns.props["provenance_detail"]
    )
    answer = accountability(store, KEY)
    assert answer.verdict == "owner_offboarded", answer.verdict
    grant = [c for c in store.nodes_of_kind(NodeKind.CHANGE, limit=100) if c.props.get("change_type") == "grant"]
    assert len(grant) == 1 and grant[0].props["detail"] == "role Application Administrator"
    assert ("person:dana.whitfield@acme.example", grant[0].id) in edges(store, EdgeKind.PERFORMED)


def test_a_sign_in_whose_event_types_are_not_a_list_is_rejected_named(store: GraphStore, tmp_path: Path) -> None:
    # signins-graph.json#2120:json_value (bench/fuzz.py, seed 18): a number where the list was
    # ended in "unreadable record (TypeError: 'float' object is not iterable)"
    page = json.loads((ENTRA / "signins-graph.json").read_text())
    (base,) = load(store, ENTRA / "signins-graph.json").files
    page["value"][0]["signInEventTypes"] = 1e300
    path = tmp_path / "signins-graph.json"
    path.write_text(json.dumps(page))
    (file,) = load(store, path).files
    assert not file.failure and (file.accepted, file.rejected) == (base.accepted - 1, base.rejected + 1)
    assert f"{path}, record 1: field 'signInEventTypes': expected a list, got float" in [str(e) for e in file.errors]
