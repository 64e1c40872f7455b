"""Running loaders over files: detection, streaming, batching, located errors, summaries.

Files are read one at a time and records streamed, so memory does not grow with file size;
nodes and edges go to the store in batches of BATCH_ITEMS, each one transaction. A record's
output is written whole or not at all. A file no loader recognises, or that cannot be read,
is a file-level failure (the command exits non-zero); a malformed record is a rejection,
reported with its location, and the records around it still load — unless `strict`.

A loader's `finish` output (sessions and other aggregates) is streamed in the same bounded
batches rather than held as one list, so memory follows the aggregates, not their items. A
session's node and its edges may therefore land in different transactions; a crash between
them leaves a placeholder endpoint or a node without some edges, never a wrong value, and a
reload repairs it: every merge is idempotent (observations are keyed by origin, timestamps
take min/max, sets are unions), so writing the same items again converges to the same graph.

Loads allocate millions of small, acyclic, short-lived objects (parsed records, models)
beside long-lived aggregates; keytrail's processes run with a collector tuned for that
(graph/runtime.py), and a load, like every library call, leaves the collector alone.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from graph.errors import KeytrailError, LoadError, ModelError
from graph.model import Edge, Node
from graph.store import GraphStore
from loaders.base import SAMPLE_BYTES, Item, LoadContext, Loader, Sample, SourceFile, open_text
from loaders.registry import LOADERS, loader_named

__all__ = ["BATCH_ITEMS", "FileReport", "LoadReport", "detect", "discover", "hmac_key", "run_load"]

BATCH_ITEMS = 5000
MAX_ERRORS_KEPT = 50


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

    def reject(self, error: LoadError) -> None:
        self.rejected += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(error)


@dataclass(slots=True)
class LoadReport:
    files: list[FileReport] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(f.failure for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)


class StrictStop(KeytrailError):
    """Raised under --strict at the first rejected record."""


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


def detect(source: SourceFile) -> Loader[Any] | None:
    with open_text(source) as handle:
        text = handle.read(SAMPLE_BYTES)
    sample = Sample(source, text)
    for loader in LOADERS:
        if loader.sniff(sample):
            return loader
    return None


def _record_items(loader: Loader[Any], record: object, ctx: LoadContext) -> list[Item]:
    return list(loader.transform(record, ctx))  # type: ignore[arg-type]


def _file_records(
    loader: Loader[Any], source: SourceFile, ctx: LoadContext, report: FileReport, strict: bool
) -> Iterator[list[Item]]:
    """Each accepted record's nodes and edges, as one list: a record is written whole or not at all."""
    for parsed in loader.parse(source):
        if isinstance(parsed, LoadError):
            report.reject(parsed)
            if strict:
                raise StrictStop(str(parsed))
            continue
        try:
            items = _record_items(loader, parsed, ctx)
        except (LoadError, ModelError, ValidationError) as exc:
            error = exc if isinstance(exc, LoadError) else parsed.location.error(_reason(exc))
            report.reject(error)
            if strict:
                raise StrictStop(str(error)) from None
            continue
        report.accepted += 1
        yield items


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "record"
        return f"{where}: {first['msg']}"
    return str(exc)


class _Batcher:
    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []

    def add(self, records: Iterable[list[Item]], report: FileReport) -> None:
        for items in records:
            for item in items:
                if isinstance(item, Node):
                    self.nodes.append(item)
                    report.nodes += 1
                else:
                    self.edges.append(item)
                    report.edges += 1
            if len(self.nodes) + len(self.edges) >= BATCH_ITEMS:
                self.flush()

    def stream(self, items: Iterable[Item], report: FileReport) -> None:
        """Items written in bounded batches as they come (a loader's finish output)."""
        for item in items:
            if isinstance(item, Node):
                self.nodes.append(item)
                report.nodes += 1
            else:
                self.edges.append(item)
                report.edges += 1
            if len(self.nodes) + len(self.edges) >= BATCH_ITEMS:
                self.flush()

    def flush(self) -> None:
        if self.nodes or self.edges:
            self.store.write(self.nodes, self.edges)
            self.nodes, self.edges = [], []


def run_load(
    store: GraphStore,
    paths: Sequence[Path],
    *,
    ctx: LoadContext,
    source: str | None = None,
    strict: bool = False,
    on_file: Callable[[SourceFile, FileReport], None] | None = None,
) -> LoadReport:
    """Load every file under `paths`; returns one report per file (see module docstring)."""
    forced = loader_named(source) if source else None
    report = LoadReport()
    batcher = _Batcher(store)
    used: dict[str, Loader[Any]] = {}
    finishing: dict[str, FileReport] = {}
    planned: list[tuple[int, int, SourceFile, Loader[Any] | None, FileReport]] = []
    for index, file in enumerate(discover(paths)):
        file_report = FileReport(path=file.display)
        report.files.append(file_report)
        try:
            loader = forced or detect(file)
        except OSError as exc:
            file_report.failure = f"cannot read: {exc.strerror or exc}"
            loader = None
        except EOFError as exc:
            file_report.failure = f"truncated compressed file: {exc}"
            loader = None
        if loader is None and not file_report.failure:
            file_report.failure = "format not recognised (use --source to name it)"
        planned.append((loader.phase if loader else 0, index, file, loader, file_report))
    for _phase, _index, file, loader, file_report in sorted(planned, key=lambda p: (p[0], p[1])):
        try:
            if loader is None:
                continue
            file_report.loader = loader.name
            if loader.name not in used:
                batcher.flush()
                loader.prepare(ctx, store)
                used[loader.name] = loader
            finishing[loader.name] = file_report
            batcher.add(_file_records(loader, file, ctx, file_report, strict), file_report)
        except OSError as exc:
            file_report.failure = f"cannot read: {exc.strerror or exc}"
        except EOFError as exc:
            file_report.failure = f"truncated compressed file: {exc}"
        finally:
            if on_file is not None:
                on_file(file, file_report)
    for name, loader in used.items():
        batcher.stream(loader.finish(ctx), finishing[name])
    batcher.flush()
    return report


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
