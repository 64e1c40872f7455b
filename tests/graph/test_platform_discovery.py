"""A new platform's ids and values are a file of its own: the packages find it, no list is edited.

docs/adding-a-source.md counts the shared files a new source edits (the registry row and, for a
new kind of fact, the schema). These tests keep that count true: the two declaration packages
name none of their platform modules, a module dropped into a copy of `graph/` is picked up by
both, two modules claiming one name fail at import, and the page's table names exactly the two
edited files.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from graph import ids, values

ROOT = Path(__file__).resolve().parents[2]
ADDING = ROOT / "docs" / "adding-a-source.md"

_PROBE_IDS = '''
"""Probe ids. Correlation rule: none, this is a test."""
__all__ = ["probe_thing"]


def probe_thing(name: str) -> str:
    return "probe:" + name
'''

_PROBE_VALUES = '''
"""Probe subtypes."""
from enum import StrEnum

from graph.schema import NodeKind
from graph.values._registry import Subtype

__all__ = ["SUBTYPES", "ProbeSubtype"]


class ProbeSubtype(StrEnum):
    THING = "probe.thing"


SUBTYPES = (Subtype(ProbeSubtype.THING, (NodeKind.RESOURCE,), "a probe"),)
'''

_CHECK = """
from graph import ids, values
from graph.schema import NodeKind
assert ids.probe_thing("x") == "probe:x", ids.__all__
assert "probe_thing" in ids.__all__ and "probe" in ids.PLATFORM_MODULES
assert "probe" in values.PLATFORM_MODULES
assert values.known_subtype(NodeKind.RESOURCE, "probe.thing")
assert "| `probe.thing` | Resource | a probe |" in values.markdown()
print("ok")
"""


def _graph_copy(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "graph", tmp_path / "graph", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def _run(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=tmp_path,  # `-c` puts the working folder first on sys.path: the copy must be the one imported
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("package", ["ids", "values"])
def test_the_package_names_none_of_its_platform_modules(package: str) -> None:
    """No import of, and no string naming, a platform module: the list is found, not kept. (The
    values package re-exports its shared vocabularies from `common`, which is no platform.)"""
    tree = ast.parse((ROOT / "graph" / package / "__init__.py").read_text())
    platforms = set((ids if package == "ids" else values).PLATFORM_MODULES) - {"common"}
    assert platforms
    imported = {
        node.module.rpartition(".")[2]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(f"graph.{package}.")
    }
    strings = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    assert not imported & platforms, imported & platforms
    assert not strings & platforms, strings & platforms


def test_every_platform_helper_returns_an_id() -> None:
    """What `graph/ids/__init__.py` tells a type checker of the helpers it finds at run time."""
    for name in ids.PLATFORM_MODULES:
        module = importlib.import_module(f"graph.ids.{name}")
        for helper in module.__all__:
            assert inspect.signature(getattr(module, helper), eval_str=True).return_annotation is str, helper


def test_a_new_platform_file_is_found_by_both_packages_without_a_list_edit(tmp_path: Path) -> None:
    root = _graph_copy(tmp_path)
    (root / "graph" / "ids" / "probe.py").write_text(_PROBE_IDS)
    (root / "graph" / "values" / "probe.py").write_text(_PROBE_VALUES)
    run = _run(root, _CHECK)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok"
    assert not (ROOT / "graph" / "ids" / "probe.py").exists()  # the copy was changed, not the tree


def test_two_platform_modules_claiming_one_helper_fail_at_import(tmp_path: Path) -> None:
    root = _graph_copy(tmp_path)
    (root / "graph" / "ids" / "probe.py").write_text(_PROBE_IDS.replace("probe_thing", "aws_arn"))
    run = _run(root, "from graph import ids")
    assert run.returncode != 0
    assert "graph.ids.probe and graph.ids.aws both export the id helper 'aws_arn'" in run.stderr


def test_two_platform_modules_declaring_one_vocabulary_fail_at_import(tmp_path: Path) -> None:
    root = _graph_copy(tmp_path)
    common = (root / "graph" / "values" / "common.py").read_text()
    assert "VOCABULARIES" in common
    (root / "graph" / "values" / "probe.py").write_text(
        "from graph.values.common import VOCABULARIES as _SHARED\n__all__ = ['VOCABULARIES']\n"
        "VOCABULARIES = _SHARED[:1]\n"
    )
    run = _run(root, "from graph import values")
    assert run.returncode != 0
    assert "more than one platform module declares the vocabulary of" in run.stderr


def test_the_adding_a_source_page_counts_two_edited_shared_files() -> None:
    """The page's table: the files a new source edits outside its folder are the registry and the
    schema, and its stated count says two."""
    text = ADDING.read_text()
    section = text[text.index("## Files touched outside the source's folder") :]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert rows
    edited = {re.match(r"\| `([^`]+)`", row).group(1) for row in rows if "| edited" in row}  # type: ignore[union-attr]
    assert edited == {"loaders/registry.py", "graph/schema.py"}
    assert "edits at most two shared files" in section
