"""A record value that goes into a graph id is checked where the record is read (issue 18).

Audit-log loaders build most ids in `finish` (sessions, approvals, targets). A damaged value
(a control character in a user name, a 300,000-character id) used to fail the whole file there
("cannot finish: malformed id"), losing every good record. These are the fuzz cases that found
it (bench/fuzz.py, seed 18), cut down: the bad record is a located rejection naming the field,
and the good records around it load.
"""

from __future__ import annotations

import json
from pathlib import Path

from graph import ids
from graph.store import GraphStore
from tests.conftest import FIXTURES
from tests.loader_helpers import errors, load, node

HUGE = "A" * 300_000
CONTROL = "contains whitespace or control characters, which an id cannot hold"


def _lines(path: Path, *events: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(event) + "\n" for event in events), encoding="utf-8")
    return path


def _k8s(username: str, resource: str, second: int) -> dict[str, object]:
    return {
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "stage": "ResponseComplete",
        "auditID": f"id-{second}", "verb": "get", "user": {"username": username}, "sourceIPs": ["203.0.113.7"],
        "objectRef": {"resource": resource, "namespace": "shop", "name": "api", "apiVersion": "v1"},
        "requestURI": f"/api/v1/namespaces/shop/{resource}/api", "responseStatus": {"code": 200},
        "stageTimestamp": f"2026-11-02T09:00:0{second}Z",
    }  # fmt: skip


def test_k8s_audit_control_character_and_huge_resource_are_located(store: GraphStore, tmp_path: Path) -> None:
    # apiserver-audit.log#133:flip8 (a DEL byte in user.username) and EKS audit #198 (a huge objectRef.resource)
    path = _lines(
        tmp_path / "audit.log",
        _k8s("ines.okafor@acme.example", "pods", 1),
        _k8s("ines.okaf\x7fr@acme.example", "pods", 2),
        _k8s("ines.okafor@acme.example", HUGE, 3),
        _k8s("ines.okafor@acme.example", "configmaps", 4),
    )
    report = load(store, path, cluster="lab")
    assert report.files[0].loader == "k8s-audit" and report.files[0].failure == ""
    messages = errors(report)
    assert messages[0] == (
        f"{path}, line 2: field 'user.username': contains whitespace or control characters, which an id cannot hold"
    )
    assert messages[1].startswith(f"{path}, line 3: audit event with an unusable objectRef: malformed id")
    assert len(messages) == 2 and report.files[0].accepted == 2
    node(store, "k8s:lab:user:ines.okafor@acme.example")


def _okta(uuid: str, target_id: str) -> dict[str, object]:
    return {
        "uuid": uuid, "eventType": "user.session.start", "published": "2024-11-12T21:50:00.000Z",
        "actor": {"id": "00u1dana0000000000", "type": "User", "alternateId": "dana@acme.example"},
        "client": {"ipAddress": "203.0.113.7"}, "outcome": {"result": "SUCCESS"},
        "target": [{"id": target_id, "type": "User", "alternateId": "tomas@acme.example"}],
    }  # fmt: skip


def test_okta_huge_target_id_is_located(store: GraphStore, tmp_path: Path) -> None:
    # panther__Okta.SystemLog.jsonl#147:json_line_value: a target's id swapped for a 300,000-character string
    path = _lines(tmp_path / "okta.jsonl", _okta("e1", "00u1tomas000000000"), _okta("e2", HUGE))
    report = load(store, path)
    assert report.files[0].loader == "okta-system-log" and report.files[0].failure == ""
    assert errors(report) == [
        f"{path}, line 2: field 'target[0].id': 300,000 characters, more than the 400 an id allows"
    ]
    assert report.files[0].accepted == 1
    node(store, ids.okta_user("00u1tomas000000000"))


def _request(event: str, request_id: str, second: int) -> dict[str, object]:
    return {
        "cluster_name": "teleport.example.com", "code": "T5000I", "event": event, "id": request_id,
        "roles": ["prod-ssh"], "state": "PENDING", "uid": f"a{second}",
        "time": f"2024-11-12T21:50:0{second}.000Z", "user": "alice@example.com",
    }  # fmt: skip


def test_teleport_huge_request_id_is_located(store: GraphStore, tmp_path: Path) -> None:
    # access-story.jsonl#209:json_line_value: an access request's id swapped for a 300,000-character string
    good = "5b1f0c9e-3d2a-4e7b-9a61-0c8d2f4e7a10"
    path = _lines(
        tmp_path / "teleport.jsonl",
        _request("access_request.create", good, 1),
        _request("access_request.review", HUGE, 2),
    )
    report = load(store, path)
    assert report.files[0].loader == "teleport-audit" and report.files[0].failure == ""
    assert errors(report) == [f"{path}, line 2: field 'id': 300,000 characters, more than the 400 an id allows"]
    assert report.files[0].accepted == 1
    node(store, f"approval:teleport:teleport.example.com:{good}")


