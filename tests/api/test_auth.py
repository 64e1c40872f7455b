"""Authentication and every role boundary, through the real ASGI app (no store data needed: embedded)."""

# ruff: noqa: UP031  (GraphQL documents are full of braces)

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from api.auth import Role
from graph.embedded import EmbeddedStore
from tests.fixtures.api.harness import Api, api_for

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def api(embedded_store: EmbeddedStore, tmp_path: Path) -> AsyncIterator[Api]:
    async with api_for(embedded_store, tmp_path) as client:
        yield client


async def test_every_route_but_healthz_needs_a_token(api: Api) -> None:
    assert (await api.client.get("/healthz")).json() == {"status": "ok"}
    for method, path in (("GET", "/readyz"), ("POST", "/graphql"), ("GET", "/graphql"), ("GET", "/nope")):
        response = await api.client.request(method, path)
        assert response.status_code == 401, (method, path)
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    for bad in ("Bearer kt_wrong", "Bearer ", "Basic abc", "kt_" + "x" * 43):
        response = await api.client.post("/graphql", json={"query": "{ me { role } }"}, headers={"Authorization": bad})
        assert response.status_code == 401


async def test_readyz_reports_the_store(api: Api) -> None:
    response = await api.client.get("/readyz", headers={"Authorization": f"Bearer {api.tokens[Role.READER]}"})
    assert response.status_code == 200 and response.json()["status"] == "ready"


async def test_role_boundaries(api: Api) -> None:
    me = await api.data("{ me { role name } }", role=Role.LOADER)
    assert me["me"] == {"role": "LOADER", "name": "test-loader"}
    review = 'mutation { recordReview(id: "x:y", decision: KEEP, reviewer: "a@b.io") { at } }'
    assert (await api.error(review, role=Role.READER))[:2] == (403, "FORBIDDEN")
    assert (await api.error(review, role=Role.LOADER))[1] == "NOT_FOUND"  # allowed through, then no such node
    ingest = 'mutation { ingestFile(filename: "a.json", contentBase64: "e30=") { accepted } }'
    assert (await api.error(ingest, role=Role.READER))[:2] == (403, "FORBIDDEN")
    for role in (Role.READER, Role.LOADER):
        assert (await api.error("{ tokens { id } }", role=role))[:2] == (403, "FORBIDDEN")
        status, code, _ = await api.error("mutation { createToken(role: ADMIN) { token } }", role=role)
        assert (status, code) == (403, "FORBIDDEN")
    assert len((await api.data("{ tokens { id role } }", role=Role.ADMIN))["tokens"]) == 3


async def test_admin_creates_and_revokes_tokens(api: Api) -> None:
    created = await api.data(
        'mutation { createToken(role: LOADER, name: "ci") { token record { id role } } }', role=Role.ADMIN
    )
    token, token_id = created["createToken"]["token"], created["createToken"]["record"]["id"]
    assert token.startswith("kt_") and created["createToken"]["record"]["role"] == "LOADER"
    headers = {"Authorization": f"Bearer {token}"}
    response = await api.client.post("/graphql", json={"query": "{ me { role } }"}, headers=headers)
    assert response.json()["data"]["me"]["role"] == "LOADER"
    revoked = await api.data('mutation { revokeToken(id: "%s") { revokedAt } }' % token_id, role=Role.ADMIN)
    assert revoked["revokeToken"]["revokedAt"]
    response = await api.client.post("/graphql", json={"query": "{ me { role } }"}, headers=headers)
    assert response.status_code == 401
    assert (await api.error('mutation { revokeToken(id: "nope") { id } }', role=Role.ADMIN))[1] == "NOT_FOUND"
    assert token not in (api.token_store.path.read_bytes().decode("latin-1"))  # only hashes on disk


async def test_no_graphiql_page_even_in_demo(embedded_store: EmbeddedStore, tmp_path: Path) -> None:
    """GraphiQL loaded its scripts from a CDN (issue 22.3): the web page's console replaces it."""
    html = {"Accept": "text/html"}
    async with api_for(embedded_store, tmp_path, demo=True) as on:
        assert (await on.client.get("/graphql", headers=html)).status_code == 401
        answer = await on.client.get("/graphql", headers={**html, "Authorization": f"Bearer {on.tokens[Role.READER]}"})
        assert "graphiql" not in answer.text.lower()
