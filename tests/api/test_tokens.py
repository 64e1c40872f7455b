"""The token store and `keytrail token create|list|revoke`: hashes only, roles ordered, revocation, secret required."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.auth import Role, TokenStore, hash_token
from api.cli import cli
from api.settings import Settings, SettingsError
from graph.errors import AuthError, QueryError

SECRET = "token-test-secret-0123456789"


def test_store_keeps_only_keyed_hashes(tmp_path: Path) -> None:
    tokens = TokenStore(tmp_path / "tokens.db", SECRET)
    record, token = tokens.create(Role.LOADER, "ci")
    assert token.startswith("kt_") and len(token) > 40
    rows = sqlite3.connect(tmp_path / "tokens.db").execute("SELECT hash FROM tokens").fetchall()
    assert rows == [(hash_token(SECRET, token),)] and token not in (tmp_path / "tokens.db").read_bytes().decode(
        "latin-1"
    )
    principal = tokens.authenticate(token)
    assert principal is not None and (principal.role, principal.name, principal.token_id) == (
        Role.LOADER,
        "ci",
        record.id,
    )
    assert TokenStore(tmp_path / "tokens.db", "another-secret-0123456789").authenticate(token) is None
    assert tokens.authenticate("kt_" + "A" * 43) is None and tokens.authenticate("nope") is None
    tokens.revoke(record.id)
    assert tokens.authenticate(token) is None and tokens.list()[0].revoked_at
    with pytest.raises(QueryError):
        tokens.create("root")
    with pytest.raises(AuthError):
        TokenStore(tmp_path / "other.db", "")


def test_roles_are_ordered() -> None:
    assert Role.ADMIN.allows(Role.LOADER) and Role.LOADER.allows(Role.READER)
    assert not Role.READER.allows(Role.LOADER) and not Role.LOADER.allows(Role.ADMIN)


def test_settings_refuse_default_secrets_outside_demo() -> None:
    for bad in ("", "changeme", "secret", "short"):
        with pytest.raises(SettingsError):
            Settings(secret=bad).check_secret()
    Settings(secret="", demo=True).check_secret()
    Settings(secret=SECRET).check_secret()


def test_token_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    env = {"KEYTRAIL_SECRET": SECRET, "KEYTRAIL_STORE": str(tmp_path / "keytrail.db")}
    created = runner.invoke(cli, ["token", "create", "--role", "admin", "--name", "ops"], env=env)
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[0]
    assert token.startswith("kt_") and (tmp_path / "tokens.db").exists()
    listed = runner.invoke(cli, ["token", "list"], env=env)
    assert "admin" in listed.output and "ops" in listed.output and token not in listed.output
    token_id = listed.output.splitlines()[1].split()[0]
    revoked = runner.invoke(cli, ["token", "revoke", token_id], env=env)
    assert revoked.exit_code == 0 and f"revoked {token_id}" in revoked.output
    refused = runner.invoke(cli, ["token", "list"], env={**env, "KEYTRAIL_SECRET": ""})
    # the CLI turns a SettingsError into one located line and exit 1, never a traceback
    assert refused.exit_code == 1 and refused.output.startswith("error: KEYTRAIL_SECRET is empty")
