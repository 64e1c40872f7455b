"""StorePool: store calls on the pool's own threads, one store instance each, within a deadline."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest

from api.graphql.pool import RequestTimeout, StorePool
from graph.embedded import EmbeddedStore
from graph.schema import NodeKind
from graph.store import GraphStore

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Tally:
    """What the calls saw: the most running at once, the instances and threads they ran on."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.peak = 0
        self.stores: set[int] = set()
        self.threads: set[int] = set()

    def work(self, store: GraphStore) -> int:
        with self.lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.stores.add(id(store))
            self.threads.add(threading.get_ident())
        time.sleep(0.03)
        with self.lock:
            self.running -= 1
        return len(store.nodes_of_kind(NodeKind.PERSON, limit=1))


async def test_calls_share_the_instances_one_each(tmp_path: Path) -> None:
    pool = StorePool(str(tmp_path / "keytrail.db"), size=3)
    tally = Tally()
    try:
        results = await asyncio.gather(*(pool.run(time.monotonic() + 10, tally.work) for _ in range(9)))
    finally:
        pool.close()
    assert results == [0] * 9
    assert tally.peak == 3, "calls beyond the pool's size wait for an instance"
    assert len(tally.stores) == 3 and len(tally.threads) == 3
    assert threading.get_ident() not in tally.threads, "store calls run off the event loop"


async def test_a_pool_of_one_store_runs_one_call_at_a_time(embedded_store: EmbeddedStore) -> None:
    pool = StorePool.of(embedded_store)
    tally = Tally()
    await asyncio.gather(*(pool.run(time.monotonic() + 10, tally.work) for _ in range(4)))
    pool.close()
    assert tally.peak == 1 and tally.stores == {id(embedded_store)}
    assert embedded_store.stats().total_nodes == 0, "closing a pool of a store opened elsewhere leaves it open"


async def test_a_call_that_overruns_is_abandoned_and_one_queued_past_its_deadline_never_runs(
    embedded_store: EmbeddedStore,
) -> None:
    pool = StorePool.of(embedded_store)
    ran: list[str] = []

    def slow(_store: GraphStore) -> None:
        time.sleep(0.4)
        ran.append("slow")

    def queued(_store: GraphStore) -> None:
        ran.append("queued")

    started = time.monotonic()
    with pytest.raises(RequestTimeout):
        await pool.run(time.monotonic() + 0.1, slow)
    assert time.monotonic() - started < 0.35, "the request gives up at its deadline"
    with pytest.raises(RequestTimeout):
        await pool.run(time.monotonic() + 0.1, queued)  # waits behind `slow`, on the pool's one thread
    pool.close()  # waits for the abandoned call before anything it uses is closed
    assert ran == ["slow"]
    with pytest.raises(RequestTimeout):
        await pool.run(time.monotonic() - 1, queued)
