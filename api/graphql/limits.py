"""Hardening: the schema extensions that bound a document, and capped Relay-style paging.

The token limit is strawberry's own extension; depth, alias and expanded-field limits are
measured once per fragment by api/graphql/document_limits.py before validation (strawberry's
depth and alias limiters walk every expansion of a fragment, exponential in chained
fragments), and validation itself runs off the event loop. Rejections are coded TOO_COMPLEX
(api/graphql/errors.py). Introspection is removed unless enabled. Pages are cut from a query's
deterministic, sorted result: the cursor is the opaque offset of the last item, and `first`
is capped (KEYTRAIL_MAX_PAGE, default 200).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from graphql import DocumentNode, GraphQLError, parse
from strawberry.extensions import AddValidationRules, DisableIntrospection, MaxTokensLimiter, SchemaExtension

from api.graphql.document_limits import Limits, validate_off_loop
from api.graphql.errors import ErrorCodes
from api.graphql.types_common import Connection, Edge, PageInfo
from api.settings import Settings
from graph.errors import QueryError

__all__ = ["Page", "decode_cursor", "encode_cursor", "extensions_for", "page_of"]

T = TypeVar("T")
_PREFIX = "o:"


def extensions_for(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories: strawberry builds a fresh extension per request from each.

    The rule list is made once here and shared by every request, and validation results are
    cached by query text (api/graphql/document_limits.py): a document seen before is neither
    measured nor validated again (re-validating the accountability document took ~2 ms).
    """
    rules = [] if settings.introspection_enabled else list(DisableIntrospection().validation_rules)
    limits = Limits(
        max_fields=settings.max_fields,
        max_aliases=settings.max_aliases,
        max_depth=settings.max_depth,
        hide_suggestions=not settings.introspection_enabled,
    )
    return [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: AddValidationRules(rules),
        ErrorCodes,
        # the same documents arrive again and again (the web page, scripts): parse each once
        # (the parse cache is keyed by the text and the token limit)
        ParseOnce,
        validate_off_loop(limits),
    ]


@functools.lru_cache(maxsize=256)
def _parse(query: str, max_tokens: int | None) -> DocumentNode:
    return parse(query, max_tokens=max_tokens)


class ParseOnce(SchemaExtension):
    """strawberry's ParserCache, except that a document that fails to parse (too many tokens, a
    syntax error) is left to strawberry's own parse step: ParserCache raises from its hook,
    outside the step that turns the error into a response, so the error left uncoded."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            # on failure strawberry parses again and reports the error the usual way
            with contextlib.suppress(GraphQLError):
                context.graphql_document = _parse(context.query, context.parse_options.get("max_tokens"))
        yield


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{offset}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    """The offset after a cursor (0 without one); a cursor this API did not make is BAD_INPUT."""
    if cursor is None or cursor == "":
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if text.startswith(_PREFIX) and text[len(_PREFIX) :].isdigit():
            return int(text[len(_PREFIX) :]) + 1
    except (binascii.Error, UnicodeError, ValueError):
        pass
    raise QueryError(f"invalid cursor {cursor[:40]!r}: use a pageInfo.endCursor from this API")


class Page:
    """A requested window (`first` items after `after`), checked against the page cap."""

    def __init__(self, first: int, after: str | None, max_page: int) -> None:
        if not 1 <= first <= max_page:
            raise QueryError(f"first must be from 1 to {max_page}, got {first}")
        self.first = first
        self.offset = decode_cursor(after)
        if self.offset > 1_000_000:
            raise QueryError("cursor out of range")

    @property
    def need(self) -> int:
        """How many items a query must produce to fill this page and know whether another follows."""
        return self.offset + self.first + 1


def page_of(items: Sequence[T], page: Page, *, truncated: bool = False) -> Connection[T]:
    return window_of(items[page.offset : page.offset + page.first], page, len(items), truncated=truncated)


def window_of(window: Sequence[T], page: Page, total: int, *, truncated: bool = False) -> Connection[T]:
    """A connection over a window the query already cut (items[offset:offset + first] of `total`)."""
    edges = [Edge(cursor=encode_cursor(page.offset + i), node=item) for i, item in enumerate(window)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=total > page.offset + len(window),
            has_previous_page=page.offset > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        truncated=truncated,
    )
