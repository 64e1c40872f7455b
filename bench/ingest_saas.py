"""GCP Cloud Audit Log and GitHub audit-log ingest against a raw parse of the same files (bench/ingest.py --source).

The events are bench/saas_events.py's (service accounts with keys and small jobs, workloads,
delegation and token minting, federated subjects, people; GitHub tokens by token_id and
hashed_token doing git and API actions, web users), written in the layouts the services deliver:
GCP as a Cloud Logging sink writes to Cloud Storage (`cloudaudit.googleapis.com/<log>/YYYY/MM/DD/
HH:00:00_HH:59:59_S<n>.json`, one LogEntry a line), GitHub as audit-log streaming writes to a
bucket (`YYYY/MM/DD/HH/<id>.json.gz`, gzipped JSON lines); deterministic by seed, reused when
already present. As for CloudTrail, the same run times a raw parse of the same files (read, the
inflater keytrail uses for gzip, orjson per line, nothing else, one process), then `run_load`
into the embedded store with one process and with `--jobs`, into Neo4j when KEYTRAIL_NEO4J_URI is
set, and with `--rss` the peak RSS of loads of half and all of the events in child processes.
"""

from __future__ import annotations

import gzip
import random
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson

from bench.ingest_common import Source
from bench.saas_events import gcp_actors, gcp_entry, github_actors, github_event
from loaders.formats.compressed import INFLATE

__all__ = ["GCP_AUDIT", "GITHUB_AUDIT", "SOURCES"]

EVENTS_PER_FILE = 1000
BASE = 1_735_689_600  # 2025-01-01T00:00:00Z


def _stamp(seconds: float, fmt: str = "%Y-%m-%dT%H:%M:%S") -> str:
    return time.strftime(fmt, time.gmtime(seconds))


def _windows(events: int) -> Iterator[tuple[int, int]]:
    """(file number, window start) of each delivery: a day cut into equal windows."""
    files = max(1, events // EVENTS_PER_FILE)
    for index in range(files):
        yield index, BASE + (index * 86_400) // files


def _gcp_files(out: Path, events: int, seed: int, actors: int) -> int:
    rng = random.Random(seed)
    pool = gcp_actors(rng, actors)
    shards: dict[tuple[str, int], int] = {}
    total = 0
    for _index, start in _windows(events):
        moments = sorted(start + rng.randrange(300_000_000) / 1e6 for _ in range(EVENTS_PER_FILE))
        entries = [gcp_entry(rng, pool[rng.randrange(len(pool))], _rfc3339(at)) for at in moments]
        for log in ("activity", "data_access"):  # a sink writes each log to its own folder
            mine = [e for e in entries if e["logName"].endswith(log)]
            if not mine:
                continue
            hour = start - start % 3600
            shard = shards[(log, hour)] = shards.get((log, hour), -1) + 1
            folder = out / "cloudaudit.googleapis.com" / log / _stamp(hour, "%Y/%m/%d")
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{_stamp(hour, '%H')}:00:00_{_stamp(hour, '%H')}:59:59_S{shard}.json"
            (folder / name).write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in mine))
            total += len(mine)
    return total


def _rfc3339(at: float) -> str:
    return f"{_stamp(at)}.{int(at * 1e6) % 1_000_000:06d}Z"


def _github_files(out: Path, events: int, seed: int, actors: int) -> int:
    rng = random.Random(seed)
    pool = github_actors(rng, actors)
    total = 0
    for index, start in _windows(events):
        moments = sorted(start * 1000 + rng.randrange(300_000) for _ in range(EVENTS_PER_FILE))
        lines = b"".join(orjson.dumps(github_event(rng, pool[rng.randrange(len(pool))], at)) + b"\n" for at in moments)
        folder = out / _stamp(start, "%Y/%m/%d/%H")
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{uuid.uuid5(uuid.NAMESPACE_URL, f'{seed}/{index}').hex}.json.gz"
        with gzip.open(folder / name, "wb", compresslevel=6) as handle:
            handle.write(lines)
        total += EVENTS_PER_FILE
    return total


def _lines(path: Path) -> bytes:
    data = path.read_bytes()
    return INFLATE.decompress(data, 31) if path.name.endswith(".gz") else data


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def raw_parse(root: Path) -> tuple[int, float]:
    """Events and seconds of reading the files as bytes, gunzipping, and orjson on every line."""
    started = time.perf_counter()
    count = 0
    for path in _files(root):
        for line in _lines(path).splitlines():
            orjson.loads(line)
            count += 1
    return count, time.perf_counter() - started


SOURCES: dict[str, Callable[[Path, int, int, int], int]] = {"gcp-audit": _gcp_files, "github-audit": _github_files}


def _gcp_generate(out: Path, events: int, seed: int, actors: int) -> int:
    return SOURCES["gcp-audit"](out, events, seed, actors)


def _github_generate(out: Path, events: int, seed: int, actors: int) -> int:
    return SOURCES["github-audit"](out, events, seed, actors)


GCP_AUDIT = Source(
    "gcp-audit", "entries", 1_000_000, 3000, _gcp_generate, _files, raw_parse, describe="orjson per line"
)
GITHUB_AUDIT = Source(
    "github-audit", "events", 1_000_000, 3000, _github_generate, _files, raw_parse, describe="gunzip + orjson per line"
)
