"""The FastAPI application: GraphQL at /graphql, /healthz, /readyz, bearer-token authentication.

Every route except /healthz needs a valid token, checked here before any route runs: no or a
bad token is a 401 with a GraphQL-shaped body coded UNAUTHENTICATED. The one exception is the
web page's own files and routes (api/page.py): static, holding no data, and loaded by a browser
that cannot attach a bearer header to a page load — every query the page then sends carries the
token it keeps in session storage. Its query console replaces GraphiQL, whose page loaded its
scripts from a CDN. Roles are enforced
per field by permission classes (api/graphql/permissions.py). CORS stays off unless
KEYTRAIL_CORS_ORIGINS lists origins. A token found valid is remembered for a few seconds
(api/graphql/principals.py), so most requests are authenticated without a thread hop.
Request bodies are bounded by Content-Length when one is sent and by counting the bytes as
they arrive otherwise (chunked transfer): past the limit the answer is 413 BAD_INPUT.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.fastapi import GraphQLRouter

from api.auth import Principal, TokenStore
from api.graphql.context import Context
from api.graphql.dataloaders import node_loader
from api.graphql.pool import RequestTimeout, StorePool
from api.graphql.principals import PrincipalCache
from api.graphql.schema import build_schema
from api.page import PAGE_DIR, Page, mount_page
from api.settings import Settings
from graph.open import describe_location
from graph.schema import NodeKind
from graph.store import GraphStore

__all__ = ["create_app"]

OPEN_PATHS = frozenset({"/healthz"})


def _error_body(code: str, message: str) -> bytes:
    return json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()


class BearerAuth:
    """Pure ASGI middleware: resolves `Authorization: Bearer kt_...` to a Principal or answers 401."""

    def __init__(self, app: ASGIApp, principals: PrincipalCache, settings: Settings, page: Page) -> None:
        self.app = app
        self.principals = principals
        self.settings = settings
        self.page = page
        self.body_limit = settings.max_upload_bytes * 4 // 3 + 64 * 1024

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS or self.page.serves(scope):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if int(headers.get(b"content-length", b"0") or 0) > self.body_limit:
            await self._reply(send, 413, "BAD_INPUT", "request body too large")
            return
        principal: Principal | None = None
        scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            principal = await self.principals.authenticate(token.strip())
        if principal is None:
            message = "a valid API token is required: Authorization: Bearer kt_..."
            await self._reply(send, 401, "UNAUTHENTICATED", message, {"www-authenticate": "Bearer"})
            return
        scope.setdefault("state", {})["principal"] = principal
        await BoundedBody(self.body_limit, receive, send).run(self.app, scope)

    @staticmethod
    async def _reply(send: Send, status: int, code: str, message: str, extra: dict[str, str] | None = None) -> None:
        body = _error_body(code, message)
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        headers += [(k.encode(), v.encode()) for k, v in (extra or {}).items()]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class BoundedBody:
    """One request whose body is counted as it arrives: Content-Length is checked before, but a
    chunked body has none, and was read whole (a 200 MB one took the server from 289 to 546 MB).
    Past the limit the client gets 413 BAD_INPUT, the app is told the client went away (so it
    stops reading), and whatever the app still tries to send is dropped."""

    def __init__(self, limit: int, receive: Receive, send: Send) -> None:
        self.limit = limit
        self.received = 0
        self.refused = False
        self.started = False
        self._receive = receive
        self._send = send

    async def run(self, app: ASGIApp, scope: Scope) -> None:
        await app(scope, self.receive, self.send)

    async def receive(self) -> Message:
        if self.refused:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                self.refused = True
                if not self.started:  # a response under way cannot become a 413: the connection just ends
                    await BearerAuth._reply(self._send, 413, "BAD_INPUT", "request body too large")
                return {"type": "http.disconnect"}
        return message

    async def send(self, message: Message) -> None:
        if self.refused:
            return
        self.started = self.started or message["type"] == "http.response.start"
        await self._send(message)


class Router(GraphQLRouter[Any, None]):
    """strawberry's router with orjson: encoding a 10k-node answer with json.dumps took ~100 ms."""

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)  # orjson.JSONDecodeError is a json.JSONDecodeError: same 400


def _probe(store: GraphStore) -> int:
    return len(store.nodes_of_kind(NodeKind.PERSON, limit=1))


def create_app(settings: Settings, *, pool: StorePool | None = None, tokens: TokenStore | None = None) -> FastAPI:
    """The app over one store pool and token file (opened now; closed when the app shuts down)."""
    pool = pool or StorePool(settings.store_location, settings.store_pool)
    tokens = tokens or TokenStore(settings.token_path, settings.secret)
    schema = build_schema(settings)
    principals = PrincipalCache(tokens, ttl=settings.token_cache_seconds)

    def context_for(principal: Principal | None) -> Context:
        return Context(
            settings=settings,
            pool=pool,
            tokens=tokens,
            principals=principals,
            principal=principal,
            node_loader_factory=node_loader,
        )

    async def get_context(request: Request) -> Context:
        return context_for(getattr(request.state, "principal", None))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        pool.close()
        tokens.close()

    app = FastAPI(title="keytrail", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    graphql = Router(schema, context_getter=get_context, graphql_ide=None)
    app.include_router(graphql, prefix="/graphql")

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        context = context_for(None)
        try:
            await context.run(_probe)
        except Exception as exc:  # any failure to read means not ready; the reason names only its type
            reason = "timeout" if isinstance(exc, RequestTimeout) else type(exc).__name__
            return JSONResponse(
                {"status": "unavailable", "store": describe_location(pool.location), "reason": reason}, 503
            )
        return JSONResponse({"status": "ready", "store": describe_location(pool.location)})

    page = Page.scan(settings.page_dir or PAGE_DIR)
    mount_page(app, page)
    app.add_middleware(BearerAuth, principals=principals, settings=settings, page=page)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type"],
        )  # fmt: skip
    app.state.pool, app.state.tokens, app.state.settings = pool, tokens, settings
    return app
