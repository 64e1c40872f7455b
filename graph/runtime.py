"""Process settings for keytrail's own processes (the CLI, the API server, the benchmarks).

Garbage collection: keytrail's answers are built from many small objects (a 10k-node blast
radius is ~100k of them, a findings run over a million nodes tens of millions), all acyclic
and freed by reference counting. CPython's default collector still walks the whole heap every
few hundred thousand allocations, and on a large blast radius that walk costs a large share of
the query (bench/README.md). `tune_gc` moves what exists at start-up (modules, schema, app) out of the
collector's sight and lets it run far less often; cycles are still collected.

Only processes call this, never a library function: a program importing keytrail's queries
keeps its own collector settings.
"""

from __future__ import annotations

import gc
from typing import Final

__all__ = ["GC_THRESHOLDS", "tune_gc"]

GC_THRESHOLDS: Final = (50_000, 1000, 100)
"""Young-generation allocations before a collection, and the two older generations' ratios
(CPython's defaults: 700, 10, 10). The middle generation is collected every 50M allocations:
each of its collections walks every survivor of the young one, and a findings run over a
million nodes keeps millions (rows, findings), so with a small ratio those collections take
much of the collector's time; with 1000 none happen in such a run (bench/README.md). Garbage
cycles, rare in keytrail's own objects (graphql execution and exceptions make some), are still
collected by the young generation's runs when they die young, and by the middle one's otherwise."""


def tune_gc() -> None:
    """Freeze the objects alive now (start-up state) and collect less often from here on."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
