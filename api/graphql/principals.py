"""Recently checked tokens, so most requests authenticate without the token file or a thread.

Checking a token reads the token file (SQLite), which is blocking work and so ran in a worker
thread on every request: on a busy two-core machine waking that thread cost 1-3 ms, more than
the rest of a small query. A token found valid is remembered, under a SHA-256 of the token
(the plain token is not kept), for `ttl` seconds; only a miss goes to the file, in a thread.
Invalid tokens are never remembered, so they always meet the file.

The price is revocation delay for reading only: a token revoked through this server's API
stops working at once (the mutation calls `forget`), one revoked by `keytrail token revoke`
in another process stops reading within `ttl` seconds (KEYTRAIL_TOKEN_CACHE_SECONDS, default
5). Mutations and token management never rely on this memory: their permission classes check
the token file again (api/graphql/permissions.py). Roles cannot change, so a remembered principal stays right.
"""

from __future__ import annotations

import hashlib
import time

import anyio.to_thread

from api.auth import Principal, TokenStore

__all__ = ["PrincipalCache"]


class PrincipalCache:
    def __init__(self, tokens: TokenStore, ttl: float = 5.0, size: int = 4096) -> None:
        self.tokens = tokens
        self.ttl = ttl
        self.size = size
        self._valid: dict[bytes, tuple[Principal, float]] = {}

    async def authenticate(self, token: str) -> Principal | None:
        """The principal of a valid token, from memory when checked within `ttl` seconds."""
        key = hashlib.sha256(token.encode()).digest()
        remembered = self._valid.get(key)
        now = time.monotonic()
        if remembered is not None and remembered[1] > now:
            return remembered[0]
        principal = await anyio.to_thread.run_sync(self.tokens.authenticate, token)
        if principal is None:
            self._valid.pop(key, None)
            return None
        if len(self._valid) >= self.size:  # many distinct valid tokens: start over rather than grow
            self._valid.clear()
        self._valid[key] = (principal, now + self.ttl)
        return principal

    def forget(self) -> None:
        """Drop every remembered token (after a revocation through the API)."""
        self._valid.clear()
