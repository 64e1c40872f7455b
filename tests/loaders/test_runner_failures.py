"""A file that fails writes nothing (issue 18): what its records yielded before the failure is
dropped, so the store is as before the load."""

from __future__ import annotations

from pathlib import Path

from graph.embedded import EmbeddedStore
from tests.conftest import FIXTURES
from tests.loader_helpers import export_text, load

CATALOG = FIXTURES / "people" / "catalog-info.yaml"


def test_a_catalog_failing_on_its_last_document_leaves_the_store_as_before(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "k.db")
    try:
        before = export_text(store)
        path = tmp_path / "catalog-info.yaml"
        # Good documents first, then one nested past the depth limit: the file fails.
        path.write_text(CATALOG.read_text() + "\n---\ndeep: " + "[" * 5000 + "]" * 5000 + "\n")
        (file,) = load(store, path).files
        assert "KEYTRAIL_LOAD_MAX_DEPTH" in file.failure and (file.nodes, file.edges) == (0, 0)
        assert export_text(store) == before
        path.write_text(CATALOG.read_text())
        (again,) = load(store, path).files
        assert not again.failure and again.nodes > 0
    finally:
        store.close()
