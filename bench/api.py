"""API benchmark, in one run, on the embedded store over real HTTP (uvicorn on loopback):

1. accountability through GraphQL over HTTP versus the direct function call on the same store
   (median of many calls; target ratio ≤ 1.5);
2. a 10k-node blast-radius subgraph fetched end to end (target ≤ 1 s);
3. a bounded load: N concurrent clients (default 50) for --duration seconds (default 60)
   asking accountability and search questions: requests/s, p95, errors (target 0 errors).

Run: `python bench/api.py [--duration 60] [--clients 50]`. Prints the figures; nothing is mocked.
`--demo DIR` reuses the demo store an earlier run built there (faster iteration).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.auth import Role, TokenStore
from api.commands_serve import build_demo
from api.settings import Settings
from graph.embedded import EmbeddedStore
from graph.model import Edge, Node
from graph.runtime import tune_gc
from graph.schema import EdgeKind, NodeKind
from queries.accountability import accountability

ROOT = Path(__file__).resolve().parent.parent
ACCOUNTABILITY = """query($id: ID!) { accountability(id: $id) { verdict action
  owners { id status distance } chains { person role hops { source kind target evidence } } } }"""
BLAST = """query($id: ID!) { blastRadius(id: $id, maxDepth: 3, maxNodes: 20000) {
  truncated nodes edges summary { granted } } }"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SERVE = """import sys, uvicorn
