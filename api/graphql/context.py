"""The per-request GraphQL context: who is calling, the store pool, the deadline, the DataLoaders."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import anyio.to_thread
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from api.auth import Principal, TokenStore
from api.graphql.pool import StorePool
from api.graphql.principals import PrincipalCache
from api.settings import Settings

if TYPE_CHECKING:
    from api.graphql.types_common import GraphNodeType

__all__ = ["Context"]

T = TypeVar("T")


class Context(BaseContext):
    def __init__(
        self,
        *,
        settings: Settings,
        pool: StorePool,
        tokens: TokenStore,
        principals: PrincipalCache,
        principal: Principal | None,
        node_loader_factory: Callable[[Context], DataLoader[str, GraphNodeType | None]],
    ) -> None:
        super().__init__()
        self.settings = settings
        self.pool = pool
        self.tokens = tokens
        self.principals = principals
        self.principal = principal
        self.deadline = time.monotonic() + settings.request_timeout
        self.node_loader = node_loader_factory(self)
        self._still_valid: bool | None = None

    async def token_still_valid(self) -> bool:
        """Whether the caller's token is unrevoked in the token file now (read once per request)."""
        if self._still_valid is None:
            principal = self.principal
            self._still_valid = principal is not None and await anyio.to_thread.run_sync(
                self.tokens.is_active, principal.token_id
            )
            if not self._still_valid:
                self.principals.forget()  # revoked elsewhere: stop answering it from memory
        return self._still_valid

    async def run(self, function: Callable[..., T], /, *args: object, **kwargs: object) -> T:
        """A store function `function(store, *args, **kwargs)`, off the event loop, within the deadline."""
        return await self.pool.run(self.deadline, function, *args, **kwargs)
