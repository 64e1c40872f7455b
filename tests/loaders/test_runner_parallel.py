"""Parallel loads: CloudTrail files read in worker processes give the very graph one process gives.

The trail is cut into files round-robin, so every session's events lie in several files and in
several workers' parts: the sessions, touched targets, assume-role chains and OIDC trust must be
merged across processes to come out right. Reports (counts, located errors, failures) must match
too, and a worker that fails or dies stops the load with a clear error instead of hanging.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

import loaders.parallel as parallel
import loaders.runner as runner
from api.cli import cli
from graph.embedded import EmbeddedStore
from graph.schema import EdgeKind
from loaders.aws.cloudtrail.loader import CloudTrailLoader
from loaders.base import LoadContext
from loaders.registry import phase_of
from loaders.runner import LoadReport, WorkerError, run_load
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import HMAC_KEY, NOW, edges, export_text

AWS = FIXTURES / "aws"
INVENTORY = (AWS / "iam-authorization-details.json", AWS / "ec2-describe-instances.json")
FILES = 8


def _events() -> list[dict[str, Any]]:
    """Every event of the fixture trail and of the corpus' CloudTrail files, in time order."""
    events: list[dict[str, Any]] = []
    for path in sorted((AWS / "cloudtrail").rglob("*.json.gz")):
        events += orjson.loads(gzip.decompress(path.read_bytes()))["Records"]
    corpus = need_corpus() / "cloudtrail"
    for path in sorted(corpus.glob("stratus__*.json")):
        document = orjson.loads(path.read_bytes())  # event arrays, as Stratus Red Team records them
        events += document["Records"] if isinstance(document, dict) else document
    for line in (corpus / "panther__AWS.CloudTrail.jsonl").read_bytes().splitlines():
        if line.strip():
            events.append(orjson.loads(line))
    return sorted(events, key=lambda e: str(e.get("eventTime")))


