"""`keytrail serve`, `keytrail demo` and `keytrail token create|list|revoke`.

`serve` runs the API with uvicorn over the chosen store and refuses to start without a real
secret (KEYTRAIL_SECRET). `demo` is the one-step tour: it writes the demo estate
(loaders/demo), loads it into a fresh embedded store under .keytrail/demo/, creates a reader
token under a random per-run secret, and serves the web page and the API (introspection on),
printing the URL and the token once the server accepts connections. Both bind their port
first, so a port in use is a one-line error with the fix, before the demo estate is built.
Token commands work on the token file of the chosen store
and need the same KEYTRAIL_SECRET as the server, since the file holds only keyed hashes.
"""

from __future__ import annotations

import errno
import secrets
import shutil
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from api.auth import Role, TokenStore
from api.commands_store import store_option
from api.settings import Settings
from graph.embedded import EmbeddedStore
from graph.runtime import tune_gc
from graph.store import GraphStore
from loaders.base import LoadContext
from loaders.demo import DEFAULT_BASE_TIME, generate_demo
from loaders.runner import hmac_key, run_load

__all__ = ["build_demo", "demo_command", "load_demo", "serve_command", "serve_commands", "token_group"]

DEMO_DIR = Path(".keytrail") / "demo"


def _settings(store: str | None, **values: Any) -> Settings:
    if store:
        values["store"] = store
    return Settings(**values)


def bind_port(host: str, port: int, *, retry_hint: str) -> socket.socket:
    """The listening socket for host:port, or a one-line ClickException that says how to fix it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise click.ClickException(
                f"port {port} on {host} is already in use: stop what is listening there, or {retry_hint}"
            ) from None
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(2048)
    return sock


def _run_server(settings: Settings, sock: socket.socket, on_ready: Callable[[str], None]) -> None:
    """Serve on an already bound socket; `on_ready(base_url)` once uvicorn accepts connections."""
    import uvicorn

    from api.app import create_app

    host, port = sock.getsockname()[:2]
    base = f"http://{f'[{host}]' if ':' in host else host}:{port}"

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                on_ready(base)

    app = create_app(settings)
    tune_gc()  # after the app is built: its schema and settings are start-up state, frozen
    config = uvicorn.Config(app, log_level="info", proxy_headers=False, server_header=False)
    Server(config).run(sockets=[sock])


def _announce(message: str) -> None:
    click.echo(message, err=True)


@click.command("serve")
@store_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
def serve_command(store: str | None, host: str, port: int) -> None:
    """Serve the GraphQL API (needs KEYTRAIL_SECRET; tokens from `keytrail token create`)."""
    settings = _settings(store)
    settings.check_secret()
    sock = bind_port(host, port, retry_hint="choose another: keytrail serve --port <free port>")
    location = settings.store_location
    _run_server(settings, sock, lambda base: _announce(f"keytrail API on {base}/graphql (store {location})"))


def build_demo(folder: Path, *, seed: int = 7) -> Path:
    """Write the demo estate and load it into a fresh embedded store; returns the store path."""
    if folder.exists():
        shutil.rmtree(folder)
    estate, db = folder / "estate", folder / "keytrail.db"
    summary = generate_demo(estate, seed=seed, base_time=DEFAULT_BASE_TIME)
    click.echo(f"demo estate: {summary.files} files, {summary.identities} identities, {summary.situations} planted")
    store = EmbeddedStore(db)
    try:
        load_demo(store, estate)
    finally:
        store.close()
    return db


def load_demo(store: GraphStore, estate: Path) -> None:
    """Load a demo estate written by `generate_demo` into `store` (idempotent, as every load)."""
    ctx = LoadContext(now=DEFAULT_BASE_TIME, hmac_key=hmac_key())
    # manifest.json describes the planted situations for tests; it is not evidence
    evidence = sorted(p for p in estate.iterdir() if p.name != "manifest.json")
    report = run_load(store, evidence, ctx=ctx)
    accepted = sum(f.accepted for f in report.files)
    click.echo(f"loaded {len(report.files)} files: {accepted} records accepted, {report.rejected} rejected")
    failed = [f for f in report.files if f.failure]
    if failed:
        raise click.ClickException(f"demo estate did not load: {failed[0].path}: {failed[0].failure}")


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--dir", "folder", default=str(DEMO_DIR), show_default=True, type=click.Path(path_type=Path))
@click.option("--no-serve", is_flag=True, help="Build the demo store and token, print them, do not serve.")
def demo_command(host: str, port: int, folder: Path, no_serve: bool) -> None:
    """Generate the demo estate, load it, create a reader token and serve the web page and the API."""
    hint = f"choose another: keytrail demo --port {port + 1 if 0 < port < 65535 else 8001} (make demo PORT=...)"
    sock = None if no_serve else bind_port(host, port, retry_hint=hint)
    db = build_demo(folder)
    settings = Settings(store=str(db), demo=True, secret=secrets.token_urlsafe(32), token_db=folder / "tokens.db")
    tokens = TokenStore(settings.token_path, settings.secret)
    _record, token = tokens.create(Role.READER, "demo")
    tokens.close()

    def ready(base: str) -> None:
        click.echo(
            "\nkeytrail demo is ready.\n"
            f"  page:     {base}/   (sign in with the token below; its Console view runs GraphQL)\n"
            f"  API:      {base}/graphql   (POST, Authorization: Bearer {token})\n"
            f"  token:    {token}   (reader; valid while this demo runs)\n"
            f"  store:    {db}   (try: keytrail findings --store {db})\n"
        )
        sys.stdout.flush()

    if sock is None:
        ready(f"http://{host}:{port}")
        return
    _run_server(settings, sock, ready)


@click.group("token")
def token_group() -> None:
    """Manage API tokens (only keyed hashes are stored; needs KEYTRAIL_SECRET)."""


def _token_store(store: str | None) -> TokenStore:
    settings = _settings(store)
    settings.check_secret()
    return TokenStore(settings.token_path, settings.secret)


@token_group.command("create")
@store_option
@click.option("--role", required=True, type=click.Choice([r.value for r in Role], case_sensitive=False))
@click.option("--name", default="", help="A label for people reading `token list`.")
def token_create(store: str | None, role: str, name: str) -> None:
    """Create a token and print it once."""
    tokens = _token_store(store)
    try:
        record, token = tokens.create(Role(role), name)
    finally:
        tokens.close()
    click.echo(token)
    click.echo(f"id {record.id}, role {record.role.value}: store the token now, it is not shown again", err=True)


@token_group.command("list")
@store_option
def token_list(store: str | None) -> None:
    """List tokens: id, role, name, created, last used, revoked."""
    tokens = _token_store(store)
    try:
        records = tokens.list()
    finally:
        tokens.close()
    click.echo(f"{'id':<14}{'role':<8}{'created':<22}{'last used':<22}{'revoked':<22}name")
    for r in records:
        click.echo(
            f"{r.id:<14}{r.role.value:<8}{r.created_at:<22}{r.last_used_at or '-':<22}{r.revoked_at or '-':<22}{r.name}"
        )


@token_group.command("revoke")
@store_option
@click.argument("token_id")
def token_revoke(store: str | None, token_id: str) -> None:
    """Revoke a token by its id (from `token list`)."""
    tokens = _token_store(store)
    try:
        record = tokens.revoke(token_id)
    finally:
        tokens.close()
    click.echo(f"revoked {record.id} ({record.role.value} {record.name}) at {record.revoked_at}")


serve_commands = (serve_command, demo_command, token_group)
