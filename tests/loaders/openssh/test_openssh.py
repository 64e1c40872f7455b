"""The OpenSSH auth-log loader on the real corpus files and on fixtures in the same framings, both stores."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import cli
from graph.schema import EdgeKind
from graph.store import GraphStore
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import edges, errors, export_text, load, node

OPENSSH = FIXTURES / "openssh"
APP1 = OPENSSH / "app1.auth.log"
BASTION = OPENSSH / "bastion.journal.json"
DEPLOY_KEY = "ssh:SHA256:fm8KM/d1CnOHDkcdcUWel/AJly8O3tIWSfPrTXcHi5E"


def test_corpus_logs_give_sessions_keys_and_accounts(store: GraphStore) -> None:
    report = load(store, need_corpus() / "openssh_auth", year=2023)
    assert errors(report) == []
    session = node(store, "session:ssh:bullseye:581:2023-09-06T09:57:21Z")
    assert session.subtype == "ssh.session" and session.props["auth_method"] == "publickey"
    assert session.props["host"] == "host:bullseye"
    # the same line in two copies of the log (the impossible-travel file edits only the IP): one session
    assert session.props["source_ips"] == ["1.2.3.4", "192.168.121.1"]
    used = edges(store, EdgeKind.AUTHENTICATED_WITH)
    reused = "ssh:SHA256:kzfjfps/WFgXAdNgzvHBLuI072Y+f+91rpinXJAAvkM"
    assert {s for s, t in used if t == reused} == {
        "session:ssh:bullseye:812:2023-09-06T09:57:24Z",
        "session:ssh:bullseye:855:2023-09-06T09:57:30Z",
    }
    assert (
        "session:ssh:localhost:3402:2023-02-21T21:54:44Z",
        "ssh:MD5:39:33:99:e9:a0:dc:f2:33:a3:e5:72:3b:7c:3a:56:84",
    ) in used
    key = node(store, reused)
    assert key.subtype == "ssh.key" and key.props["credential_type"] == "ssh_key"
    assert ("unix:bullseye:vagrant", reused) in edges(store, EdgeKind.HAS_CREDENTIAL)
    password = node(store, "session:ssh:bullseye:12032:2023-09-06T10:00:56Z")
    assert password.props["auth_method"] == "password"
    assert node(store, "unix:localhost:vagrant").props["nature"] == "machine"
    assert node(store, "unix:bullseye:test").props["nature"] == "unknown"
    # sudo on the terminal of vagrant's open session is a command of that session, as root
    sudo = edges(store, EdgeKind.TOUCHED)[("session:ssh:localhost:3402:2023-02-21T21:54:44Z", "unix:localhost:root")]
    assert sudo.props["commands"] == ["/bin/ls"] and sudo.props["actions"] == ["sudo"]
    assert any("2 failed SSH attempts" in note for note in report.notes)
    assert any("2 sudo commands with no SSH session" in note for note in report.notes)
    assert any("--year 2023" in note for note in report.notes)


def test_fixture_sessions_close_count_failures_and_mask_commands(store: GraphStore) -> None:
    report = load(store, APP1)
    assert errors(report) == [
        f"{APP1.as_posix()}, line 14: not a syslog or journald line",
        f"{APP1.as_posix()}, line 15: malformed timestamp '2024-13-45T99:00:00+00:00'",
        f"{APP1.as_posix()}, line 16: an sshd accepted line without a pid",
        f"{APP1.as_posix()}, line 17: malformed SSH fingerprint 'SHA256:tooShort'",
    ]
    first = node(store, "session:ssh:app1:2201:2024-11-12T21:40:15Z")
    assert first.props["ended_at"] == "2024-11-12T21:50:00Z"  # session closed
    assert first.props["auth_method"] == "keyboard-interactive" and first.props["error_count"] == 1
    assert first.props["interactive"] is True  # sudo from pts/0
    # pid 2201 logs in again after its session closed: a new session, not a stretched one
    again = node(store, "session:ssh:app1:2201:2024-11-12T23:00:00Z")
    assert again.props["principal"] == "svc_backup" and again.props["auth_method"] == "password"
    assert node(store, "unix:app1:svc_backup").props["nature"] == "machine"
    sudo = edges(store, EdgeKind.TOUCHED)[("session:ssh:app1:2201:2024-11-12T21:40:15Z", "unix:app1:root")]
    assert sudo.props["commands"] == ["/usr/bin/mysql -uroot -p**** app"]
    assert "FixtureDbPass123" not in export_text(store)
    cert = edges(store, EdgeKind.AUTHENTICATED_WITH)
    alice = "session:ssh:app1:2302:2024-11-12T22:03:00Z"
    assert {t for s, t in cert if s == alice} == {
        "ssh:SHA256:LhW0BSXEYOKCzQfzGDei2/kA/FPd1DqPToTA1LtsUMI",
        "ssh:SHA256:aVkJcAHRBQGsfVTAvbjbYUIPZY8pIswm5G1TYRmjESY",  # the CA that signed the certificate
    }
    assert "unix:app1:admin2" not in export_text(store)  # an invalid user is an attempt, not an account
    assert "session:ssh:app1:2500" not in export_text(store)  # the rejected line left nothing behind
    assert node(store, "host:app1").props["private_ips"] == ["10.0.1.20"]
    assert any("3 failed SSH attempts" in note for note in report.notes)


def test_hop_from_bastion_session_to_app_login(store: GraphStore) -> None:
    """The bastion's journald export and the app host's syslog meet: deploy's login to app1 from the
    bastion's address, while alice was on the bastion, came FROM alice's session; the earlier login
    from the same address, with no bastion session on record, is named as a missing hop."""
    report = load(store, BASTION, APP1)
    hop = edges(store, EdgeKind.FROM)[
        ("session:ssh:app1:2301:2024-11-12T22:01:00Z", "session:ssh:bastion:900:2024-11-12T22:00:01Z")
    ]
    assert hop.props == {"matched_by": "session_on_host", "ips": ["10.0.0.5"], "gap_seconds": 59}
    assert [e.source for e in hop.evidence][:1] == [APP1.as_posix()]
    # the earlier login from the bastion's address: FROM the bastion host, but from no session on it
    earlier = [k for k in edges(store, EdgeKind.FROM) if k[0] == "session:ssh:app1:2201:2024-11-12T21:40:15Z"]
    assert earlier == [("session:ssh:app1:2201:2024-11-12T21:40:15Z", "host:bastion")]
    assert any("the hop before them is missing" in n and "session:ssh:app1:2201:2024-11-12T21:40:15Z" in n
               for n in report.notes)  # fmt: skip
    assert [e for e in errors(report) if "bastion" in e] == [
        f"{BASTION.as_posix()}, line 5: journald entry with a malformed __REALTIME_TIMESTAMP 'not-a-number'"
    ]


def test_hop_found_whichever_log_loads_first(store: GraphStore) -> None:
    load(store, APP1)
    load(store, BASTION)
    assert ("session:ssh:app1:2301:2024-11-12T22:01:00Z", "session:ssh:bastion:900:2024-11-12T22:00:01Z") in edges(
        store, EdgeKind.FROM
    )


def test_year_from_file_time_rolls_back_across_new_year(store: GraphStore, tmp_path: Path) -> None:
    copy = tmp_path / "edge1.log"
    shutil.copy(OPENSSH / "year.syslog", copy)
    written = datetime(2025, 1, 2, 8, 0, tzinfo=UTC).timestamp()
    os.utime(copy, (written, written))
    report = load(store, copy)
    assert node(store, "session:ssh:edge1:77:2024-12-31T23:59:00Z").props["principal"] == "ubuntu"
    assert node(store, "session:ssh:edge1:78:2025-01-01T00:01:00Z").props["principal"] == "ubuntu"
    # Feb 30 falls after the file's date, so the rule puts it in 2024 — where it does not exist either
    assert errors(report) == [f"{copy.as_posix()}, line 3: no such date: 2024-02-30 00:01:00"]
    assert any("modification time (2025-01-02)" in note for note in report.notes)


def test_reload_is_idempotent(store: GraphStore) -> None:
    load(store, OPENSSH, year=2024)
    first = export_text(store)
    load(store, OPENSSH, year=2024)
    assert export_text(store) == first


def test_key_meets_the_scanner_finding_of_its_private_key(store: GraphStore, tmp_path: Path) -> None:
    """The OpenSSH private key trufflehog found (a public canary) is the key sshd accepted: one Credential."""
    report_file = need_corpus() / "trufflehog_report" / "defectdojo__trufflehog_v3_git.json"
    load(store, report_file, repository="trufflesecurity/test_keys")
    # the finding's id is the fingerprint of the public key inside the private key (loaders/scanners/identify.py)
    fingerprint = next(part for part in export_text(store).split('"') if part.startswith("ssh:SHA256:"))
    log = tmp_path / "auth.log"
    log.write_text(
        "2024-11-12T22:01:00+00:00 web9 sshd[10]: Accepted publickey for git from 192.0.2.7 port 1 ssh2: "
        f"ED25519 {fingerprint.removeprefix('ssh:')}\n"
    )
    load(store, log)
    key = node(store, fingerprint)
    assert {"trufflehog", "openssh-auth"} <= set(key.sources)
    assert ("session:ssh:web9:10:2024-11-12T22:01:00Z", fingerprint) in edges(store, EdgeKind.AUTHENTICATED_WITH)


def test_cli_year_option_and_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYTRAIL_HMAC_KEY", "cli-test-key")
    monkeypatch.delenv("KEYTRAIL_STORE", raising=False)
    database = str(tmp_path / "store" / "keytrail.db")
    runner = CliRunner()
    loaded = runner.invoke(cli, ["load", "--store", database, "--year", "2023", str(need_corpus() / "openssh_auth")])
    assert loaded.exit_code == 0, loaded.output
    assert "classic syslog lines carry no year; it came from --year 2023" in loaded.output
    exported = runner.invoke(cli, ["export", "--store", database])
    assert "session:ssh:bullseye:581:2023-09-06T09:57:21Z" in exported.output
    bad = runner.invoke(cli, ["load", "--store", database, "--year", "99", str(need_corpus() / "openssh_auth")])
    assert bad.exit_code == 2 and "--year" in bad.output
