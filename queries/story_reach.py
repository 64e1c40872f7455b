"""Where an interactive session into a workload leads, for access_story (queries/story.py).

A person's `kubectl exec` (or attach, port-forward) into a pod puts them inside it: they can use
its service account's token and read what it mounts. So the story follows the TOUCHED workload
→ the service accounts it RUNS_AS → the sessions that ACTED_AS them from this session's start on
→ the Secrets those sessions read (TOUCHED with `get|list|watch secrets`), and names the Secrets
the workload USES (mounts, env) as reachable — not read, unless the audit log says read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from graph.model import Node, StoredEdge
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from queries.common import (
    EvidenceRef,
    NodeRef,
    Result,
    expand_visible,
    hop,
    node_ref,
    prop_list,
    prop_str,
    visible_nodes,
)

__all__ = ["INTERACTIVE_ACTIONS", "Reach", "gather_inside", "interactive", "reach_of", "reach_steps"]

INTERACTIVE_ACTIONS: Final = ("/exec", "/attach", "/portforward")
"""Actions into a workload that put a person inside it (Kubernetes exec, attach, port-forward)."""
_SECRET_READS: Final = frozenset({"get secrets", "list secrets", "watch secrets"})

Inside = dict[str, list[StoredEdge]]
"""Workload -> its RUNS_AS and USES edges; service account -> ACTED_AS into it; session -> its secret reads."""


class Reach(Result):
    """Where an interactive session into a workload leads (module docstring)."""

    workload: NodeRef
    actions: list[str] = []
    identities: list[NodeRef] = []
    secrets_read: list[NodeRef] = []
    read_in: list[str] = []
    """The sessions of the service account that read them."""
    secrets_reachable: list[NodeRef] = []


def interactive(edge: StoredEdge) -> bool:
    return (
        edge.kind == EdgeKind.TOUCHED
        and edge.target_kind == NodeKind.WORKLOAD
        and any(a.endswith(INTERACTIVE_ACTIONS) for a in prop_list(edge, "actions"))
    )


def gather_inside(
    store: GraphStore, out: Mapping[str, list[StoredEdge]], nodes: dict[str, Node], as_of: str | None
) -> Inside:
    """Three batched expands from the workloads the stories' sessions went into; adds the nodes met."""
    workloads = sorted({e.target for es in out.values() for e in es if interactive(e)})
    if not workloads:
        return {}
    inside = expand_visible(store, workloads, ((EdgeKind.RUNS_AS, "out"), (EdgeKind.USES, "out")), as_of)
    accounts = sorted({e.target for e in inside if e.kind == EdgeKind.RUNS_AS})
    acted = expand_visible(store, accounts, ((EdgeKind.ACTED_AS, "in"),), as_of)
    sessions = sorted({e.source for e in acted})
    reads = [
        e
        for e in expand_visible(store, sessions, ((EdgeKind.TOUCHED, "out"),), as_of)
        if _SECRET_READS & set(prop_list(e, "actions"))
    ]
    found: Inside = {}
    for edge in inside + reads:
        found.setdefault(edge.source, []).append(edge)
    for edge in acted:
        found.setdefault(edge.target, []).append(edge)
    wanted = {e.target for e in inside} | {e.source for e in acted} | {e.target for e in reads}
    nodes.update(visible_nodes(store, sorted(wanted - set(nodes)), as_of))
    return found


def reach_of(inside: Inside, nodes: Mapping[str, Node], session: Node, touch: StoredEdge) -> Reach:
    """The workload's service accounts, the Secrets their sessions read from this session's start
    on (the person inside could use the token from then), and the Secrets it mounts."""
    edges = inside.get(touch.target, [])
    accounts = sorted({e.target for e in edges if e.kind == EdgeKind.RUNS_AS})
    start = prop_str(session, "started_at") or session.first_seen or ""
    read: set[str] = set()
    readers: set[str] = set()
    for account in accounts:
        for acted in inside.get(account, []):
            reader = nodes.get(acted.source)
            began = (prop_str(reader, "started_at") or reader.first_seen or "") if reader else ""
            if reader is None or (start and began and began < start):
                continue
            for edge in inside.get(acted.source, []):
                read.add(edge.target)
                readers.add(acted.source)
    mounted = {e.target for e in edges if e.kind == EdgeKind.USES}
    return Reach(
        workload=node_ref(nodes[touch.target]),
        actions=sorted(a for a in prop_list(touch, "actions") if a.endswith(INTERACTIVE_ACTIONS)),
        identities=[node_ref(nodes[i]) for i in accounts if i in nodes],
        secrets_read=[node_ref(nodes[i]) for i in sorted(read) if i in nodes],
        read_in=sorted(readers),
        secrets_reachable=[node_ref(nodes[i]) for i in sorted(mounted - read) if i in nodes],
    )


def reach_steps(
    inside: Inside, reached: list[Reach], edges: list[StoredEdge]
) -> list[tuple[str | None, str, list[str], list[EvidenceRef]]]:
    """(at, summary, refs, evidence) of a story's `reached` step per workload it went into."""
    touched = {e.target: e for e in edges if e.kind == EdgeKind.TOUCHED}
    steps = []
    for reach in reached:
        accounts = ", ".join(i.id for i in reach.identities) or "no known service account"
        read = ", ".join(r.id for r in reach.secrets_read) or "none read"
        reachable = ", ".join(r.id for r in reach.secrets_reachable) or "none"
        touch = touched[reach.workload.id]
        cited = [touch, *inside.get(reach.workload.id, []), *(e for s in reach.read_in for e in inside.get(s, []))]
        summary = (
            f"inside {reach.workload.id} ({', '.join(reach.actions)}) as {accounts}: secrets read {read}; "
            f"mounted, not read: {reachable}"
        )
        refs = [
            reach.workload.id,
            *(i.id for i in reach.identities),
            *(r.id for r in reach.secrets_read),
            *reach.read_in,
        ]
        steps.append((touch.first_seen, summary, refs, [ev for e in cited for ev in hop(e).evidence][:10]))
    return steps
