"""Fuzzing `keytrail load` with hostile variants of real files, per registered loader (issue 18).

    python bench/fuzz.py [--cases 10000] [--seed 18] [--loaders aws-cloudtrail,gitleaks] [--hang 30]

Seeds are the real files of ../shared/corpus and tests/fixtures, grouped by the loader that claims
them; each case is a seed mutated by bench/fuzz_mutations.py. Every loader's cases run in a
fresh worker process (forked from a fork server that imported keytrail once, never from the
caller, so its peak RSS is the load's own), which first loads the seeds
into a base store, then for each case copies that store and runs the real command line
(`keytrail load --jobs 1 --store <copy> <file>`) in-process, with stdout and stderr captured.
A case is a defect when it ends in a traceback (an exception past the command line, or the
runner's catch-all naming an exception type instead of a located reason), exits other than 0
or 1 (`keytrail load --help` documents 0 = all loaded, 1 = something rejected or failed;
2 is usage, which a file cannot cause), when a file that failed left the store different from
before (compared by export), when a one-line mutation of a JSON-lines file lost more than the
damaged records, or when a case runs past `--hang` seconds (a SIGALRM stops it). Prints, per
loader: cases, tracebacks, hangs, other defects, the worker's peak RSS and the median and
largest case time. The test suite runs the same harness with a few hundred cases per loader
(tests/loaders/test_fuzz.py).

The load limits are set lower than the defaults for the run (FUZZ_LIMITS), so a gzip bomb or a
huge value meets them within a second, as a configured deployment would.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import multiprocessing
import os
import re
import resource
import shutil
import signal
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing import connection
from pathlib import Path
from types import FrameType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.fuzz_mutations import LINE_LOCAL, Case, make_case  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
FIXTURES = REPO / "tests" / "fixtures"
NOT_DATA = (".py", ".md", ".tsv")
SCRATCH = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
"""Stores and cases live in memory where the machine has a tmpfs: a case's store commits are
then not paced by the shared disk's fsync (the cases measure keytrail, not the disk)."""
FUZZ_LIMITS = {
    "KEYTRAIL_LOAD_MAX_FILE_BYTES": "64M",
    "KEYTRAIL_LOAD_MAX_DOCUMENT_BYTES": "32M",
    "KEYTRAIL_LOAD_MAX_LINE_BYTES": "8M",
}
PRELOAD = ["api.cli", "bench.fuzz", "graph.embedded", "loaders.registry", "loaders.runner", "loaders.worker"]
"""Imported once by the fork server that every loader's worker is forked from: a fresh
interpreter (not the caller, so a worker's peak RSS is not a pytest session's), whose ~1.2 s of
imports each of the ~20 workers would otherwise repeat."""
ADDRESS_SPACE = 3 << 30
"""Address space of one loader's fuzzing process."""
SAFETY_NET = re.compile(r"unreadable record \(|cannot parse \(|cannot finish \(|Traceback \(most recent call last\)")
"""The runner's catch-alls: an exception type where a located reason should be (loaders/runner.py)."""
SUMMARY = re.compile(r"records accepted, (\d+) rejected, (\d+) files failed")
COUNTS = re.compile(r"^\S+\s+(?P<path>.+): (?P<accepted>\d+) accepted, (?P<rejected>\d+) rejected", re.M)


@dataclass(frozen=True, slots=True)
class Seed:
    root: Path
    path: Path

    @property
    def relative(self) -> str:
        return str(self.path.relative_to(self.root.parent))


@dataclass(slots=True)
class Outcome:
    case: str
    seconds: float
    exit: int | None = None
    defect: str = ""
    """Empty when the case behaved; else what went wrong, with the evidence."""
    hang: bool = False
    traceback: bool = False