@pytest.fixture(scope="module")
def trail(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The events dealt round-robin into FILES delivery files (S3 layout, gzipped), one of them
    as JSON lines with a malformed line, plus a truncated file."""
    root = tmp_path_factory.mktemp("trail")
    events = _events()
    folder = root / "AWSLogs" / "111122223333" / "CloudTrail" / "us-east-1" / "2025" / "01" / "10"
    folder.mkdir(parents=True)
    for number in range(FILES):
        part = events[number::FILES]
        if number == 3:
            lines = [orjson.dumps(e) for e in part]
            lines.insert(2, b'{"eventName": "GetObject", "userIdentity": ')  # cut short
            (folder / f"part-{number}.json").write_bytes(b"\n".join(lines) + b"\n")
            continue
        data = gzip.compress(orjson.dumps({"Records": part}))
        (folder / f"part-{number}.json.gz").write_bytes(data)
        if number == 5:
            (folder / "part-5-truncated.json.gz").write_bytes(data[: len(data) // 2])
    return root


def _load(path: Path, inputs: list[Path], jobs: int) -> tuple[str, LoadReport, EmbeddedStore]:
    store = EmbeddedStore(path)
    ctx = LoadContext(now=NOW, hmac_key=HMAC_KEY)
    report = run_load(store, inputs, ctx=ctx, jobs=jobs)
    return export_text(store), report, store


def _outcome(report: LoadReport) -> list[tuple[object, ...]]:
    return [
        (f.path, f.loader, f.accepted, f.rejected, f.nodes, f.edges, f.failure, [str(e) for e in f.errors])
        for f in report.files
    ]


def test_workers_give_the_graph_and_reports_of_one_process(
    trail: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = [*INVENTORY, trail]
    one, one_report, store = _load(tmp_path / "one.db", inputs, jobs=1)
    store.close()
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 0)
    for jobs in (2, 3):
        seen: list[str] = []
        store = EmbeddedStore(tmp_path / f"jobs{jobs}.db")
        ctx = LoadContext(now=NOW, hmac_key=HMAC_KEY)
        report = run_load(
            store, inputs, ctx=ctx, jobs=jobs, on_file=lambda file, _r, seen=seen: seen.append(file.display)
        )
        try:
            assert export_text(store) == one
            assert _outcome(report) == _outcome(one_report)
            assert sorted(seen) == sorted(f.path for f in report.files)  # every file reported once
            # Not vacuous: sessions were merged across the workers' parts ...
            parts = runner._parallel_parts(_planned(inputs), jobs)["aws-cloudtrail"]
            first = {file.display for file, _ in parts[0]}
            last = {file.display for file, _ in parts[-1]}
            spanning = [
                e
                for e in edges(store, EdgeKind.TOUCHED).values()
                if {p.source for p in e.evidence} & first and {p.source for p in e.evidence} & last
            ]
            assert spanning, "no session's evidence spans the first and last part"
            # ... what `prepare` read reached the workers (EC2 addresses → FROM) ...
            assert edges(store, EdgeKind.FROM)
        finally:
            store.close()
    # ... and the bad input was met and reported in the same way (located, file kept going).
    lines = next(f for f in one_report.files if f.path.endswith("part-3.json"))
    assert lines.accepted > 10 and any("part-3.json, line 3: " in str(e) for e in lines.errors)
    truncated = next(f for f in one_report.files if f.path.endswith("part-5-truncated.json.gz"))
    assert truncated.failure


def _planned(inputs: list[Path]) -> list[runner.Planned]:
    planned: list[runner.Planned] = []
    for index, file in enumerate(runner.discover(inputs)):
        try:
            loader = runner.detect(file)
        except EOFError:  # the truncated file: a file-level failure, as run_load reports it
            loader = None
        planned.append((phase_of(loader) if loader else 0, index, file, loader, runner.FileReport(path=file.display)))
    return sorted(planned, key=lambda p: (p[0], p[1]))


def test_parts_are_consecutive_runs_of_about_equal_size(trail: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    planned = _planned([trail])
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 0)
    parts = runner._parallel_parts(planned, 3)["aws-cloudtrail"]
    flat = [file for part in parts for file, _ in part]
    assert flat == [file for _p, _i, file, loader, _r in planned if loader is not None]
    sizes = [sum(parallel.work_size(file) for file, _ in part) for part in parts]
    assert parallel.work_size(parts[0][0][0]) == len(gzip.decompress(parts[0][0][0].path.read_bytes()))
    assert len(parts) == 3 and max(sizes) < 2 * min(sizes)
    # Small sets, one file, or one job: no workers.
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 1 << 40)
    assert runner._parallel_parts(planned, 3) == {}
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 0)
    assert runner._parallel_parts(planned, 1) == {}
    assert runner._parallel_parts(planned[:1], 3) == {}


class _Dies:
    """Unpickled in the worker as it starts: the process exits at once, as if killed."""

    def __reduce__(self) -> tuple[Any, ...]:
        import os

        return (os._exit, (3,))


class _Raises:
    """Unpickled in the worker as it starts: raises there, outside any one record (a failure inside
    one record's transform rejects that record instead, tests/loaders/test_hostile_records.py)."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (int, ("not a number",))


@pytest.mark.parametrize(
    ("shipped", "reason"),
    [
        ({"poison": _Raises()}, r"aws-cloudtrail worker process failed:(?s:.*)ValueError"),
        ({"poison": _Dies()}, r"aws-cloudtrail worker process died \(exit code 3\)"),
    ],
    ids=["fails", "dies"],
)
def test_a_failing_or_dead_worker_stops_the_load_with_its_reason(
    trail: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shipped: dict[str, object], reason: str
) -> None:
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(CloudTrailLoader, "worker_state", lambda self, ctx: shipped)
    store = EmbeddedStore(tmp_path / "k.db")
    try:
        with pytest.raises(WorkerError, match=reason):
            run_load(store, [trail], ctx=LoadContext(now=NOW, hmac_key=HMAC_KEY), jobs=2)
    finally:
        store.close()


class _Noise:
    """Unpickled in the worker as it starts: writes straight to its stdout, as a stray print in a
    library would."""

    def __reduce__(self) -> tuple[Any, ...]:
        import os

        return (os.write, (1, b"stray output\n"))


def test_stray_output_of_a_worker_does_not_disturb_its_messages(
    trail: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    one, _report, store = _load(tmp_path / "one.db", [trail], jobs=1)
    store.close()
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 0)
    ship = CloudTrailLoader.worker_state
    monkeypatch.setattr(CloudTrailLoader, "worker_state", lambda self, ctx: {**ship(self, ctx), "noise": _Noise()})
    two, _report, store = _load(tmp_path / "two.db", [trail], jobs=2)
    store.close()
    assert two == one
    assert capfd.readouterr().out.count("stray output") == 2  # it went to the terminal, not the channel


def test_load_command_takes_jobs(trail: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setenv("KEYTRAIL_HMAC_KEY", HMAC_KEY.decode())
    results = {}
    for jobs in ("1", "2"):
        store = str(tmp_path / f"cli{jobs}.db")
        done = CliRunner().invoke(cli, ["load", "--store", store, "--jobs", jobs, str(trail)])
        assert "part-3.json: " in done.output and "rejected" in done.output
        assert "part-5-truncated.json.gz" in done.output
        exported = CliRunner().invoke(cli, ["export", "--store", store])
        assert exported.exit_code == 0, exported.output
        results[jobs] = exported.output
    assert results["1"] and results["1"] == results["2"]
    refused = CliRunner().invoke(cli, ["load", "--store", str(tmp_path / "x.db"), "--jobs", "0", str(trail)])
    assert refused.exit_code == 2 and "--jobs" in refused.output


_start_worker = parallel.WorkerPool._start


class _Recorded(parallel.WorkerPool):
    """The runner's pool, remembering every worker it started."""

    started: list[Any] = []

    @staticmethod
    def _start() -> Any:
        worker, channel = _start_worker()
        _Recorded.started.append(worker)
        return worker, channel


@pytest.mark.parametrize("inputs", ["inventory only", "trail"])
def test_workers_started_ahead_end_with_the_load(
    trail: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inputs: str
) -> None:
    """Enough bytes on disk start the workers before detection; a load with nothing parallel to
    give them (IAM and EC2 exports) kills them, and one that uses them waits for them: no worker
    outlives its load either way."""
    monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(runner, "WorkerPool", _Recorded)
    monkeypatch.setattr(_Recorded, "started", [])
    paths = list(INVENTORY) if inputs == "inventory only" else [*INVENTORY, trail]
    _text, report, store = _load(tmp_path / "k.db", paths, jobs=2)
    store.close()
    assert len(_Recorded.started) == 2
    assert all(worker.poll() is not None for worker in _Recorded.started)
    loaded = {f.loader for f in report.files if f.accepted}
    assert loaded == (
        {"aws-iam", "aws-ec2"} if inputs == "inventory only" else {"aws-iam", "aws-ec2", "aws-cloudtrail"}
    )
    codes = sorted(worker.returncode for worker in _Recorded.started)
    assert codes == ([-9, -9] if inputs == "inventory only" else [0, 0])
