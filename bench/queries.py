"""Query benchmark on a synthetic estate of ≥ 1M nodes, on the embedded store and (if configured) Neo4j.

    python bench/queries.py [--units 10000] [--path .keytrail/bench-queries.db] [--neo4j] [--samples 100]
                            [--warmup 30] [--findings-runs 3]

The estate is built from identical "units" (a team, people, identities with keys, pipelines,
runners, workloads, resources, sessions, changes — about 106 nodes and 300 edges each), with a
trust chain across units so blast radius has depth. Reports p50/p95 of accountability,
shared_credentials, blast_radius (depth 6) and access_story, the total findings time (the median
of --findings-runs whole runs), and a plain Python BFS over in-memory adjacency lists (same
roots, same blast steps, same depth) as a lower bound, printed as a ratio, beside the time to
build the same blast answers' objects alone from their values (no reads, no traversal) and the
time of one store read (the roots' first level), each also as a ratio to the BFS. Each store
first gets --warmup untimed calls of each query on other picks, so the figures are
steady-state latencies. Targets (issue 4): accountability p95 ≤ 10 ms
embedded / ≤ 30 ms Neo4j; blast radius p95 ≤ 250 ms and ≤ 3x BFS; findings ≤ 60 s.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.embedded import EmbeddedStore
from graph.model import Edge, Node, from_store
from graph.runtime import tune_gc
from graph.schema import EdgeKind, NodeKind, edge_kinds_for
from graph.store import GraphStore
from queries.accountability import accountability
from queries.blast import BlastEdge, BlastNode, BlastRadiusResult, BlastSummary, ReachedResource, blast_radius
from queries.common import NodeRef
from queries.findings import findings
from queries.shared import shared_credentials
from queries.story import access_story

T = "2024-05-01T00:00:00Z"
K, N = EdgeKind, NodeKind


def _unit(u: int, units: int) -> tuple[list[Node], list[Edge]]:
    nodes: list[Node] = []
    edges: list[Edge] = []

    def node(nid: str, kind: NodeKind, **props: object) -> str:
        nodes.append(Node.model_construct(id=nid, kind=kind, subtype="", name=nid, props=props, first_seen=T,
                                          last_seen=T, sources=("bench",)))  # fmt: skip
        return nid

    def edge(a: str, ak: NodeKind, kind: EdgeKind, b: str, bk: NodeKind, **props: object) -> None:
        edges.append(Edge.model_construct(source=a, source_kind=ak, kind=kind, target=b, target_kind=bk, props=props,
                                          first_seen=T, last_seen=T, count=1, sources=("bench",), evidence=(),
                                          origin="bench"))  # fmt: skip

    team = node(f"team:u{u}", N.TEAM)
    people = [node(f"person:p{i}.u{u}@x.io", N.PERSON, status="offboarded" if i == 0 else "active") for i in range(5)]
    for p in people:
        edge(p, N.PERSON, K.MEMBER_OF, team, N.TEAM)
    edge(people[1], N.PERSON, K.MANAGES, people[0], N.PERSON)
    ids = [node(f"aws:arn:aws:iam::{u:012d}:role/r{i}", N.IDENTITY, nature="machine") for i in range(10)]
    creds = [node(f"aws:key:U{u}K{i}", N.CREDENTIAL, status="active", credential_type="aws_access_key",
                  created="2023-01-01T00:00:00Z") for i in range(20)]  # fmt: skip
    runners = [node(f"github:o:runner:u{u}r{i}", N.RUNNER, environment="production" if i % 2 else "staging")
               for i in range(5)]  # fmt: skip
    pipes = [node(f"github:o/u{u}:workflow:w{i}", N.PIPELINE, repository=f"o/u{u}") for i in range(5)]
    loads = [node(f"k8s:c:deployment:u{u}/w{i}", N.WORKLOAD) for i in range(5)]
    res = [node(f"aws:res:{u:012d}:s3:b{i}", N.RESOURCE) for i in range(20)]
    for i, ident in enumerate(ids):
        owner, okind = (team, N.TEAM) if i % 3 else (people[i % 5], N.PERSON)
        if i != 9:
            edge(owner, okind, K.OWNS, ident, N.IDENTITY, provenance="catalog")
        for c in creds[2 * i : 2 * i + 2]:
            edge(ident, N.IDENTITY, K.HAS_CREDENTIAL, c, N.CREDENTIAL)
        for r in res[2 * i : 2 * i + 4]:
            edge(ident, N.IDENTITY, K.CAN_ACCESS, r, N.RESOURCE, level=("read", "write", "admin")[(i + len(r)) % 3])
        if i:
            edge(ids[i - 1], N.IDENTITY, K.CAN_ASSUME, ident, N.IDENTITY, via="aws_principal")
    edge(ids[9], N.IDENTITY, K.CAN_ASSUME, f"aws:arn:aws:iam::{(u + 1) % units:012d}:role/r0", N.IDENTITY)
    for i, p in enumerate(pipes):
        edge(p, N.PIPELINE, K.USES, creds[i], N.CREDENTIAL, mode="declared")
        edge(p, N.PIPELINE, K.RUNS_ON, runners[i], N.RUNNER)
        edge(p, N.PIPELINE, K.RUNS_ON, runners[(i + 1) % 5], N.RUNNER)
        edge(team, N.TEAM, K.OWNS, p, N.PIPELINE)
        edge(loads[i], N.WORKLOAD, K.RUNS_AS, ids[5 + i], N.IDENTITY)
    for s in range(30):
        sid = node(f"aws:session:u{u}s{s}", N.SESSION, started_at=T, interactive=s == 7)
        edge(sid, N.SESSION, K.ACTED_AS, ids[s % 10], N.IDENTITY)
        edge(sid, N.SESSION, K.AUTHENTICATED_WITH, creds[(s % 10) * 2], N.CREDENTIAL)
        edge(sid, N.SESSION, K.FROM, runners[s % 5], N.RUNNER)
        edge(sid, N.SESSION, K.TOUCHED, res[(s % 10) * 2], N.RESOURCE, actions=["s3:GetObject"])
        if s < 5:
            ch = node(f"aws:change:u{u}c{s}", N.CHANGE, change_type="grant", at=T, action="AttachRolePolicy")
            edge(sid, N.SESSION, K.PERFORMED, ch, N.CHANGE)
            edge(ch, N.CHANGE, K.TARGETS, ids[s], N.IDENTITY)
    return nodes, edges


def populate(store: GraphStore, units: int, batch_nodes_max: int = 50_000) -> None:
    """Write the estate in batches of about `batch_nodes_max` nodes (Neo4j: smaller, as one batch
    is one transaction and must fit in its transaction memory pool)."""
    if store.stats().total_nodes >= units * 100:
        return
    started, batch_nodes, batch_edges = time.monotonic(), [], []
    for u in range(units):
        more_nodes, more_edges = _unit(u, units)
        batch_nodes += more_nodes
        batch_edges += more_edges
        if len(batch_nodes) >= batch_nodes_max or u == units - 1:
            store.write(batch_nodes, batch_edges)
            batch_nodes, batch_edges = [], []
            print(f"  wrote {u + 1}/{units} units ({time.monotonic() - started:.0f}s)", file=sys.stderr)


def bfs_lower_bound(store: GraphStore, roots: list[str], depth: int) -> list[float]:
    """Plain BFS over adjacency lists built in memory from the blast edges: the floor to beat."""
    adjacency: dict[str, list[str]] = {}
    for kind, direction in edge_kinds_for("blast"):
        after = ("", "")
        while True:
            page = store.edges_of_kind(kind, after=after, limit=50_000)
            for e in page:
                here, there = (e.source, e.target) if direction == "out" else (e.target, e.source)
                adjacency.setdefault(here, []).append(there)
            if len(page) < 50_000:
                break
            after = (page[-1].source, page[-1].target)
    times = []
    for root in roots:
        started = time.perf_counter()
        seen, frontier = {root}, [root]
        for _ in range(depth):
            frontier = [n for here in frontier for n in adjacency.get(here, ()) if n not in seen and not seen.add(n)]  # type: ignore[func-returns-value]
        times.append(time.perf_counter() - started)
    return times


def result_floor(results: list[BlastRadiusResult]) -> list[float]:
    """Building each blast answer's objects alone, from its plain values already in hand, the
    cheapest way keytrail builds results (`from_store`: no validation), with no store read and
    no traversal: what the answer costs before any graph work."""
    times = []
    for result in results:
        plain = result.model_dump()
        started = time.perf_counter()
        values = {
            **plain,
            "subject": from_store(NodeRef, plain["subject"]),
            "summary": from_store(BlastSummary, plain["summary"]),
            "resources": [
                from_store(ReachedResource, {**r, "resource": from_store(NodeRef, r["resource"])})
                for r in plain["resources"]
            ],
            "nodes": [from_store(BlastNode, n) for n in plain["nodes"]],
            "edges": [from_store(BlastEdge, e) for e in plain["edges"]],
        }
        from_store(BlastRadiusResult, values)
        times.append(time.perf_counter() - started)
    return times


def timed(calls: Iterator[Callable[[], object]]) -> list[float]:
    times = []
    for call in calls:
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def pct(times: list[float], q: float) -> float:
    return statistics.quantiles(times, n=100)[int(q) - 1] * 1000 if len(times) > 1 else times[0] * 1000


def bench(name: str, store: GraphStore, units: int, samples: int, warmup: int, findings_runs: int) -> None:
    rng = random.Random(7)
    picks = [rng.randrange(units) for _ in range(samples)]
    creds = [f"aws:key:U{u}K{rng.randrange(20)}" for u in picks]
    roots = [f"aws:key:U{u}K{2 * rng.randrange(10)}" for u in picks]
    sessions = [f"aws:session:u{u}s{rng.randrange(30)}" for u in picks]
    # Warm-up on other picks, untimed: the figures are steady-state latencies, not the first
    # calls that compile Neo4j's query plans and fault in its page cache.
    for u in (rng.randrange(units) for _ in range(warmup)):
        accountability(store, f"aws:key:U{u}K0")
        blast_radius(store, f"aws:key:U{u}K2", max_depth=6)
        access_story(store, session_id=f"aws:session:u{u}s1")
    acc = timed(lambda c=c: accountability(store, c) for c in creds)
    blast = timed(lambda r=r: blast_radius(store, r, max_depth=6) for r in roots)
    floor = result_floor([blast_radius(store, r, max_depth=6) for r in roots])
    steps = edge_kinds_for("blast")
    one_read = timed(lambda r=r: len(store.expand([r], steps).ends) for r in roots)  # the edges and their far ends
    story = timed(lambda s=s: access_story(store, session_id=s) for s in sessions)
    shared = timed(lambda: shared_credentials(store, by="runner") for _ in range(3))
    totals = []
    for _ in range(findings_runs):  # the median of whole runs: one run swings +-15% on this machine
        started = time.perf_counter()
        result = findings(store, now="2024-06-01T00:00:00Z")
        totals.append(time.perf_counter() - started)
        found, truncated = result.total, result.truncated
        del result  # not alive during the next run: its 430k findings would only slow the collector
    total = statistics.median(totals)
    bfs = bfs_lower_bound(store, roots, 6)
    print(f"\n== {name}: {store.stats().total_nodes:,} nodes, {store.stats().total_edges:,} edges")
    for label, times in (("accountability", acc), ("blast_radius d6", blast), ("access_story", story),
                         ("shared_credentials", shared), ("plain BFS d6", bfs),
                         ("blast answer objects", floor), ("one read (1st level)", one_read)):  # fmt: skip
        print(f"  {label:20s} p50 {pct(times, 50):9.2f} ms   p95 {pct(times, 95):9.2f} ms   (n={len(times)})")

    def ratio(times: list[float], q: float) -> float:
        return pct(times, q) / max(pct(bfs, q), 1e-6)

    print(f"  blast/BFS ratio      p50 {ratio(blast, 50):6.1f}x  p95 {ratio(blast, 95):6.1f}x")
    print(f"  answer objects/BFS   p50 {ratio(floor, 50):6.1f}x  p95 {ratio(floor, 95):6.1f}x"
          "  (building the answers alone, no reads)")  # fmt: skip
    print(f"  one read/BFS         p50 {ratio(one_read, 50):6.1f}x"
          "  (the store read of the first level; depth 6 takes 6, touches 2)")  # fmt: skip
    cut = " (TRUNCATED)" if truncated else ""
    runs = ", ".join(f"{t:.1f}" for t in totals)
    print(f"  findings total       {total:.1f} s median of {len(totals)} runs ({runs}); {found:,} findings{cut}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000, help="~106 nodes per unit (10,000 → 1.06M nodes)")
    parser.add_argument("--path", default=".keytrail/bench-queries.db")
    parser.add_argument("--neo4j", action="store_true", help="also Neo4j (KEYTRAIL_NEO4J_URI / _USER / _PASSWORD)")
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=30, help="untimed calls of each query first")
    parser.add_argument("--findings-runs", type=int, default=3, help="whole findings runs (the median is quoted)")
    parser.add_argument("--skip-embedded", action="store_true", help="only Neo4j (with --neo4j)")
    args = parser.parse_args()
    tune_gc()  # the collector settings of the keytrail command (graph/runtime.py)
    if not args.skip_embedded:
        embedded = EmbeddedStore(args.path)
        populate(embedded, args.units)
        bench("embedded", embedded, args.units, args.samples, args.warmup, args.findings_runs)
        embedded.close()
    if args.neo4j:
        from graph.neo4j_store import Neo4jStore

        neo4j = Neo4jStore.from_uri(os.environ["KEYTRAIL_NEO4J_URI"])  # user and password: KEYTRAIL_NEO4J_*
        populate(neo4j, args.units, batch_nodes_max=5_000)
        bench("neo4j", neo4j, args.units, args.samples, args.warmup, args.findings_runs)
        neo4j.close()


if __name__ == "__main__":
    main()
