"""Write throughput of both stores, against a bare Neo4j `UNWIND ... MERGE`, and cold-open cost.

    python bench/store_write.py [--edges 1000000] [--quick] [--runs N] [--skip-cold] [--skip-embedded]

Writes the same synthetic estate (nodes = edges / 5; IAM-like identities, keys, resources
and pipelines; every edge with props, timestamps, a source and one evidence pointer) to the
embedded store and, when KEYTRAIL_NEO4J_URI is set, to Neo4j through keytrail and through a
bare `UNWIND $rows MATCH (a) MATCH (b) MERGE (a)-[r:T]->(b) SET r += row.props` carrying the
same stored properties without any merge logic. Prints edges/s (median of --runs runs; one
run per store at 1M edges) and the keytrail/bare ratio.

Then builds (or reuses) bench/out/cold-1m-5m.db, 1M nodes and 5M edges, and measures in a
fresh subprocess: opening it plus a first bounded traversal of depth 6 from a random node,
and that subprocess's peak RSS.

Targets: embedded >= 100k edges/s; Neo4j >= 50k edges/s and >= 0.8 x bare.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from graph.embedded import EmbeddedStore  # noqa: E402 -- after the sys.path line, so it runs from a checkout
from graph.model import Edge, Evidence, Node  # noqa: E402 -- after the sys.path line, so it runs from a checkout
from graph.runtime import tune_gc  # noqa: E402 -- after the sys.path line, so it runs from a checkout
from graph.schema import EdgeKind, NodeKind  # noqa: E402 -- after the sys.path line, so it runs from a checkout
from graph.store import GraphStore, encode_evidence  # noqa: E402 -- after the sys.path line, so it runs from a checkout

OUT = Path(__file__).resolve().parent / "out"
BATCH = 10_000
KIND_SHARES = ((NodeKind.IDENTITY, 0.4), (NodeKind.CREDENTIAL, 0.3), (NodeKind.RESOURCE, 0.2), (NodeKind.PIPELINE, 0.1))
EDGE_PLANS = (
    (EdgeKind.HAS_CREDENTIAL, NodeKind.IDENTITY, NodeKind.CREDENTIAL, {}),
    (EdgeKind.CAN_ACCESS, NodeKind.IDENTITY, NodeKind.RESOURCE, {"level": "read", "actions": ["s3:GetObject"]}),
    (EdgeKind.USES, NodeKind.PIPELINE, NodeKind.CREDENTIAL, {"mode": "declared", "via": "AWS_ACCESS_KEY_ID"}),
    (EdgeKind.CAN_ASSUME, NodeKind.IDENTITY, NodeKind.IDENTITY, {"via": "aws_principal"}),
)
PREFIX = {
    NodeKind.IDENTITY: "aws:arn:arn:aws:iam::123456789012:role/r",
    NodeKind.CREDENTIAL: "aws:key:AKIA",
    NodeKind.RESOURCE: "aws:arn:arn:aws:s3:::bucket-",
    NodeKind.PIPELINE: "github:acme/app:workflow:.github/workflows/w",
}


class Estate:
    """A synthetic estate: `nodes` nodes split across kinds, edges drawn reproducibly from a seed."""

    def __init__(self, nodes: int, seed: int = 7) -> None:
        self.counts = {kind: max(1, int(nodes * share)) for kind, share in KIND_SHARES}
        self.seed = seed

    def node_id(self, kind: NodeKind, index: int) -> str:
        return f"{PREFIX[kind]}{index:010d}"

    def nodes(self) -> Iterator[list[Node]]:
        batch: list[Node] = []
        for kind, count in self.counts.items():
            for index in range(count):
                batch.append(
                    Node.model_construct(
                        id=self.node_id(kind, index),
                        kind=kind,
                        subtype="bench",
                        name=f"n{index}",
                        props={"platform": "aws"},
                        first_seen="2024-01-01T00:00:00Z",
                        last_seen="2024-06-01T00:00:00Z",
                        sources=("bench",),
                    )
                )
                if len(batch) == BATCH:
                    yield batch
                    batch = []
        if batch:
            yield batch

    def edges(self, total: int) -> Iterator[list[Edge]]:
        chance = random.Random(self.seed)
        batch: list[Edge] = []
        for number in range(total):
            kind, source_kind, target_kind, props = EDGE_PLANS[number % len(EDGE_PLANS)]
            source = self.node_id(source_kind, chance.randrange(self.counts[source_kind]))
            target = self.node_id(target_kind, chance.randrange(self.counts[target_kind]))
            day = 1 + number % 28
            evidence = Evidence.model_construct(
                source="bench.jsonl", locator=str(number), at=f"2024-03-{day:02d}T00:00:00Z"
            )
            batch.append(
                Edge.model_construct(
                    source=source,
                    source_kind=source_kind,
                    kind=kind,
                    target=target,
                    target_kind=target_kind,
                    props=props,
                    first_seen=evidence.at,
                    last_seen=evidence.at,
                    count=1,
                    sources=("bench",),
                    evidence=(evidence,),
                    origin=f"bench.jsonl#{number}",
                )
            )
            if len(batch) == BATCH:
                yield batch
                batch = []
        if batch:
            yield batch


def timed_writes(store: GraphStore, estate: Estate, edges: int) -> tuple[float, float]:
    """Seconds spent writing the nodes, then the edges (generation of batches not counted)."""
    node_seconds = edge_seconds = 0.0
    for node_batch in estate.nodes():
        started = time.perf_counter()
        store.write(node_batch, [])
        node_seconds += time.perf_counter() - started
    for edge_batch in estate.edges(edges):
        started = time.perf_counter()
        store.write([], edge_batch)
        edge_seconds += time.perf_counter() - started
    return node_seconds, edge_seconds


def bare_edge_writes(store: GraphStore, estate: Estate, edges: int) -> float:
    """The same edges through a bare UNWIND MERGE: same stored properties, no merge rules."""
    driver = store._driver  # type: ignore[attr-defined]
    queries = {
        kind: f"UNWIND $rows AS row MATCH (a:Node {{id: row.source}}) MATCH (b:Node {{id: row.target}}) "
        f"MERGE (a)-[r:{kind.value}]->(b) SET r += row.props"
        for kind, *_ in EDGE_PLANS
    }
    seconds = 0.0
    for edge_batch in estate.edges(edges):
        started = time.perf_counter()
        groups: dict[EdgeKind, list[dict[str, object]]] = {}
        for edge in edge_batch:
            props = {
                **edge.props,
                "first_seen": edge.first_seen,
                "last_seen": edge.last_seen,
                "count": edge.count,
                "sources": list(edge.sources),
                "evidence": [encode_evidence(e) for e in edge.evidence],
                "obs_origins": [edge.origin],
                "obs_counts": [edge.count],
            }
            groups.setdefault(edge.kind, []).append({"source": edge.source, "target": edge.target, "props": props})

        def work(tx: object, groups: dict[EdgeKind, list[dict[str, object]]] = groups) -> None:
            for kind, rows in groups.items():
                tx.run(queries[kind], rows=rows).consume()  # type: ignore[attr-defined]

        with driver.session() as session:
            session.execute_write(work)
        seconds += time.perf_counter() - started
    return seconds


def median_rate(label: str, edges: int, runs: int, one_run: Callable[[], float]) -> float:
    rates = [edges / one_run() for _ in range(runs)]
    rate = statistics.median(rates)
    spread = ", ".join(f"{r:,.0f}" for r in rates)
    print(f"{label:<28} {rate:>12,.0f} edges/s  (median of {runs}: {spread})", flush=True)
    return rate


def bench_embedded(estate: Estate, edges: int, runs: int) -> float:
    def one_run() -> float:
        with tempfile.TemporaryDirectory(dir=OUT) as folder:
            store = EmbeddedStore(Path(folder) / "bench.db")
            try:
                node_seconds, edge_seconds = timed_writes(store, estate, edges)
            finally:
                store.close()
        print(f"  embedded: nodes {sum(estate.counts.values()) / node_seconds:,.0f}/s, edges {edge_seconds:.1f}s")
        return edge_seconds

    return median_rate("embedded (keytrail)", edges, runs, one_run)


def bench_neo4j(estate: Estate, edges: int, runs: int) -> tuple[float, float]:
    # Tests clear the one shared database: hold their lock (tests/conftest.py) while benchmarking.
    with (REPO / ".keytrail" / "neo4j-tests.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _bench_neo4j(estate, edges, runs)


def _bench_neo4j(estate: Estate, edges: int, runs: int) -> tuple[float, float]:
    from graph.neo4j_store import Neo4jStore

    store = Neo4jStore.from_uri(os.environ["KEYTRAIL_NEO4J_URI"])
    try:

        def keytrail_run() -> float:
            store.clear()
            node_seconds, edge_seconds = timed_writes(store, estate, edges)
            print(f"  neo4j: nodes {sum(estate.counts.values()) / node_seconds:,.0f}/s, edges {edge_seconds:.1f}s")
            return edge_seconds

        def bare_run() -> float:
            store.clear()
            for node_batch in estate.nodes():
                store.write(node_batch, [])
            return bare_edge_writes(store, estate, edges)

        keytrail = median_rate("neo4j (keytrail)", edges, runs, keytrail_run)
        bare = median_rate("neo4j (bare UNWIND MERGE)", edges, runs, bare_run)
        store.clear()
    finally:
        store.close()
    return keytrail, bare


COLD_PROBE = """
import random, resource, sys, time
started = time.perf_counter()
from graph.embedded import EmbeddedStore  # noqa: E402 -- after the sys.path line, so it runs from a checkout
from graph.schema import NodeKind, edge_kinds_for
from graph.traverse import TraversalPlan, traverse
store = EmbeddedStore(sys.argv[1])
root = f"aws:arn:arn:aws:iam::123456789012:role/r{random.Random(int(sys.argv[2])).randrange(400_000):010d}"
plan = TraversalPlan((root,), edge_kinds_for("blast") + edge_kinds_for("ownership"), max_depth=6)
reached = traverse(store, plan)
elapsed = time.perf_counter() - started
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{elapsed:.3f} {peak_mb:.0f} {len(reached.nodes)} {len(reached.edges)} {reached.truncated}")
"""


def cold_open(nodes: int = 1_000_000, edges: int = 5_000_000) -> None:
    path = OUT / f"cold-{nodes // 1_000_000}m-{edges // 1_000_000}m.db"
    if not path.exists():
        print(f"building {path.name} ({nodes:,} nodes, {edges:,} edges) ...", flush=True)
        building = path.with_suffix(".building")
        for leftover in OUT.glob(building.name + "*"):
            leftover.unlink()
        store = EmbeddedStore(building)
        try:
            _, edge_seconds = timed_writes(store, Estate(nodes), edges)
        finally:
            store.close()
        print(f"  built: edges at {edges / edge_seconds:,.0f}/s over {edge_seconds:.0f}s", flush=True)
        building.rename(path)
    for seed in (1, 2, 3):
        probe = subprocess.run(
            [sys.executable, "-c", COLD_PROBE, str(path), str(seed)],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        )
        seconds, peak, reached_nodes, reached_edges, truncated = probe.stdout.split()
        print(
            f"cold open + depth-6 traversal: {float(seconds):.2f}s, peak RSS {peak} MB "
            f"({reached_nodes} nodes, {reached_edges} edges reached, truncated={truncated})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100k edges")
    parser.add_argument("--runs", type=int, default=None, help="runs per store (default 3, or 1 at >= 1M edges)")
    parser.add_argument("--skip-cold", action="store_true", help="skip the 1M/5M cold-open measurement")
    parser.add_argument("--skip-embedded", action="store_true", help="measure only Neo4j")
    args = parser.parse_args()
    tune_gc()  # the collector settings of the keytrail command (graph/runtime.py)
    edges = 100_000 if args.quick else args.edges
    runs = args.runs or (1 if edges >= 1_000_000 else 3)
    OUT.mkdir(parents=True, exist_ok=True)
    estate = Estate(max(edges // 5, 10))
    print(f"{edges:,} edges, {sum(estate.counts.values()):,} nodes, batches of {BATCH:,}; {runs} run(s) per store")
    if not args.skip_embedded:
        bench_embedded(estate, edges, runs)
    if os.environ.get("KEYTRAIL_NEO4J_URI"):
        keytrail, bare = bench_neo4j(estate, edges, runs)
        print(f"neo4j keytrail / bare: {keytrail / bare:.2f}")
    else:
        print("neo4j: skipped (KEYTRAIL_NEO4J_URI not set)")
    if not args.skip_cold:
        cold_open()


if __name__ == "__main__":
    main()
