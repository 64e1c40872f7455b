"""What the web page is generated from: frontend/src/generated/model.ts is what scripts/export_model.py
writes from graph/schema.py and graph/legend.py, and the legend covers the whole model."""

from __future__ import annotations

import re
import subprocess
import sys

from graph.legend import CATEGORY_STYLES, NODE_STYLES, PRIVILEGE_LEVELS
from graph.schema import EDGE_SPECS, Category, EdgeKind, NodeKind
from tests.conftest import REPO


def test_model_file_is_current() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/export_model.py", "--check"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_the_legend_covers_every_kind_and_category_distinctly() -> None:
    assert set(NODE_STYLES) == set(NodeKind) and set(CATEGORY_STYLES) == set(Category)
    colours = [s.colour for s in NODE_STYLES.values()]
    assert len(set(colours)) == len(colours) and all(re.fullmatch(r"#[0-9a-f]{6}", c) for c in colours)
    assert [level.level for level in PRIVILEGE_LEVELS] == ["read", "write", "admin"]
    widths = [level.width for level in PRIVILEGE_LEVELS]
    assert widths == sorted(widths) and len({level.mark for level in PRIVILEGE_LEVELS}) == 3  # not colour alone


def test_the_exported_model_names_kinds_as_the_api_spells_them() -> None:
    text = (REPO / "frontend" / "src" / "generated" / "model.ts").read_text()
    for kind in NodeKind:
        assert f'"{kind.name}": {{\n    "model": "{kind.value}"' in text
    for edge in EdgeKind:
        assert f'"{edge.name}": {{\n    "category": "{EDGE_SPECS[edge].category.value}"' in text
