"""The committed api/schema.graphql is what the code exports, and the enums come from their one declaration."""

from __future__ import annotations

import subprocess
import sys

from api.graphql.schema import build_schema
from api.settings import Settings
from graph.schema import EdgeKind, NodeKind
from queries.rules_base import Owasp
from tests.conftest import REPO


def test_schema_file_is_current() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/export_schema.py", "--check"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_enums_derive_from_the_declarations() -> None:
    schema = build_schema(Settings(demo=True))._schema
    for name, source in (("NodeKind", NodeKind), ("EdgeKind", EdgeKind), ("OwaspCategory", Owasp)):
        values = set(schema.type_map[name].values)  # type: ignore[union-attr]
        assert values == {member.name for member in source}, name
