"""The dependency direction of DESIGN.md, read from every module's imports (ast, not grep).

graph <- loaders, queries <- api; loaders never touch a store driver; queries never import a
loader; nothing but api itself (and tests) imports api.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGES = ("graph", "loaders", "queries", "api")
STORE_DRIVERS = ("neo4j", "sqlite3", "graph.embedded", "graph.neo4j_store")


def modules(package: str, root: Path = REPO) -> list[Path]:
    return sorted((root / package).rglob("*.py"))


def imported(path: Path, root: Path = REPO) -> Iterator[tuple[int, str]]:
    """Every module name a file imports (absolute; relative imports resolved), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def top(name: str) -> str:
    return name.split(".")[0]


def violations(package: str, forbidden: tuple[str, ...], root: Path = REPO) -> list[str]:
    found = []
    for path in modules(package, root):
        for line, name in imported(path, root):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(root)}:{line} imports {name}")
    return found


def test_every_package_has_modules() -> None:
    for package in ("graph", "api"):
        assert modules(package), package


def test_graph_imports_nothing_of_ours_above_it() -> None:
    assert violations("graph", ("loaders", "queries", "api")) == []


def test_loaders_import_only_graph_and_never_a_store_driver() -> None:
    assert violations("loaders", ("queries", "api", *STORE_DRIVERS)) == []


def test_queries_never_import_loaders_or_api() -> None:
    assert violations("queries", ("loaders", "api")) == []


@pytest.mark.parametrize("package", ["graph", "loaders", "queries"])
def test_nothing_imports_api(package: str) -> None:
    assert violations(package, ("api",)) == []


def test_checker_sees_relative_and_nested_imports(tmp_path: Path) -> None:
    """The checker itself: a function-level import and a relative one are both caught."""
    (tmp_path / "loaders" / "aws").mkdir(parents=True)
    probe = tmp_path / "loaders" / "aws" / "probe.py"
    probe.write_text("def f():\n    import sqlite3\n\nfrom ...api import cli\nfrom .. import base\n", encoding="utf-8")
    found = violations("loaders", ("api", "sqlite3", "loaders.base"), root=tmp_path)
    assert sorted(found) == [
        "loaders/aws/probe.py:2 imports sqlite3",
        "loaders/aws/probe.py:4 imports api",
        "loaders/aws/probe.py:4 imports api.cli",
        "loaders/aws/probe.py:5 imports loaders.base",
    ]
