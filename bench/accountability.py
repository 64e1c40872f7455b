"""Accountability latency on an existing store: p50/p95 over its first N credentials.

    python bench/accountability.py --store PATH|bolt://... [--credentials 200] [--runs 3]

For before/after comparisons on a real estate (e.g. the demo loaded into Neo4j with
`keytrail load --store "$KEYTRAIL_NEO4J_URI" DIR`): run it from two checkouts alternately and
compare the medians of the runs. Nothing is written to the store.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.open import open_store
from graph.runtime import tune_gc
from graph.schema import NodeKind
from queries.accountability import accountability


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="an embedded store path or a neo4j:// / bolt:// URI")
    parser.add_argument("--credentials", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tune_gc()  # the collector settings of the keytrail command (graph/runtime.py)
    store = open_store(args.store)
    ids = [n.id for n in store.nodes_of_kind(NodeKind.CREDENTIAL, limit=args.credentials)]
    if not ids:
        sys.exit("no credentials in the store")
    for node_id in ids[:10]:  # warm caches and connections
        accountability(store, node_id)
    p50s, p95s = [], []
    for run in range(args.runs):
        times = []
        for node_id in ids:
            started = time.perf_counter()
            accountability(store, node_id)
            times.append(time.perf_counter() - started)
        times.sort()
        p50s.append(statistics.median(times) * 1000)
        p95s.append(times[min(len(times) - 1, int(len(times) * 0.95))] * 1000)
        print(f"run {run + 1}: p50 {p50s[-1]:.2f} ms, p95 {p95s[-1]:.2f} ms ({len(ids)} credentials)")
    print(f"median of {args.runs} runs: p50 {statistics.median(p50s):.2f} ms, p95 {statistics.median(p95s):.2f} ms")
    store.close()


if __name__ == "__main__":
    main()