from api.app import create_app
from api.settings import Settings
from graph.runtime import tune_gc
app = create_app(Settings())
tune_gc()
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), http=sys.argv[2], loop=sys.argv[3],
            log_level="warning", server_header=False)"""
"""The server process: what `keytrail serve` runs, minus its per-request access log."""


class Server:
    """uvicorn in its own process (as `keytrail serve` is), over one store, with one reader token.

    Its own process, not a thread of the benchmark: in one process the 50 load clients and the
    server would share one interpreter lock and the figures would measure the clients too.
    """

    def __init__(self, db: Path, folder: Path, http: str = "auto", loop: str = "auto") -> None:
        secret = secrets.token_urlsafe(32)
        settings = Settings(store=str(db), secret=secret, token_db=folder / "tokens.db", max_page=200)
        tokens = TokenStore(settings.token_path, secret)
        self.token = tokens.create(Role.READER, "bench")[1]
        tokens.close()
        self.port = free_port()
        # KEYTRAIL_* as an operator would set them; "auto" = what `keytrail serve` gets:
        # httptools and uvloop when installed (they are dependencies)
        env = {**os.environ, "KEYTRAIL_STORE": str(db), "KEYTRAIL_SECRET": secret,
               "KEYTRAIL_TOKEN_DB": str(settings.token_path), "KEYTRAIL_MAX_PAGE": "200"}  # fmt: skip
        self.command = [sys.executable, "-c", SERVE, str(self.port), http, loop]
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.process = subprocess.Popen(self.command, env=self.env, cwd=ROOT)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the API server did not start")
            time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def bench_accountability(db: Path, server: Server, ids: list[str], rounds: int) -> None:
    """Direct call, then the same question through httpx, then through the standard library's
    http.client on one keep-alive connection: httpx itself costs ~1 ms a request on this machine,
    so the last figure is nearer to what the server adds."""
    store = EmbeddedStore(db)
    direct: list[float] = []
    over_http: list[float] = []
    over_raw: list[float] = []
    raw = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    raw_headers = {**server.headers, "content-type": "application/json"}

    def post_raw(payload: dict[str, object]) -> dict[str, object]:
        raw.request("POST", "/graphql", body=json.dumps(payload), headers=raw_headers)
        return dict(json.loads(raw.getresponse().read()))

    with httpx.Client(headers=server.headers, timeout=30) as client:
        for node_id in ids[:5]:  # warm every path
            accountability(store, node_id)
            client.post(server.url, json={"query": ACCOUNTABILITY, "variables": {"id": node_id}})
            post_raw({"query": ACCOUNTABILITY, "variables": {"id": node_id}})
        for i in range(rounds):
            node_id = ids[i % len(ids)]
            payload = {"query": ACCOUNTABILITY, "variables": {"id": node_id}}
            started = time.perf_counter()
            accountability(store, node_id)
            direct.append(time.perf_counter() - started)
            started = time.perf_counter()
            body = client.post(server.url, json=payload).json()
            over_http.append(time.perf_counter() - started)
            assert "errors" not in body, body
            started = time.perf_counter()
            body = post_raw(payload)
            over_raw.append(time.perf_counter() - started)
            assert "errors" not in body, body
    raw.close()
    store.close()
    d, h, r = statistics.median(direct), statistics.median(over_http), statistics.median(over_raw)
    print(f"accountability ({rounds} calls over {len(ids)} credentials): direct p50 {ms(d)}, GraphQL/HTTP p50 {ms(h)}")
    print(f"  ratio {h / d:.2f} (target <= 1.5); p95 direct {ms(p95(direct))}, HTTP {ms(p95(over_http))}")
    print(f"  through http.client instead of httpx: p50 {ms(r)}, ratio {r / d:.2f}")


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def wide_identity(db: Path, resources: int) -> str:
    """A credential whose identity can access `resources` resources: a blast radius of resources + 2 nodes."""
    store = EmbeddedStore(db)
    ident, key = "aws:arn:arn:aws:iam::999999999999:role/wide", "aws:key:AKIAWIDE000000000001"
    nodes = [Node(id=ident, kind=NodeKind.IDENTITY, name="wide"), Node(id=key, kind=NodeKind.CREDENTIAL, name="wide")]
    edges = [Edge(source=ident, source_kind=NodeKind.IDENTITY, kind=EdgeKind.HAS_CREDENTIAL, target=key,
                  target_kind=NodeKind.CREDENTIAL)]  # fmt: skip
    for i in range(resources):
        rid = f"aws:res:999999999999:s3:bucket-{i:05d}"
        nodes.append(Node(id=rid, kind=NodeKind.RESOURCE, name=f"bucket-{i:05d}"))
        edges.append(Edge(source=ident, source_kind=NodeKind.IDENTITY, kind=EdgeKind.CAN_ACCESS, target=rid,
                          target_kind=NodeKind.RESOURCE, props={"level": "write"}))  # fmt: skip
    store.write(nodes, edges)
    store.close()
    return key


def bench_blast(server: Server, key: str) -> None:
    times = []
    with httpx.Client(headers=server.headers, timeout=60) as client:
        for _ in range(5):
            started = time.perf_counter()
            body = client.post(server.url, json={"query": BLAST, "variables": {"id": key}}).json()
            times.append(time.perf_counter() - started)
            assert "errors" not in body, body
    nodes = len(body["data"]["blastRadius"]["nodes"])
    edges = len(body["data"]["blastRadius"]["edges"])
    print(f"blast radius subgraph ({nodes} nodes, {edges} edges) end to end: best {ms(min(times))}, "
          f"median {ms(statistics.median(times))} (target <= 1 s)")  # fmt: skip


async def load(server: Server, ids: list[str], clients: int, duration: float) -> None:
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + duration

    async def client_loop(number: int) -> None:
        nonlocal errors
        async with httpx.AsyncClient(headers=server.headers, timeout=30) as client:
            i = number
            while time.monotonic() < stop:
                i += clients
                if i % 5 == 0:
                    payload = {"query": '{ search(text: "deploy", first: 20) { nodes { id kind } } }'}
                else:
                    payload = {"query": ACCOUNTABILITY, "variables": {"id": ids[i % len(ids)]}}
                started = time.perf_counter()
                try:
                    response = await client.post(server.url, json=payload)
                    if response.status_code != 200 or "errors" in response.json():
                        errors += 1
                except httpx.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - started)

    started = time.monotonic()
    await asyncio.gather(*(client_loop(n) for n in range(clients)))
    elapsed = time.monotonic() - started
    rate = len(latencies) / elapsed
    print(f"load: {clients} clients for {elapsed:.0f} s: {len(latencies)} requests, {rate:.0f} req/s, "
          f"p50 {ms(statistics.median(latencies))}, p95 {ms(p95(latencies))}, errors {errors} (target 0)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of the concurrent load")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=300, help="accountability calls per path")
    parser.add_argument("--resources", type=int, default=10_000, help="nodes in the blast-radius subgraph")
    parser.add_argument("--http", default="auto", choices=["auto", "h11", "httptools"], help="uvicorn HTTP parser")
    parser.add_argument("--loop", default="auto", choices=["auto", "asyncio", "uvloop"], help="uvicorn event loop")
    parser.add_argument("--demo", type=Path, help="reuse the demo store built in this folder by an earlier run")
    args = parser.parse_args()
    tune_gc()  # the collector settings of the keytrail command (graph/runtime.py)
    with tempfile.TemporaryDirectory(prefix="keytrail-bench-api-") as tmp:
        folder = Path(tmp)
        reuse = args.demo is not None and (args.demo / "keytrail.db").exists()
        db = args.demo / "keytrail.db" if reuse else build_demo(args.demo or folder / "demo")
        store = EmbeddedStore(db)
        ids = [n.id for n in store.nodes_of_kind(NodeKind.CREDENTIAL, limit=200)]
        store.close()
        key = wide_identity(db, args.resources)
        with Server(db, folder, args.http, args.loop) as server:
            bench_accountability(db, server, ids, args.rounds)
            bench_blast(server, key)
            asyncio.run(load(server, ids, args.clients, args.duration))


if __name__ == "__main__":
    main()
