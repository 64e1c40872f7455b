"""ownership_gaps(): non-human identities, credentials, pipelines and workloads no living person answers for.

A scan, not a per-node walk: OWNS, team membership (Person MEMBER_OF Team) and people's
status are read once by kind as lean rows, then each subject kind is streamed through. A credential inherits
the owners of the identity it authenticates as (HAS_CREDENTIAL), so an owned service
account's keys are not a gap. Gaps are grouped so a script can open one ticket per gap:

- `no_owner`: one gap per subject (each needs its own owner);
- `owner_offboarded`: one gap per offboarded person, listing everything only they owned;
- `team_without_active_member`: one gap per team, listing everything only it owned.

Each gap has a stable id (`GAP-` + a hash of its type and key) so re-running finds the same
ticket. An OWNS edge written by a review decision (`provenance: review`) closes the gap.

Severity (docs/outputs.md), from the gap type and whether an active credential is among its
subjects (a credential is a subject only while active):

| gap type | with an active credential | otherwise |
|---|---|---|
| owner_offboarded | critical | high |
| team_without_active_member | high | medium |
| no_owner | medium | low |

Order: most severe first; then owner_offboarded, team_without_active_member, no_owner; then
more subjects first; then by id. So an offboarded owner of an active key comes before hundreds
of unowned instances. `gap_types` and `severity` (a minimum) filter the gaps; `counts` and
`counts_by_severity` count the gaps that pass the filters, all of them (not only the page).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from graph.errors import QueryError, quoted
from graph.schema import EdgeKind, NodeKind
from graph.store import EdgeRow, GraphStore, NodeRow
from graph.values import Nature, PersonStatus
from queries.common import (
    LIST_CAP,
    SEVERITY_RANK,
    KindRows,
    NodeRef,
    Result,
    Scan,
    Severity,
    check_limit,
    check_time,
    node_ref,
    prop_str,
)
from queries.stale import is_active

__all__ = [
    "GAP_KINDS",
    "GAP_TYPES",
    "Gap",
    "OwnershipGapsResult",
    "OwnershipIndex",
    "gap_id",
    "gap_severity",
    "ownership_gaps",
]

# Registry values bound once as plain text: an enum member looked up per row costs several times a literal
# (bench/README.md).
_OFFBOARDED: Final = PersonStatus.OFFBOARDED.value
_HUMAN: Final = Nature.HUMAN.value

GAP_KINDS: Final = (NodeKind.IDENTITY, NodeKind.CREDENTIAL, NodeKind.PIPELINE, NodeKind.WORKLOAD)
SUBJECT_CAP: Final = 200
GAP_TYPES: Final = ("owner_offboarded", "team_without_active_member", "no_owner")
"""Every gap type, in the order gaps of one severity are listed."""
_SEVERITY: Final = {
    ("owner_offboarded", True): Severity.CRITICAL,
    ("owner_offboarded", False): Severity.HIGH,
    ("team_without_active_member", True): Severity.HIGH,
    ("team_without_active_member", False): Severity.MEDIUM,
    ("no_owner", True): Severity.MEDIUM,
    ("no_owner", False): Severity.LOW,
}


class Gap(Result):
    id: str
    gap_type: str
    """no_owner | owner_offboarded | team_without_active_member"""
    severity: str
    """critical | high | medium | low (module docstring)"""
    owner: NodeRef | None = None
    subjects: list[NodeRef]
    subject_count: int
    action: str
    truncated: bool = False


class OwnershipGapsResult(Result):
    gaps: list[Gap]
    counts: dict[str, int]
    """Gaps by type (those passing the filters)."""
    counts_by_severity: dict[str, int] = {}
    truncated: bool = False


def gap_id(gap_type: str, key: str) -> str:
    return "GAP-" + hashlib.sha256(f"{gap_type}\n{key}".encode()).hexdigest()[:12]


@dataclass(slots=True)
class OwnershipIndex:
    """Who owns what, and who is alive, read once by kind (shared with findings)."""

    owns: dict[str, list[EdgeRow]] = field(default_factory=dict)
    owner_kind: dict[str, NodeKind] = field(default_factory=dict)
    people: dict[str, NodeRow] = field(default_factory=dict)
    members: dict[str, set[str]] = field(default_factory=dict)
    holders: dict[str, list[EdgeRow]] = field(default_factory=dict)
    """Credential -> its HAS_CREDENTIAL edges (from the identities it authenticates as)."""

    @classmethod
    def build(
        cls, store: GraphStore, as_of: str | None, scan: Scan | None = None, kind_rows: KindRows | None = None
    ) -> OwnershipIndex:
        """Read from the store, or from a caller's shared scans (findings passes its own, so a
        kind that one of its rules also reads is read once per run)."""
        index = cls()
        if kind_rows:
            index.people = dict(kind_rows(NodeKind.PERSON))
        else:
            index.people = {p.id: p for p in store.node_rows(NodeKind.PERSON, as_of=as_of)}

        def edges(kind: EdgeKind) -> Iterable[EdgeRow]:
            return scan(kind) if scan else store.edge_rows(kind, as_of=as_of)

        for edge in edges(EdgeKind.OWNS):
            index.owns.setdefault(edge.target, []).append(edge)
            index.owner_kind[edge.source] = edge.source_kind
        for edge in edges(EdgeKind.MEMBER_OF):
            if edge.source_kind == NodeKind.PERSON and edge.target_kind == NodeKind.TEAM:
                index.members.setdefault(edge.target, set()).add(edge.source)
        for edge in edges(EdgeKind.HAS_CREDENTIAL):
            index.holders.setdefault(edge.target, []).append(edge)
        return index

    def person_alive(self, person_id: str) -> bool:
        person = self.people.get(person_id)
        return person is None or prop_str(person, "status") != _OFFBOARDED

    def owner_alive(self, owner_id: str) -> bool:
        if self.owner_kind.get(owner_id) == NodeKind.TEAM:
            return any(self.person_alive(m) for m in self.members.get(owner_id, ()))
        if owner_id in self.people or self.owner_kind.get(owner_id) == NodeKind.PERSON:
            return self.person_alive(owner_id)
        return True

    def owner_paths(self, node_id: str) -> list[list[EdgeRow]]:
        """Direct OWNS edges; for a credential without any, its identity's (HAS_CREDENTIAL + OWNS)."""
        direct = self.owns.get(node_id, [])
        if direct:
            return [[e] for e in direct]
        return [[held, e] for held in self.holders.get(node_id, []) for e in self.owns.get(held.source, [])]

    def effective_owners(self, node_id: str) -> set[str]:
        return {path[-1].source for path in self.owner_paths(node_id)}


