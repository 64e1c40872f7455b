"""Running loaders over files: detection, streaming, batching, located errors, summaries.

Files are read one at a time and records streamed, so memory does not grow with file size;
nodes and edges go to the store in batches of BATCH_ITEMS, each one transaction. A record's
output is written whole or not at all, and so is a file's own: its items are held until it has
been read whole — in memory up to a batch, spooled to an anonymous temporary file beyond
(loaders/spool.py) — so a file that fails late (the inflated-bytes limit met half-way through a
big gzip, a stream cut short, an I/O error) writes nothing of its records, whatever its size,
while the files around it load. A `--strict` stop writes the files read whole before it and
nothing of the file it stopped in (`finish` does not run, so no aggregates).

A file that cannot be read (or does not exist) is a file-level failure; so is a file no loader
recognises when it was named explicitly. Met while walking a folder, such a file is only skipped
(READMEs, manifests and notes live beside evidence) — unless `strict`, which fails on both. A
malformed record is a rejection, reported with its location, and the records around it still
load — unless `strict`.

Each file's report counts the nodes and edges it contributed, including its share of what a
loader emits at the end (sessions): an item of `finish` output is counted on the file its
first evidence pointer cites, a node on the file of the edge that follows it (a session's node
precedes its edges), and what no pointer places (keys, identities seen by many files' sessions)
on the loader's last good file. The counts are observations: a node seen in two files counts in both.

What a failed file leaves: nothing of its records. Its accepted records did feed the loader's
aggregates (sessions) before it failed, since a loader's state cannot be rolled back per file;
`finish` output whose every evidence pointer cites failed files is dropped, but an aggregate
that good files also fed keeps the failed file's share (counts, times, evidence pointers), and
nodes no pointer places (a session's caller key and identity) are written when the loader has
a good file (tests/loaders/test_runner_half_written.py names the two such nodes of its case).

A loader's `finish` output (sessions and other aggregates) is streamed in the same bounded
batches rather than held as one list, so memory follows the aggregates, not their items. A
session's node and its edges may therefore land in different transactions; a crash between
them leaves a placeholder endpoint or a node without some edges, never a wrong value, and a
reload repairs it: every merge is idempotent (observations are keyed by origin, timestamps
take min/max, sets are unions), so writing the same items again converges to the same graph.
An aggregate the loader cannot emit is a located LoadError among the items (that aggregate is
rejected, the others written); an exception out of `finish` itself is a defect, reported as a
failure of that loader's last file (whose records, and the aggregates streamed before the
exception, are already written), and the other loaders still finish.

Worker processes: a loader that is a `ParallelAggregates` (CloudTrail) and has at least
PARALLEL_MIN_BYTES of files to parse can read them in `jobs` worker processes (the pool and its
wire protocol: loaders/parallel.py). The files are
cut into consecutive runs of about equal uncompressed size, one per worker; each worker parses
and transforms its files with its own copy of what `prepare` read, sends each file's record
items in batches as they are read, then the file's report (the main process holds the batches
until then and drops them if the file failed; writes are in file order, so last-write-wins
properties end as one process leaves them; files arriving early spill to a spool past
WAITING_ITEMS, so neither side's memory follows the files), then its aggregates, which the
main process merges in part order before `finish`. The graph and the reports are the same as
with one process (tests/loaders/test_runner_parallel.py).
Only the main process touches the store. `--strict` loads stay in one process (they stop at the
first rejected record). A worker that fails sends its traceback; one that dies is noticed by
the end of its output; either stops the load with a WorkerError. When the files add up to
PARALLEL_MIN_BYTES on disk, the workers are started before formats are detected, so that their
start-up (importing keytrail) overlaps the detection; unused, they are killed.

Loads allocate millions of small, acyclic, short-lived objects (parsed records, models)
beside long-lived aggregates; keytrail's processes run with a collector tuned for that
(graph/runtime.py), and a load, like every library call, leaves the collector alone.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import pickle
import queue
import secrets
import stat
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from graph.errors import LoadError, ModelError, StoreError, StrictStop, WorkerError
from graph.model import Edge, Node
from graph.store import GraphStore
from loaders import limits
from loaders.base import Item, LoadContext, Loader, SourceFile
from loaders.formats.sample import samples
from loaders.parallel import ParallelAggregates, WorkerPool, converse, work_size
from loaders.registry import LOADERS, loader_named, phase_of
from loaders.spool import Held

__all__ = [
    "BATCH_ITEMS",
    "PARALLEL_MIN_BYTES",
    "FileReport",
    "LoadReport",
    "StrictStop",
    "WorkerError",
    "default_jobs",
    "detect",
    "discover",
    "hmac_key",
    "run_load",
]

BATCH_ITEMS = 5000
MAX_ERRORS_KEPT = 50
WAITING_ITEMS = 8 * BATCH_ITEMS
"""Items of worker files read early (a later part's, before an earlier part is written) kept in
memory; past it they are spooled (loaders/spool.py), so the main process stays bounded too."""
PARALLEL_MIN_BYTES = 8 << 20
"""A parallel loader's files are split among worker processes only from this total size on
(below it, starting the processes costs more than it saves)."""


@dataclass(slots=True)
class FileReport:
    path: str
    loader: str = ""
    accepted: int = 0
    rejected: int = 0
    nodes: int = 0
    edges: int = 0
    errors: list[LoadError] = field(default_factory=list)
    failure: str = ""
    assumed: list[str] = field(default_factory=list)
    """What keytrail assumed because the file did not say (`repository assumed: local/x from ...`)."""
    skipped: str = ""
    """Why a file met in a folder walk was passed over (no known format, or not a regular file:
    a FIFO, socket, device, broken link); never a failure."""

    def reject(self, error: LoadError) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(_shortened(error))

    def fail(self, reason: str) -> None:
        self.failure = limits.shorten(reason)


def _shortened(error: LoadError) -> LoadError:
    """The error with its reason cut to a readable length (a reason may quote a 1 MB value)."""
    if len(error.reason) <= limits.REASON_CHARS:
        return error
    return type(error)(limits.shorten(error.reason), file=error.file, line=error.line, record=error.record)


@dataclass(slots=True)
class LoadReport:
    files: list[FileReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """The loaders' notes on what the data said (see LoadContext.notes), in the order written."""

    @property
    def failed(self) -> bool:
        return any(f.failure for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def skipped(self) -> list[FileReport]:
        return [f for f in self.files if f.skipped]

    @property
    def complete(self) -> bool:
        """Everything given was loaded: no file failed and no record was rejected."""
        return not self.failed and not self.rejected


def default_jobs() -> int:
    """Worker processes for a large parallel load: one per core this process may use (at most 8)."""
    return max(1, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def hmac_key(directory: Path = Path(".keytrail")) -> bytes:
    """The key for HMACs of secret values: KEYTRAIL_HMAC_KEY, else a generated key file (0600)."""
    configured = os.environ.get("KEYTRAIL_HMAC_KEY", "")
    if configured:
        return configured.encode()
    path = directory / "hmac.key"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def discover(paths: Sequence[Path]) -> list[SourceFile]:
    """Every file under the given paths (directories recursively), in a stable order."""
    found: list[SourceFile] = []
    for root in paths:
        if root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if d not in {".git", "node_modules", "__pycache__"})
                for name in sorted(filenames):
                    full = Path(dirpath) / name
                    found.append(SourceFile(full, str(full)))
        else:
            found.append(SourceFile(root, str(root)))
    return found


def irregular(source: SourceFile) -> str:
    """Why a path is not a regular file that can be read without blocking ("" when it is one):
    FIFOs, sockets and devices are never opened (a FIFO would block the load forever), and a
    symbolic link loop or a dangling link cannot be followed."""
    try:
        mode = os.stat(source.path).st_mode
    except FileNotFoundError as exc:
        if os.path.islink(source.path):
            return f"cannot follow: a dangling symbolic link ({exc.strerror or exc})"
        return f"cannot read: {exc.strerror or exc}"
    except OSError as exc:
        return f"cannot follow: {exc.strerror or exc}"
    if stat.S_ISREG(mode):
        return ""
    kinds = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"))
    kind = next((name for test, name in kinds if test(mode)), "a block device" if stat.S_ISBLK(mode) else "")
    return f"not a regular file ({kind or 'special file'}), not opened"


def detect(source: SourceFile) -> Loader[Any] | None:
    """The loader that claims the file's head, or past an over-long first line the lines after it
    (loaders/formats/sample.py); None when no loader claims either."""
    for sample in samples(source):
        for loader in LOADERS:
            if loader.sniff(sample):
                return loader
    return None


def _file_records(
    loader: Loader[Any], source: SourceFile, ctx: LoadContext, report: FileReport, strict: bool
) -> Iterator[list[Item]]:
    """Each accepted record's nodes and edges, as one list: a record is written whole or not at all.
    (Records that mean nothing by themselves, like most CloudTrail events, yield no list.)"""
    transform = loader.transform
    most = ctx.limits.records
    for count, parsed in enumerate(loader.parse(source), 1):
        if count > most:
            raise limits.exceeded("records", most, "the number of records", file=source.display)
        if isinstance(parsed, LoadError):
            report.reject(parsed)
            if strict:
                raise StrictStop.of(parsed)
            continue
        try:
            items = list(transform(parsed, ctx))
        except Exception as exc:  # any failure of one record rejects that record, located
            error = exc if isinstance(exc, LoadError) else parsed.location.error(_reason(exc))
            report.reject(error)
            if strict:
                raise StrictStop.of(error) from None
            continue
        report.accepted += 1
        if items:
            yield items


def _reason(exc: Exception) -> str:
    """What went wrong with one record, readable and short: a validation error names its field;
    any other (a TypeError on a value of the wrong JSON type) names its type, since an unexpected
    exception is a defect of keytrail's boundary checks, reported rather than crashing the load."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "record"
        return f"{where}: {first['msg']}"
    if isinstance(exc, ModelError):
        return limits.shorten(str(exc))
    return limits.shorten(f"unreadable record ({type(exc).__name__}: {exc})")


Planned = tuple[int, int, SourceFile, Loader[Any] | None, FileReport]


class _Batcher:
    """Items written to the store in batches of about BATCH_ITEMS, each one transaction. A file's
    own items are held (loaders/spool.py) until the file has been read whole, then committed:
    a file that fails writes nothing of its own, whatever its size."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []
        self.held: Held | None = None

    def add(self, records: Iterable[list[Item]], report: FileReport) -> None:
        """One file's records, held as they are read (beyond a batch, spooled), committed at its
        end; an exception out of `records` leaves them held, for `drop`."""
        held = self.held = Held()
        for items in records:
            held.add(items)
            if held.in_memory >= BATCH_ITEMS:
                held.spill()
        self.commit(held, report)

    def commit(self, held: Held, report: FileReport) -> None:
        """A file read whole: its items written after those of the files before it, in order."""
        nodes, edges = held.counts
        report.nodes += nodes
        report.edges += edges
        if held.spooled_nodes or held.spooled_edges:
            self.flush()
            for chunk_nodes, chunk_edges in held.spooled():
                self.store.write(chunk_nodes, chunk_edges)
        if len(self.nodes) + len(self.edges) + held.in_memory > BATCH_ITEMS:
            self.flush()
        self.nodes.extend(held.nodes)
        self.edges.extend(held.edges)
        held.close()
        self.held = None

    def drop(self) -> None:
        """The file being read failed: nothing of it is written."""
        if self.held is not None:
            self.held.close()
            self.held = None

    def stream(self, items: Iterable[Item | LoadError], reports: dict[str, FileReport], last: FileReport) -> None:
        """Items written in bounded batches as they come (a loader's finish output), each counted
        on the file that produced it (see the module docstring): `reports` by display name. A
        LoadError among them is an aggregate the loader could not emit, counted as a rejection.
        What only failed files saw is dropped (a failed file writes nothing): an edge whose every
        evidence pointer cites a failed file, with the nodes waiting for it."""
        current = last
        good = [r for r in reports.values() if not r.failure] if reports else [last]
        settle_on = last if not last.failure else (good[-1] if good else None)
        waiting: list[Node] = []  # nodes waiting for the edge that names their file
        for item in items:
            if isinstance(item, LoadError):
                reports.get(item.file, current).reject(item)
            elif isinstance(item, Node):
                waiting.append(item)
            else:
                if item.evidence:
                    current = reports.get(item.evidence[0].source, current)
                    if all(_failed(reports.get(e.source)) for e in item.evidence):
                        waiting = []
                        continue
                self.edges.append(item)
                self.nodes.extend(waiting)
                current.edges += 1
                current.nodes += len(waiting)
                waiting = []
            if len(self.nodes) + len(self.edges) + len(waiting) >= BATCH_ITEMS:
                self._settle(waiting, settle_on)  # a long run of nodes waits no longer than a batch
                waiting = []
                self.flush()
        self._settle(waiting, settle_on)

    def _settle(self, nodes: list[Node], report: FileReport | None) -> None:
        """Nodes no edge placed: counted on `report`, the loader's last good file; dropped when
        none is good (nothing says which file they came from: dropping them whenever the last
        file failed lost the good files' nodes, such as a bucket's subtype)."""
        if nodes and report is not None:
            self.nodes.extend(nodes)
            report.nodes += len(nodes)

    def flush(self) -> None:
        if self.nodes or self.edges:
            self.store.write(self.nodes, self.edges)
            self.nodes, self.edges = [], []


def _failed(report: FileReport | None) -> bool:
    return report is not None and bool(report.failure)


def run_load(
    store: GraphStore,
    paths: Sequence[Path],
    *,
    ctx: LoadContext,
    source: str | None = None,
    strict: bool = False,
    on_file: Callable[[SourceFile, FileReport], None] | None = None,
    jobs: int = 1,
) -> LoadReport:
    """Load every file under `paths`; returns one report per file (see module docstring).

    `jobs` > 1 lets a parallel loader read a large set of files in that many worker processes
    (see "Worker processes" above); the graph written is the same."""
    forced = loader_named(source) if source else None
    files = discover(paths)
    named = {path for path in paths if not path.is_dir()}
    # Enough bytes that a parallel loader may want workers: start them now, so their interpreters
    # import keytrail while this one detects formats (a pool nobody uses is killed at the end).
    pool = WorkerPool(jobs if jobs > 1 and not strict and _has_bytes(files, PARALLEL_MIN_BYTES) else 0)
    try:
        return _run(store, files, named, ctx, forced, strict, on_file, jobs, pool)
    finally:
        pool.close()


def _has_bytes(files: list[SourceFile], least: int) -> bool:
    """Whether the files take at least `least` bytes on disk (stat calls stop once they do)."""
    total = 0
    for file in files:
        if total >= least:
            return True
        with contextlib.suppress(OSError):
            total += file.path.stat().st_size
    return total >= least


def _run(
    store: GraphStore,
    files: list[SourceFile],
    named: set[Path],
    ctx: LoadContext,
    forced: Loader[Any] | None,
    strict: bool,
    on_file: Callable[[SourceFile, FileReport], None] | None,
    jobs: int,
    pool: WorkerPool,
) -> LoadReport:
    report = LoadReport()
    batcher = _Batcher(store)
    used: dict[str, Loader[Any]] = {}
    finishing: dict[str, FileReport] = {}
    planned: list[Planned] = []
    for index, file in enumerate(files):
        file_report = FileReport(path=file.display)
        report.files.append(file_report)
        loader = None
        if unreadable := irregular(file):
            if file.path in named:
                file_report.fail(unreadable)
            else:
                file_report.skipped = unreadable
        else:
            loader = _detected(file, forced, ctx, file_report)
        if loader is None and not file_report.failure and not file_report.skipped:
            if file.path in named or strict:
                file_report.failure = "format not recognised (use --source to name it)"
            else:
                file_report.skipped = "no known format"
        planned.append((phase_of(loader) if loader else 0, index, file, loader, file_report))
    ordered = sorted(planned, key=lambda p: (p[0], p[1]))
    parallel = _parallel_parts(ordered, jobs) if not strict else {}
    for _phase, _index, file, loader, file_report in ordered:
        if loader is None:
            if on_file is not None:
                on_file(file, file_report)
            continue
        if loader.name not in used:
            batcher.flush()
            loader.prepare(ctx, store)
            used[loader.name] = loader
        if loader.name in parallel:
            if loader.name not in finishing:
                _load_in_workers(loader, parallel[loader.name], ctx, batcher, on_file, pool)
            finishing[loader.name] = file_report
            continue
        finishing[loader.name] = file_report
        _load_file(loader, file, ctx, file_report, strict, batcher)
        if on_file is not None:
            on_file(file, file_report)
    noted = len(ctx.notes)
    for name, loader in used.items():
        of_loader = {p[2].display: p[4] for p in ordered if p[3] is loader}
        try:
            batcher.stream(loader.finish(ctx), of_loader, finishing[name])
        except (StoreError, WorkerError):
            raise  # the store or a worker failed: nothing more can be written
        except Exception as exc:  # a defect of one loader's aggregates fails its last file, not the load
            finishing[name].fail(f"{name}: cannot finish: {_reason(exc)}")
    batcher.flush()
    report.notes.extend(ctx.notes[noted:])
    for file_report in report.files:
        file_report.assumed = sorted(ctx.assumed.get(file_report.path, ()))
    return report


def _here(error: LoadError, file: SourceFile) -> str:
    """An error's text without the file's own name (a failure is printed after it)."""
    if error.file and error.file != file.display:
        return str(error)
    where = [f"line {error.line}"] if error.line is not None else []
    where += [f"record {error.record}"] if error.record is not None else []
    return ", ".join(where) + (": " if where else "") + error.reason


def _detected(file: SourceFile, forced: Loader[Any] | None, ctx: LoadContext, report: FileReport) -> Loader[Any] | None:
    """The file's loader (`forced`, or by content); None with `report.failure` set when unreadable."""
    if forced is not None:
        return forced
    try:
        with limits.applied(ctx.limits):
            return detect(file)
    except OSError as exc:
        report.fail(f"cannot read: {exc.strerror or exc}")
    except EOFError as exc:
        report.fail(f"truncated compressed file: {exc}")
    except LoadError as exc:
        report.fail(exc.reason)
    return None


def _load_file(
    loader: Loader[Any], file: SourceFile, ctx: LoadContext, report: FileReport, strict: bool, batcher: _Batcher
) -> None:
    report.loader = loader.name
    try:
        with limits.applied(ctx.limits):
            batcher.add(_file_records(loader, file, ctx, report, strict), report)
    except StrictStop:  # the files read whole before it are written, nothing of this one
        batcher.drop()
        batcher.flush()
        raise
    except OSError as exc:
        report.fail(f"cannot read: {exc.strerror or exc}")
    except EOFError as exc:
        report.fail(f"truncated compressed file: {exc}")
    except LoadError as exc:  # a limit the file broke, or its whole document unreadable
        report.fail(_here(exc, file))
    except Exception as exc:  # a defect of one file's parser fails that file, not the load
        report.fail(f"cannot parse ({type(exc).__name__}: {exc})")
    if report.failure:
        batcher.drop()  # a failed file writes nothing of its own, and counts nothing


Part = list[tuple[SourceFile, FileReport]]


def _parallel_parts(ordered: list[Planned], jobs: int) -> dict[str, list[Part]]:
    """Per parallel loader worth splitting: its files cut into `jobs` runs of consecutive files
    of about equal size (consecutive, so the first part holds the earliest files)."""
    by_loader: dict[str, list[tuple[SourceFile, FileReport, int]]] = {}
    for _phase, _index, file, loader, report in ordered:
        if isinstance(loader, ParallelAggregates):
            by_loader.setdefault(loader.name, []).append((file, report, work_size(file)))
    parts: dict[str, list[Part]] = {}
    for name, files in by_loader.items():
        total = sum(size for _file, _report, size in files)
        count = min(jobs, len(files))
        if count < 2 or total < PARALLEL_MIN_BYTES:
            continue
        cut: list[Part] = [[] for _ in range(count)]
        seen = 0
        for file, report, size in files:
            cut[min(count - 1, seen * count // total)].append((file, report))
            seen += size
        parts[name] = [part for part in cut if part]
    return parts


def _load_in_workers(
    loader: Loader[Any],
    parts: list[Part],
    ctx: LoadContext,
    batcher: _Batcher,
    on_file: Callable[[SourceFile, FileReport], None] | None,
    pool: WorkerPool,
) -> None:
    """Read every file of `loader` in worker processes, one part each; write what they send.

    Workers send each file's items in batches as read, then its report; a good file's are
    written here in file order (a node's properties are last-write-wins, so a key created in one
    file and deleted in a later one must be written in that order), buffering what a later part
    sends early. Then come the workers' aggregates, merged in part order before `finish`."""
    assert isinstance(loader, ParallelAggregates), f"{loader.name} is not split across workers"
    shipped = dataclasses.replace(ctx, state=loader.worker_state(ctx))
    messages: queue.SimpleQueue[tuple[int, tuple[Any, ...]]] = queue.SimpleQueue()
    workers: list[subprocess.Popen[bytes]] = []
    taken: dict[int, Any] = {}
    holding: dict[tuple[int, int], Held] = {}  # the batches of files still being read
    arrived: dict[tuple[int, int], tuple[FileReport, Held]] = {}  # files read, waiting their turn
    waiting = 0  # items of `arrived` in memory: beyond WAITING_ITEMS, a file arriving early is spooled
    following = (0, 0)  # the next file to write: (part, position in part)
    try:
        for number, part in enumerate(parts):
            task = pickle.dumps((loader.name, [file for file, _ in part], shipped), protocol=pickle.HIGHEST_PROTOCOL)
            worker, channel = pool.take()
            workers.append(worker)
            threading.Thread(target=converse, args=(worker, channel, number, task, messages), daemon=True).start()
        while len(taken) < len(workers):
            number, message = messages.get()
            match message:
                case ("items", position, nodes, edges):
                    holding.setdefault((number, position), Held()).put(nodes, edges)
                case ("file", position, done, nodes, edges):
                    held = holding.pop((number, position), None) or Held()
                    if done.failure:
                        held.close()  # a failed file writes nothing of its own
                    else:
                        held.nodes, held.edges = nodes, edges
                    if (number, position) != following:
                        if waiting + held.in_memory > WAITING_ITEMS:
                            held.spill()
                        waiting += held.in_memory
                    arrived[(number, position)] = (done, held)
                    while following in arrived:  # written in file order, as one process would
                        done, held = arrived.pop(following)
                        if following != (number, position):
                            waiting -= held.in_memory
                        file, report = parts[following[0]][following[1]]
                        _adopt(report, done)
                        batcher.commit(held, report)
                        if on_file is not None:
                            on_file(file, report)
                        part_number, place = following
                        last = place + 1 == len(parts[part_number])
                        following = (part_number + 1, 0) if last else (part_number, place + 1)
                case ("state", state):
                    taken[number] = state
                case ("crash", trace):
                    raise WorkerError(f"a {loader.name} worker process failed:\n{trace}")
                case ("died", how):
                    raise WorkerError(f"a {loader.name} worker process died ({how})")
    finally:
        for held in [*holding.values(), *(held for _done, held in arrived.values())]:
            held.close()
        stopped = len(taken) < len(workers)  # by an error: kill what still runs
        for worker in workers:
            if stopped and worker.poll() is None:
                worker.kill()
            try:
                worker.wait(timeout=30)  # one that sent its state exits by itself
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
    for number in range(len(workers)):
        loader.merge_state(ctx, taken[number])


def _adopt(report: FileReport, done: FileReport) -> None:
    report.loader, report.failure = done.loader, done.failure
    report.accepted, report.rejected, report.errors = done.accepted, done.rejected, done.errors


def work(name: str, files: list[SourceFile], ctx: LoadContext, send: Callable[[tuple[Any, ...]], None]) -> None:
    """A worker's job (loaders/worker.py): read its files in order, send each file's items in
    batches as they are read ("items") and its outcome with the last of them ("file"), then
    its aggregates. A failed file's outcome carries no items: the main process drops its batches."""
    loader = loader_named(name)
    assert isinstance(loader, ParallelAggregates), f"{name} is not split across workers"
    for position, file in enumerate(files):
        report = FileReport(path=file.display)
        collected = _Collector(send, position)
        _load_file(loader, file, ctx, report, False, collected)  # type: ignore[arg-type]
        send(("file", position, report, collected.held.nodes, collected.held.edges))
    send(("state", loader.take_state(ctx)))


class _Collector:
    """The batcher of a worker: sends each batch of a file's items as it fills, so a worker's
    memory stays bounded; the main process holds them until the file's outcome comes."""

    def __init__(self, send: Callable[[tuple[Any, ...]], None], position: int) -> None:
        self.send, self.position = send, position
        self.held = Held()

    def add(self, records: Iterable[list[Item]], _report: FileReport) -> None:
        held = self.held
        for items in records:
            held.add(items)
            if held.in_memory >= BATCH_ITEMS:
                self.send(("items", self.position, held.nodes, held.edges))
                held.nodes, held.edges = [], []

    def drop(self) -> None:
        self.held.close()


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
