"""Store access for the API: a small pool of store instances, used only from worker threads.

The embedded store holds one SQLite connection, opened with check_same_thread=False but not
safe for concurrent use, so each worker thread takes a whole instance from the pool for one
call and gives it back: N instances (KEYTRAIL_STORE_POOL, default 4) serve N requests in
parallel (SQLite WAL lets readers run beside a writer). The Neo4j store is one driver whose
sessions are opened per call, which the driver allows from many threads, so one instance is
shared.

Calls run on the pool's own N threads (a ThreadPoolExecutor), with the request's remaining
time as their deadline: a call that has not started by then is dropped from the executor's
queue, and one that overruns is abandoned by the request (answered with TIMEOUT) while its
thread finishes it before the instance goes back to the pool. N threads for N instances: a
thread never waits for an instance, calls beyond N wait in the executor's queue instead of
parking threads that fight over the GIL, and token checks and other thread work, on anyio's
shared threads, never queue behind store calls. The hop is asyncio's own `run_in_executor`
(uvicorn runs asyncio), ~0.2 ms a call cheaper here than anyio's `to_thread` with a capacity
limiter and a cancel scope (bench/api.py measures the hop).
"""

from __future__ import annotations

import asyncio
import functools
import queue
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from graph.errors import KeytrailError, StoreUnavailable
from graph.open import is_neo4j_uri, open_store
from graph.store import GraphStore

__all__ = ["RequestTimeout", "StorePool"]

P = ParamSpec("P")
T = TypeVar("T")


class RequestTimeout(KeytrailError):
    """The request's time budget ran out while a store call was running (coded TIMEOUT).

    A KeytrailError, in the tree of graph/errors.py, but declared here: graph/ cannot know of
    requests, and api is the only layer that has a deadline."""


class StorePool:
    def __init__(self, location: str, size: int = 4) -> None:
        first = open_store(location)
        shared = is_neo4j_uri(location)
        stores = [first] + [first if shared else open_store(location) for _ in range(size - 1)]
        self._setup(first.location, stores, owned=True)

    @classmethod
    def of(cls, store: GraphStore) -> StorePool:
        """A pool of one store opened elsewhere (tests, benchmarks); closing the pool leaves it open."""
        pool = cls.__new__(cls)
        pool._setup(store.location, [store], owned=False)
        return pool

    def _setup(self, location: str, stores: list[GraphStore], *, owned: bool) -> None:
        self.location = location
        self._stores = stores
        self._owned = owned
        self._free: queue.Queue[GraphStore] = queue.Queue()
        for store in stores:
            self._free.put(store)
        self._executor = ThreadPoolExecutor(len(stores), thread_name_prefix="keytrail-store")

    @property
    def size(self) -> int:
        return len(self._stores)

    def call(self, work: Callable[[GraphStore], T], wait: float = 60.0) -> T:
        """Run `work` on a free store instance, in the calling (worker) thread."""
        try:
            store = self._free.get(timeout=wait)
        except queue.Empty:
            raise StoreUnavailable("every store connection stayed busy") from None
        try:
            return work(store)
        finally:
            self._free.put(store)

    async def run(self, deadline: float, function: Callable[..., T], /, *args: object, **kwargs: object) -> T:
        """`function(store, *args, **kwargs)` in a worker thread, abandoned at `deadline` (monotonic)."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise RequestTimeout()
        work = functools.partial(self.call, lambda store: function(store, *args, **kwargs), remaining)
        call = asyncio.get_running_loop().run_in_executor(self._executor, work)
        try:
            async with asyncio.timeout(remaining):
                return await call  # cancelled at the deadline: dropped if queued, abandoned if running
        except TimeoutError:
            raise RequestTimeout() from None

    def close(self) -> None:
        """Wait for calls still running (abandoned ones too) before closing what they use."""
        self._executor.shutdown(wait=True, cancel_futures=True)
        if not self._owned:
            return
        for store in {id(s): s for s in self._stores}.values():
            store.close()