def _classify(index: OwnershipIndex, node: NodeRow) -> tuple[str, str] | None:
    """(gap type, grouping key) for a subject without a living owner, or None when owned."""
    owners = index.effective_owners(node.id)
    if not owners:
        return "no_owner", node.id
    if any(index.owner_alive(o) for o in owners):
        return None
    owner = sorted(owners)[0]
    if index.owner_kind.get(owner) == NodeKind.TEAM:
        return "team_without_active_member", owner
    return "owner_offboarded", owner


def _needs_owner(node: NodeRow) -> bool:
    """Humans' own accounts, what a provider owns (`managed_by`: AWS's service-linked roles) and
    things already gone (deleted, revoked) need no owner."""
    if node.kind == NodeKind.IDENTITY:
        if prop_str(node, "managed_by"):
            return False
        return prop_str(node, "nature") != _HUMAN and node.props.get("deleted") is not True
    if node.kind == NodeKind.CREDENTIAL:
        return is_active(node)
    return True


def _action(gap_type: str, key: str, subjects: list[NodeRef]) -> str:
    if gap_type == "no_owner":
        return f"assign owner to {key}"
    if gap_type == "owner_offboarded":
        return f"transfer ownership of {len(subjects)} node(s) from offboarded {key} to a living owner (their manager)"
    return f"team {key} has no active member: assign a new owner to its {len(subjects)} node(s)"


def gap_severity(gap_type: str, subjects: list[NodeRef]) -> Severity:
    """The gap's severity (module docstring): worse when an active credential is left behind."""
    return _SEVERITY[(gap_type, any(s.kind == NodeKind.CREDENTIAL.value for s in subjects))]


def _filters(gap_types: list[str] | None, severity: str | None) -> tuple[set[str], int]:
    chosen = set(gap_types or GAP_TYPES)
    unknown = sorted(chosen - set(GAP_TYPES))
    if unknown:
        raise QueryError(f"unknown gap type {quoted(unknown[0])}; known: {', '.join(GAP_TYPES)}")
    if severity is None:
        return chosen, 0
    try:
        return chosen, SEVERITY_RANK[Severity(severity.lower())]
    except ValueError:
        raise QueryError(f"unknown severity {quoted(severity)}; known: low, medium, high, critical") from None


def _order(gap: Gap) -> tuple[int, int, int, str]:
    return (-SEVERITY_RANK[Severity(gap.severity)], GAP_TYPES.index(gap.gap_type), -gap.subject_count, gap.id)


def ownership_gaps(
    store: GraphStore,
    *,
    as_of: str | None = None,
    limit: int = LIST_CAP,
    gap_types: list[str] | None = None,
    severity: str | None = None,
) -> OwnershipGapsResult:
    """Every gap in accountability of the chosen types and at least `severity`, grouped one entry
    per ticket, most severe first (module docstring)."""
    check_limit(limit, "limit", 1, 100_000)
    as_of = check_time(as_of)
    chosen, floor = _filters(gap_types, severity)
    index = OwnershipIndex.build(store, as_of)
    grouped: dict[tuple[str, str], list[NodeRef]] = {}
    for kind in GAP_KINDS:
        for node in store.node_rows(kind, as_of=as_of):
            found = _classify(index, node) if _needs_owner(node) else None
            if found is not None and found[0] in chosen:
                grouped.setdefault(found, []).append(node_ref(node))
    owners = {o: index.people.get(o) for _, o in grouped if _ != "no_owner"}
    gaps = []
    for (gap_type, key), subjects in grouped.items():
        rank = gap_severity(gap_type, subjects)
        if SEVERITY_RANK[rank] < floor:
            continue
        owner_node = owners.get(key)
        owner = node_ref(owner_node) if owner_node else None
        if owner is None and gap_type != "no_owner":
            owner = NodeRef(id=key, kind=index.owner_kind[key].value)
        gaps.append(
            Gap(
                id=gap_id(gap_type, key),
                gap_type=gap_type,
                severity=rank.value,
                owner=owner,
                subjects=sorted(subjects, key=lambda s: s.id)[:SUBJECT_CAP],
                subject_count=len(subjects),
                action=_action(gap_type, key, subjects),
                truncated=len(subjects) > SUBJECT_CAP,
            )
        )
    gaps.sort(key=_order)
    counts: dict[str, int] = {}
    by_severity: dict[str, int] = {}
    for gap in gaps:
        counts[gap.gap_type] = counts.get(gap.gap_type, 0) + 1
        by_severity[gap.severity] = by_severity.get(gap.severity, 0) + 1
    return OwnershipGapsResult(
        gaps=gaps[:limit], counts=counts, counts_by_severity=by_severity, truncated=len(gaps) > limit
    )
