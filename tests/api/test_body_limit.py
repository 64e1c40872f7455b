"""The request-body limit holds for chunked bodies (issue 18 item 9), through a real server.

A chunked request has no Content-Length, so the limit is counted as the body arrives: the
client gets 413 BAD_INPUT long before it has sent everything, and the server stays healthy.
"""

from __future__ import annotations

import json
import select
import socket
import time
from pathlib import Path

import httpx

from api.auth import Role, TokenStore
from tests.fixtures.api.server import SECRET, running_server, server_env

CHUNK = b"x" * 16384


def _chunked_post(port: int, token: str, total: int) -> tuple[bytes, int]:
    """POST `total` bytes of chunked body, stopping as soon as the server answers; (response, bytes sent)."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        head = (
            f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        sock.sendall(head.encode())
        try:
            while sent < total and not select.select([sock], [], [], 0)[0]:
                sock.sendall(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
                sent += len(CHUNK)
            if sent >= total:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        response = b""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (b"\r\n\r\n" in response and response.rstrip().endswith(b"}")):
            try:
                part = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not part:
                break
            response += part
    return response, sent


def test_chunked_oversize_body_is_refused(tmp_path: Path) -> None:
    tokens = TokenStore(tmp_path / "tokens.db", SECRET)
    _record, token = tokens.create(Role.READER, "chunked")
    tokens.close()
    # the smallest upload limit: the body limit is then ~67 KB (base64 of 1 KB plus 64 KB of room)
    env = server_env(tmp_path, KEYTRAIL_MAX_UPLOAD_BYTES="1024")
    with running_server(tmp_path, env=env) as server:
        response, sent = _chunked_post(server.port, token, 50 * 1024 * 1024)
        status_line, _, rest = response.partition(b"\r\n")
        assert b" 413 " in status_line, response[:300]
        body = json.loads(rest.partition(b"\r\n\r\n")[2])
        assert body["errors"][0]["extensions"]["code"] == "BAD_INPUT"
        assert sent < 10 * 1024 * 1024, sent  # refused while the upload was still going, not after it
        assert httpx.get(f"{server.base}/healthz", timeout=5).status_code == 200
        # a small chunked body is still read and answered
        small = httpx.post(
            f"{server.base}/graphql",
            content=iter([b'{"query": "{ me { role } }"}']),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            timeout=10,
        )
        assert small.json() == {"data": {"me": {"role": "READER"}}}
