"""Choosing a store: `--store` / `KEYTRAIL_STORE` is a path (embedded) or a Neo4j URI.

Neo4j credentials come from the URI's user-info or from `KEYTRAIL_NEO4J_USER` and
`KEYTRAIL_NEO4J_PASSWORD`; `describe_location` never shows a password.

Commands that only read (`query`, `findings`, `export`, `stats`) open with
`open_existing_store`: it never creates an embedded store, and refuses a missing or (unless
asked otherwise) empty one with a message naming the place it looked and why there — an empty
answer from the wrong store would read as an all-clear.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

from graph.embedded import DEFAULT_PATH, EmbeddedStore, store_file
from graph.errors import StoreError
from graph.schema import NodeKind
from graph.store import GraphStore

__all__ = [
    "NEO4J_SCHEMES",
    "describe_location",
    "is_neo4j_uri",
    "open_existing_store",
    "open_store",
    "store_location",
]

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


def _chosen_by(location: str | None) -> str:
    environment = os.environ.get("KEYTRAIL_STORE")
    # The command line passes KEYTRAIL_STORE's value as the option's default: name the variable then.
    if environment and location in (None, environment):
        return "KEYTRAIL_STORE"
    if location:
        return "--store"
    return "the default, as neither --store nor KEYTRAIL_STORE is set"


def _is_empty(store: GraphStore) -> bool:
    return not any(store.nodes_of_kind(kind, limit=1) for kind in NodeKind)


def open_existing_store(location: str | None = None, *, allow_empty: bool = False) -> GraphStore:
    """A store that already exists and holds a graph, for commands that only read.

    Raises StoreError naming the location (and how it was chosen) when an embedded store's file
    is missing, or when the store holds no node (unless `allow_empty`)."""
    where = store_location(location)
    shown = describe_location(where)
    hint = "load evidence with `keytrail load --store PATH FILE...` or point --store / KEYTRAIL_STORE at a loaded store"
    if not is_neo4j_uri(where) and not store_file(where).is_file():
        raise StoreError(f"no keytrail store at {store_file(where)} (from {_chosen_by(location)}): {hint}")
    store = open_store(where)
    if not allow_empty and _is_empty(store):
        store.close()
        raise StoreError(f"the store at {shown} (from {_chosen_by(location)}) is empty: {hint}")
    return store
