"""Revocation across processes (issue 23 item 2): `keytrail token revoke` in one process stops a
token's mutations and token management in a running server from the next request, and a
revoked token cannot mint new ones."""

from __future__ import annotations

import inspect
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.auth import Role, TokenStore
from api.graphql.mutation import Mutation
from api.graphql.permissions import IsReader
from graph.errors import AuthError
from tests.fixtures.api.server import KEYTRAIL, SECRET, running_server, server_env

CREATE = 'mutation { createToken(role: ADMIN, name: "minted") { token record { id } } }'
REVIEW = 'mutation { recordReview(id: "x", decision: KEEP, reviewer: "a@example.com") { at } }'


def _post(base: str, token: str, query: str) -> dict[str, Any]:
    answer = httpx.post(
        f"{base}/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    return dict(answer.json())


def _code(body: dict[str, Any]) -> str:
    return str(body["errors"][0]["extensions"]["code"]) if body.get("errors") else "OK"


def test_revocation_in_another_process_stops_mutations_at_once(tmp_path: Path) -> None:
    tokens = TokenStore(tmp_path / "tokens.db", SECRET)
    admin, admin_token = tokens.create(Role.ADMIN, "to-revoke")
    _keeper, keeper_token = tokens.create(Role.ADMIN, "keeper")
    tokens.close()
    # remembered for longer than the test takes: the mutation must not rely on that memory
    env = server_env(tmp_path, KEYTRAIL_TOKEN_CACHE_SECONDS="600")
    with running_server(tmp_path, env=env) as server:
        # the server has seen the token valid, so it is remembered as valid
        assert _code(_post(server.base, admin_token, "{ tokens { id } }")) == "OK"
        revoked = subprocess.run(
            [*KEYTRAIL, "token", "revoke", admin.id], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert revoked.returncode == 0, revoked.stderr
        minted = _post(server.base, admin_token, CREATE)
        assert _code(minted) == "FORBIDDEN" and "revoked" in minted["errors"][0]["message"], minted
        # once found revoked it is not remembered either: refused at the door from then on
        assert _code(_post(server.base, admin_token, "{ tokens { id } }")) in {"FORBIDDEN", "UNAUTHENTICATED"}
        assert _code(_post(server.base, admin_token, REVIEW)) in {"FORBIDDEN", "UNAUTHENTICATED"}
        # the other admin token still works, and sees that nothing was minted
        listed = _post(server.base, keeper_token, "{ tokens { name } }")
        assert sorted(t["name"] for t in listed["data"]["tokens"]) == ["keeper", "to-revoke"], listed
        assert _code(_post(server.base, keeper_token, CREATE)) == "OK"


def test_a_revoked_creator_leaves_no_token(tmp_path: Path) -> None:
    tokens = TokenStore(tmp_path / "tokens.db", SECRET)
    creator, _ = tokens.create(Role.ADMIN, "creator")
    child, child_token = tokens.create(Role.READER, "child", created_by=creator.id)
    assert tokens.authenticate(child_token) is not None
    other = TokenStore(tmp_path / "tokens.db", SECRET)  # another connection, as another process has
    other.revoke(creator.id)
    other.close()
    with pytest.raises(AuthError):
        tokens.create(Role.ADMIN, "late", created_by=creator.id)
    assert sorted(r.name for r in tokens.list()) == ["child", "creator"] and tokens.is_active(child.id)
    assert not tokens.is_active(creator.id) and not tokens.is_active("no-such-id")
    tokens.close()


def test_every_mutation_checks_the_token_file() -> None:
    """Reader-level permission answers from memory; every mutation needs a class that checks again."""
    definition = Mutation.__strawberry_definition__  # type: ignore[attr-defined]
    for field in definition.fields:
        classes = field.permission_classes
        assert classes and all(not issubclass(c, IsReader) for c in classes), field.name
        assert all(inspect.iscoroutinefunction(c.has_permission) for c in classes), field.name
