"""OpenGraph export (issue 21 item 5): time and peak RSS at growing graph sizes, against the plain dump.

    python bench/opengraph.py [--units 1000,10000] [--folder .keytrail/bench-opengraph] [--cache-mib N]

Each size is the synthetic estate of bench/queries.py (about 106 nodes and 300 edges a unit;
10,000 units ≈ 1M nodes) in an embedded store, built once and kept in --folder. Each export
runs in a fresh child process that writes `keytrail export --format opengraph` to a file, and
reports its own peak RSS (VmHWM); the JSON-lines dump (`--format jsonl`) of the same store is
measured the same way beside it, since the OpenGraph writer streams from it. Target: streamed,
so memory stays flat as the graph grows. Peak RSS (VmHWM) is shown with the peak of anonymous
memory beside it: the embedded store is read through a memory map, whose file pages count in
RSS and grow with the file, while what the export itself holds is the anonymous part.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.queries import populate  # noqa: E402
from graph.embedded import EmbeddedStore  # noqa: E402

_CHILD = """
import pathlib, re, sys, threading, time
sys.path.insert(0, {repo!r})
from api.cli import cli

cache_kib = {cache_kib!r}
if cache_kib is not None:  # bench only: hold SQLite's page cache at a fixed size and map nothing
    from graph.embedded import EmbeddedStore

    opened = EmbeddedStore.__init__

    def fixed_cache(self, *args, **kwargs):
        opened(self, *args, **kwargs)
        self._db.execute(f"PRAGMA cache_size=-{{cache_kib}}")
        self._db.execute("PRAGMA mmap_size=0")

    EmbeddedStore.__init__ = fixed_cache

status = pathlib.Path("/proc/self/status")
peak_anon = 0
done = threading.Event()

def sample():
    # anonymous memory (the heap) apart from file pages: SQLite reads the store through a memory
    # map, whose pages count in VmHWM and grow with the file, not with what the export holds
    global peak_anon
    while not done.wait(0.02):
        peak_anon = max(peak_anon, int(re.search(r"RssAnon:\\s+(\\d+)", status.read_text()).group(1)))

threading.Thread(target=sample, daemon=True).start()
started = time.perf_counter()
try:
    cli.main(["export", "--store", {db!r}, "--format", {fmt!r}, "--out", {out!r}], standalone_mode=False)
finally:
    done.set()
    hwm = re.search(r"VmHWM:\\s+(\\d+)", status.read_text()).group(1)
    print(time.perf_counter() - started, hwm, peak_anon)
"""


def export_in_child(db: Path, fmt: str, out: Path, cache_mib: int | None = None) -> tuple[float, float, float]:
    """(seconds, peak RSS MiB, peak anonymous RSS MiB) of one export in a fresh process; with
    `cache_mib`, the store's SQLite page cache is held at that size and its memory map is off."""
    cache_kib = None if cache_mib is None else cache_mib * 1024
    code = _CHILD.format(repo=str(REPO), db=str(db), fmt=fmt, out=str(out), cache_kib=cache_kib)
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    seconds, hwm, anon = done.stdout.strip().splitlines()[-1].split()
    return float(seconds), int(hwm) / 1024, int(anon) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", default="1000,10000", help="comma-separated estate sizes, in units")
    parser.add_argument("--folder", type=Path, default=REPO / ".keytrail" / "bench-opengraph")
    parser.add_argument(
        "--cache-mib",
        type=int,
        default=None,
        help="bench only: hold the store's SQLite page cache at this size (MiB) and turn its memory map off, "
        "so that what grows in the export's anonymous RSS is the export's own (default: the store's settings)",
    )
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    print("units  nodes      edges       | jsonl: s  RSS MiB (anon) | opengraph: s  RSS MiB (anon)  MB written")
    for units in (int(u) for u in args.units.split(",")):
        db = args.folder / f"estate-{units}.db"
        store = EmbeddedStore(db)
        try:
            started = time.monotonic()
            populate(store, units)
            stats = store.stats()
            print(f"  ({units} units ready in {time.monotonic() - started:.0f}s)", file=sys.stderr)
        finally:
            store.close()
        out = args.folder / "out.json"
        plain_s, plain_mib, plain_anon = export_in_child(db, "jsonl", out, args.cache_mib)
        og_s, og_mib, og_anon = export_in_child(db, "opengraph", out, args.cache_mib)
        size_mb = out.stat().st_size / 1e6
        out.unlink()
        print(
            f"{units:<6} {stats.total_nodes:<10,} {sum(stats.edges.values()):<11,} | "
            f"{plain_s:8.1f} {plain_mib:8.0f} ({plain_anon:4.0f}) | "
            f"{og_s:12.1f} {og_mib:8.0f} ({og_anon:4.0f}) {size_mb:10.0f}"
        )


if __name__ == "__main__":
    main()
