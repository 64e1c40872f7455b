"""Store access for the API: a small pool of store instances, used only from worker threads.

The embedded store holds one SQLite connection, opened with check_same_thread=False but not
safe for concurrent use, so each worker thread takes a whole instance from the pool for one
call and gives it back: N instances (KEYTRAIL_STORE_POOL, default 4) serve N requests in
parallel (SQLite WAL lets readers run beside a writer). The Neo4j store is one driver whose
sessions are opened per call, which the driver allows from many threads, so one instance is
shared. Every call runs in anyio's thread pool with the request's remaining time as its
deadline; a call that overruns is abandoned by the request (answered with TIMEOUT), and its
thread still finishes before the instance goes back to the pool.

At most as many calls run in threads as the pool has instances (a capacity limiter of its
own): the others wait on the event loop, within their deadline, instead of parking up to 40
of anyio's shared worker threads on the pool's queue — threads that fought over the GIL and
that token checks and other thread work then queued behind.
"""

from __future__ import annotations

import functools
import queue
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import anyio
import anyio.to_thread

from graph.errors import StoreUnavailable
from graph.open import is_neo4j_uri, open_store
from graph.store import GraphStore

__all__ = ["RequestTimeout", "StorePool"]

P = ParamSpec("P")
T = TypeVar("T")


class RequestTimeout(Exception):
    """The request's time budget ran out while a store call was running."""


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
        self._limiter = anyio.CapacityLimiter(len(stores))

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
        try:
            with anyio.fail_after(remaining):
                return await anyio.to_thread.run_sync(work, abandon_on_cancel=True, limiter=self._limiter)
        except TimeoutError:
            raise RequestTimeout() from None

    def close(self) -> None:
        if not self._owned:
            return
        for store in {id(s): s for s in self._stores}.values():
            store.close()
