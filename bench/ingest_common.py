"""What every source of the ingest benchmark (bench/ingest.py) shares: a timed `run_load`, the peak
RSS of a load in a child process, the load into the shared Neo4j, and medians of repeated runs.

A source is a `Source`: it generates its files (deterministic by seed, reused when present), lists
them, and times a raw parse of them — reading and decoding each record with orjson, nothing else,
in one process — which is the yardstick its load is a ratio to.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import orjson

from graph.store import GraphStore
from loaders.base import LoadContext
from loaders.runner import run_load

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Source:
    name: str  # as `--source` names it
    unit: str  # what a record is: events, entries
    default_events: int
    default_actors: int
    generate: Callable[[Path, int, int, int], int]  # (root, events, seed, actors) -> records written
    files: Callable[[Path], list[Path]]
    raw_parse: Callable[[Path], tuple[int, float]]  # (records, seconds)
    cluster: str = ""  # the load's --cluster ("" for none)
    describe: str = ""  # what the raw parse is, for the printout


def context(cluster: str = "") -> LoadContext:
    return LoadContext(now="2025-01-02T00:00:00Z", hmac_key=b"bench", cluster=cluster)


def timed_load(store: GraphStore, root: Path, jobs: int = 1, cluster: str = "") -> tuple[int, int, float]:
    """(records accepted, rejected, seconds) of one `run_load` of `root` into `store`."""
    started = time.perf_counter()
    report = run_load(store, [root], ctx=context(cluster), jobs=jobs)
    elapsed = time.perf_counter() - started
    return sum(f.accepted for f in report.files), report.rejected, elapsed


def peak_rss_of_load(root: Path, jobs: int, cluster: str = "") -> tuple[float, float]:
    """Peak RSS (MiB) of a child process that loads `root` into a fresh embedded store (its own
    VmHWM: Linux's ru_maxrss of a child starts from its parent's RSS at fork, so this process,
    already large, would inflate it), and at most the largest of its worker processes' (their
    ru_maxrss, which counts the child's RSS when it started them; 0 with one process)."""
    code = (
        f"import re, resource, sys, tempfile, pathlib; sys.path.insert(0, {str(REPO)!r});"
        "from bench.ingest_common import timed_load; from graph.embedded import EmbeddedStore;"
        "from graph.runtime import tune_gc; tune_gc();"
        "s = EmbeddedStore(pathlib.Path(tempfile.mkdtemp()) / 'k.db');"
        f"timed_load(s, pathlib.Path({str(root)!r}), {jobs}, {cluster!r}); s.close();"
        "own = re.search(r'VmHWM:\\s+(\\d+)', pathlib.Path('/proc/self/status').read_text()).group(1);"
        "print(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    main_kib, worker_kib = done.stdout.strip().splitlines()[-1].split()
    return int(main_kib) / 1024, int(worker_kib) / 1024


def processes(jobs: int) -> str:
    return "1 process" if jobs == 1 else f"{jobs} worker processes"


def neo4j_load(root: Path, jobs: int, cluster: str = "") -> tuple[int, float]:
    """(records, seconds) of a load into the shared local Neo4j, holding the lock the test suite
    takes (it clears the database)."""
    import fcntl

    from graph.neo4j_store import Neo4jStore

    lock_path = REPO / ".keytrail" / "neo4j-tests.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        neo = Neo4jStore(
            os.environ["KEYTRAIL_NEO4J_URI"],
            user=os.environ.get("KEYTRAIL_NEO4J_USER", "neo4j"),
            password=os.environ.get("KEYTRAIL_NEO4J_PASSWORD", ""),
        )
        try:
            neo.clear()
            accepted, _rejected, seconds = timed_load(neo, root, jobs, cluster)
            neo.clear()
        finally:
            neo.close()
    return accepted, seconds


def raw_parse_lines(files: Iterable[Path]) -> tuple[int, float]:
    """(records, seconds) of orjson over every line of the files: the raw parse a JSON-lines
    load is measured against."""
    started = time.perf_counter()
    count = 0
    for path in files:
        with path.open("rb") as handle:
            for line in handle:
                orjson.loads(line)
                count += 1
    return count, time.perf_counter() - started


def median(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float], digits: int = 2) -> str:
    """`median (min-max)` of a few runs' figures."""
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)
