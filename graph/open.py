"""Choosing a store: `--store` / `KEYTRAIL_STORE` is a path (embedded) or a Neo4j URI.

Neo4j credentials come from the URI's user-info or from `KEYTRAIL_NEO4J_USER` and
`KEYTRAIL_NEO4J_PASSWORD`; `describe_location` never shows a password.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

from graph.embedded import DEFAULT_PATH, EmbeddedStore
from graph.store import GraphStore

__all__ = ["NEO4J_SCHEMES", "describe_location", "is_neo4j_uri", "open_store", "store_location"]

NEO4J_SCHEMES = ("neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s", "bolt+ssc")


def store_location(location: str | None = None) -> str:
    return location or os.environ.get("KEYTRAIL_STORE") or str(DEFAULT_PATH)


def is_neo4j_uri(location: str) -> bool:
    return urlsplit(location).scheme in NEO4J_SCHEMES


def describe_location(location: str) -> str:
    """The location with any password removed, fit for logs and messages."""
    if not is_neo4j_uri(location):
        return location
    parts = urlsplit(location)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, "", ""))


def open_store(location: str | None = None) -> GraphStore:
    where = store_location(location)
    if is_neo4j_uri(where):
        from graph.neo4j_store import Neo4jStore

        neo4j_store: GraphStore = Neo4jStore.from_uri(where)
        return neo4j_store
    return EmbeddedStore(where)
