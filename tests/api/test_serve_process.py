"""`keytrail serve` as a real process on a free loopback port, queried over HTTP, then stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from api.auth import Role, TokenStore
from graph.embedded import EmbeddedStore
from tests.fixtures.queries.scenario import build_scenario

SECRET = "process-test-secret-0123456789"
KEYTRAIL = [sys.executable, "-c", "from api.cli import main; main()"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(tmp_path: Path, secret: str) -> dict[str, str]:
    return {**os.environ, "KEYTRAIL_SECRET": secret, "KEYTRAIL_STORE": str(tmp_path / "keytrail.db")}


def test_serve_refuses_a_default_secret(tmp_path: Path) -> None:
    command = [*KEYTRAIL, "serve", "--port", str(_free_port())]
    done = subprocess.run(
        command, env=_env(tmp_path, "changeme"), capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode != 0 and "KEYTRAIL_SECRET" in done.stderr and "Traceback" not in done.stderr


def test_serve_answers_over_http(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "keytrail.db")
    build_scenario().write(store)
    store.close()
    tokens = TokenStore(tmp_path / "tokens.db", SECRET)
    _record, token = tokens.create(Role.READER, "process-test")
    tokens.close()
    port = _free_port()
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [*KEYTRAIL, "serve", "--port", str(port)], env=_env(tmp_path, SECRET), stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
        headers = {"Authorization": f"Bearer {token}"}
        query = '{ accountability(id: "aws:key:AKIADEPLOY0000000001") { verdict } }'
        answer = httpx.post(f"{base}/graphql", json={"query": query}, headers=headers, timeout=10)
        assert answer.json() == {"data": {"accountability": {"verdict": "OWNER_OFFBOARDED"}}}
        assert httpx.post(f"{base}/graphql", json={"query": query}, timeout=10).status_code == 401
        assert httpx.get(f"{base}/readyz", headers=headers, timeout=10).json()["status"] == "ready"
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    assert server.returncode is not None
