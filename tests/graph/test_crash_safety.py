"""SIGKILL during writes never leaves a half-written batch in the embedded store.

A child process (tests/graph/crash_writer.py) writes numbered batches — small ones and, every
seventh, one of 5,000 nodes and edges (large enough to span many pages, small enough that a
slow machine still finishes one between kills) — printing each batch number after `write`
returns.
The test kills it at random moments, again and again on the same file, and after each kill
reopens the store: SQLite's integrity check passes and the store holds exactly the
acknowledged batches, plus at most the one in flight, each one whole.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph.embedded import EmbeddedStore
from tests.conftest import REPO
from tests.graph.crash_writer import batch_size

pytestmark = pytest.mark.slow

WRITER = REPO / "tests" / "graph" / "crash_writer.py"
KILLS = 24
TIME_BUDGET = 120.0


def stored_batches(path: Path) -> list[int]:
    """Batch numbers present in the store; fails if any batch is present only in part."""
    store = EmbeddedStore(path)
    try:
        assert store.integrity_check() == "ok"
    finally:
        store.close()
    db = sqlite3.connect(path)
    try:
        teams = [int(row[0][len("team:batch-") :]) for row in db.execute("SELECT id FROM nodes WHERE kind = 'Team'")]
        people = dict(
            db.execute("SELECT CAST(substr(id, 9, 5) AS INTEGER), count(*) FROM nodes WHERE kind = 'Person' GROUP BY 1")
        )
        edges = dict(db.execute("SELECT CAST(substr(target, 12) AS INTEGER), count(*) FROM edges GROUP BY target"))
    finally:
        db.close()
    for number in teams:
        assert people.get(number) == batch_size(number), f"batch {number}: people partly written"
        assert edges.get(number) == batch_size(number), f"batch {number}: edges partly written"
    assert set(people) <= set(teams) and set(edges) <= set(teams), "members without their batch's team"
    return sorted(teams)


def run_and_kill(path: Path, first: int, delay: float) -> tuple[list[int], int | None]:
    """Start the writer, SIGKILL it after `delay`; the acknowledged batches and the one in flight."""
    child = subprocess.Popen(
        [sys.executable, str(WRITER), str(path), str(first)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    # The delay counts from `ready` (imports and open done), so a slow, busy machine still
    # kills writers mid-batch rather than mid-import.
    assert child.stdout is not None
    ready = child.stdout.readline().strip()
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    # The rest through the same buffered reader: readline() may have read lines past `ready`
    # ahead (a fast first batch), which communicate(timeout=...) would skip, reading the pipe's
    # descriptor directly. The writer is dead, so this ends at its last line.
    with child.stdout:
        output = child.stdout.read()
    child.wait(timeout=30)
    assert ready == "ready", f"the writer did not start: {ready!r}"
    assert child.returncode == -signal.SIGKILL, "the writer died on its own"
    acknowledged, in_flight = [], None
    for line in output.splitlines():
        word, number = line.split()
        if word == "committed":
            acknowledged.append(int(number))
            in_flight = None
        else:
            in_flight = int(number)
    return acknowledged, in_flight


def test_sigkill_never_leaves_a_partial_batch(tmp_path: Path) -> None:
    seed = random.randrange(2**32)
    chance = random.Random(seed)
    path = tmp_path / "crash.db"
    started = time.monotonic()
    present: list[int] = []
    for attempt in range(KILLS):
        if time.monotonic() - started > TIME_BUDGET:
            pytest.fail(f"only {attempt} kills within {TIME_BUDGET}s (seed {seed})")
        acknowledged, in_flight = run_and_kill(path, len(present), chance.uniform(0.3, 1.6))
        after = stored_batches(path)
        expected = present + acknowledged
        assert after in (expected, [*expected, in_flight] if in_flight is not None else expected), (
            f"seed {seed}, kill {attempt}: stored {after[-3:]}, acknowledged up to {acknowledged[-1:]},"
            f" in flight {in_flight}"
        )
        present = after
    assert len(present) > KILLS, f"the writer made too little progress to test anything (seed {seed})"
    assert any(batch_size(n) > 1000 for n in present), "no large batch was ever committed"