@dataclass(slots=True)
class LoaderRun:
    loader: str
    outcomes: list[Outcome] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    cpu_seconds: float = 0.0
    """CPU time of the loader's process (its base load and cases), the machine's other jobs aside."""

    def count(self, what: str) -> int:
        return sum(1 for o in self.outcomes if getattr(o, what))

    @property
    def defects(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.defect]

    def line(self) -> str:
        times = [o.seconds for o in self.outcomes] or [0.0]
        other = len(self.defects) - self.count("traceback") - self.count("hang")
        return (
            f"{self.loader:<22} cases {len(self.outcomes):>6}  tracebacks {self.count('traceback'):>3}  "
            f"hangs {self.count('hang'):>3}  other defects {other:>3}  "
            f"peak RSS {self.peak_rss_mb:7.1f} MB  median {statistics.median(times) * 1000:6.1f} ms  "
            f"max {max(times):6.2f} s  CPU {self.cpu_seconds:6.1f} s"
        )


def seeds_by_loader(roots: tuple[Path, ...] = (CORPUS, FIXTURES)) -> dict[str, list[Seed]]:
    """Every real data file under `roots`, grouped by the loader that claims it."""
    from loaders.runner import detect, discover

    found: dict[str, list[Seed]] = {}
    for root in roots:
        if not root.is_dir():
            continue
        for source in discover([root]):
            if source.path.name.endswith(NOT_DATA) or "__pycache__" in source.path.parts:
                continue
            loader = detect(source)
            if loader is not None:
                found.setdefault(loader.name, []).append(Seed(root, source.path))
    return found


class Hang(BaseException):
    """A case ran past its time (raised by SIGALRM; a BaseException so no `except Exception` eats it)."""


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise Hang


def _keytrail(args: list[str]) -> tuple[int, str, str, str]:
    """Run the command line in this process: (exit status, stdout, stderr, traceback or "")."""
    from api.cli import main

    out, err = io.StringIO(), io.StringIO()
    code, failure = 0, ""
    saved = sys.argv
    sys.argv = ["keytrail", *args]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception:  # anything past the command line is the defect being hunted
        code, failure = -1, traceback.format_exc()
    finally:
        sys.argv = saved
    return code, out.getvalue(), err.getvalue(), failure


def _export(db: Path) -> list[str]:
    from graph.embedded import EmbeddedStore

    store = EmbeddedStore(str(db))
    try:
        return sorted(store.export())
    finally:
        store.close()


def _digest(db: Path) -> str:
    """The store's files' bytes, hashed: a failed load that wrote nothing leaves them identical."""
    digest = hashlib.blake2b()
    for suffix in ("", "-wal"):
        part = Path(f"{db}{suffix}")
        digest.update(part.read_bytes() if part.exists() else b"-")
    return digest.hexdigest()


def _copy_store(base: Path, to: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        target = Path(f"{to}{suffix}")
        target.unlink(missing_ok=True)
        if Path(f"{base}{suffix}").exists():
            shutil.copyfile(f"{base}{suffix}", target)


def _accepted(stdout: str) -> int:
    return sum(int(m["accepted"]) for m in COUNTS.finditer(stdout))


def run_loader(
    loader: str, seeds: list[Seed], cases: int, seed: int, hang: float, work: Path, jobs: int = 1
) -> LoaderRun:
    """All cases of one loader, in this process (bench/fuzz.py starts one process per loader).
    With `jobs` > 1, each case is instead the mutated file beside another real file of the loader,
    loaded with `--jobs` (worker processes, for a loader split across them) and again with one
    process: both must behave, and their stores must export the same graph."""
    os.environ.update(FUZZ_LIMITS)
    if jobs > 1:
        import loaders.runner

        # Real files are far below the size from which a load uses workers: lower it for the run.
        loaders.runner.PARALLEL_MIN_BYTES = 1
    # A case that blows memory up must fail as a MemoryError in this process, counted, not send the
    # shared machine's OOM killer after whatever is largest (an earlier run grew to 20 GB).
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    os.chdir(work)  # the HMAC key file (.keytrail/) lives in the working directory
    signal.signal(signal.SIGALRM, _alarm)
    base = work / "base.db"
    base_files = work / "base"
    for item in seeds:
        target = base_files / item.relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(item.path, target)
    _, stdout, _, _ = _keytrail(["load", "--jobs", "1", "--store", str(base), str(base_files)])
    accepted = {Path(m["path"]).relative_to(base_files).as_posix(): int(m["accepted"]) for m in COUNTS.finditer(stdout)}
    before = Baseline(_digest(base), _export(base))
    run = LoaderRun(loader)
    raw = {item.relative: item.path.read_bytes() for item in seeds}
    for index in range(cases):
        item = seeds[index % len(seeds)]
        case = make_case(item.relative, raw[item.relative], seed, index)
        if jobs > 1:
            companion = next(other for other in seeds[index % len(seeds) + 1 :] + seeds if other != item)
            run.outcomes.append(_run_parallel_case(case, item, companion, work, base, hang, jobs))
            continue
        run.outcomes.append(_run_case(case, item, work, base, before, accepted.get(item.relative, 0), hang))
    run.peak_rss_mb = _own_peak_rss_mb()
    run.cpu_seconds = time.process_time()
    return run


def _own_peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM, reset by exec): `ru_maxrss` is not, so a worker started
    from a large parent (a whole pytest session) would report the parent's size as its own."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(found.group(1)) / 1024 if found else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True, slots=True)
