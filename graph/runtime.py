"""Process settings for keytrail's own processes (the CLI, the API server, the benchmarks).

Garbage collection: keytrail's answers are built from many small objects (a 10k-node blast
radius is ~100k of them, a findings run over a million nodes tens of millions), all acyclic
and freed by reference counting. CPython's default collector still walks the whole heap every
few hundred thousand allocations; measured on the 10k-node blast radius it took half the time
of the query. `tune_gc` moves what exists at start-up (modules, schema, app) out of the
collector's sight and lets it run far less often; cycles are still collected.

Only processes call this, never a library function: a program importing keytrail's queries
keeps its own collector settings.
"""

from __future__ import annotations

import gc
from typing import Final

__all__ = ["GC_THRESHOLDS", "tune_gc"]

GC_THRESHOLDS: Final = (50_000, 20, 100)
"""Young-generation allocations before a collection, and the two older generations' ratios
(CPython's defaults: 700, 10, 10)."""


def tune_gc() -> None:
    """Freeze the objects alive now (start-up state) and collect less often from here on."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
