"""The Teleport audit loader on the real corpus file and on a fixture of the access story, both stores:
approved request → proxy session on the bastion → the SSH login the bastion made to app1 → commands."""

from __future__ import annotations

from pathlib import Path

from graph.schema import EdgeKind
from graph.store import GraphStore
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import edges, errors, export_text, load, node

STORY = FIXTURES / "teleport" / "access-story.jsonl"
APP1 = FIXTURES / "openssh" / "app1.auth.log"
CLUSTER = "teleport.example.com"
BASTION_SESSION = f"session:teleport:{CLUSTER}:7c9e1a52-8b3f-4d6a-a0e2-91f4b6c3d8e7"
DB_SESSION = f"session:teleport:{CLUSTER}:2e4d6f80-1a3c-4b5e-8d7f-9a0b1c2d3e4f"
APPROVAL = f"approval:teleport:{CLUSTER}:5b1f0c9e-3d2a-4e7b-9a61-0c8d2f4e7a10"


def test_corpus_events_give_sessions_commands_and_users(store: GraphStore) -> None:
    report = load(store, need_corpus() / "teleport")
    assert errors(report) == []  # role.created's malformed time is in an event keytrail does not read
    # session.command events carry no cluster_name: the cluster is --cluster, else "teleport"
    nmap = "session:teleport:teleport:a3562a0e-e57f-4273-9f69-eedb6cd029cb"
    session = node(store, nmap)
    assert session.subtype == "teleport.session" and session.props["principal"] == "panther"
    touched = edges(store, EdgeKind.TOUCHED)
    # commands of a session whose events name only the server id: the host is that id
    host = "host:e75992b4-9e27-456f-b1c9-7a32da83c661"
    assert touched[(nmap, host)].props["commands"] == ["/bin/nmap", "/bin/nmap -v -iR 100000 -Pn -p 80"]
    start = f"session:teleport:{CLUSTER}:12345678-1111-2222-3333-54e9467ff0e6"
    assert node(store, start).props["host"] == "host:ip-10-0-0-1.us-west-2.compute.internal"
    assert ("session:teleport:" + CLUSTER + ":12345678-1111-2222-3333-54e9467ff0e6",
            "unix:ip-10-0-0-1.us-west-2.compute.internal:root") in edges(store, EdgeKind.ACTED_AS)  # fmt: skip
    bot = node(store, f"teleport:{CLUSTER}:user:bot-application")
    assert bot.props["nature"] == "machine" and "impersonator bot-application" in str(bot.props["nature_reason"])
    assert node(store, f"teleport:{CLUSTER}:user:max.mustermann").props["nature"] == "human"


def test_access_story_approval_session_commands_and_queries(store: GraphStore) -> None:
    report = load(store, STORY)
    assert errors(report) == [
        f"{STORY.as_posix()}, line 11: session.command event without a session id (sid)",
        f"{STORY.as_posix()}, line 12: field 'time': malformed timestamp '2024-11-12 25:00:00'",
        f"{STORY.as_posix()}, line 13: invalid JSON (unexpected end of data)",
    ]
    approval = node(store, APPROVAL)
    assert approval.subtype == "teleport.access_request"
    assert approval.props["status"] == "approved" and approval.props["reason"] == "INC-4321: restart the app on app1"
    assert approval.props["expires"] == "2024-11-13T06:00:00Z"
    assert approval.props["description"] == "requested by alice@example.com for roles prod-ssh"
    assert (APPROVAL, BASTION_SESSION) in edges(store, EdgeKind.APPROVED)
    assert (APPROVAL, "person:bob@example.com") in edges(store, EdgeKind.APPROVED_BY)
    assert ("person:alice@example.com", BASTION_SESSION) in edges(store, EdgeKind.STARTED)
    session = node(store, BASTION_SESSION)
    assert session.props["host"] == "host:bastion" and session.props["interactive"] is True
    assert (session.props["started_at"], session.props["ended_at"]) == ("2024-11-12T22:00:00Z", "2024-11-12T22:30:00Z")
    assert node(store, "host:bastion").props["private_ips"] == ["10.0.0.5"]
    touched = edges(store, EdgeKind.TOUCHED)
    assert touched[(BASTION_SESSION, "host:bastion")].props["commands"] == ["/usr/bin/ssh deploy@app1"]
    assert (BASTION_SESSION, "unix:bastion:ops") in edges(store, EdgeKind.ACTED_AS)
    database = f"teleport:{CLUSTER}:db:orders-pg"
    queries = touched[(DB_SESSION, database)]
    assert queries.props["actions"] == ["ALTER", "SELECT"]
    assert queries.props["commands"] == ["ALTER USER report WITH PASSWORD ****", "SELECT id, total FROM orders LIMIT 5"]
    db_user = node(store, f"teleport:{CLUSTER}:db:orders-pg:user:app_rw")
    assert db_user.props["nature"] == "machine"
    assert (DB_SESSION, db_user.id) in edges(store, EdgeKind.ACTED_AS)
    assert "FixturePgSecret99" not in export_text(store)


def test_teleport_session_on_bastion_is_where_the_ssh_login_came_from(store: GraphStore) -> None:
    """Two systems' logs meet: the app host's sshd saw deploy log in from 10.0.0.5, the address
    Teleport gives the bastion, a minute into alice's approved session there."""
    report = load(store, STORY, APP1)
    from_edges = edges(store, EdgeKind.FROM)
    hop = from_edges[("session:ssh:app1:2301:2024-11-12T22:01:00Z", BASTION_SESSION)]
    assert hop.props == {"matched_by": "session_on_host", "ips": ["10.0.0.5"], "gap_seconds": 60}
    assert ("session:ssh:app1:2301:2024-11-12T22:01:00Z", "host:bastion") in from_edges
    # the 21:40 login from the bastion's address had no bastion session on record: a named gap
    assert not [k for k in from_edges if k[0].startswith("session:ssh:app1:2201:") and k[1].startswith("session:")]
    assert any("hop before them is missing" in n and "session:ssh:app1:2201:2024-11-12T21:40:15Z" in n
               for n in report.notes)  # fmt: skip


def test_hop_found_when_the_ssh_log_was_loaded_first(store: GraphStore) -> None:
    load(store, APP1)
    load(store, STORY)
    assert ("session:ssh:app1:2301:2024-11-12T22:01:00Z", BASTION_SESSION) in edges(store, EdgeKind.FROM)


def test_reload_is_idempotent(store: GraphStore) -> None:
    load(store, STORY, APP1)
    first = export_text(store)
    load(store, STORY, APP1)
    assert export_text(store) == first


def test_hop_found_by_the_bastion_name_when_sshd_logs_names(store: GraphStore, tmp_path: Path) -> None:
    """sshd with UseDNS logs the client's name, not its address: the short name meets the host."""
    log = tmp_path / "app3.auth.log"
    log.write_text(
        "2024-11-12T22:05:00+00:00 app3 sshd[77]: Accepted publickey for deploy from bastion.corp.example "
        "port 50300 ssh2: ED25519 SHA256:fm8KM/d1CnOHDkcdcUWel/AJly8O3tIWSfPrTXcHi5E\n"
    )
    load(store, STORY, log)
    hop = edges(store, EdgeKind.FROM)[("session:ssh:app3:77:2024-11-12T22:05:00Z", BASTION_SESSION)]
    assert hop.props["ips"] == ["bastion.corp.example"] and hop.props["gap_seconds"] == 300
