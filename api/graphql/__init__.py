"""keytrail's GraphQL API: types built from the query results, resolvers, permissions, limits, errors."""

from api.graphql.context import Context
from api.graphql.schema import build_schema

__all__ = ["Context", "build_schema"]
