"""Every GraphQL error leaves with a stable `extensions.code`, and nothing internal leaves at all.

Codes: UNAUTHENTICATED, FORBIDDEN, BAD_INPUT, NOT_FOUND, TOO_COMPLEX, TIMEOUT, INTERNAL.
keytrail's exception tree maps onto them (graph/errors.py): NotFound -> NOT_FOUND, the other
QueryErrors, ModelError and LoadError -> BAD_INPUT (their messages are written for users),
AuthError -> FORBIDDEN. Documents rejected by validation are BAD_INPUT, or TOO_COMPLEX when a
depth, token or alias limit rejected them. Anything else — a bug, a store failure — becomes
INTERNAL with a fixed message; the exception is logged on the server, never sent.
"""

from __future__ import annotations

import logging
from typing import Final

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from api.graphql.pool import RequestTimeout
from graph.errors import AuthError, KeytrailError, LoadError, ModelError, NotFound, QueryError, StoreUnavailable

__all__ = ["CODES", "CodedError", "ErrorCodes", "code_of"]

log = logging.getLogger("keytrail.api")

CODES: Final = ("UNAUTHENTICATED", "FORBIDDEN", "BAD_INPUT", "NOT_FOUND", "TOO_COMPLEX", "TIMEOUT", "INTERNAL")

# Messages graphql-core and strawberry's limiters use when a document is too big or deep.
_TOO_COMPLEX_MARKERS: Final = ("exceeds maximum operation depth", "aliases found. Allowed", "tokens. Parsing aborted")


class CodedError(KeytrailError):
    """An error raised on purpose with its code and a message safe to show.

    A KeytrailError declared here rather than in graph/errors.py: its codes are the API's."""

    def __init__(self, code: str, message: str) -> None:
        assert code in CODES
        self.code = code
        super().__init__(message)


def code_of(error: GraphQLError) -> tuple[str, str]:
    """The code and the client-safe message of one error."""
    original = error.original_error
    if error.extensions and error.extensions.get("code") in CODES:
        return str(error.extensions["code"]), error.message
    if isinstance(original, CodedError):
        return original.code, str(original)
    if isinstance(original, NotFound):
        return "NOT_FOUND", str(original)
    if isinstance(original, QueryError | ModelError | LoadError):
        return "BAD_INPUT", str(original)
    if isinstance(original, AuthError):
        return "FORBIDDEN", str(original)
    if isinstance(original, RequestTimeout):
        return "TIMEOUT", "the request ran out of time; narrow it (depth, page size, filters)"
    if isinstance(original, StoreUnavailable):
        return "INTERNAL", "the graph store is unavailable"
    if original is None or isinstance(original, GraphQLError):
        # Parse and validation errors, and input coercion: about the document, safe to show.
        if any(marker in error.message for marker in _TOO_COMPLEX_MARKERS):
            return "TOO_COMPLEX", error.message
        return "BAD_INPUT", error.message
    log.error("internal error at %s", error.path, exc_info=original)
    return "INTERNAL", "internal error"


class ErrorCodes(MaskErrors):
    """MaskErrors that keeps keytrail's own messages, codes every error and hides the rest."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda _error: True, error_message="internal error")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        code, message = code_of(error)
        return GraphQLError(
            message=message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": code},
        )
