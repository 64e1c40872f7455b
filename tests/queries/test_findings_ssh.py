"""Findings over sshd evidence, both stores: one SSH key on several hosts (KT-NHI9-004) and a
password or keyboard-interactive login to a machine account (KT-NHI4-003)."""

from __future__ import annotations

from pathlib import Path

from graph.store import GraphStore
from queries.findings import findings
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import load

NOW = "2025-01-15T00:00:00Z"
DEPLOY_KEY = "ssh:SHA256:fm8KM/d1CnOHDkcdcUWel/AJly8O3tIWSfPrTXcHi5E"


def test_one_key_on_two_hosts_and_password_login_to_a_machine_account(store: GraphStore, tmp_path: Path) -> None:
    app2 = tmp_path / "app2.auth.log"
    app2.write_text(
        "2024-11-12T22:20:00+00:00 app2 sshd[51]: Accepted publickey for deploy from 10.0.0.5 port 1 ssh2: "
        f"ED25519 {DEPLOY_KEY.removeprefix('ssh:')}\n"
    )
    load(store, FIXTURES / "openssh" / "app1.auth.log", app2)
    result = findings(store, now=NOW)
    reuse = [f for f in result.findings if f.rule == "KT-NHI9-004"]
    assert [(f.subject.id, f.message) for f in reuse] == [(DEPLOY_KEY, "one SSH key accepted on 2 hosts: app1, app2")]
    passwords = {(f.subject.id, f.message.split(" in session ")[0]) for f in result.findings if f.rule == "KT-NHI4-003"}
    assert passwords == {
        ("unix:app1:deploy", "keyboard-interactive login to a service account"),
        ("unix:app1:svc_backup", "password login to a service account"),
    }


def test_key_seen_once_per_host_is_no_reuse(store: GraphStore) -> None:
    load(store, need_corpus() / "openssh_auth", year=2023)
    assert not [f for f in findings(store, now=NOW).findings if f.rule == "KT-NHI9-004"]
