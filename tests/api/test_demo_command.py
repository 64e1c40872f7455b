"""`keytrail demo` (issue 22 item 10): "ready" is printed only once the port accepts connections,
a port in use is a one-line error with the fix (before any work is done), `make demo` takes PORT=."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO
from tests.fixtures.api.server import KEYTRAIL, free_port, server_env, stop


def test_ready_means_the_port_answers(tmp_path: Path) -> None:
    port = free_port()
    command = [*KEYTRAIL, "demo", "--host", "127.0.0.1", "--port", str(port), "--dir", str(tmp_path / "demo")]
    env = {k: v for k, v in server_env(tmp_path).items() if k not in {"KEYTRAIL_SECRET", "KEYTRAIL_STORE"}}
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    try:
        deadline = time.monotonic() + 240
        lines: list[bytes] = []
        while b"keytrail demo is ready" not in b"".join(lines):
            line = process.stdout.readline()
            assert line and time.monotonic() < deadline, b"".join(lines).decode()
            lines.append(line)
        # no retry: at the moment "ready" is printed, the server answers
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        rest = [process.stdout.readline() for _ in range(3)]
        assert any(f"http://127.0.0.1:{port}/graphql".encode() in line for line in rest), rest
    finally:
        stop(process)  # type: ignore[arg-type]
        process.stdout.close()


@pytest.mark.parametrize("command", ["demo", "serve"])
def test_a_taken_port_is_one_line_with_the_fix(tmp_path: Path, command: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        started = time.monotonic()
        done = subprocess.run(
            [*KEYTRAIL, command, "--port", str(port), *(["--dir", str(tmp_path / "d")] if command == "demo" else [])],
            cwd=tmp_path,
            env=server_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"port {port}" in lines[0] and "in use" in lines[0] and "--port" in lines[0], lines
    assert time.monotonic() - started < 30 and not (tmp_path / "d").exists()  # refused before building anything


def test_make_demo_takes_port() -> None:
    make = shutil.which("make")
    assert make is not None, "the README's commands need make"
    done = subprocess.run(
        [make, "-n", "-C", str(REPO), "demo", "PORT=8123"], capture_output=True, text=True, timeout=60, check=True
    )
    assert "keytrail demo --port 8123" in done.stdout, done.stdout
