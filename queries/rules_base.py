"""What a findings rule is, and the shared, lazily built scan indexes every rule reads.

A rule is data plus one check function: a stable id (`KT-NHI<n>-<nnn>`, never reused), a
version (bumped when its logic changes), a title, a severity, its OWASP Non-Human Identities
Top 10 (2025) category, the recommended action, and `check(context)` yielding hits (subject,
message, evidence edges). Checks never walk the graph node by node: they read the indexes on
`RuleContext`, each built once per run by streaming one kind as lean rows (`node_rows` /
`edge_rows`: no model construction, no evidence), so a whole run costs a few linear scans of
the graph; findings() turns the few evidence rows that hits cite into full edges in bulk.
On a store that reads from several threads at once (Neo4j), a run of every rule reads its
scans ahead on a thread of its own, in the order the rules first need them, so the server
works on the next scan while the rules run over the last.

Review decisions (Change nodes with `change_type: review`) are indexed per target: a `keep`
decision suppresses the rules marked `keep_suppresses` (NHI5 over-privilege, NHI7 long-lived
keys) for that subject — a person looked and accepted the risk; a `revoke` decision's time is
a revocation time like `revoked_at`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Final

from graph.model import Node, StoredEdge
from graph.schema import EdgeKind, NodeKind
from graph.store import EdgeKey, EdgeRow, GraphStore, NodeRow
from graph.values import ChangeType, Nature
from graph.values.review import ReviewDecision
from queries.common import SEVERITY_RANK, Severity, prop_str
from queries.gaps import OwnershipIndex
from queries.shared import CredentialUse, collect_uses

__all__ = [
    "LONG_LIVED_DAYS",
    "OWASP_NAMES",
    "ROW_PROPERTIES",
    "SEVERITY_RANK",
    "Hit",
    "Owasp",
    "Review",
    "Rule",
    "RuleContext",
    "Severity",
]

# Registry values bound once as plain text: an enum member looked up per row costs several times a literal
# (bench/README.md).
_REVIEW: Final = ChangeType.REVIEW.value
_KEEP: Final = ReviewDecision.KEEP.value
_MACHINE: Final = Nature.MACHINE.value
_UNKNOWN_NATURES: Final = ("", Nature.UNKNOWN.value)


class Owasp(StrEnum):
    """OWASP Non-Human Identities Top 10 (2025)."""

    NHI1 = "NHI1"
    NHI2 = "NHI2"
    NHI3 = "NHI3"
    NHI4 = "NHI4"
    NHI5 = "NHI5"
    NHI6 = "NHI6"
    NHI7 = "NHI7"
    NHI8 = "NHI8"
    NHI9 = "NHI9"
    NHI10 = "NHI10"


OWASP_NAMES: Final = {
    Owasp.NHI1: "Improper Offboarding",
    Owasp.NHI2: "Secret Leakage",
    Owasp.NHI3: "Vulnerable Third-Party NHI",
    Owasp.NHI4: "Insecure Authentication",
    Owasp.NHI5: "Overprivileged NHI",
    Owasp.NHI6: "Insecure Cloud Deployment Configurations",
    Owasp.NHI7: "Long-Lived Secrets",
    Owasp.NHI8: "Environment Isolation",
    Owasp.NHI9: "NHI Reuse",
    Owasp.NHI10: "Human Use of NHI",
}


@dataclass(frozen=True, slots=True)
class Hit:
    subject: Node | NodeRow
    message: str
    evidence: tuple[StoredEdge | EdgeRow, ...] = ()
    """Lean rows are resolved to full edges (count, evidence pointers) by findings()."""


@dataclass(frozen=True, slots=True)
class Review:
    decision: str
    at: str
    change: str


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    version: int
    title: str
    severity: Severity
    owasp: Owasp
    action: str
    check: Callable[[RuleContext], Iterator[Hit]]
    keep_suppresses: bool = False


LONG_LIVED_DAYS: Final = 90
"""Days a standing secret may go unrotated before the NHI7 rules report it (KT-NHI7-001, KT-NHI7-003)."""

_N, _E = NodeKind, EdgeKind
ROW_PROPERTIES: Final[dict[NodeKind | EdgeKind, tuple[str, ...]]] = {
    _N.PERSON: ("status", "environment"),
    _N.IDENTITY: (
        "nature", "nature_reason", "managed_by", "account", "trust_policy", "password_enabled", "mfa_active",
        "deleted", "disabled", "environment", "namespace",
    ),
    _N.CREDENTIAL: (
        "credential_type", "status", "created", "last_rotated", "revoked_at", "deleted_at", "legacy",
        "static_cloud_key", "environment", "last_used", "identified_by", "lifetime", "dangling", "scopes",
        "token_kind", "namespace",
    ),
    _N.SESSION: ("auth_method", "interactive", "environment", "started_at", "host", "unapproved_requests"),
    _N.CHANGE: ("change_type", "at", "decision", "action"),
    _N.PIPELINE: ("environment", "repository"),
    _N.RUNNER: ("environment", "hosted"),
    _N.WORKLOAD: ("environment", "private_ips", "namespace", "controller"),
    _N.RESOURCE: ("namespace",),  # KT-NHI5-003: a write inside one namespace
    _N.APPROVAL: ("status", "valid_from", "valid_until", "scope_unresolved"),  # queries/approvals.py
    _E.OWNS: ("provenance",),
    _E.CAN_ACCESS: ("level", "wildcard", "flags", "policies"),
    _E.TOUCHED: ("actions", "grants"),  # grants: KT-NHI5-002's cluster-admin use
    _E.CAN_ASSUME: ("via", "external_id", "subject", "condition"),
    _E.EXPOSED_IN: ("verified", "repository_assumed"),
    _E.USES: ("mode", "environment", "static_cloud_key"),
    _E.FROM: ("environment",),
    _E.AUTHENTICATED_WITH: ("environment",),
    _E.RUNS_ON: ("environment",),
}  # fmt: skip
"""The properties the rules (and the ownership and use indexes they share) read of each scanned
kind; every other kind is scanned without properties. A scan reads only these: a 300k-session
scan then carries 3 properties of 17, and the server, the wire and this process do a fraction of
the work. A rule that reads another property of a scanned row adds it here (a test records every
property the rules read on the planted scenario and fails on one missing)."""

_READERS = 2
"""Scans read ahead at once: two keep the server busy on one while this process decodes the other."""


class RuleContext:
    """One findings run: the store, the moment, and indexes built on first use and shared."""

    def __init__(self, store: GraphStore, as_of: str | None, now: str) -> None:
        self.store = store
        self.as_of = as_of
        self.now = now
        self._edges: dict[EdgeKind, list[EdgeRow]] = {}
        self._nodes: dict[NodeKind, dict[str, NodeRow]] = {}
        self._edges_ahead: dict[EdgeKind, Future[list[EdgeRow]]] = {}
        self._nodes_ahead: dict[NodeKind, Future[dict[str, NodeRow]]] = {}
        self._full_ahead: list[Future[dict[EdgeKey, StoredEdge]]] = []
        self._reader: ThreadPoolExecutor | None = None

    @property
    def reading_ahead(self) -> bool:
        return self._reader is not None

    def read_ahead(self, kinds: Sequence[NodeKind | EdgeKind]) -> None:
        """Start reading these scans now, in this order, on threads of their own (_READERS at
        a time): the server prepares the next scans while the rules run over the last. Only
        where the store allows reads from several threads at once (`concurrent_reads`)."""
        if not self.store.concurrent_reads or self._reader is not None:
            return
        self._reader = ThreadPoolExecutor(max_workers=_READERS, thread_name_prefix="keytrail-scan")
        for kind in kinds:
            if isinstance(kind, EdgeKind):
                self._edges_ahead[kind] = self._reader.submit(self._read_edges, kind)
            else:
                self._nodes_ahead[kind] = self._reader.submit(self._read_nodes, kind)

    def read_edges_ahead(self, keys: Iterable[EdgeKey]) -> None:
        """Start reading these stored edges in full (`edges_by_key`) on the read-ahead threads,
        behind the scans already asked for; `edges_read_ahead` collects them."""
        if self._reader is not None:
            self._full_ahead.append(self._reader.submit(self.store.edges_by_key, list(keys)))

    def edges_read_ahead(self) -> dict[EdgeKey, StoredEdge]:
        found: dict[EdgeKey, StoredEdge] = {}
        for ahead in self._full_ahead:
            found.update(ahead.result())
        self._full_ahead.clear()
        return found

    def close(self) -> None:
        """Stop reading ahead: scans not started are dropped, and a running one is waited for,
        so that no read is still on the store's connections when the caller closes the store
        (a Neo4j driver closed under a running read fails its goodbye and leaks its sockets)."""
        if self._reader is not None:
            self._reader.shutdown(wait=True, cancel_futures=True)
        self._edges_ahead.clear()
        self._nodes_ahead.clear()
        self._full_ahead.clear()

    def _read_edges(self, kind: EdgeKind) -> list[EdgeRow]:
        return list(self.store.edge_rows(kind, as_of=self.as_of, properties=ROW_PROPERTIES.get(kind, ())))

    def _read_nodes(self, kind: NodeKind) -> dict[str, NodeRow]:
        rows = self.store.node_rows(kind, as_of=self.as_of, properties=ROW_PROPERTIES.get(kind, ()))
        return {n.id: n for n in rows}

    def edges(self, kind: EdgeKind) -> list[EdgeRow]:
        """Every visible edge of a kind, in (source, target) order, read once per run."""
        if kind not in self._edges:
            ahead = self._edges_ahead.pop(kind, None)
            self._edges[kind] = ahead.result() if ahead is not None else self._read_edges(kind)
        return self._edges[kind]

    def nodes(self, kind: NodeKind) -> dict[str, NodeRow]:
        """Every visible node of a kind by id (in id order), read once per run."""
        if kind not in self._nodes:
            ahead = self._nodes_ahead.pop(kind, None)
            self._nodes[kind] = ahead.result() if ahead is not None else self._read_nodes(kind)
        return self._nodes[kind]

    @cached_property
    def ownership(self) -> OwnershipIndex:
        return OwnershipIndex.build(self.store, self.as_of, scan=self.edges, kind_rows=self.nodes)

    @cached_property
    def uses(self) -> dict[str, CredentialUse]:
        dims = ("runner", "workload", "pipeline", "environment")
        return collect_uses(self.store, self.as_of, dims, scan=self.edges, kind_rows=self.nodes)

    @cached_property
    def uses_into(self) -> dict[str, list[EdgeRow]]:
        """Credential -> the USES and AUTHENTICATED_WITH edges into it, sorted by edge key (what
        `expand` of the credential along those kinds returns), from the shared scans."""
        found: dict[str, list[EdgeRow]] = {}
        for kind in (EdgeKind.USES, EdgeKind.AUTHENTICATED_WITH):
            for edge in self.edges(kind):
                found.setdefault(edge.target, []).append(edge)
        for edges in found.values():
            edges.sort(key=lambda e: e.key)
        return found

    @cached_property
    def authenticated_into(self) -> dict[str, list[EdgeRow]]:
        """Credential -> the AUTHENTICATED_WITH edges of the sessions that used it, by edge key."""
        found: dict[str, list[EdgeRow]] = {}
        for edge in self.edges(EdgeKind.AUTHENTICATED_WITH):
            found.setdefault(edge.target, []).append(edge)
        for edges in found.values():
            edges.sort(key=lambda e: e.key)
        return found

    @cached_property
    def reviews(self) -> dict[str, list[Review]]:
        """Node -> review decisions that target it, oldest first (as of)."""
        changes = self.nodes(NodeKind.CHANGE)
        found: dict[str, list[Review]] = {}
        for edge in self.edges(EdgeKind.TARGETS):
            change = changes.get(edge.source)
            if change is None or prop_str(change, "change_type") != _REVIEW:
                continue
            at = prop_str(change, "at") or change.first_seen or ""
            if self.as_of and at > self.as_of:
                continue
            found.setdefault(edge.target, []).append(Review(prop_str(change, "decision"), at, change.id))
        for reviews in found.values():
            reviews.sort(key=lambda r: (r.at, r.change))
        return found

    def kept(self, node_id: str) -> bool:
        """A standing `keep` decision: the latest review of the node says keep."""
        reviews = self.reviews.get(node_id, [])
        return bool(reviews) and reviews[-1].decision == _KEEP

    def is_nhi(self, identity: NodeRow | None, *, unknown: bool = True) -> bool:
        """Machine identities (and, unless told otherwise, those of unknown nature) — never humans'."""
        if identity is None or identity.kind != NodeKind.IDENTITY:
            return False
        nature = prop_str(identity, "nature")
        return nature == _MACHINE or (unknown and nature in _UNKNOWN_NATURES)

    @cached_property
    def identity_of_credential(self) -> dict[str, list[EdgeRow]]:
        return self.ownership.holders

    @cached_property
    def credentials_of_identity(self) -> dict[str, list[EdgeRow]]:
        """Identity -> its HAS_CREDENTIAL edges (the credentials it holds)."""
        found: dict[str, list[EdgeRow]] = {}
        for edge in self.edges(EdgeKind.HAS_CREDENTIAL):
            found.setdefault(edge.source, []).append(edge)
        return found

    @cached_property
    def exposures(self) -> dict[str, list[EdgeRow]]:
        """Credential -> the EXPOSED_IN edges out of it (where scanners found it)."""
        found: dict[str, list[EdgeRow]] = {}
        for edge in self.edges(EdgeKind.EXPOSED_IN):
            found.setdefault(edge.source, []).append(edge)
        return found

    def credential_evidence(self, credential: str, limit: int = 5) -> tuple[EdgeRow, ...]:
        """The edges that show a credential exists and matters — who holds it, where it was
        exposed, who uses it: what a finding about the credential's own properties cites."""
        held = self.identity_of_credential.get(credential, [])
        found = (*held, *self.exposures.get(credential, []), *self.uses_into.get(credential, []))[:limit]
        # nothing holds, exposes or uses it (a token Secret nobody mounts): where it is stored
        # still shows it exists, and cites the object it was read from
        return found or tuple(self.stored_in.get(credential, ())[:1])

    @cached_property
    def stored_in(self) -> dict[str, list[EdgeRow]]:
        """Credential -> its STORED_IN edges, the most specific place first (the longest target:
        the secret's own scope before its namespace's and the cluster's)."""
        found: dict[str, list[EdgeRow]] = {}
        for edge in self.edges(EdgeKind.STORED_IN):
            found.setdefault(edge.source, []).append(edge)
        for edges in found.values():
            edges.sort(key=lambda e: (-len(e.target), e.target))
        return found
