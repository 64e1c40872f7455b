"""The worker processes of a parallel load and their wire protocol (loaders/runner.py,
"Worker processes", says when a load uses them).

A worker is a new interpreter, `python -m loaders.worker <fd>`, never a fork: the store's
connections and a server's threads stay in the main process, and the calling program's main
module is never re-run. It reads one pickled task on stdin and writes framed messages — an
8-byte little-endian length, then a pickle — to a pipe of its own (`fd`), so no stray print
can corrupt the channel. A loader whose aggregates merge exactly, whatever files each worker
saw, is a `ParallelAggregates`; no other loader is ever split.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import subprocess
import sys
from abc import ABC, abstractmethod
from pathlib import Path
from typing import IO, Any

from loaders.base import LoadContext, SourceFile

__all__ = [
    "ParallelAggregates",
    "WorkerPool",
    "converse",
    "read_exactly",
    "read_message",
    "send_message",
    "work_size",
    "worker_env",
]


class ParallelAggregates(ABC):
    """A loader (mixed in beside `Loader`) whose `ctx.state` aggregates merge exactly across
    worker processes, so its files may be read by several workers."""

    @abstractmethod
    def worker_state(self, ctx: LoadContext) -> dict[str, Any]:
        """What a worker process needs from ctx.state (what `prepare` read), picklable."""

    @abstractmethod
    def take_state(self, ctx: LoadContext) -> Any:
        """In a worker, after its files: the aggregates to send back (picklable), removed from ctx."""

    @abstractmethod
    def merge_state(self, ctx: LoadContext, taken: Any) -> None:
        """In the main process: fold one worker's aggregates into ctx.state, before `finish`."""


def work_size(file: SourceFile) -> int:
    """Bytes to parse: a gzip file's uncompressed size from its trailer (ISIZE, mod 2**32)."""
    try:
        with file.path.open("rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            if file.compressed and size >= 18:
                handle.seek(-4, os.SEEK_END)
                return int.from_bytes(handle.read(4), "little") or size
            return size
    except OSError:
        return 0


class WorkerPool:
    """Worker processes started ahead of need: each imports keytrail, then waits for its task on
    stdin. `take` hands one out (starting another if none is idle); `close` kills those never
    given a task, which is immediate and harmless: they have touched nothing yet."""

    def __init__(self, count: int) -> None:
        self.idle: list[tuple[subprocess.Popen[bytes], IO[bytes]]] = []
        try:
            for _ in range(count):
                self.idle.append(self._start())
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _start() -> tuple[subprocess.Popen[bytes], IO[bytes]]:
        reading, writing = os.pipe()  # the message channel: a pipe of its own, so no stray print can corrupt it
        try:
            worker = subprocess.Popen(
                [sys.executable, "-m", "loaders.worker", str(writing)],
                stdin=subprocess.PIPE,
                pass_fds=(writing,),
                env=worker_env(),
            )
        except BaseException:
            os.close(reading)
            raise
        finally:
            os.close(writing)
        return worker, os.fdopen(reading, "rb")

    def take(self) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
        return self.idle.pop(0) if self.idle else self._start()

    def close(self) -> None:
        for worker, channel in self.idle:
            worker.kill()
            worker.wait()
            for stream in (worker.stdin, channel):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
        self.idle.clear()


def worker_env() -> dict[str, str]:
    """The environment of a worker: this one, with keytrail's packages importable."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    return env


def converse(
    worker: subprocess.Popen[bytes],
    channel: IO[bytes],
    number: int,
    task: bytes,
    messages: queue.SimpleQueue[tuple[int, tuple[Any, ...]]],
) -> None:
    """One thread per worker: send its task, then relay its messages; always ends with a last
    message ("state", "crash" or "died") so the main loop never waits forever."""
    assert worker.stdin is not None
    problem = ""
    try:
        worker.stdin.write(task)
        worker.stdin.close()
        while (message := read_message(channel)) is not None:
            messages.put((number, message))
            if message[0] in ("state", "crash"):
                return
    except (OSError, EOFError, pickle.UnpicklingError) as exc:
        problem = f"; its messages could not be read: {exc!r}"
    finally:
        for stream in (worker.stdin, channel):
            with contextlib.suppress(OSError):  # a worker that died before reading its task
                stream.close()
    messages.put((number, ("died", f"exit code {worker.wait()}{problem}")))


def send_message(stream: IO[bytes], message: tuple[Any, ...]) -> None:
    """One message of the worker protocol: its length (8 bytes, little-endian), then its pickle."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(8, "little"))
    stream.write(data)
    stream.flush()


def read_message(stream: IO[bytes]) -> tuple[Any, ...] | None:
    """The next message, or None at the end of the stream (a message cut short raises EOFError)."""
    head = read_exactly(stream, 8)
    if not head:
        return None
    message: tuple[Any, ...] = pickle.loads(read_exactly(stream, int.from_bytes(head, "little"), required=True))
    return message


def read_exactly(stream: IO[bytes], size: int, *, required: bool = False) -> bytes:
    """`size` bytes, read as they come (a read may return less, e.g. under a profiler's signals);
    b"" at a clean end of stream, EOFError at an end within a message."""
    data = bytearray()
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            if data or required:
                raise EOFError(f"worker message cut short ({len(data)} of {size} bytes)")
            return b""
        data += chunk
    return bytes(data)
