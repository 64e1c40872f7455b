"""The web page as `keytrail serve` answers it: its files and routes without a token and nothing
else, the security headers, index.html for client-side routes, no external URL in any served
HTML (issue 22.3: GraphiQL loaded its scripts from a CDN), and the built page of frontend/."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from api.auth import Role
from api.page import PAGE_DIR, PAGE_ROUTE_PREFIXES, PAGE_ROUTES
from graph.embedded import EmbeddedStore
from tests.conftest import IN_CI
from tests.fixtures.api.harness import Api, api_for

pytestmark = pytest.mark.anyio

INDEX = '<!doctype html><html lang="en"><head><script type="module" src="/assets/app-1a2b.js"></script></head></html>'
# src=, href=, action= or a CSS url()/@import that names a scheme or a protocol-relative host
EXTERNAL = re.compile(
    r"""(?:src|href|action)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//|@import\s+["']?(?:https?:)?//""",
    re.I,
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def page_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "static"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(INDEX)
    (folder / "assets" / "app-1a2b.js").write_text("console.log('page')\n")
    return folder


@pytest.fixture
async def api(embedded_store: EmbeddedStore, tmp_path: Path, page_dir: Path) -> AsyncIterator[Api]:
    async with api_for(embedded_store, tmp_path, page_dir=page_dir) as client:
        yield client


def external_urls(html: str) -> list[str]:
    return [m.group(0) for m in EXTERNAL.finditer(html)]


def test_the_external_url_check_catches_what_graphiql_did() -> None:
    cdn = '<script src="https://unpkg.com/graphiql/graphiql.min.js"></script><link href="//cdn.example/x.css">'
    assert len(external_urls(cdn)) == 2
    assert external_urls(INDEX) == []
    assert external_urls("<style>a{background:url( 'https://x.example/a.png')}</style>") != []


async def test_the_page_and_its_routes_need_no_token(api: Api) -> None:
    page = await api.client.get("/")
    assert page.status_code == 200 and page.text == INDEX
    assert page.headers["content-type"].startswith("text/html") and page.headers["cache-control"] == "no-cache"
    routes = [*PAGE_ROUTES, *(f"{prefix}aws%3Akey%3AAKIA%2Fx" for prefix in PAGE_ROUTE_PREFIXES)]
    for route in routes:
        answer = await api.client.get(route)
        assert answer.status_code == 200 and answer.text == INDEX, route
    script = await api.client.get("/assets/app-1a2b.js")
    assert script.status_code == 200 and "immutable" in script.headers["cache-control"]
    assert "javascript" in script.headers["content-type"]
    assert (await api.client.head("/")).status_code == 200


async def test_everything_else_still_needs_a_token(api: Api) -> None:
    closed = [("GET", "/readyz"), ("GET", "/graphql"), ("POST", "/graphql"), ("GET", "/nope"), ("GET", "/node/"),
              ("GET", "/assets/other.js"), ("POST", "/"), ("PUT", "/findings"), ("GET", "/index.htm")]  # fmt: skip
    for method, path in closed:
        assert (await api.client.request(method, path)).status_code == 401, (method, path)
    token = {"Authorization": f"Bearer {api.tokens[Role.READER]}"}
    assert (await api.client.get("/nope", headers=token)).status_code == 404


async def test_every_answer_forbids_other_origins(api: Api) -> None:
    for path in ("/", "/node/x", "/assets/app-1a2b.js"):
        headers = (await api.client.get(path)).headers
        policy = headers["content-security-policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy and "connect-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"


async def test_an_unbuilt_page_says_how_to_build_it(embedded_store: EmbeddedStore, tmp_path: Path) -> None:
    async with api_for(embedded_store, tmp_path, page_dir=tmp_path / "absent") as api:
        answer = await api.client.get("/findings")
        assert answer.status_code == 503 and "make demo" in answer.text
        assert (await api.client.get("/readyz")).status_code == 401


async def test_no_served_html_names_another_host(embedded_store: EmbeddedStore, tmp_path: Path) -> None:
    """Whatever HTML the server answers — the page, its routes, /graphql asked for HTML, in demo mode too."""
    folder = built_page()
    async with api_for(embedded_store, tmp_path, page_dir=folder, demo=True) as api:
        token = {"Authorization": f"Bearer {api.tokens[Role.READER]}", "Accept": "text/html"}
        for path, headers in [("/", {}), ("/node/x", {}), ("/findings", {}), ("/graphql", token), ("/graphql", {})]:
            answer = await api.client.get(path, headers=headers)
            if "html" in answer.headers.get("content-type", ""):
                assert external_urls(answer.text) == [], (path, external_urls(answer.text))
            assert "graphiql" not in answer.text.lower(), path


def built_page() -> Path:
    """The page frontend/ builds into the package (make page); skip when not built, fail in CI."""
    if (PAGE_DIR / "index.html").is_file():
        return PAGE_DIR
    if IN_CI:
        pytest.fail(f"the web page is not built at {PAGE_DIR}: make test builds it before pytest")
    pytest.skip(f"the web page is not built at {PAGE_DIR}: run make page")


def test_the_built_page_loads_only_its_own_files() -> None:
    folder = built_page()
    html = (folder / "index.html").read_text()
    assert external_urls(html) == []
    assert "<script>" not in html and " style=" not in html  # nothing inline: the CSP allows files only
    for reference in re.findall(r"""(?:src|href)="(/[^"]+)\"""", html):
        assert (folder / reference.lstrip("/")).is_file(), reference
    for css in folder.glob("assets/*.css"):
        assert external_urls(css.read_text()) == [], css.name
    for script in folder.glob("assets/*.js"):
        text = script.read_text()
        # a module import or a worker from another host would load code from there
        assert not re.search(r"""(?:import\s*\(|from\s*|new\s+Worker\(\s*)["'](?:https?:)?//""", text), script.name
