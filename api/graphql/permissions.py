"""Permission classes: a field declares the least role it needs; the check is never inline.

Authentication itself happens before GraphQL (api/app.py answers 401 without a valid token);
these classes add the role boundary. A denial is a GraphQL error coded FORBIDDEN and the HTTP
status of the response becomes 403.

Authentication before GraphQL may answer from memory (api/graphql/principals.py: a token
revoked by another process stays valid there for a few seconds). That is fine for reading,
not for changing anything: every field that needs more than the reader role — every mutation
and token management — checks again, in the token file, that the token is still unrevoked
(once per request), so a revocation takes effect before the next such request.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.permission import BasePermission

from api.auth import Role
from api.graphql.context import Context

__all__ = ["IsAdmin", "IsLoader", "IsReader"]


def _role_allows(permission: BasePermission, needed: Role, info: strawberry.Info[Context, Any]) -> bool:
    """Whether the caller's role reaches `needed`; otherwise sets the denial's message and 403."""
    principal = info.context.principal
    if principal is not None and principal.role.allows(needed):
        return True
    permission.message = f"this needs the {needed.value} role" + (
        f"; the token has {principal.role.value}" if principal else ""
    )
    if info.context.response is not None:
        info.context.response.status_code = 403
    return False


class _HasRole(BasePermission):
    needed: Role = Role.READER
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: strawberry.Info[Context, Any], **kwargs: Any) -> bool:
        return _role_allows(self, self.needed, info)


class _HasRoleNow(BasePermission):
    """The role, and a token still unrevoked in the token file at this moment."""

    needed: Role = Role.LOADER
    error_extensions = {"code": "FORBIDDEN"}

    async def has_permission(self, source: Any, info: strawberry.Info[Context, Any], **kwargs: Any) -> bool:
        if not _role_allows(self, self.needed, info):
            return False
        if await info.context.token_still_valid():
            return True
        self.message = "this token has been revoked"
        if info.context.response is not None:
            info.context.response.status_code = 403
        return False


class IsReader(_HasRole):
    needed = Role.READER


class IsLoader(_HasRoleNow):
    needed = Role.LOADER


class IsAdmin(_HasRoleNow):
    needed = Role.ADMIN
