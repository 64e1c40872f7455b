"""One file's record items, held until the file has been read whole (loaders/runner.py).

A file that fails part-way (a limit met half-way through a big gzip, a truncated stream, an I/O
error) must write nothing of its own, yet a file may hold millions of items: memory must not
follow its size. So its items are kept in memory up to about one batch; beyond that each full
batch is pickled to an anonymous temporary file (removed by the system when closed, even if the
process is killed) and read back, batch by batch, only once the file is known good. A file of
one batch or less — nearly every file — never touches the disk.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO

from graph.model import Edge, Node
from loaders.base import Item

__all__ = ["Held"]

Chunk = tuple[list[Node], list[Edge]]


class Held:
    """A file's items not yet written: the spooled batches, then those still in memory."""

    __slots__ = ("_chunks", "_spool", "edges", "nodes", "spooled_edges", "spooled_nodes")

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []
        self.spooled_nodes = 0
        self.spooled_edges = 0
        self._chunks = 0
        self._spool: IO[bytes] | None = None

    def add(self, items: Iterable[Item]) -> None:
        for item in items:
            if isinstance(item, Node):
                self.nodes.append(item)
            else:
                self.edges.append(item)

    @property
    def in_memory(self) -> int:
        return len(self.nodes) + len(self.edges)

    @property
    def counts(self) -> tuple[int, int]:
        """Nodes and edges held in all (spooled and in memory)."""
        return self.spooled_nodes + len(self.nodes), self.spooled_edges + len(self.edges)

    def spill(self) -> None:
        """The items in memory pickled to the spool as one batch."""
        if self.nodes or self.edges:
            self.put(self.nodes, self.edges)
            self.nodes, self.edges = [], []

    def put(self, nodes: list[Node], edges: list[Edge]) -> None:
        """One batch spooled as it is (a worker's batch, already cut)."""
        if self._spool is None:
            self._spool = tempfile.TemporaryFile(prefix="keytrail-spool-")  # noqa: SIM115 (closed by `close`)
        pickle.dump((nodes, edges), self._spool, protocol=pickle.HIGHEST_PROTOCOL)
        self.spooled_nodes += len(nodes)
        self.spooled_edges += len(edges)
        self._chunks += 1

    def spooled(self) -> Iterator[Chunk]:
        """The spooled batches in the order they were put, one in memory at a time."""
        if self._spool is None:
            return
        self._spool.flush()
        self._spool.seek(0)
        for _ in range(self._chunks):
            chunk: Chunk = pickle.load(self._spool)
            yield chunk

    def close(self) -> None:
        """Drop everything held (the spool file goes with it)."""
        if self._spool is not None:
            self._spool.close()
            self._spool = None
        self.nodes, self.edges = [], []
        self._chunks = self.spooled_nodes = self.spooled_edges = 0