def test_teleport_kube_request_without_a_cluster_is_located(store: GraphStore, tmp_path: Path) -> None:
    # kube-app.jsonl#65:json_line_value: `kubernetes_cluster` swapped for a list; a sid-less
    # kube.request's session is named by that cluster, so the whole file failed in finish
    lines = (FIXTURES / "teleport" / "kube-app.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    assert first["event"] == "kube.request" and not first.get("sid")
    first["kubernetes_cluster"] = ["x", {"a": []}]
    path = tmp_path / "kube-app.jsonl"
    path.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    report = load(store, path)
    assert report.files[0].loader == "teleport-audit" and report.files[0].failure == ""
    assert errors(report) == [f"{path}, line 1: kube.request event without a sid or a kubernetes_cluster"]
    assert report.files[0].accepted == len(lines) - 1


def test_vault_damaged_path_and_accessor_are_located(store: GraphStore, tmp_path: Path) -> None:
    # audit.log#1331:flip8 (a space in request.path) and #1341 (a DEL byte in the accessor), 10,000-case run
    good = [json.loads(line) for line in (FIXTURES / "vault" / "audit.log").read_text().splitlines()[:2]]
    spaced = json.loads(json.dumps(good[1]).replace("auth/kubernetes/login", "auth/kubernetes login"))
    deleted = json.loads(
        json.dumps(good[1]).replace('"accessor": "hmac-sha256:4f2a', '"accessor": "hmac-sha256:4f\x7fa')
    )
    path = _lines(tmp_path / "audit.log", spaced, deleted, *good)
    report = load(store, path)
    assert report.files[0].loader == "vault-audit" and report.files[0].failure == ""
    assert errors(report) == [
        f"{path}, line 1: field 'request.path': contains whitespace or control characters, which an id cannot hold",
        f"{path}, line 2: field 'auth.accessor': contains whitespace or control characters, which an id cannot hold",
    ]
    assert report.files[0].accepted == 2  # the good request and response lines


def test_ticket_id_with_a_nul_is_located(store: GraphStore, tmp_path: Path) -> None:
    # tickets.csv#1977:invalid_utf8 (a NUL in ticket_id), 10,000-case run
    lines = (FIXTURES / "tickets" / "tickets.csv").read_text().splitlines()
    path = tmp_path / "tickets.csv"
    path.write_text(
        "\n".join([lines[0], lines[1].replace(lines[1].split(",")[0], lines[1].split(",")[0] + "\x00", 1), *lines[2:]])
        + "\n"
    )
    report = load(store, path)
    assert report.files[0].loader == "tickets" and report.files[0].failure == ""
    (message,) = [m for m in errors(report) if "field 'ticket_id'" in m]
    assert message == (
        f"{path}, line 2: field 'ticket_id': contains whitespace or control characters, which an id cannot hold"
    )


def test_okta_huge_external_session_id_is_located(store: GraphStore, tmp_path: Path) -> None:
    # panther__Okta.SystemLog.jsonl#4914:json_line_value (10,000-case run): the session id built in finish
    bad = {**_okta("e2", "00u1tomas000000000"), "authenticationContext": {"externalSessionId": HUGE}}
    path = _lines(tmp_path / "okta.jsonl", _okta("e1", "00u1tomas000000000"), bad)
    report = load(store, path)
    assert report.files[0].failure == "" and report.files[0].accepted == 1
    assert errors(report) == [
        f"{path}, line 2: field 'authenticationContext.externalSessionId': "
        "300,000 characters, more than the 400 an id allows"
    ]


def test_teleport_huge_kubernetes_user_is_located(store: GraphStore, tmp_path: Path) -> None:
    # kube-app.jsonl#1076:json_line_value (10,000-case run): a kubernetes_users entry swapped for a huge string
    def kube(second: int, users: list[str]) -> dict[str, object]:
        return {
            "cluster_name": "teleport.example.com", "code": "T3009I", "event": "kube.request", "uid": f"k{second}",
            "time": f"2024-11-12T21:50:0{second}.000Z", "user": "alice@example.com", "kubernetes_cluster": "lab",
            "kubernetes_users": users, "verb": "GET", "request_path": "/api/v1/namespaces/shop/pods",
            "resource_kind": "pods", "resource_namespace": "shop", "response_code": 200,
        }  # fmt: skip

    path = _lines(tmp_path / "teleport.jsonl", kube(1, ["alice"]), kube(2, [HUGE]))
    report = load(store, path)
    assert report.files[0].failure == "" and report.files[0].accepted == 1
    assert errors(report) == [
        f"{path}, line 2: field 'kubernetes_users[0]': 300,000 characters, more than the 400 an id allows"
    ]


def _okta_target(uuid: str, target_type: str) -> dict[str, object]:
    event = _okta(uuid, "0oa1app00000000000")
    return {**event, "eventType": "user.session.start", "target": [{"id": "0oa1app00000000000", "type": target_type}]}


def test_okta_huge_or_damaged_target_type_is_located(store: GraphStore, tmp_path: Path) -> None:
    # system-log-lines.jsonl#5910 and #8950 (json_value+json_line_value, 10,000-case run): target[0].type
    # swapped for a 300,000-character string; a Resource's id okta:<type>:<id> is built in finish
    path = _lines(
        tmp_path / "okta.jsonl",
        _okta_target("e1", "AppInstance"),
        _okta_target("e2", HUGE),
        _okta_target("e3", "App\x7fInstance"),
        _okta_target("e4", "URL Pattern"),  # a real type with a space: no Resource, the event loads
    )
    report = load(store, path)
    assert report.files[0].loader == "okta-system-log" and report.files[0].failure == ""
    assert errors(report) == [
        f"{path}, line 2: field 'target[0].type': 300,000 characters, more than the 400 an id allows",
        f"{path}, line 3: field 'target[0].type': {CONTROL}",
    ]
    assert report.files[0].accepted == 2
    node(store, ids.okta_object("AppInstance", "0oa1app00000000000"))


def test_the_okta_fuzz_cases_of_a_huge_target_type_load_the_rest(store: GraphStore, tmp_path: Path) -> None:
    # The two cases themselves, rebuilt from their names: the damaged line alone is rejected
    from bench.fuzz_mutations import make_case

    seed = FIXTURES / "okta" / "system-log-lines.jsonl"
    for index, line in ((5910, 9), (8950, 7)):
        case = make_case("fixtures/okta/system-log-lines.jsonl", seed.read_bytes(), 18, index)
        path = tmp_path / f"case-{index}.jsonl"
        path.write_bytes(case.data)
        report = load(store, path)
        assert report.files[0].failure == ""
        assert f"{path}, line {line}: field 'target[0].type': 300,000 characters, more than the 400 an id allows" in (
            errors(report)
        )


def test_okta_huge_actor_type_and_login_are_located(store: GraphStore, tmp_path: Path) -> None:
    # The other okta values of an id built in finish: a non-User actor's type names its session
    # (session:okta:<type>:<id>:<start>), a User actor's alternateId its Person (STARTED)
    system = {**_okta("e2", "00u1tomas000000000"), "actor": {"id": "sys1", "type": HUGE}}
    huge_login = {**_okta("e3", "00u1tomas000000000"), "actor": {"id": "00u1x", "type": "User", "alternateId": HUGE}}
    long_email = "a" * 400 + "@acme.example"
    emailed = {**_okta("e4", "00u1tomas000000000"), "actor": {"id": "00u1y", "type": "User", "alternateId": long_email}}
    deleted = {**_okta("e5", "00u1tomas000000000"), "actor": {"id": "00u1z", "type": "User", "alternateId": "da\x7fna"}}
    spaced = {**_okta("e6", "00u1tomas000000000"), "actor": {"id": "203.0.113.7", "type": "IP address"}}
    first = _okta("e1", "00u1tomas000000000")
    path = _lines(tmp_path / "okta.jsonl", first, system, huge_login, emailed, deleted, spaced)
    report = load(store, path)
    assert report.files[0].failure == ""
    assert errors(report) == [
        f"{path}, line 2: field 'actor.type': 300,000 characters, more than the 400 an id allows",
        f"{path}, line 3: field 'actor.alternateId': 300,000 characters, more than the 400 an id allows",
        f"{path}, line 4: field 'actor.alternateId': 413 characters, more than the 400 an id allows",
        f"{path}, line 5: field 'actor.alternateId': {CONTROL}",
    ]
    assert report.files[0].accepted == 2
    node(store, ids.person("dana@acme.example"))


def test_okta_huge_login_of_a_deactivated_user_is_located(store: GraphStore, tmp_path: Path) -> None:
    # A User target's alternateId names the Person a lifecycle event offboards (its status is written in finish)
    gone = {
        **_okta("e2", "00u1tomas000000000"),
        "eventType": "user.lifecycle.deactivate",
        "target": [{"id": "00u1tomas000000000", "type": "User", "alternateId": "tomas\x7f" + HUGE}],
    }
    path = _lines(tmp_path / "okta.jsonl", _okta("e1", "00u1tomas000000000"), gone)
    report = load(store, path)
    assert report.files[0].failure == "" and report.files[0].accepted == 1
    (message,) = errors(report)
    assert message.startswith(f"{path}, line 2: user.lifecycle.deactivate: malformed id 'okta-user:tomas")
    assert not any(HUGE in note for note in report.notes)
