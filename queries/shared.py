"""shared_credentials(): credentials used by several consumers, declared and observed.

Declared consumers are USES edges (a workflow secret reference, a pod mount) and, for runners,
the runners the declaring pipelines RUNS_ON; observed consumers are where the sessions that
AUTHENTICATED_WITH the credential came FROM (matched by runner IP or host), plus USES edges
with `mode: observed`. Consumers are counted along one dimension (`by`); every credential at
or above `min_consumers` comes back with its consumers and its accountability verdict, which
answers "which owner is behind a key used by several runners".

Only concrete runners count: self-hosted runners and their label or group pools. A GitHub-hosted
label (`ubuntu-latest`, `windows-2022`: `hosted: github`) is a fresh machine per job, so jobs on it
share no host and it is no runner consumer. Credentials minted per job or per session
(`lifetime`: GITHUB_TOKEN, an OIDC token, STS session keys) are never "shared": each use is its
own short-lived credential, so they are left out of the answer.

It reads USES, RUNS_ON, AUTHENTICATED_WITH and FROM once each as lean rows (`edge_rows`, no
per-session expansion) and loads only the consumer nodes involved, so its cost grows with the
credential-use edges, not with the whole graph; findings hands in its own scans (`scan`) so a
run reads each kind once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal, get_args

from graph.errors import QueryError
from graph.model import Node
from graph.schema import EdgeKind, NodeKind
from graph.store import EdgeRow, GraphStore, NodeRow
from graph.values import UseMode
from queries.accountability import OwnerEntry, Verdict, accountability
from queries.common import (
    LIST_CAP,
    KindRows,
    NodeRef,
    Result,
    Scan,
    check_limit,
    check_time,
    node_ref,
    prop_str,
    visible_nodes,
)
from queries.stale import is_standing

__all__ = [
    "Consumer",
    "ConsumerDimension",
    "CredentialUse",
    "SharedCredential",
    "SharedCredentialsResult",
    "collect_uses",
    "is_concrete_runner",
    "shared_credentials",
]

# Registry values bound once as plain text: an enum member looked up per row costs several times a literal
# (bench/README.md).
_OBSERVED: Final = UseMode.OBSERVED.value
_DECLARED: Final = UseMode.DECLARED.value

ConsumerDimension = Literal["runner", "pipeline", "workload", "repository", "environment"]
CONSUMER_CAP: Final = 100


class Consumer(Result):
    """One consumer of a credential along the chosen dimension."""

    id: str
    """Node id, or for repository/environment the repository name / environment name."""
    kind: str
    modes: list[str]
    """declared and/or observed"""
    via: list[str] = []
    """Pipelines or sessions through which the use was seen (capped)."""


class SharedCredential(Result):
    credential: NodeRef
    consumer_count: int
    consumers: list[Consumer]
    verdict: Verdict
    owners: list[OwnerEntry]
    action: str


class SharedCredentialsResult(Result):
    by: str
    min_consumers: int
    credentials: list[SharedCredential]
    truncated: bool = False


@dataclass(slots=True)
class CredentialUse:
    """Consumers of one credential, keyed by dimension then consumer id."""

    consumers: dict[str, dict[str, tuple[str, set[str], set[str]]]] = field(default_factory=dict)

    def add(self, dimension: str, key: str, kind: str, mode: str, via: str = "") -> None:
        if not key:
            return
        slot = self.consumers.get(dimension)
        if slot is None:
            slot = self.consumers[dimension] = {}
        entry = slot.get(key)  # (called ~1M times on a large estate: no sets built for nothing)
        if entry is None:
            entry = slot[key] = (kind, set(), set())
        entry[1].add(mode)
        if via and len(entry[2]) < 20:
            entry[2].add(via)


def _mode(edge: EdgeRow) -> str:
    return _OBSERVED if prop_str(edge, "mode") == _OBSERVED else _DECLARED


def _environment(edge: EdgeRow, *nodes: Node | NodeRow | None) -> str:
    for holder in (edge, *nodes):
        if holder is not None and prop_str(holder, "environment"):
            return prop_str(holder, "environment")
    return ""


_DIMENSION_OF: Final = {NodeKind.RUNNER: "runner", NodeKind.PIPELINE: "pipeline", NodeKind.WORKLOAD: "workload"}


def is_concrete_runner(runner: Node | NodeRow) -> bool:
    """A machine or pool someone runs (self-hosted), not a GitHub-hosted label: `ubuntu-latest`
    names a fresh VM per job that GitHub provides and discards, so two jobs on it share no host."""
    return prop_str(runner, "hosted") != "github"


def _add_consumer(
    use: CredentialUse, edge: EdgeRow, consumer: Node | NodeRow, mode: str, via: str, dims: set[str]
) -> None:
    """Count one consumer node along every wanted dimension it has a value for."""
    dimension = _DIMENSION_OF.get(consumer.kind)
    if dimension == "runner" and not is_concrete_runner(consumer):
        dimension = None
    if dimension in dims:
        # a pod and the Deployment that made it (`controller`) are one consumer, not two
        key = prop_str(consumer, "controller") or consumer.id if dimension == "workload" else consumer.id
        use.add(dimension, key, consumer.kind.value, mode, via)
    if "environment" in dims:
        use.add("environment", _environment(edge, consumer), "environment", mode, via or consumer.id)
    if "repository" in dims and consumer.kind == NodeKind.PIPELINE:
        use.add("repository", prop_str(consumer, "repository"), "repository", mode, consumer.id)


Lookup = Callable[[Iterable[tuple[str, NodeKind]]], Mapping[str, Node | NodeRow]]


def _lookup(store: GraphStore, as_of: str | None, kind_rows: KindRows | None) -> Lookup:
    """Visible nodes by (id, kind): read by id, or taken from whole-kind scans already made."""
    if kind_rows is None:
        return lambda pairs: visible_nodes(store, sorted({node_id for node_id, _ in pairs}), as_of)
    rows_of = kind_rows

    def from_scans(pairs: Iterable[tuple[str, NodeKind]]) -> Mapping[str, Node | NodeRow]:
        wanted: dict[NodeKind, list[str]] = {}
        for node_id, kind in pairs:
            wanted.setdefault(kind, []).append(node_id)
        found: dict[str, Node | NodeRow] = {}
        for kind in sorted(wanted):  # kinds in a fixed order: scans are first read in a stable order
            rows = rows_of(kind)
            for node_id in wanted[kind]:
                row = rows.get(node_id)
                if row is not None:
                    found[node_id] = row
        return found

    return from_scans


def collect_uses(
    store: GraphStore,
    as_of: str | None,
    dims: Iterable[str],
    scan: Scan | None = None,
    kind_rows: KindRows | None = None,
) -> dict[str, CredentialUse]:
    """Every credential's consumers along the given dimensions, from one scan of the use edges."""
    if scan is None:

        def scan(kind: EdgeKind) -> list[EdgeRow]:
            return list(store.edge_rows(kind, as_of=as_of))

    lookup = _lookup(store, as_of, kind_rows)

    wanted = set(dims)
    uses: dict[str, CredentialUse] = {}
    declared = scan(EdgeKind.USES)
    pipelines = {e.source for e in declared if e.source_kind == NodeKind.PIPELINE}
    consumers = lookup({(e.source, e.source_kind) for e in declared})
    runs_on: dict[str, list[str]] = {}
    run_edges = [e for e in scan(EdgeKind.RUNS_ON) if e.source in pipelines] if pipelines else []
    for edge in run_edges:
        runs_on.setdefault(edge.source, []).append(edge.target)
    runners = lookup({(e.target, e.target_kind) for e in run_edges})
    for edge in declared:
        if edge.source not in consumers:
            continue
        use = uses.setdefault(edge.target, CredentialUse())
        mode = _mode(edge)
        _add_consumer(use, edge, consumers[edge.source], mode, "", wanted)
        for runner_id in runs_on.get(edge.source, []):
            on = runners.get(runner_id)
            # RUNS_ON may also name a Workload (a job on a host): only a Runner is judged hosted or not
            if on is not None and on.kind == NodeKind.RUNNER and "runner" in wanted and is_concrete_runner(on):
                use.add("runner", runner_id, NodeKind.RUNNER.value, mode, edge.source)
            if runner_id in runners and "environment" in wanted:
                use.add("environment", prop_str(runners[runner_id], "environment"), "environment", mode, runner_id)
    _collect_observed(store, as_of, uses, wanted, scan, lookup)
    return uses


