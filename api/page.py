"""The web page (frontend/, built into api/static/): its files and client-side routes, served at `/`.

The page's files hold no data — every answer comes from /graphql with the bearer token the
page keeps in session storage — and a browser cannot attach a bearer header to a page load,
so `BearerAuth` lets exactly these requests through without a token: GET or HEAD of a file
the build wrote, or of one of the page's own routes (which all answer index.html, so a shared
link like /node/<id> opens the page, and the page then asks the API). Everything else still
needs a token. Every answer carries a Content-Security-Policy that allows this origin only:
no script, style, font, image or connection elsewhere, no framing.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from fastapi import FastAPI
from fastapi.responses import FileResponse, PlainTextResponse, Response
from starlette.types import Scope

__all__ = ["PAGE_DIR", "PAGE_ROUTES", "PAGE_ROUTE_PREFIXES", "SECURITY_HEADERS", "Page", "mount_page"]

PAGE_DIR: Final = Path(__file__).resolve().parent / "static"

PAGE_ROUTES: Final = ("/", "/signin", "/search", "/story", "/findings", "/gaps", "/shared", "/console")
"""The page's client-side routes (frontend/src/routes.ts), matched exactly."""
PAGE_ROUTE_PREFIXES: Final = ("/node/", "/blast/", "/story/")
"""The page's routes that take a node id after the prefix."""

CSP: Final = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS: Final = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}

NOT_BUILT: Final = "keytrail's web page is not built: run `make demo` or `make page` (needs Node 20).\n"


@dataclass(frozen=True)
class Page:
    """The built page: which URL paths are its files, read once when the app starts."""

    directory: Path
    files: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def scan(cls, directory: Path) -> Page:
        files = {}
        if directory.is_dir():
            for path in sorted(directory.rglob("*")):
                if path.is_file():
                    files["/" + path.relative_to(directory).as_posix()] = path
        return cls(directory, files)

    @property
    def index(self) -> Path | None:
        return self.files.get("/index.html")

    def is_route(self, path: str) -> bool:
        return path in PAGE_ROUTES or any(path.startswith(p) and len(path) > len(p) for p in PAGE_ROUTE_PREFIXES)

    def serves(self, scope: Scope) -> bool:
        """Whether this request is for the page itself (answered without a token)."""
        if scope["method"] not in ("GET", "HEAD"):
            return False
        path = scope["path"]
        return path in self.files or self.is_route(path)


def _file(path: Path, *, immutable: bool) -> Response:
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    cache = "public, max-age=31536000, immutable" if immutable else "no-cache"
    return FileResponse(path, media_type=media_type, headers={**SECURITY_HEADERS, "cache-control": cache})


def mount_page(app: FastAPI, page: Page) -> None:
    """Answer the page's files and routes; call after every API route, since the route here catches all paths."""

    @app.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def page_file(path: str) -> Response:
        url_path = "/" + path
        if url_path in page.files and url_path != "/index.html":
            # Vite names every asset by its content hash: a changed file is a new URL
            return _file(page.files[url_path], immutable=url_path.startswith("/assets/"))
        if not page.is_route(url_path) and url_path != "/index.html":
            return PlainTextResponse("not found\n", 404, headers=SECURITY_HEADERS)
        if page.index is None:
            return PlainTextResponse(NOT_BUILT, 503, headers=SECURITY_HEADERS)
        return _file(page.index, immutable=False)