class Baseline:
    """The base store as a case must leave it when its file failed: its bytes' digest (equal bytes
    are equal stores, checked in a millisecond) and, for stores whose bytes moved, its export."""

    digest: str
    export: list[str]

    def unchanged(self, db: Path) -> bool:
        return _digest(db) == self.digest or _export(db) == self.export


def _run_case(case: object, item: Seed, work: Path, base: Path, before: Baseline, good: int, hang: float) -> Outcome:
    from bench.fuzz_mutations import Case

    assert isinstance(case, Case)
    folder = work / "case"
    shutil.rmtree(folder, ignore_errors=True)
    path = folder / item.relative
    path.parent.mkdir(parents=True)
    path.write_bytes(case.data)
    db = work / "case.db"
    _copy_store(base, db)
    started = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, hang)
    try:
        code, stdout, stderr, failure = _keytrail(["load", "--jobs", "1", "--store", str(db), str(path)])
    except Hang:
        return Outcome(case.name, time.perf_counter() - started, defect=f"ran past {hang:g} s", hang=True)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    outcome = Outcome(case.name, time.perf_counter() - started, exit=code)
    if failure or SAFETY_NET.search(stderr):
        outcome.traceback = True
        outcome.defect = failure or next(line for line in stderr.splitlines() if SAFETY_NET.search(line))
    elif code not in (0, 1):
        outcome.defect = f"exit status {code}: {stderr[-400:]}"
    elif (summary := SUMMARY.search(stdout)) is None or (code == 0) != (summary[1] == summary[2] == "0"):
        outcome.defect = f"exit status {code} does not match the summary: {stdout[-300:]}"
    elif "FAILED" in stderr and not before.unchanged(db):
        outcome.defect = f"the file failed but the store changed: {stderr[-400:]}"
    elif _damaged_one_line(case.mutations, item) and _accepted(stdout) < good - 2:
        outcome.defect = f"a one-line mutation lost records: {_accepted(stdout)} of {good} accepted"
    return outcome


