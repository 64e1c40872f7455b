"""GitHub audit log: the real corpus events and fixtures in GitHub's export shapes, on both stores.

tests/fixtures/github_audit/org-audit-log.json is a REST `GET /orgs/{org}/audit-log` array: octo-dev
(the SCIM user Tomas Berg, offboarded) requests a fine-grained token, an admin grants it, the token
clones and pushes acme/shop from the runner's address (the push names only the token's hash); the
admin adds a secret, a runner and a deploy key and later removes octo-dev from the organisation.
org-audit-log.csv is the web UI's CSV export; audit-log-stream.jsonl holds malformed lines.
"""

from __future__ import annotations

from pathlib import Path

from graph import ids
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from queries.accountability import accountability
from queries.gaps import ownership_gaps
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import edges, errors, export_text, load, node

AUDIT = FIXTURES / "github_audit"
LOG = AUDIT / "org-audit-log.json"
CSV = AUDIT / "org-audit-log.csv"
STREAM = AUDIT / "audit-log-stream.jsonl"
TOKEN = ids.github_token("4242")
OCTO = ids.github_account("octo-dev")
TOMAS = ids.person("tomas.berg@acme.example")
SHOP = ids.github_repo("acme", "shop")
RUNNER = ids.github_runner("acme", "gh-runner-01")


def test_corpus_events_load_with_located_rejections(store: GraphStore) -> None:
    corpus = need_corpus()
    report = load(store, corpus / "github_audit" / "panther__GitHub.Audit.jsonl")
    assert report.files[0].loader == "github-audit"
    assert report.files[0].accepted == 64 and report.rejected == 34  # the rest are partial test objects
    messages = errors(report)
    assert sum("expected a time" in m for m in messages) == 30 and all(" line " in m for m in messages)
    sessions = store.nodes_of_kind(NodeKind.SESSION, limit=1000)
    assert sum(int(s.props["event_count"]) for s in sessions) == 64
    # the OAuth token of line 62 (hashed_token + token_id): a credential of its account, owned by its user
    token = ids.github_token("0123456789")
    assert node(store, token).subtype == "github.oauth_token"
    assert (ids.github_account("acme-inc-user"), token) in edges(store, EdgeKind.HAS_CREDENTIAL)
    assert (ids.github_user("acme-inc-user"), token) in edges(store, EdgeKind.OWNS)
    cloned = [e for (s, t), e in edges(store, EdgeKind.TOUCHED).items() if t == ids.github_repo("acme-inc", "a-repo")]
    assert cloned and cloned[0].props["actions"] == ["git.clone"]
    assert store.nodes_by_id([ids.github_repo("acme-inc", "a-repo")])[ids.github_repo("acme-inc", "a-repo")].kind == (
        NodeKind.REPOSITORY
    )


def test_audit_log_tokens_sessions_and_changes(store: GraphStore) -> None:
    report = load(
        store, FIXTURES / "people" / "scim-users.json", FIXTURES / "aws" / "ec2-describe-instances.json", LOG, CSV
    )
    audit = [f for f in report.files if f.loader == "github-audit"]
    assert sum(f.accepted for f in audit) == 12 and sum(f.rejected for f in audit) == 2
    # the token: by id, its hash tied to the id (the push and the CSV rows name only the hash)
    used = [e for (s, t), e in edges(store, EdgeKind.AUTHENTICATED_WITH).items() if t == TOKEN]
    assert sum(e.count for e in used) == 5 and not store.nodes_by_id([ids.github_token("", "x")])
    token = node(store, TOKEN)
    assert token.subtype == "github.personal_access_token" and token.props["status"] == "active"
    assert (OCTO, TOKEN) in edges(store, EdgeKind.HAS_CREDENTIAL)
    assert edges(store, EdgeKind.OWNS)[(TOMAS, TOKEN)].props["provenance"] == "inferred"  # octo-dev is Tomas (SCIM)
    clones = ids.session("github", "4242", "octo-dev", "2025-01-10T09:00:00Z")
    assert edges(store, EdgeKind.FROM)[(clones, RUNNER)].props["matched_by"] == "ip"
    assert edges(store, EdgeKind.TOUCHED)[(clones, SHOP)].props["actions"] == ["git.clone"]
    assert (TOMAS, clones) in edges(store, EdgeKind.STARTED)
    assert node(store, clones).props["auth_method"] == "token"
    # the admin's web session and what it changed
    secret = node(store, ids.github_secret("acme", "shop", "DEPLOY_TOKEN"))
    assert secret.props["credential_type"] == "ci_secret" and secret.props["status"] == "active"
    assert node(store, ids.github_runner("acme", "gh-runner-02")).props["hosted"] == "self"
    deploy_key = node(store, ids.ssh_key("SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8"))
    assert deploy_key.subtype == "github.deploy_key" and deploy_key.name == "release-bot"
    removal = next(
        n for n in store.nodes_of_kind(NodeKind.CHANGE, limit=100) if n.props["action"] == "org.remove_member"
    )
    assert removal.props["change_type"] == "revoke"
    assert {(removal.id, OCTO), (removal.id, TOMAS)} <= set(edges(store, EdgeKind.TARGETS))
    # the token of an offboarded person has no living owner
    assert accountability(store, TOKEN).verdict == "owner_offboarded"
    gap = next(g for g in ownership_gaps(store).gaps if g.owner is not None and g.owner.id == TOMAS)
    assert gap.gap_type == "owner_offboarded" and TOKEN in {s.id for s in gap.subjects}


