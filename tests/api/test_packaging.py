"""The page ships inside the Python package (issue 20 item 1): a built wheel holds api/static, and
the container image builds the page itself in a Node stage instead of relying on a working tree.

No Docker engine runs here, so the image is checked by reading its Dockerfile: the page stage
runs the same npm commands as the Makefile's `page` target, and the final stage copies the built
files into the package before installing it. The wheel is built for real.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


def _stages() -> dict[str, list[tuple[str, str]]]:
    """The Dockerfile's instructions by stage name (the unnamed final stage is 'final')."""
    stages: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for raw in (REPO / "Dockerfile").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        if instruction == "FROM":
            match = re.search(r"\bAS\s+(\S+)", rest, re.IGNORECASE)
            current = stages.setdefault(match.group(1) if match else "final", [])
        current.append((instruction, rest.strip()))
    return stages


def _make_recipe(target: str) -> list[str]:
    lines = (REPO / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def test_image_builds_the_page_as_the_makefile_does() -> None:
    stages = _stages()
    assert "page" in stages and "final" in stages
    page_runs = [rest for instruction, rest in stages["page"] if instruction == "RUN"]
    # the Makefile's commands, without its `cd frontend &&` (the stage's WORKDIR is frontend/)
    make_commands = [
        command.removeprefix("cd frontend && ")
        for target in ("$(NPM_STAMP)", "api/static/index.html")
        for command in _make_recipe(target)
        if command.startswith("cd frontend && ")
    ]
    assert make_commands == page_runs
    assert ("WORKDIR", "/src/frontend") in stages["page"]
    final = stages["final"]
    copy_static = final.index(("COPY", "--from=page /src/api/static/ api/static/"))
    install = next(i for i, (instruction, rest) in enumerate(final) if instruction == "RUN" and "pip install ." in rest)
    assert copy_static < install, "the page must be inside the package before it is installed"
    assert not any(instruction == "RUN" and "npm" in rest for instruction, rest in final), "no Node in the image"


def test_build_context_leaves_out_local_state() -> None:
    ignored = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()}
    assert {".git", ".keytrail", "frontend/node_modules", "api/static"} <= ignored


def test_wheel_carries_the_built_page(tmp_path: Path) -> None:
    index = REPO / "api" / "static" / "index.html"
    if not index.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("api/static is not built: `make test` builds the page before the tests")
        pytest.skip("the page is not built (run `make page`)")
    # what the Dockerfile copies, built outside the checkout (setuptools writes build/ beside the sources)
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    for package in ("graph", "loaders", "queries", "api"):
        shutil.copytree(REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("keytrail-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    built = {f"api/static/{p.relative_to(index.parent).as_posix()}" for p in index.parent.rglob("*") if p.is_file()}
    assert "api/static/index.html" in names and "api/schema.graphql" in names
    assert built <= names, sorted(built - names)[:5]
