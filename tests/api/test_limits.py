"""Hardening through the ASGI app: depth, token and alias limits, page caps, timeout, masking, introspection, CORS."""

# ruff: noqa: UP031  (GraphQL documents are full of braces)

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from graph.store import GraphStore
from tests.fixtures.api.harness import Api, api_for
from tests.fixtures.queries.scenario import build_scenario

pytestmark = pytest.mark.anyio
KEY = "aws:key:AKIADEPLOY0000000001"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def api(embedded_store: EmbeddedStore, tmp_path: Path) -> AsyncIterator[Api]:
    build_scenario().write(embedded_store)
    async with api_for(embedded_store, tmp_path, max_depth=5, max_aliases=3, max_tokens=300, max_page=20) as client:
        yield client


async def test_depth_limit(api: Api) -> None:
    assert await api.data('{ accountability(id: "%s") { chains { hops { sourceNode { id } } } } }' % KEY)
    status, code, message = await api.error(
        "{ findings(first: 5) { findings { edges { node { evidence { sourceNode { id } } } } } } }"
    )
    assert (status, code) == (200, "TOO_COMPLEX"), message
    fragment = "fragment F on Hop { sourceNode { id } } "
    via_fragment = fragment + "{ findings(first: 5) { findings { edges { node { evidence { ...F } } } } } }"
    assert (await api.error(via_fragment))[1] == "TOO_COMPLEX"


async def test_alias_limit_counts_aliases_in_fragments(api: Api) -> None:
    assert (await api.data("{ a: me { role } b: me { role } }"))["a"]
    _, code, message = await api.error("{ a: me { role } b: me { role } c: me { role } d: me { role } }")
    assert (code, "aliases" in message) == ("TOO_COMPLEX", True)
    via_fragment = "fragment F on Query { a: me { role } b: me { role } } { ...F c: me { role } d: me { role } }"
    assert (await api.error(via_fragment))[1] == "TOO_COMPLEX"


async def test_token_limit(api: Api) -> None:
    huge = "{ " + " ".join("me { role name tokenId }" for _ in range(80)) + " }"
    assert (await api.error(huge))[1] == "TOO_COMPLEX"


async def test_page_size_cap_and_bad_cursor(api: Api) -> None:
    status, code, message = await api.error("{ ownershipGaps(first: 21) { counts { key } } }")
    assert (status, code) == (200, "BAD_INPUT") and "1 to 20" in message
    assert (await api.error('{ ownershipGaps(first: 5, after: "garbage") { counts { key } } }'))[1] == "BAD_INPUT"
    assert (await api.error("{ ownershipGaps(first: 0) { counts { key } } }"))[1] == "BAD_INPUT"


async def test_codes_for_bad_input_and_not_found(api: Api) -> None:
    assert (await api.error('{ blastRadius(id: "%s", maxDepth: 99) { maxDepth } }' % KEY))[1] == "BAD_INPUT"
    assert (await api.error('{ accountability(id: "aws:key:NOPE") { verdict } }'))[1] == "NOT_FOUND"
    assert (await api.error("{ nope }"))[1] == "BAD_INPUT"
    assert (await api.error("{ me { role }"))[1] == "BAD_INPUT"  # syntax error


async def test_internal_errors_are_masked(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    import api.graphql.query as query_module

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(query_module, "run_accountability", broken)
    response = await api.gql('{ accountability(id: "%s") { verdict } }' % KEY)
    error = response.json()["errors"][0]
    assert error == {**error, "message": "internal error", "extensions": {"code": "INTERNAL"}}
    assert "passwd" not in response.text and "Traceback" not in response.text


async def test_timeout(store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import api.graphql.query as query_module

    build_scenario().write(store)

    def slow(*_args: object, **_kwargs: object) -> None:
        time.sleep(1.0)

    monkeypatch.setattr(query_module, "run_accountability", slow)
    async with api_for(store, tmp_path, request_timeout=0.2) as api:
        started = time.monotonic()
        status, code, _ = await api.error('{ accountability(id: "%s") { verdict } }' % KEY)
        assert (status, code) == (200, "TIMEOUT") and time.monotonic() - started < 0.9


async def test_introspection_off_by_default_on_in_demo(embedded_store: EmbeddedStore, tmp_path: Path) -> None:
    query = "{ __schema { queryType { name } } }"
    async with api_for(embedded_store, tmp_path / "serve") as api:
        assert (await api.error(query))[1] == "BAD_INPUT"
    async with api_for(embedded_store, tmp_path / "demo", demo=True) as api:
        assert (await api.data(query))["__schema"]["queryType"]["name"] == "Query"


async def test_cors_off_unless_configured(embedded_store: EmbeddedStore, tmp_path: Path) -> None:
    preflight = {"Origin": "https://ui.example", "Access-Control-Request-Method": "POST"}
    async with api_for(embedded_store, tmp_path / "off") as api:
        response = await api.client.options("/graphql", headers=preflight)
        assert "access-control-allow-origin" not in response.headers
    async with api_for(embedded_store, tmp_path / "on", cors_origins=["https://ui.example"]) as api:
        response = await api.client.options("/graphql", headers=preflight)
        assert response.headers["access-control-allow-origin"] == "https://ui.example"