def _collect_observed(
    store: GraphStore, as_of: str | None, uses: dict[str, CredentialUse], wanted: set[str], scan: Scan, lookup: Lookup
) -> None:
    authenticated = scan(EdgeKind.AUTHENTICATED_WITH)
    sessions = {e.source for e in authenticated}
    origins: dict[str, list[EdgeRow]] = {}
    from_edges = scan(EdgeKind.FROM) if sessions else []
    for edge in from_edges:
        if edge.source in sessions and edge.target_kind != NodeKind.SESSION:
            origins.setdefault(edge.source, []).append(edge)
    places = lookup({(e.target, e.target_kind) for es in origins.values() for e in es})
    for edge in authenticated:
        for origin in origins.get(edge.source, []):
            place = places.get(origin.target)
            if place is not None:
                _add_consumer(
                    uses.setdefault(edge.target, CredentialUse()), origin, place, "observed", edge.source, wanted
                )
    if "environment" in wanted:
        _collect_chained_environments(store, as_of, uses, authenticated, sessions, from_edges)


def _collect_chained_environments(
    store: GraphStore,
    as_of: str | None,
    uses: dict[str, CredentialUse],
    authenticated: list[EdgeRow],
    sessions: set[str],
    from_edges: list[EdgeRow],
) -> None:
    """A key used to assume roles in other accounts is used in those accounts' environments:
    each session chained FROM one of the key's sessions counts its own environment."""
    chained: dict[str, list[str]] = {}
    for edge in from_edges:
        if edge.target in sessions and edge.source_kind == NodeKind.SESSION:
            chained.setdefault(edge.target, []).append(edge.source)
    children = visible_nodes(store, sorted({c for cs in chained.values() for c in cs}), as_of)
    for edge in authenticated:
        for child_id in chained.get(edge.source, []):
            child = children.get(child_id)
            environment = prop_str(child, "environment") if child is not None else ""
            if environment:
                use = uses.setdefault(edge.target, CredentialUse())
                use.add("environment", environment, "environment", "observed", child_id)


