"""The team deployment (issue 22 item 2): docker-compose.yml sets only variables keytrail reads and
every one it needs, and the image's command starts and answers /healthz with that environment.

No Docker engine runs here, so the image's command runs as a subprocess: host and port become a
free loopback port, the Neo4j URI a temporary embedded store; everything else is the compose
file's environment as written (its `${VAR:?message}` references filled in).
"""

from __future__ import annotations

import json
import os
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import httpx
import yaml

from api.settings import REQUIRED_VARIABLES, VARIABLES_READ_ELSEWHERE, Settings, known_variables
from tests.conftest import REPO
from tests.fixtures.api.server import running_server

_REFERENCE = re.compile(r"\$\{(\w+)(?::?[?-][^}]*)?\}")


def _service() -> dict[str, Any]:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return dict(compose["services"]["keytrail"])


def _compose_environment(values: dict[str, str]) -> dict[str, str]:
    """The keytrail service's environment with each ${VAR...} reference replaced from `values`."""
    environment = _service()["environment"]
    pairs = environment.items() if isinstance(environment, dict) else (e.split("=", 1) for e in environment)
    return {k: _REFERENCE.sub(lambda m: values[m.group(1)], str(v)) for k, v in pairs}


def _dockerfile_command() -> list[str]:
    """The exec-form CMD (after any ENTRYPOINT) of the Dockerfile."""
    entrypoint: list[str] = []
    command: list[str] = []
    for line in (REPO / "Dockerfile").read_text().splitlines():
        instruction, _, rest = line.strip().partition(" ")
        if instruction == "ENTRYPOINT":
            entrypoint = json.loads(rest)
        elif instruction == "CMD":
            command = json.loads(rest)
    return entrypoint + command


def test_compose_sets_known_and_required_variables() -> None:
    names = set(_compose_environment({"NEO4J_PASSWORD": "p", "KEYTRAIL_SECRET": "s"}))
    keytrail = {n for n in names if n.startswith("KEYTRAIL_")}
    assert keytrail <= known_variables(), keytrail - known_variables()  # KEYTRAIL_API_SECRET was not
    assert set(REQUIRED_VARIABLES) <= keytrail
    assert "KEYTRAIL_SECRET" in known_variables() and "KEYTRAIL_STORE" in known_variables()


def test_every_variable_read_in_the_code_is_known() -> None:
    """known_variables() stays the whole list: every KEYTRAIL_* read in the packages is in it."""
    read: set[str] = set()
    for package in ("graph", "loaders", "queries", "api"):
        for path in (REPO / package).rglob("*.py"):
            read |= set(re.findall(r"environ(?:\.get)?[\(\[]\s*\"(KEYTRAIL_\w+)\"", path.read_text()))
    assert read and read <= known_variables(), read - known_variables()
    assert set(VARIABLES_READ_ELSEWHERE) <= read | {f"KEYTRAIL_{n.upper()}" for n in Settings.model_fields}


def test_image_command_serves_with_the_compose_environment(tmp_path: Path) -> None:
    command = _dockerfile_command()
    service_command = _service().get("command")
    assert service_command in (None, command), "compose overrides the image's command: test that one instead"
    # the console script, as pyproject.toml declares it, run by this interpreter on this tree
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert command[0] == "keytrail" and scripts["keytrail"] == "api.cli:main"
    environment = _compose_environment({"NEO4J_PASSWORD": "unused-here", "KEYTRAIL_SECRET": "compose-test-" * 3})
    environment["KEYTRAIL_STORE"] = str(tmp_path / "keytrail.db")  # was bolt://neo4j:7687
    base = {k: v for k, v in os.environ.items() if not k.startswith("KEYTRAIL_")}

    def argv(port: int) -> list[str]:
        args = list(command[1:])
        args[args.index("--host") + 1] = "127.0.0.1"
        args[args.index("--port") + 1] = str(port)
        return [sys.executable, "-c", "from api.cli import main; main()", *args]

    with running_server(tmp_path, argv, env={**base, **environment}) as server:
        assert httpx.get(f"{server.base}/healthz", timeout=5).json() == {"status": "ok"}
