"""Search through the API (issue 23 item 5): a 1 MB text is BAD_INPUT (it was INTERNAL, SQLite's
"LIKE or GLOB pattern too complex"), and `%` / `_` match only themselves, on both stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.schema import NodeKind
from graph.store import GraphStore
from tests.fixtures.api.harness import api_for
from tests.store_twins import node

pytestmark = pytest.mark.anyio
SEARCH = "query($text: String!) { search(text: $text) { edges { node { id } } } }"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_search_text_bounded_and_literal(store: GraphStore, tmp_path: Path) -> None:
    store.write([node("team:half-off", NodeKind.TEAM, name="50%_off"), node("team:x", NodeKind.TEAM, name="50x")], [])
    async with api_for(store, tmp_path) as api:
        status, code, message = await api.error(SEARCH, {"text": "a" * 1_000_000})
        assert (status, code) == (200, "BAD_INPUT") and "at most" in message
        found = await api.data(SEARCH, {"text": "0%"})
        assert [e["node"]["id"] for e in found["search"]["edges"]] == ["team:half-off"]
        found = await api.data(SEARCH, {"text": "5_"})
        assert found["search"]["edges"] == []
