"""Parallel loads of GCP Cloud Audit Logs and the GitHub audit log: the graph and reports of one process.

The corpus and fixture records of each source are dealt round-robin into several files (one of
them gzipped, one with a malformed line), so sessions, touched targets, impersonation hops and
token hashes lie in several workers' parts and must be merged across processes to come out as
one process makes them (loaders/gcp and loaders/github_audit are ParallelAggregates), and a
deployment review tied to the session of its workflow run.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

import loaders.runner as runner
from graph.embedded import EmbeddedStore
from loaders.base import LoadContext
from loaders.runner import LoadReport, run_load
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import HMAC_KEY, NOW, export_text

FILES = 4
SOURCES = {
    "gcp-audit": (("gcp_audit", "panther__GCP.AuditLog.jsonl"), (FIXTURES / "gcp_audit" / "sink-cloudaudit.jsonl",)),
    "github-audit": (
        ("github_audit", "panther__GitHub.Audit.jsonl"),
        # deployment reviews in one worker's part, the runs they approve in another's
        (FIXTURES / "github_audit" / "audit-log-stream.jsonl", FIXTURES / "github_audit" / "environments-stream.jsonl"),
    ),
}


def _dealt(root: Path, source: str) -> Path:
    (folder, name), fixtures = SOURCES[source]
    lines = [line for path in (need_corpus() / folder / name, *fixtures) for line in path.read_bytes().splitlines()]
    lines = [line for line in lines if line.strip()]
    out = root / source
    out.mkdir()
    for number in range(FILES):
        part = lines[number::FILES]
        if number == 1:
            part.insert(2, b'{"protoPayload": {"methodName": ')  # cut short: rejected, located, in a worker
        data = b"\n".join(part) + b"\n"
        if number == 2:
            (out / f"part-{number}.jsonl.gz").write_bytes(gzip.compress(data))
        else:
            (out / f"part-{number}.jsonl").write_bytes(data)
    return out


def _outcome(report: LoadReport) -> list[tuple[object, ...]]:
    return [
        (f.path, f.loader, f.accepted, f.rejected, f.nodes, f.edges, [str(e) for e in f.errors], f.failure)
        for f in report.files
    ]


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_workers_give_the_graph_and_reports_of_one_process(
    source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _dealt(tmp_path, source)
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 0)
    split: list[str] = []
    in_workers = runner._load_in_workers

    def counted(loader, *args, **kwargs):  # type: ignore[no-untyped-def]
        split.append(loader.name)
        return in_workers(loader, *args, **kwargs)

    monkeypatch.setattr(runner, "_load_in_workers", counted)
    results = []
    for jobs in (1, 2):
        store = EmbeddedStore(tmp_path / f"{jobs}.db")
        # named: a part whose first line is a GKE entry reads as Kubernetes objects to detection
        report = run_load(store, [root], ctx=LoadContext(now=NOW, hmac_key=HMAC_KEY), source=source, jobs=jobs)
        results.append((export_text(store), _outcome(report)))
        store.close()
    assert split == [source]  # only the two-worker load split the files
    (serial, serial_report), (parallel, parallel_report) = results
    assert parallel_report == serial_report
    assert parallel == serial
    if source == "github-audit":  # the approved review met its run's session across the parts
        approved = [line for line in serial.splitlines() if '"kind":"APPROVED"' in line and "workflow_run_id" in line]
        assert len(approved) == 1
    assert sum(f[3] for f in serial_report) > 0 and sum(f[2] for f in serial_report) > 20  # type: ignore[misc, operator]
