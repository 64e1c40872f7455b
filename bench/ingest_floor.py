"""The floor under an ingest ratio: what a loader doing no per-record work of its own would cost.

    python bench/ingest_floor.py [--source k8s-audit|vault-audit|gcp-audit|github-audit ...]
                                 [--events N] [--runs 3] [--out /tmp/keytrail-bench] [--seed 7]

For each source (its files as bench/ingest.py generates them) and each run, in the same process:
the raw parse (orjson per line, the yardstick), a real one-process `run_load` into a fresh
embedded store (its node and edge counts are kept), then the floor: every file read through the
project's reader (`iter_json_records`, a Location and Record per line) and a graph of the same
node and edge counts built with Node.make/Edge.make (an evidence pointer per edge, as loaders
give) and written through the runner's batcher (BATCH_ITEMS per transaction) into a fresh
embedded store. Prints "raw parse / floor / loader" as ratios to the raw parse: a target above
the floor is unreachable without changing the shared reader or store.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.ingest import SOURCES, _root  # noqa: E402
from bench.ingest_common import Source, spread, timed_load  # noqa: E402
from graph.embedded import EmbeddedStore  # noqa: E402
from graph.model import Edge, EdgeKind, Evidence, Node, NodeKind  # noqa: E402
from graph.runtime import tune_gc  # noqa: E402
from loaders.base import SourceFile  # noqa: E402
from loaders.formats.json import iter_json_records  # noqa: E402
from loaders.runner import FileReport, _Batcher  # noqa: E402


def read_floor(source: Source, root: Path) -> tuple[int, float]:
    """(records, seconds) of the project's JSON-lines reader over the files, nothing else."""
    started = time.perf_counter()
    count = 0
    for path in source.files(root):
        for _record in iter_json_records(SourceFile(path, path.name)):
            count += 1
    return count, time.perf_counter() - started


def write_floor(nodes: int, edges: int) -> float:
    """Seconds to build and write `nodes` nodes and `edges` edges through the runner's batches."""
    with tempfile.TemporaryDirectory() as scratch:
        store = EmbeddedStore(Path(scratch) / "floor.db")
        started = time.perf_counter()
        batcher = _Batcher(store)
        report = FileReport(path="floor")
        pairs = max(2, nodes - nodes % 2)  # even ids are sessions, odd ones identities

        def items():  # type: ignore[no-untyped-def]
            for i in range(nodes):
                yield [
                    Node.make(
                        id=f"floor:n{i}", kind=NodeKind.IDENTITY if i % 2 else NodeKind.SESSION,
                        subtype="bench.floor", name=f"n{i}", first_seen="2025-01-01T00:00:00Z", sources=("bench",),
                    )
                ]  # fmt: skip
            for i in range(edges):
                yield [
                    Edge.make(
                        source=f"floor:n{2 * i % pairs}", source_kind=NodeKind.SESSION, kind=EdgeKind.ACTED_AS,
                        target=f"floor:n{(2 * i * 7 + 1) % pairs}", target_kind=NodeKind.IDENTITY, props={},
                        first_seen="2025-01-01T00:00:00Z", count=1, sources=("bench",),
                        evidence=(Evidence(source="floor.log", locator=f"line {i}"),), origin=f"floor:e{i}",
                    )
                ]  # fmt: skip

        batcher.add(items(), report)
        batcher.flush()
        elapsed = time.perf_counter() - started
        store.close()
    return elapsed


def bench(source: Source, args: argparse.Namespace) -> None:
    events = args.events or source.default_events
    root = _root(args.out, source, events, args.seed, source.default_actors)
    total = source.generate(root, events, args.seed, source.default_actors)
    print(f"{source.name}: {root} ({total} {source.unit}, {len(source.files(root))} files)")
    floors, loads = [], []
    for run in range(1, args.runs + 1):
        count, raw_seconds = source.raw_parse(root)
        raw_rate = count / raw_seconds
        with tempfile.TemporaryDirectory() as scratch:  # the real load; its counts size the written floor
            store = EmbeddedStore(Path(scratch) / "load.db")
            accepted, _rejected, load_seconds = timed_load(store, root, 1, source.cluster)
            stats = store.stats()
            store.close()
        load_ratio = accepted / load_seconds / raw_rate
        shape = f"{stats.total_nodes} nodes, {stats.total_edges} edges"
        read_count, read_seconds = read_floor(source, root)
        write_seconds = write_floor(stats.total_nodes, stats.total_edges)
        floor_ratio = read_count / (read_seconds + write_seconds) / raw_rate
        floors.append(floor_ratio)
        loads.append(load_ratio)
        print(
            f"  run {run}: raw {raw_seconds:.2f}s; "
            f"reader {read_seconds:.2f}s ({raw_seconds / read_seconds:.3f} x raw); "
            f"write {stats.total_nodes} nodes + {stats.total_edges} edges {write_seconds:.2f}s; "
            f"floor {floor_ratio:.3f} x raw; loader {load_seconds:.2f}s = {load_ratio:.3f} x raw ({shape})"
        )
        sys.stdout.flush()
    print(f"{source.name}: raw parse 1.000 / floor {spread(floors, 3)} / loader {spread(loads, 3)} (1 process)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", action="append", choices=sorted(SOURCES), help="repeatable")
    parser.add_argument("--events", type=int, default=0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "keytrail-bench")
    args = parser.parse_args()
    tune_gc()
    for name in args.source or ["k8s-audit", "vault-audit", "gcp-audit", "github-audit"]:
        bench(SOURCES[name], args)


if __name__ == "__main__":
    main()