def test_a_login_no_roster_knows_is_a_named_gap(store: GraphStore) -> None:
    load(store, LOG)
    person = node(store, ids.github_user("octo-dev"))
    assert person.subtype == "github.user" and person.props["usernames"] == ["octo-dev"]
    assert accountability(store, TOKEN).verdict == "owned"  # alive as far as this load knows


def test_stream_lines_reject_located_and_keep_the_good_ones(store: GraphStore) -> None:
    report = load(store, STREAM)
    assert report.files[0].accepted == 1 and report.rejected == 3
    messages = errors(report)
    for expected in (
        "line 2: field 'action': expected a non-empty string",
        "line 3: invalid JSON",
        "line 4: git.clone: malformed GitHub login 'bad login'",
    ):
        assert any(expected in m for m in messages), expected


def test_reload_is_idempotent(store: GraphStore) -> None:
    load(store, LOG, CSV, STREAM)
    first = export_text(store)
    load(store, LOG, CSV, STREAM)
    assert export_text(store) == first


def test_a_control_character_in_a_token_hash_rejects_its_row_named(tmp_path: Path) -> None:
    # Found by tests/loaders/test_fuzz.py: the hash became part of a session id that failed at
    # emission, after every row was read.
    from graph.embedded import EmbeddedStore

    lines = (AUDIT / "org-audit-log.csv").read_text().splitlines()
    lines[1] = lines[1].replace("Xk3Yf2pQ9wz0cF+8LmT6nR1sVb4uJhE7", "Xk3Yf2pQ9wz0cF+8LmT6nR1sVb4u\x1bhE7", 1)
    path = tmp_path / "org-audit-log.csv"
    path.write_text("\n".join(lines) + "\n")
    results = []
    for name, source in (("base", AUDIT / "org-audit-log.csv"), ("bad", path)):
        store = EmbeddedStore(tmp_path / f"{name}.db")
        try:
            results.append(load(store, source).files[0])
        finally:
            store.close()
    base, file = results
    assert not file.failure and (file.accepted, file.rejected) == (base.accepted - 1, base.rejected + 1)
    reason = "line 2: field 'hashed_token': expected at most 200 characters without spaces or control characters"
    assert any(reason in str(e) for e in file.errors)


def test_a_csv_field_past_the_csv_modules_limit_rejects_its_row_located(store: GraphStore, tmp_path: Path) -> None:
    # Found by bench/fuzz.py (issue 18): the csv module's field-size error ended the file's rows
    # (and, in the header, escaped as "cannot parse"); it is a located rejection like the
    # credential report's, and the rows after it still load.
    lines = CSV.read_text().splitlines()
    huge = lines[4].replace("git/2.43.0", "A" * 200_000, 1)
    path = tmp_path / "org-audit-log.csv"
    path.write_text("\n".join([*lines[:4], huge, *lines[4:]]) + "\n")
    base = load(store, CSV).files[0]
    file = load(store, path).files[0]
    assert not file.failure and (file.accepted, file.rejected) == (base.accepted, base.rejected + 1)
    assert f"{path}, line 5: malformed CSV: field larger than field limit (131072)" in [str(e) for e in file.errors]
    header = tmp_path / "header.csv"
    header.write_text("action," + "A" * 200_000 + "\n" + lines[1] + "\n")
    (failed,) = load(store, header).files
    assert not failed.failure and [str(e) for e in failed.errors] == [
        f"{header}, line 1: malformed CSV header: field larger than field limit (131072)"
    ]


def test_a_huge_actor_rejects_its_line_located_and_the_file_loads(store: GraphStore, tmp_path: Path) -> None:
    # panther__GitHub.Audit.jsonl#185 (bench/fuzz.py, seed 18): a 300,000-character actor became
    # part of a session id built in finish, failing the whole file; it is checked where the line is read.
    good = STREAM.read_text().splitlines()[0]
    bad = good.replace('"actor": "octo-dev"', '"actor": "' + "A" * 300_000 + '"', 1)
    assert bad != good
    path = tmp_path / "stream.jsonl"
    path.write_text(f"{good}\n{bad}\n")
    (file,) = load(store, path).files
    assert not file.failure and (file.accepted, file.rejected) == (1, 1)
    assert [str(e) for e in file.errors] == [
        f"{path}, line 2: field 'actor': 300,000 characters, more than the 400 an id allows"
    ]