def shared_credentials(
    store: GraphStore,
    *,
    min_consumers: int = 2,
    by: str = "runner",
    as_of: str | None = None,
    limit: int = LIST_CAP,
) -> SharedCredentialsResult:
    """Credentials with at least `min_consumers` distinct consumers along `by`, most shared first."""
    if by not in get_args(ConsumerDimension):
        raise QueryError(f"by must be one of {', '.join(get_args(ConsumerDimension))}, got {by!r}")
    check_limit(min_consumers, "min_consumers", 1, 10_000)
    check_limit(limit, "limit", 1, 10_000)
    as_of = check_time(as_of)
    uses = collect_uses(store, as_of, [by])
    shared = {c: u.consumers.get(by, {}) for c, u in uses.items() if len(u.consumers.get(by, {})) >= min_consumers}
    credentials = {c: n for c, n in visible_nodes(store, sorted(shared), as_of).items() if is_standing(n)}
    ranked = sorted(credentials, key=lambda c: (-len(shared[c]), c))
    results = []
    for cred_id in ranked[:limit]:
        verdict = accountability(store, cred_id, as_of=as_of)
        consumers = [
            Consumer(id=key, kind=kind, modes=sorted(modes), via=sorted(via))
            for key, (kind, modes, via) in sorted(shared[cred_id].items())
        ]
        results.append(
            SharedCredential(
                credential=node_ref(credentials[cred_id]),
                consumer_count=len(consumers),
                consumers=consumers[:CONSUMER_CAP],
                verdict=verdict.verdict,
                owners=verdict.owners,
                action=f"split the credential per {by} (one per consumer); {verdict.action}",
            )
        )
    return SharedCredentialsResult(
        by=by, min_consumers=min_consumers, credentials=results, truncated=len(ranked) > limit
    )
