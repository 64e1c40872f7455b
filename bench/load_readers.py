"""A load beside concurrent readers on the embedded store: does either starve the other?

    python bench/load_readers.py [--events 200000] [--readers 10] [--repeat 3] [--out /tmp/keytrail-bench-readers]

A base store holds one CloudTrail estate (bench/ingest.py's generator); each round copies it and
times a `run_load` of a second estate (another seed: new sessions and keys, as a nightly load
brings) into the copy, first alone, then while `--readers` clients query the same file
without pause as they would through `keytrail serve` (one process, the API's pool of 4 store
connections; search, node pages, accountability of known keys, and `stats`, a whole-table
read: the long reader that keeps a WAL snapshot open). Prints the median
load time alone and with readers, their ratio, the load's CPU seconds (so time lost to sharing
two cores shows apart from time lost waiting), the readers' queries per second and median/p95
latency, and the largest WAL file seen, so both directions of starvation show.
"""

from __future__ import annotations

import argparse
import functools
import multiprocessing
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from multiprocessing.synchronize import Event
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from api.graphql.pool import StorePool  # noqa: E402
from bench.ingest import generate, timed_load  # noqa: E402
from graph.embedded import EmbeddedStore  # noqa: E402
from graph.runtime import tune_gc  # noqa: E402
from graph.schema import NodeKind  # noqa: E402
from graph.store import GraphStore  # noqa: E402
from loaders.runner import default_jobs  # noqa: E402
from queries.accountability import accountability  # noqa: E402


def _search(store: GraphStore, text: str) -> object:
    return store.search(text, limit=50)


def _reader(db: str, clients: int, stop: Event, results: multiprocessing.Queue[list[float]]) -> None:
    """Like `keytrail serve` under `clients` busy clients: one process, the API's store pool (4
    connections), `clients` threads querying through it without pause until `stop`; sends back
    every query's latency (seconds), waiting for a connection included."""
    pool = StorePool(db, 4)
    keys = pool.call(lambda store: [n.id for n in store.nodes_of_kind(NodeKind.CREDENTIAL, limit=500)])
    latencies: list[float] = []
    lock = threading.Lock()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        mine: list[float] = []
        step = seed
        while not stop.is_set():
            started = time.perf_counter()
            choice = step % 4
            if choice == 0:
                pool.call(functools.partial(_search, text=rng.choice("abcdefghk0123456789")))
            elif choice == 1:
                pool.call(lambda store: store.nodes_of_kind(NodeKind.IDENTITY, limit=200))
            elif choice == 2 and keys:
                pool.call(functools.partial(accountability, node_id=rng.choice(keys)))
            else:
                pool.call(lambda store: store.stats())
            mine.append(time.perf_counter() - started)
            step += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pool.close()
    results.put(latencies)


def _wal_size(db: Path) -> int:
    wal = db.with_name(db.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def one_round(base: Path, estate: Path, work: Path, readers: int, jobs: int) -> tuple[float, float, list[float], int]:
    """(load seconds, load CPU seconds, reader latencies, largest WAL bytes) of one load into a copy of `base`."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    db = work / "keytrail.db"
    shutil.copy(base, db)
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    results: multiprocessing.Queue[list[float]] = context.Queue()
    processes = [context.Process(target=_reader, args=(str(db), readers, stop, results))] if readers else []
    for process in processes:
        process.start()
    time.sleep(2.0 if readers else 0)  # readers running before the load starts
    largest_wal = 0
    store = EmbeddedStore(db)
    try:
        done = threading.Event()

        def watch() -> None:
            nonlocal largest_wal
            while not done.wait(0.2):
                largest_wal = max(largest_wal, _wal_size(db))

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        before = _cpu_seconds()
        _accepted, _rejected, seconds = timed_load(store, estate, jobs)
        cpu = _cpu_seconds() - before
        done.set()
        watcher.join()
    finally:
        store.close()
        stop.set()
    latencies: list[float] = []
    for _ in processes:
        latencies += results.get(timeout=120)
    for process in processes:
        process.join(timeout=60)
    return seconds, cpu, latencies, largest_wal


def _cpu_seconds() -> float:
    """CPU time of this process and of its reaped children (the load's worker processes; the
    reader process is still running while the load is timed, so it is not counted)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--readers", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="load worker processes (keytrail's default)")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "keytrail-bench-readers")
    args = parser.parse_args()
    tune_gc()
    first, second = args.out / "estate-a", args.out / "estate-b"
    generate(first, args.events, seed=7, actors=3000)
    generate(second, args.events, seed=8, actors=3000)
    base = args.out / "base" / "keytrail.db"
    if not base.exists():
        base.parent.mkdir(parents=True, exist_ok=True)
        store = EmbeddedStore(base)
        timed_load(store, first, args.jobs)
        store.close()
    alone, shared, cpu_alone, cpu_shared, walls_alone, walls_shared = [], [], [], [], [], []
    latencies: list[float] = []
    for _ in range(args.repeat):
        seconds, cpu, _none, wal = one_round(base, second, args.out / "work", 0, args.jobs)
        alone.append(seconds)
        cpu_alone.append(cpu)
        walls_alone.append(wal)
        seconds, cpu, lat, wal = one_round(base, second, args.out / "work", args.readers, args.jobs)
        shared.append(seconds)
        cpu_shared.append(cpu)
        walls_shared.append(wal)
        latencies += lat
        print(f"  round: alone {alone[-1]:.1f}s, with {args.readers} readers {seconds:.1f}s ({len(lat)} queries)")
    a, s = statistics.median(alone), statistics.median(shared)
    ca, cs = statistics.median(cpu_alone), statistics.median(cpu_shared)
    ordered = sorted(latencies)
    p95 = ordered[int(0.95 * (len(ordered) - 1))] if ordered else 0.0
    print(f"load of {args.events} events, {args.jobs} job(s), median of {args.repeat}:")
    print(f"  alone:              {a:.1f}s, {ca:.1f} CPU s (largest WAL {max(walls_alone) / 2**20:.0f} MiB)")
    wal = max(walls_shared) / 2**20
    print(f"  with {args.readers} readers: {s:.1f}s = {s / a:.2f} x alone, {cs:.1f} CPU s (largest WAL {wal:.0f} MiB)")
    print(f"  the load's share of CPU with readers: {cs / s:.2f} cores, alone {ca / a:.2f}")
    queries_per_second = len(latencies) / sum(shared) if shared else 0.0
    median = statistics.median(latencies) * 1000 if latencies else 0.0
    print(f"  readers: {queries_per_second:.0f} queries/s in all, median {median:.1f} ms, p95 {p95 * 1000:.1f} ms")
    print(f"  (cpus: {os.cpu_count()})")


if __name__ == "__main__":
    main()
