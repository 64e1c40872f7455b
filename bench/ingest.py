"""Ingest benchmark: audit logs loaded into each store against a raw parse of the same files.

    python bench/ingest.py [--source cloudtrail|k8s-audit|vault-audit ...] [--events N] [--actors N]
                           [--runs 3] [--jobs N] [--rss] [--out /tmp/keytrail-bench] [--seed 7]

Sources (each module says how its files are generated, realistically: actors with small jobs):
CloudTrail (bench/ingest_cloudtrail.py, 1M events by default), Kubernetes audit
(bench/ingest_k8s.py, 200k events) and Vault audit (bench/ingest_vault.py, 200k entries); all
three unless `--source` names some. Files are deterministic by seed and reused when present.

For each source and each of `--runs` runs, side by side in the same process so that the other
jobs of a shared machine weigh on both alike: a raw parse of the files (decoding only, one
process), then a full `run_load` into a fresh embedded store in one process and with `--jobs`
worker processes (default: one per core, as `keytrail load` runs; a loader that is not split
across workers runs in one process either way). It prints each run's records/s and ratio to
that run's raw parse, then the median ratio (and range) over the runs. With KEYTRAIL_NEO4J_URI
set, one load per source into Neo4j follows. `--rss` also loads two sizes in child processes
(the same actors and sessions, half and all of the records) and prints each peak RSS (the
loading process and its largest worker), to show that memory follows the session aggregates,
not the number of files.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.ingest_cloudtrail import CLOUDTRAIL, generate  # noqa: E402 -- generate: bench/load_readers.py
from bench.ingest_common import (  # noqa: E402
    Source,
    neo4j_load,
    peak_rss_of_load,
    processes,
    spread,
    timed_load,
)
from bench.ingest_k8s import K8S_AUDIT  # noqa: E402
from bench.ingest_saas import GCP_AUDIT, GITHUB_AUDIT  # noqa: E402
from bench.ingest_vault import VAULT_AUDIT  # noqa: E402
from graph.embedded import EmbeddedStore  # noqa: E402
from graph.runtime import tune_gc  # noqa: E402
from loaders.runner import default_jobs  # noqa: E402

__all__ = ["SOURCES", "generate", "main", "timed_load"]

SOURCES = {source.name: source for source in (CLOUDTRAIL, K8S_AUDIT, VAULT_AUDIT, GCP_AUDIT, GITHUB_AUDIT)}


def _root(out: Path, source: Source, events: int, seed: int, actors: int) -> Path:
    prefix = "ct" if source is CLOUDTRAIL else source.name  # the CloudTrail trees of earlier runs stay reusable
    return out / f"{prefix}-{events}-{seed}-{actors}"


def _embedded_load(source: Source, root: Path, jobs: int) -> tuple[int, int, float, str]:
    with tempfile.TemporaryDirectory() as scratch:
        store = EmbeddedStore(Path(scratch) / "bench.db")
        accepted, rejected, seconds = timed_load(store, root, jobs, source.cluster)
        stats = store.stats()
        store.close()
    shape = f"{stats.total_nodes} nodes ({stats.nodes.get('Session', 0)} sessions), {stats.total_edges} edges"
    return accepted, rejected, seconds, shape


def measure(source: Source, root: Path, runs: int, jobs: int) -> dict[int, list[float]]:
    """Per process count: each run's ratio of load rate to that run's raw-parse rate."""
    ratios: dict[int, list[float]] = {j: [] for j in sorted({1, jobs})}
    for run in range(1, runs + 1):
        count, raw_seconds = source.raw_parse(root)
        raw_rate = count / raw_seconds
        print(
            f"  run {run}: raw parse ({source.describe}): {count} {source.unit} in {raw_seconds:.2f}s "
            f"= {raw_rate:,.0f}/s"
        )
        for processes_used in ratios:
            accepted, rejected, seconds, shape = _embedded_load(source, root, processes_used)
            rate = accepted / seconds
            ratios[processes_used].append(rate / raw_rate)
            print(
                f"  run {run}: embedded, {processes(processes_used)}: {accepted} {source.unit} ({rejected} rejected) "
                f"in {seconds:.2f}s = {rate:,.0f}/s, {rate / raw_rate:.3f} x raw parse; {shape}"
            )
        sys.stdout.flush()
    return ratios


def bench_source(source: Source, args: argparse.Namespace) -> None:
    events = args.events or source.default_events
    actors = args.actors or source.default_actors
    root = _root(args.out, source, events, args.seed, actors)
    started = time.perf_counter()
    total = source.generate(root, events, args.seed, actors)
    print(
        f"{source.name}: {root} ({total} {source.unit}, {len(source.files(root))} files, {actors} actors; "
        f"ready in {time.perf_counter() - started:.1f}s)"
    )
    ratios = measure(source, root, args.runs, args.jobs)
    for processes_used, values in ratios.items():
        print(
            f"{source.name}: embedded, {processes(processes_used)}: median {spread(values, 3)} x raw parse "
            f"over {len(values)} runs"
        )
    if os.environ.get("KEYTRAIL_NEO4J_URI"):
        count, raw_seconds = source.raw_parse(root)
        accepted, seconds = neo4j_load(root, args.jobs, source.cluster)
        rate = accepted / seconds
        print(
            f"{source.name}: neo4j, {processes(args.jobs)}: {accepted} {source.unit} in {seconds:.2f}s = "
            f"{rate:,.0f}/s, {rate / (count / raw_seconds):.3f} x raw parse"
        )
    if args.rss:
        half = _root(args.out, source, events // 2, args.seed, actors)
        source.generate(half, events // 2, args.seed, actors)
        for label, path in (("half", half), ("full", root)):
            main_rss, worker_rss = peak_rss_of_load(path, args.jobs, source.cluster)
            print(
                f"{source.name}: peak RSS ({label}, {len(source.files(path))} files): {main_rss:,.0f} MiB"
                f" (largest worker: at most {worker_rss:,.0f} MiB)"
            )
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", action="append", choices=sorted(SOURCES), help="repeatable (default: all)")
    parser.add_argument("--events", type=int, default=0, help="records per source (default: the source's)")
    parser.add_argument("--actors", type=int, default=0, help="actors per source (default: the source's)")
    parser.add_argument("--runs", type=int, default=3, help="raw parse + loads repeated, medians printed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "keytrail-bench")
    parser.add_argument(
        "--jobs", type=int, default=default_jobs(), help="worker processes, as `keytrail load --jobs` (default: cores)"
    )
    parser.add_argument("--rss", action="store_true", help="also measure peak RSS at half and full size")
    args = parser.parse_args()
    tune_gc()  # the collector settings of the keytrail command (graph/runtime.py)
    for name in args.source or list(SOURCES):
        bench_source(SOURCES[name], args)
    print(f"this process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
