"""Permission classes: a field declares the least role it needs; the check is never inline.

Authentication itself happens before GraphQL (api/app.py answers 401 without a valid token);
these classes add the role boundary. A denial is a GraphQL error coded FORBIDDEN and the HTTP
status of the response becomes 403.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.permission import BasePermission

from api.auth import Role
from api.graphql.context import Context

__all__ = ["IsAdmin", "IsLoader", "IsReader"]


class _HasRole(BasePermission):
    needed: Role = Role.READER
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: strawberry.Info[Context, Any], **kwargs: Any) -> bool:
        principal = info.context.principal
        if principal is not None and principal.role.allows(self.needed):
            return True
        self.message = f"this needs the {self.needed.value} role" + (
            f"; the token has {principal.role.value}" if principal else ""
        )
        if info.context.response is not None:
            info.context.response.status_code = 403
        return False


class IsReader(_HasRole):
    needed = Role.READER


class IsLoader(_HasRole):
    needed = Role.LOADER


class IsAdmin(_HasRole):
    needed = Role.ADMIN
