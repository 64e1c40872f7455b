"""Kubernetes files read with the bounded YAML reader (issue 18 fuzzing found an unbounded one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import LoadError
from loaders.base import SourceFile
from loaders.kubernetes.documents import read_objects
from loaders.limits import LimitExceeded


def _read(tmp_path: Path, text: str) -> list[object]:
    path = tmp_path / "objects.yaml"
    path.write_text(text)
    return list(read_objects(SourceFile(path, "objects.yaml")))


def test_deep_nesting_in_a_json_file_is_refused_by_the_depth_limit(tmp_path: Path) -> None:
    # Not JSON orjson accepts (too deep), so it is read as YAML: that must not recurse unbounded.
    with pytest.raises(LimitExceeded, match="KEYTRAIL_LOAD_MAX_DEPTH"):
        _read(tmp_path, '{"kind": "ServiceAccount", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")


def test_an_alias_bomb_document_is_refused_before_expansion(tmp_path: Path) -> None:
    text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    text += "".join(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]\n" for n in range(1, 10))
    with pytest.raises(LimitExceeded, match="KEYTRAIL_LOAD_MAX_YAML"):
        _read(tmp_path, "apiVersion: v1\nkind: ServiceAccount\n---\n" + text)


def test_a_forbidden_character_is_one_located_error_and_the_other_documents_load(tmp_path: Path) -> None:
    found = _read(tmp_path, "apiVersion: v1\nkind: Secret\n---\napiVersion: v1\nkind: \x01Pod\n")
    assert len(found) == 2 and isinstance(found[1], LoadError) and found[1].line == 5
