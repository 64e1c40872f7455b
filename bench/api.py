"""API benchmark, in one run, on the embedded store over real HTTP (uvicorn on loopback):

1. accountability through GraphQL over HTTP versus the direct function call on the same store
   (median of many calls; target ratio ≤ 1.5), beside two floors measured in the same loop:
   the same answers' bytes served by a bare FastAPI route (no token, no GraphQL, no store call),
   and the thread hop each store call takes. Any API over this store, HTTP and FastAPI costs
   at least direct + floor, so (direct + floor) / direct is the lowest ratio reachable here;
   with `--neo4j`, the same again over Neo4j (the demo estate is loaded into it first);
2. a 10k-node blast-radius subgraph fetched end to end (target ≤ 1 s);
3. a bounded load: N concurrent clients (default 50) for --duration seconds (default 60)
   asking accountability and search questions: requests/s, p95, errors (target 0 errors);
4. with `--executors`: api/graphql/executor.py's PlainFirstExecutor against strawberry's own
   executor, two servers over the same store asked the same questions call by call
   (accountability and the blast-radius subgraph), medians side by side.

Run: `python bench/api.py [--duration 60] [--clients 50] [--neo4j] [--executors]`
(`--neo4j`: KEYTRAIL_NEO4J_URI / _USER / _PASSWORD, as `scripts/neo4j-local env` prints them).
Prints the figures; nothing is mocked. `--demo DIR` reuses the demo store an earlier run built
there (faster iteration).
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
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

import httpx
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.auth import Role, TokenStore
from api.commands_serve import build_demo, load_demo
from api.graphql.pool import StorePool
from graph.embedded import EmbeddedStore
from graph.model import Edge, Node
from graph.runtime import tune_gc
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
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


SERVE = """import functools, sys, uvicorn
import api.app
from api.app import create_app
from api.settings import Settings
from graph.runtime import tune_gc
if sys.argv[3] == "general":
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
    api.app.build_schema = functools.partial(api.app.build_schema, executor=StrawberryGraphQLCoreExecutionContext)
app = create_app(Settings())
tune_gc()
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[4]), http=sys.argv[1], loop=sys.argv[2],
            log_level="warning", server_header=False)"""
"""The server process: what `keytrail serve` runs, minus its per-request access log. Its third
argument "general" swaps PlainFirstExecutor for strawberry's own executor (--executors)."""


