"""graph/runtime.py: keytrail's processes tune the garbage collector; cycles are still collected.

Each check runs in a child process, so the test process keeps CPython's default collector.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

_CHECK = """
import gc, sys, weakref
from graph.runtime import GC_THRESHOLDS
{setup}
class Node:
    pass
def make_cycle():
    a, b = Node(), Node()
    a.other, b.other = b, a
    return weakref.ref(a)
ref = make_cycle()
gc.collect()
print(gc.get_threshold() == GC_THRESHOLDS, gc.get_freeze_count() > 0, ref() is None)
"""


def _run(setup: str) -> str:
    code = _CHECK.format(setup=setup)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    return done.stdout.strip()


def test_tune_gc_freezes_start_up_state_and_raises_thresholds_but_still_collects_cycles() -> None:
    out = _run("from graph.runtime import tune_gc\ntune_gc()")
    assert out == "True True True"


def test_the_keytrail_command_runs_with_the_tuned_collector() -> None:
    setup = "from api.cli import main\nsys.argv = ['keytrail', '--version']\nmain()"
    out = _run(setup).splitlines()[-1]
    assert out == "True True True"
