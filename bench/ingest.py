"""CloudTrail ingest benchmark: load ≥ 1M generated events into each store and compare with a raw parse.

    python bench/ingest.py [--events 1000000] [--out /tmp/keytrail-bench] [--seed 7] [--jobs N] [--rss]

Each generated actor (IAM users with AKIA keys, role sessions with ASIA keys) has a small job —
two to four (call, target) pairs — as service identities do, so sessions touch a realistic handful
of targets. Files are generated in the real S3 export layout
(`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<stamp>_<id>.json.gz`,
each `{"Records": [...]}`), deterministic by seed, and reused when already present. In the same
run the script times a raw parse of the same files (gunzip + orjson, nothing else, one process;
gunzip by the inflater keytrail itself uses, ISA-L's where installed, so the ratio measures
keytrail's own work),
then a full `run_load` into the embedded store in one process and with `--jobs` worker processes
(default: one per core, as `keytrail load` runs), and into Neo4j with `--jobs` when
KEYTRAIL_NEO4J_URI is set, and prints events/s per store and the ratio to the raw parse. `--rss`
also loads two sizes in child processes (the same estate and sessions, half and all of the
events) and prints each peak RSS (the loading process and its largest worker), to show that
memory follows the session aggregates, not the size of the files.
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from graph.embedded import EmbeddedStore  # noqa: E402
from graph.runtime import tune_gc  # noqa: E402
from graph.store import GraphStore  # noqa: E402
from loaders.base import LoadContext  # noqa: E402
from loaders.formats.compressed import INFLATE  # noqa: E402 -- the inflater keytrail reads gzip with
from loaders.runner import default_jobs, run_load  # noqa: E402

ACCOUNTS = ("111111111111", "222222222222", "333333333333")
REGIONS = ("us-east-1", "eu-west-1")
EVENTS_PER_FILE = 1000
BASE = 1_735_689_600  # 2025-01-01T00:00:00Z
CALLS = (
    ("s3.amazonaws.com", "GetObject", "bucketName", True),
    ("s3.amazonaws.com", "PutObject", "bucketName", False),
    ("ec2.amazonaws.com", "DescribeInstances", None, True),
    ("sts.amazonaws.com", "GetCallerIdentity", None, True),
    ("lambda.amazonaws.com", "Invoke", "functionName", False),
    ("dynamodb.amazonaws.com", "GetItem", "tableName", True),
    ("secretsmanager.amazonaws.com", "GetSecretValue", "secretId", True),
    ("iam.amazonaws.com", "GetRole", "roleName", True),
)
AGENTS = (
    "aws-cli/2.15.0 Python/3.11.6 Linux/6.1",
    "Boto3/1.34.0 Python/3.11.6 Linux/6.1 Botocore/1.34.0",
    "aws-sdk-go-v2/1.24.0",
)


@dataclass(frozen=True)
class Actor:
    account: str
    identity: dict[str, object]
    ip: str
    agent: str
    job: tuple[tuple[str, str, str | None, bool, str], ...]  # the few calls and targets this actor makes


def _key(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))


def _actors(rng: random.Random, count: int) -> list[Actor]:
    actors = []
    for n in range(count):
        account = ACCOUNTS[n % len(ACCOUNTS)]
        ip = f"10.{n % 200}.{(n // 200) % 250}.{1 + n % 250}" if n % 3 else f"203.0.113.{n % 250}"
        if n % 2:
            user = f"svc-{n:05d}"
            identity = {
                "type": "IAMUser",
                "principalId": "AIDA" + _key(rng, "")[:17],
                "arn": f"arn:aws:iam::{account}:user/{user}",
                "accountId": account,
                "accessKeyId": _key(rng, "AKIA"),
                "userName": user,
            }
        else:
            role, session = f"app-{n:05d}", f"i-{n:017x}"
            identity = {
                "type": "AssumedRole",
                "principalId": f"AROA{_key(rng, '')[:17]}:{session}",
                "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
                "accountId": account,
                "accessKeyId": _key(rng, "ASIA"),
                "sessionContext": {
                    "sessionIssuer": {
                        "type": "Role",
                        "principalId": "AROA" + _key(rng, "")[:17],
                        "arn": f"arn:aws:iam::{account}:role/{role}",
                        "accountId": account,
                        "userName": role,
                    },
                    "webIdFederationData": {},
                    "attributes": {"creationDate": "2025-01-01T00:00:00Z", "mfaAuthenticated": "false"},
                },
            }
        job = tuple((*CALLS[rng.randrange(len(CALLS))], f"res-{rng.randrange(400)}") for _ in range(2 + n % 3))
        actors.append(Actor(account, identity, ip, AGENTS[n % len(AGENTS)], job))
    return actors


def _stamp(seconds: int, fmt: str = "%Y-%m-%dT%H:%M:%SZ") -> str:
    return time.strftime(fmt, time.gmtime(seconds))


def _event(rng: random.Random, actor: Actor, at: int, region: str) -> dict[str, object]:
    source, name, parameter, read_only, target = actor.job[rng.randrange(len(actor.job))]
    request = {parameter: target} if parameter else None
    return {
        "eventVersion": "1.09",
        "userIdentity": actor.identity,
        "eventTime": _stamp(at),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": actor.ip,
        "userAgent": actor.agent,
        "requestParameters": request,
        "responseElements": None,
        "requestID": str(uuid.UUID(int=rng.getrandbits(128))),
        "eventID": str(uuid.UUID(int=rng.getrandbits(128))),
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": actor.account,
        "eventCategory": "Management",
        "tlsDetails": {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": f"{source.split('.')[0]}.{region}.amazonaws.com",
        },
    }


def _files(events: int, seed: int, actors: int) -> Iterator[tuple[str, str, int, list[dict[str, object]]]]:
    """(account, region, window start, records) per delivery file; each actor works ~8 h a day."""
    rng = random.Random(seed)
    pool = _actors(rng, actors)
    files = max(1, events // EVENTS_PER_FILE)
    span = 86_400
    for index in range(files):
        account, region = ACCOUNTS[index % len(ACCOUNTS)], REGIONS[(index // len(ACCOUNTS)) % len(REGIONS)]
        start = BASE + (index * span) // files
        mine = [a for a in pool if a.account == account]
        records = []
        for _ in range(EVENTS_PER_FILE):
            actor = mine[rng.randrange(len(mine))]
            records.append(_event(rng, actor, start + rng.randrange(300), region))
        records.sort(key=lambda r: str(r["eventTime"]))
        yield account, region, start, records


def generate(out: Path, events: int, seed: int, actors: int) -> int:
    marker = out.parent / f"{out.name}.generated"  # beside the tree, so loads never see it
    if marker.exists():
        return int(marker.read_text())
    total = 0
    for account, region, start, records in _files(events, seed, actors):
        folder = out / "AWSLogs" / account / "CloudTrail" / region / _stamp(start, "%Y/%m/%d")
        folder.mkdir(parents=True, exist_ok=True)
        suffix = uuid.uuid5(uuid.NAMESPACE_URL, f"{seed}/{start}/{region}/{account}").hex[:16]
        name = f"{account}_CloudTrail_{region}_{_stamp(start, '%Y%m%dT%H%MZ')}_{suffix}.json.gz"
        with gzip.open(folder / name, "wb", compresslevel=1) as handle:
            handle.write(orjson.dumps({"Records": records}))
        total += len(records)
    marker.write_text(str(total))
    return total


def _gz_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.json.gz"))


def raw_parse(root: Path) -> tuple[int, float]:
    started = time.perf_counter()
    count = 0
    for path in _gz_files(root):  # each a single gzip member, as generated
        count += len(orjson.loads(INFLATE.decompress(path.read_bytes(), 31))["Records"])
    return count, time.perf_counter() - started


def timed_load(store: GraphStore, root: Path, jobs: int = 1) -> tuple[int, int, float]:
    ctx = LoadContext(now="2025-01-02T00:00:00Z", hmac_key=b"bench")
    started = time.perf_counter()
    report = run_load(store, [root], ctx=ctx, jobs=jobs)
    elapsed = time.perf_counter() - started
    return sum(f.accepted for f in report.files), report.rejected, elapsed


def _peak_rss_of_load(root: Path, jobs: int) -> tuple[float, float]:
    """Peak RSS (MiB) of a child process that loads `root` into a fresh embedded store (its own
    VmHWM: Linux's ru_maxrss of a child starts from its parent's RSS at fork, so this process,
    already large, would inflate it), and at most the largest of its worker processes' (their
    ru_maxrss, which counts the child's RSS when it started them; 0 with one process)."""
    code = (
        f"import re, resource, sys, tempfile, pathlib; sys.path.insert(0, {str(REPO)!r});"
        "from bench.ingest import timed_load; from graph.embedded import EmbeddedStore;"
        "from graph.runtime import tune_gc; tune_gc();"
        "s = EmbeddedStore(pathlib.Path(tempfile.mkdtemp()) / 'k.db');"
        f"timed_load(s, pathlib.Path({str(root)!r}), {jobs}); s.close();"
        "own = re.search(r'VmHWM:\\s+(\\d+)', pathlib.Path('/proc/self/status').read_text()).group(1);"
        "print(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    main_kib, worker_kib = done.stdout.strip().splitlines()[-1].split()
    return int(main_kib) / 1024, int(worker_kib) / 1024


def _processes(jobs: int) -> str:
    return "1 process" if jobs == 1 else f"{jobs} worker processes"


def _neo4j_run(root: Path, raw_rate: float, jobs: int) -> None:
    """Load into the shared local Neo4j, holding the lock the test suite takes (it clears the database)."""
    import fcntl

    from graph.neo4j_store import Neo4jStore

    lock_path = REPO / ".keytrail" / "neo4j-tests.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        neo = Neo4jStore(
            os.environ["KEYTRAIL_NEO4J_URI"],
            user=os.environ.get("KEYTRAIL_NEO4J_USER", "neo4j"),
            password=os.environ.get("KEYTRAIL_NEO4J_PASSWORD", ""),
        )
        try:
            neo.clear()
            accepted, _rejected, seconds = timed_load(neo, root, jobs)
            neo.clear()
        finally:
            neo.close()
    rate = accepted / seconds
    print(
        f"neo4j, {_processes(jobs)}: {accepted} events in {seconds:.2f}s = {rate:,.0f} events/s, "
        f"{rate / raw_rate:.2f} x raw parse"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--actors", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "keytrail-bench")
    parser.add_argument(
        "--jobs", type=int, default=default_jobs(), help="worker processes, as `keytrail load --jobs` (default: cores)"
    )
    parser.add_argument("--rss", action="store_true", help="also measure peak RSS at half and full size")
    args = parser.parse_args()
    tune_gc()  # the collector settings of the keytrail command (graph/runtime.py)
    root = args.out / f"ct-{args.events}-{args.seed}-{args.actors}"
    started = time.perf_counter()
    total = generate(root, args.events, args.seed, args.actors)
    print(
        f"files: {root} ({total} events, {len(_gz_files(root))} files; ready in {time.perf_counter() - started:.1f}s)"
    )
    count, raw_seconds = raw_parse(root)
    raw_rate = count / raw_seconds
    print(
        f"raw parse ({INFLATE.__name__} gunzip + orjson): "
        f"{count} events in {raw_seconds:.2f}s = {raw_rate:,.0f} events/s"
    )
    for jobs in sorted({1, args.jobs}):
        with tempfile.TemporaryDirectory() as scratch:
            store = EmbeddedStore(Path(scratch) / "bench.db")
            accepted, rejected, seconds = timed_load(store, root, jobs)
            stats = store.stats()
            store.close()
        rate = accepted / seconds
        print(
            f"embedded, {_processes(jobs)}: {accepted} events ({rejected} rejected) in {seconds:.2f}s = "
            f"{rate:,.0f} events/s, {rate / raw_rate:.2f} x raw parse; "
            f"graph {stats.total_nodes} nodes, {stats.total_edges} edges"
        )
    if os.environ.get("KEYTRAIL_NEO4J_URI"):
        _neo4j_run(root, raw_rate, args.jobs)
    else:
        print("neo4j: skipped (KEYTRAIL_NEO4J_URI not set)")
    if args.rss:
        half = args.out / f"ct-{args.events // 2}-{args.seed}-{args.actors}"
        generate(half, args.events // 2, args.seed, args.actors)
        for label, path in (("half", half), ("full", root)):
            main_rss, worker_rss = _peak_rss_of_load(path, args.jobs)
            print(
                f"peak RSS ({label}, {len(_gz_files(path))} files): {main_rss:,.0f} MiB"
                f" (largest worker: at most {worker_rss:,.0f} MiB)"
            )
    print(f"this process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
