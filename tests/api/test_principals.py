"""Remembered tokens (api/graphql/principals.py): valid ones skip the token file for a few
seconds, revocation elsewhere applies within that time, through the API at once."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from api.auth import Role, TokenStore
from api.graphql.principals import PrincipalCache
from tests.fixtures.api.harness import SECRET

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_revoked_elsewhere_is_refused_after_the_ttl(tmp_path: Path) -> None:
    tokens = TokenStore(tmp_path / "tokens.db", SECRET)
    record, token = tokens.create(Role.LOADER, "ci")
    cache = PrincipalCache(tokens, ttl=0.3)
    first = await cache.authenticate(token)
    assert first is not None and first.role is Role.LOADER and first.token_id == record.id
    tokens.revoke(record.id)  # as `keytrail token revoke` does, from another process
    assert await cache.authenticate(token) == first  # remembered, within the ttl
    await anyio.sleep(0.35)
    assert await cache.authenticate(token) is None
    assert await cache.authenticate(token) is None  # a refusal is not remembered as valid
    tokens.close()


async def test_forget_and_invalid_tokens(tmp_path: Path) -> None:
    tokens = TokenStore(tmp_path / "tokens.db", SECRET)
    record, token = tokens.create(Role.READER)
    cache = PrincipalCache(tokens, ttl=60)
    assert await cache.authenticate(token) is not None
    tokens.revoke(record.id)
    cache.forget()  # what the revokeToken mutation does after revoking
    assert await cache.authenticate(token) is None
    assert await cache.authenticate("kt_" + "x" * 43) is None
    assert await cache.authenticate("not-a-token") is None
    tokens.close()


async def test_bounded(tmp_path: Path) -> None:
    tokens = TokenStore(tmp_path / "tokens.db", SECRET)
    made = [tokens.create(Role.READER)[1] for _ in range(5)]
    cache = PrincipalCache(tokens, ttl=60, size=3)
    for token in made:
        assert await cache.authenticate(token) is not None
    assert len(cache._valid) <= 3
    tokens.close()