class _Process:
    """A server process on a free loopback port, up once /healthz answers, stopped with SIGINT."""

    def __init__(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.port = free_port()
        self.command = [*command, str(self.port)]
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Self:
        self.process = subprocess.Popen(self.command, env=self.env, cwd=ROOT)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the {self.name} did not start")
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


class Server(_Process):
    """uvicorn in its own process (as `keytrail serve` is), over one store, with one reader token.

    Its own process, not a thread of the benchmark: in one process the 50 load clients and the
    server would share one interpreter lock and the figures would measure the clients too.
    """

    def __init__(
        self, location: str, folder: Path, http: str = "auto", loop: str = "auto", executor: str = "plain-first"
    ) -> None:
        secret = secrets.token_urlsafe(32)
        token_db = folder / f"tokens-{secrets.token_hex(4)}.db"
        tokens = TokenStore(token_db, secret)
        self.token = tokens.create(Role.READER, "bench")[1]
        tokens.close()
        # KEYTRAIL_* as an operator would set them; "auto" = what `keytrail serve` gets:
        # httptools and uvloop when installed (they are dependencies)
        self.http, self.loop = http, loop
        env = {**os.environ, "KEYTRAIL_STORE": location, "KEYTRAIL_SECRET": secret,
               "KEYTRAIL_TOKEN_DB": str(token_db), "KEYTRAIL_MAX_PAGE": "200"}  # fmt: skip
        super().__init__("API server", [sys.executable, "-c", SERVE, http, loop, executor], env)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


FLOOR = """import sys, orjson, uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response
answers = {key: value.encode() for key, value in orjson.loads(open(sys.argv[1], "rb").read()).items()}
app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
@app.post("/graphql")
async def graphql(request: Request) -> Response:
    return Response(answers[orjson.loads(await request.body())["variables"]["id"]], media_type="application/json")
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[4]), http=sys.argv[2], loop=sys.argv[3],
            log_level="warning", server_header=False)"""
"""The floor: a FastAPI route that answers each question with the bytes the API gave for it."""


class Floor(_Process):
    """The floor's server, with the same uvicorn HTTP parser and event loop as the API's."""

    def __init__(self, answers: Path, http: str, loop: str) -> None:
        super().__init__("floor server", [sys.executable, "-c", FLOOR, str(answers), http, loop], dict(os.environ))


def post(connection: http.client.HTTPConnection, payload: dict[str, object], headers: dict[str, str]) -> bytes:
    """POST a GraphQL request on a keep-alive connection. uvicorn closes a connection idle for
    5 s, which a loaded machine (or the other server's long answer) can leave it: then the
    request is sent again once on a new connection."""
    for attempt in (1, 2):
        try:
            connection.request("POST", "/graphql", body=json.dumps(payload), headers=headers)
            return connection.getresponse().read()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            connection.close()  # the next request opens a new connection
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def bench_accountability(
    name: str, store: GraphStore, server: Server, folder: Path, ids: list[str], rounds: int
) -> None:
    """The direct call, then the same question over HTTP to the API and to the floor, each
    through httpx and through the standard library's http.client on one keep-alive connection
    (httpx itself costs ~0.6 ms a request more on this machine), interleaved call by call so
    that the machine's swings touch every figure alike."""
    raw = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    raw_headers = {**server.headers, "content-type": "application/json"}

    def post_raw(connection: http.client.HTTPConnection, payload: dict[str, object]) -> bytes:
        return post(connection, payload, raw_headers)

    answers = {}
    for node_id in ids:  # warms every path, and records each answer for the floor
        accountability(store, node_id)
        answers[node_id] = post_raw(raw, {"query": ACCOUNTABILITY, "variables": {"id": node_id}}).decode()
        assert "errors" not in json.loads(answers[node_id]), answers[node_id][:500]
    (folder / "answers.json").write_text(json.dumps(answers))
    sizes = [len(a) for a in answers.values()]
    times: dict[str, list[float]] = {key: [] for key in ("direct", "api", "api_raw", "floor", "floor_raw")}
    with (
        Floor(folder / "answers.json", server.http, server.loop) as floor,
        httpx.Client(headers=server.headers, timeout=30) as client,
        httpx.Client(timeout=30) as floor_client,
    ):
        floor_raw = http.client.HTTPConnection("127.0.0.1", floor.port, timeout=30)
        for node_id in ids[:5]:
            floor_client.post(floor.url, json={"query": ACCOUNTABILITY, "variables": {"id": node_id}})
            post_raw(floor_raw, {"query": ACCOUNTABILITY, "variables": {"id": node_id}})
        calls: dict[str, Callable[[dict[str, Any]], object]] = {
            "direct": lambda p: accountability(store, p["variables"]["id"]),
            "api": lambda p: client.post(server.url, json=p).json(),
            "api_raw": lambda p: json.loads(post_raw(raw, p)),
            "floor": lambda p: floor_client.post(floor.url, json=p).json(),
            "floor_raw": lambda p: json.loads(post_raw(floor_raw, p)),
        }
        for i in range(rounds):
            payload: dict[str, Any] = {"query": ACCOUNTABILITY, "variables": {"id": ids[i % len(ids)]}}
            for key, call in calls.items():
                started = time.perf_counter()
                answer = call(payload)
                times[key].append(time.perf_counter() - started)
                assert not isinstance(answer, dict) or "errors" not in answer, answer
        floor_raw.close()
    raw.close()
    p50 = {key: statistics.median(values) for key, values in times.items()}
    d = p50["direct"]
    size = statistics.median(sizes) / 1024
    print(f"accountability on {name} ({rounds} calls over {len(ids)} credentials, answers of {size:.0f} KB median): "
          f"direct p50 {ms(d)}, GraphQL/HTTP p50 {ms(p50['api'])}")  # fmt: skip
    print(f"  ratio {p50['api'] / d:.2f} (target <= 1.5); p95 direct {ms(p95(times['direct']))}, "
          f"HTTP {ms(p95(times['api']))}")  # fmt: skip
    print(f"  through http.client instead of httpx: p50 {ms(p50['api_raw'])}, ratio {p50['api_raw'] / d:.2f}")
    print(f"  floor, the same answers from a bare FastAPI route (no token, no GraphQL, no store call): "
          f"p50 {ms(p50['floor'])} (httpx), {ms(p50['floor_raw'])} (http.client)")  # fmt: skip
    print(f"  -> lowest ratio any API could reach here, (direct + floor) / direct: "
          f"{(d + p50['floor']) / d:.2f} (httpx), {(d + p50['floor_raw']) / d:.2f} (http.client)")  # fmt: skip
    print(f"  what the API adds beyond the floor and the store call: {ms(p50['api'] - p50['floor'] - d)} (httpx), "
          f"{ms(p50['api_raw'] - p50['floor_raw'] - d)} (http.client)")  # fmt: skip


def thread_hop(db: Path, rounds: int = 2000) -> float:
    """Median cost of the hop every store call of the API takes: StorePool.run of a no-op."""
    store = EmbeddedStore(db)
    pool = StorePool.of(store)

    async def hops() -> float:
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            await pool.run(time.monotonic() + 30, lambda _store: None)
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    try:
        return uvloop.run(hops())
    finally:
        pool.close()
        store.close()


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


def bench_executors(db: Path, folder: Path, ids: list[str], key: str, rounds: int) -> None:
    """PlainFirstExecutor against strawberry's own executor: two servers over one store, the same
    question to each in turn (http.client, one keep-alive connection each), medians side by side."""
    with (
        Server(str(db), folder, executor="plain-first") as plain,
        Server(str(db), folder, executor="general") as general,
    ):
        servers = {"PlainFirstExecutor": plain, "strawberry's executor": general}
        connections = {name: http.client.HTTPConnection("127.0.0.1", s.port, timeout=60) for name, s in servers.items()}

        def ask(name: str, payload: dict[str, object]) -> float:
            headers = {**servers[name].headers, "content-type": "application/json"}
            started = time.perf_counter()
            body = post(connections[name], payload, headers)
            elapsed = time.perf_counter() - started
            assert b'"errors"' not in body[:200], body[:500]
            return elapsed

        questions = {
            "accountability": [{"query": ACCOUNTABILITY, "variables": {"id": node_id}} for node_id in ids],
            f"blast radius ({key.rpartition(':')[2]}, 10k-node answer)": [{"query": BLAST, "variables": {"id": key}}],
        }
        for label, payloads in questions.items():
            count = rounds if label == "accountability" else max(5, rounds // 30)
            times: dict[str, list[float]] = {name: [] for name in servers}
            for payload in payloads[:5]:  # warm both
                for name in servers:
                    ask(name, payload)
            for i in range(count):
                for name in servers:
                    times[name].append(ask(name, payloads[i % len(payloads)]))
            p50 = {name: statistics.median(values) for name, values in times.items()}
            plain_p50, general_p50 = p50["PlainFirstExecutor"], p50["strawberry's executor"]
            print(f"executors, {label}, {count} calls each, interleaved: PlainFirstExecutor p50 {ms(plain_p50)}, "
                  f"strawberry's executor p50 {ms(general_p50)} ({general_p50 / plain_p50:.2f}x)")  # fmt: skip
        for connection in connections.values():
            connection.close()


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
    parser.add_argument("--neo4j", action="store_true", help="also accountability on Neo4j (KEYTRAIL_NEO4J_URI)")
    parser.add_argument("--executors", action="store_true", help="also PlainFirstExecutor against strawberry's own")
    args = parser.parse_args()
    tune_gc()  # the collector settings of the keytrail command (graph/runtime.py)
    with tempfile.TemporaryDirectory(prefix="keytrail-bench-api-") as tmp:
        folder = Path(tmp)
        demo = args.demo or folder / "demo"
        reuse = args.demo is not None and (args.demo / "keytrail.db").exists()
        db = args.demo / "keytrail.db" if reuse else build_demo(demo)
        store = EmbeddedStore(db)
        ids = [n.id for n in store.nodes_of_kind(NodeKind.CREDENTIAL, limit=200)]
        with Server(str(db), folder, args.http, args.loop) as server:
            bench_accountability("the embedded store", store, server, folder, ids, args.rounds)
        store.close()
        print(f"  thread hop of a store call (StorePool.run of a no-op, under uvloop): p50 {ms(thread_hop(db))}")
        if args.neo4j:
            from graph.neo4j_store import Neo4jStore

            neo4j = Neo4jStore.from_uri(os.environ["KEYTRAIL_NEO4J_URI"])
            load_demo(neo4j, demo / "estate")
            with Server(os.environ["KEYTRAIL_NEO4J_URI"], folder, args.http, args.loop) as server:
                bench_accountability("Neo4j", neo4j, server, folder, ids, args.rounds)
            neo4j.close()
        key = wide_identity(db, args.resources)
        with Server(str(db), folder, args.http, args.loop) as server:
            bench_blast(server, key)
            asyncio.run(load(server, ids, args.clients, args.duration))
        if args.executors:
            bench_executors(db, folder, ids, key, args.rounds)


if __name__ == "__main__":
    main()
