"""Vault audit ingest benchmark: load generated audit-device files and compare with a raw parse.

    python bench/vault_ingest.py [--events 200000] [--files 8] [--tokens 2000] [--out /tmp/keytrail-vault-bench]

Each generated token (a Kubernetes service account's or an AppRole's, by HMAC'd accessor) reads a
handful of secret paths, as services do; every operation is written as a request and a response
entry, one JSON object per line, as the file device writes them. In the same run the script times
a raw parse of the same files (orjson per line, nothing else) and a full `run_load` into the
embedded store, and prints entries/s for both and the ratio (the issue's target: ≥ 0.25).
Files are deterministic by seed and reused when present.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import orjson

from graph.embedded import EmbeddedStore
from loaders.base import LoadContext
from loaders.runner import run_load


def _hmac(rng: random.Random) -> str:
    return "hmac-sha256:" + "".join(rng.choice("0123456789abcdef") for _ in range(64))


def generate(out: Path, events: int, files: int, tokens: int, seed: int) -> None:
    if out.is_dir() and len(list(out.glob("audit-*.log"))) == files:
        return
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    actors = []
    for n in range(tokens):
        metadata = {
            "role": f"svc{n % 50}",
            "service_account_name": f"sa{n}",
            "service_account_namespace": f"ns{n % 20}",
        }
        auth = {
            "client_token": _hmac(rng),
            "accessor": _hmac(rng),
            "display_name": f"kubernetes-ns{n % 20}-sa{n}",
            "policies": ["default", f"svc{n % 50}-read"],
            "metadata": metadata,
            "entity_id": f"{n:08d}-0000-4000-8000-000000000000",
            "token_type": "service",
        }
        actors.append((auth, [f"secret/data/svc{n % 50}/{k}" for k in range(rng.randint(2, 4))]))
    base = 1_731_448_800
    per_file = events // files
    for index in range(files):
        lines = []
        for n in range(per_file // 2):
            auth, paths = actors[rng.randrange(tokens)]
            at = base + index * 86_400 + n
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at)) + ".000Z"
            request = {
                "id": f"{index:04d}-{n:012d}",
                "operation": "read",
                "mount_type": "kv",
                "client_token": auth["client_token"],
                "client_token_accessor": auth["accessor"],
                "namespace": {"id": "root"},
                "path": rng.choice(paths),
                "remote_address": "10.2.0.15",
            }
            lines.append(orjson.dumps({"time": stamp, "type": "request", "auth": auth, "request": request}))
            response = {"mount_type": "kv", "data": {"data": {"password": _hmac(rng)}}}
            lines.append(
                orjson.dumps(
                    {"time": stamp, "type": "response", "auth": auth, "request": request, "response": response}
                )
            )
        (out / f"audit-{index:03d}.log").write_bytes(b"\n".join(lines) + b"\n")


def raw_parse(out: Path) -> tuple[int, float]:
    started = time.perf_counter()
    count = 0
    for path in sorted(out.glob("audit-*.log")):
        with path.open("rb") as handle:
            for line in handle:
                orjson.loads(line)
                count += 1
    return count, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "keytrail-vault-bench")
    args = parser.parse_args()
    generate(args.out, args.events, args.files, args.tokens, args.seed)
    entries, raw_seconds = raw_parse(args.out)
    with tempfile.TemporaryDirectory() as scratch:
        store = EmbeddedStore(Path(scratch) / "bench.db")
        ctx = LoadContext(now="2025-01-02T00:00:00Z", hmac_key=b"bench", cluster="bench")
        started = time.perf_counter()
        report = run_load(store, [args.out], ctx=ctx)
        seconds = time.perf_counter() - started
        sessions = store.stats().nodes.get("Session", 0)
        store.close()
    raw_rate, rate = entries / raw_seconds, entries / seconds
    print(f"vault audit: {entries} entries in {args.files} files, {report.rejected} rejected, {sessions} sessions")
    print(f"raw parse  {raw_rate:12,.0f} entries/s")
    print(f"embedded   {rate:12,.0f} entries/s  ratio {rate / raw_rate:.2f} to the raw parse")


if __name__ == "__main__":
    main()
