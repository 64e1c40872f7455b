"""Search text on both stores (issue 23 item 5): bounded in length (a QueryError, not the store's
own failure), with LIKE's `%` and `_` searched as the characters they are."""

from __future__ import annotations

import pytest

from graph.errors import QueryError
from graph.schema import NodeKind
from graph.store import SEARCH_TEXT_MAX, GraphStore
from tests.store_twins import node


def test_search_text_is_bounded(store: GraphStore) -> None:
    store.write([node("person:alice@example.com", NodeKind.PERSON, name="Alice")], [])
    with pytest.raises(QueryError, match=f"at most {SEARCH_TEXT_MAX}"):
        store.search("a" * 1_000_000)  # SQLite: "LIKE or GLOB pattern too complex" before
    with pytest.raises(QueryError):
        store.search("ö" * (SEARCH_TEXT_MAX + 1))  # the non-ASCII path too
    assert store.search("x" * SEARCH_TEXT_MAX) == []
    assert [n.id for n in store.search("alice")] == ["person:alice@example.com"]


def test_like_metacharacters_are_literal(store: GraphStore) -> None:
    store.write(
        [
            node("team:half-off", NodeKind.TEAM, name="50%_off"),
            node("team:fifty-x", NodeKind.TEAM, name="50x_off"),
            node("team:fifty-a", NodeKind.TEAM, name="50%aoff"),
            node("team:slash", NodeKind.TEAM, name="back\\slash"),
        ],
        [],
    )
    assert [n.id for n in store.search("50%_")] == ["team:half-off"]
    assert [n.id for n in store.search("%a")] == ["team:fifty-a"]
    assert [n.id for n in store.search("x_o")] == ["team:fifty-x"]
    assert [n.id for n in store.search("_")] == ["team:fifty-x", "team:half-off"]
    assert [n.id for n in store.search("k\\s")] == ["team:slash"]
    assert store.search("%%") == [] and store.search("5_%") == []