def _run_parallel_case(
    case: Case, item: Seed, companion: Seed, work: Path, base: Path, hang: float, jobs: int
) -> Outcome:
    folder = work / "case"
    shutil.rmtree(folder, ignore_errors=True)
    for name, data in ((item.relative, case.data), (companion.relative, companion.path.read_bytes())):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    started = time.perf_counter()
    results = {}
    for count in (jobs, 1):
        db = work / f"case-{count}.db"
        _copy_store(base, db)
        signal.setitimer(signal.ITIMER_REAL, hang)
        try:
            results[count] = (*_keytrail(["load", "--jobs", str(count), "--store", str(db), str(folder)]), db)
        except Hang:
            return Outcome(case.name, time.perf_counter() - started, defect=f"ran past {hang:g} s", hang=True)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    code, stdout, stderr, failure, db = results[jobs]
    outcome = Outcome(case.name, time.perf_counter() - started, exit=code)
    if failure or SAFETY_NET.search(stderr):
        outcome.traceback = True
        outcome.defect = failure or next(line for line in stderr.splitlines() if SAFETY_NET.search(line))
    elif code != results[1][0] or SUMMARY.search(stdout) is None:
        outcome.defect = f"--jobs {jobs} exits {code}, one process {results[1][0]}: {stderr[-300:]}"
    elif _digest(db) != _digest(results[1][4]) and _export(db) != _export(results[1][4]):
        outcome.defect = f"--jobs {jobs} wrote another graph than one process: {stderr[-300:]}"
    return outcome


def _damaged_one_line(mutations: tuple[str, ...], item: Seed) -> bool:
    return item.path.name.endswith(".jsonl") and len(mutations) == 1 and mutations[0] in LINE_LOCAL


def _worker(
    loader: str, seeds: list[Seed], cases: int, seed: int, hang: float, work: str, send: object, jobs: int
) -> None:
    run = run_loader(loader, seeds, cases, seed, hang, Path(work), jobs)
    send.send(run)  # type: ignore[attr-defined]


def fuzz(
    cases: int,
    seed: int,
    hang: float,
    only: set[str] | None = None,
    seeds: dict[str, list[Seed]] | None = None,
    parallel: int = 1,
    jobs: int = 1,
) -> Iterator[LoaderRun]:
    """Each loader's run (in the order they finish), in worker processes, `parallel` at a time."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    waiting = [(loader, files) for loader, files in sorted((seeds or seeds_by_loader()).items())]
    waiting = [(loader, files) for loader, files in waiting if not only or loader in only]
    running: dict[Any, tuple[str, Any, tempfile.TemporaryDirectory[str]]] = {}
    while waiting or running:
        while waiting and len(running) < parallel:
            loader, files = waiting.pop(0)
            work = tempfile.TemporaryDirectory(prefix=f"keytrail-fuzz-{loader}-", dir=SCRATCH)
            receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_worker, args=(loader, files, cases, seed, hang, work.name, send, jobs))
            process.start()
            send.close()
            running[receive] = (loader, process, work)
        for ready in connection.wait(list(running)):
            loader, process, work = running.pop(ready)  # type: ignore[index]
            try:
                yield ready.recv()  # type: ignore[union-attr]
            except EOFError:
                dead = Outcome("(worker)", 0.0, defect=f"worker died ({process.exitcode})", traceback=True)
                yield LoaderRun(loader, [dead])
            finally:
                process.join()
                work.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000, help="cases per loader")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--hang", type=float, default=30.0, help="seconds after which a case counts as a hang")
    parser.add_argument("--loaders", default="", help="comma-separated loader names (default: every one with seeds)")
    parser.add_argument("--show", type=int, default=5, help="defects printed per loader")
    parser.add_argument("--parallel", type=int, default=1, help="loaders fuzzed at once (one process each)")
    parser.add_argument("--jobs", type=int, default=1, help="> 1: load each case beside a real file with --jobs")
    args = parser.parse_args()
    only = {name.strip() for name in args.loaders.split(",") if name.strip()} or None
    started = time.perf_counter()
    total, cpu = 0, 0.0
    for run in fuzz(args.cases, args.seed, args.hang, only, parallel=args.parallel, jobs=args.jobs):
        print(run.line(), flush=True)
        for outcome in run.defects[: args.show]:
            print(f"    {outcome.case}: {outcome.defect.strip().splitlines()[-1][:300]}", flush=True)
        total += len(run.outcomes)
        cpu += run.cpu_seconds
    print(f"{total} cases in {time.perf_counter() - started:.0f} s, {cpu:.0f} s of CPU in the loaders' processes")


if __name__ == "__main__":
    main()
