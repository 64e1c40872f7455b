"""Runner batching: finish output streamed in bounded batches, same graph, collector restored."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from pathlib import Path

import pytest

import loaders.runner as runner
from graph.embedded import EmbeddedStore
from graph.model import Edge, Node
from graph.store import WriteSummary
from tests.conftest import FIXTURES
from tests.loader_helpers import export_text, load

AWS = FIXTURES / "aws"
INPUTS = (AWS / "iam-authorization-details.json", AWS / "ec2-describe-instances.json", AWS / "cloudtrail")


class RecordingStore(EmbeddedStore):
    """The embedded store, remembering how many items each write carried."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.sizes: list[int] = []

    def write(self, nodes: Iterable[Node], edges: Iterable[Edge]) -> WriteSummary:
        node_list, edge_list = list(nodes), list(edges)
        self.sizes.append(len(node_list) + len(edge_list))
        return super().write(node_list, edge_list)


def test_small_batches_give_the_same_graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    whole = EmbeddedStore(tmp_path / "whole.db")
    try:
        load(whole, *INPUTS)
        expected = export_text(whole)
    finally:
        whole.close()
    monkeypatch.setattr(runner, "BATCH_ITEMS", 3)
    split = RecordingStore(tmp_path / "split.db")
    try:
        report = load(split, *INPUTS)
        assert not report.failed
        assert export_text(split) == expected
        written = sum(f.nodes + f.edges for f in report.files)
        assert sum(split.sizes) == written
        # Finish output (sessions) alone is far more than 3 items: streamed, it came in many writes.
        assert len(split.sizes) > written // 10
    finally:
        split.close()


def test_finish_output_is_written_in_bounded_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "BATCH_ITEMS", 4)
    store = RecordingStore(tmp_path / "k.db")
    batcher = runner._Batcher(store)
    report = runner.FileReport(path="finish")
    items = (Node(id=f"test:n{i}", kind="Person", name=f"n{i}") for i in range(10))
    try:
        batcher.stream(items, {}, report)
        batcher.flush()
    finally:
        store.close()
    assert store.sizes == [4, 4, 2]
    assert report.nodes == 10


def test_a_load_leaves_the_collector_settings_alone(tmp_path: Path) -> None:
    """The process owns the collector (graph/runtime.py); a library call never changes it."""
    before = gc.get_threshold(), gc.get_freeze_count()
    store = EmbeddedStore(tmp_path / "k.db")
    try:
        load(store, AWS / "cloudtrail")
    finally:
        store.close()
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
