"""Hardening: the schema extensions that bound a document, and capped Relay-style paging.

Depth, token and alias limits are strawberry's own extensions (one line each; strawberry ≥
0.315.7 also counts aliases inside fragments); their rejections are coded TOO_COMPLEX by
api/graphql/errors.py. Introspection is removed unless enabled. Pages are cut from a query's
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
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from api.graphql.errors import ErrorCodes
from api.graphql.types_common import Connection, Edge, PageInfo
from api.settings import Settings
from graph.errors import QueryError

__all__ = ["Page", "decode_cursor", "encode_cursor", "extensions_for", "page_of"]

T = TypeVar("T")
_PREFIX = "o:"


def extensions_for(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Factories: strawberry builds a fresh extension per request from each.

    The depth and alias limiters each create their validation rule class when constructed; the
    classes are made once here and shared by every request, so a document seen before meets
    the same rules and ValidationCache answers from its cache (fresh classes per request made
    every request miss it and re-validate, ~2 ms for the accountability document).
    """
    rules = [
        *QueryDepthLimiter(max_depth=settings.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    if not settings.introspection_enabled:
        rules += DisableIntrospection().validation_rules
    return [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: AddValidationRules(rules),
        ErrorCodes,
        # the same documents arrive again and again (the web page, scripts): parse and validate
        # each once (the parse cache is keyed by the text and the token limit)
        ParseOnce,
        lambda: ValidationCache(maxsize=256),
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
