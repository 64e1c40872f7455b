"""The strawberry schema: Query, Mutation and the hardening extensions chosen by the settings."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionContext

from api.graphql.executor import PlainFirstExecutor
from api.graphql.limits import extensions_for
from api.graphql.mutation import Mutation
from api.graphql.query import Query
from api.graphql.types_common import PACKED_SCALARS
from api.settings import Settings

__all__ = ["KeytrailSchema", "build_schema"]


class KeytrailSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Silence strawberry's per-error traceback log: expected errors (bad input, not found,
        forbidden) are answers, not incidents; ErrorCodes logs the unexpected ones."""


def build_schema(
    settings: Settings, *, executor: type[StrawberryGraphQLCoreExecutionContext] = PlainFirstExecutor
) -> strawberry.Schema:
    """The schema; `executor` is strawberry's own StrawberryGraphQLCoreExecutionContext only where
    a test compares PlainFirstExecutor's responses with it."""
    return KeytrailSchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions_for(settings),
        config=StrawberryConfig(auto_camel_case=True, scalar_map=PACKED_SCALARS),
        execution_context_class=executor,
    )
