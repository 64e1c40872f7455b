"""GraphQL result types of the queries, each built explicitly from its pydantic result model.

Lists that can grow with the estate are Relay connections (see api/graphql/limits.py); the
blast-radius subgraph comes back as two flat arrays (nodes with depth, edges with level) so a
10k-node neighbourhood is one cheap response to draw, not a nested tree.
"""

from __future__ import annotations

import strawberry

from api.graphql.types_common import (
    EDGE_KIND_NAMES,
    NODE_KIND_NAMES,
    Connection,
    CountEntry,
    EvidenceList,
    HopType,
    NodeKindEnum,
    NodeRefType,
    OwaspEnum,
    SeverityEnum,
    SubgraphEdges,
    SubgraphNodes,
    VerdictEnum,
    counts,
    hops,
    pack_evidence,
    refs,
)
from graph.schema import NodeKind
from queries.accountability import AccountabilityResult, OwnerEntry
from queries.blast import BlastEdge, BlastNode, BlastRadiusResult
from queries.explore import Neighbor as NeighborResult
from queries.explore import PathResult as PathQueryResult
from queries.findings import Finding, RuleInfo
from queries.gaps import Gap
from queries.history import HistoryEntry
from queries.rules_base import Owasp, Severity
from queries.shared import SharedCredential
from queries.stale import StaleCredential
from queries.story import AccessStoryResult
from queries.story import SessionStory as SessionStoryResult

__all__ = [
    "AccessStory",
    "Accountability",
    "BlastRadius",
    "FindingType",
    "FindingsPage",
    "GapType",
    "HistoryEntryType",
    "Neighbor",
    "OwnershipGaps",
    "PathResult",
    "SharedCredentialType",
    "StaleCredentialType",
    "StaleCredentials",
]


@strawberry.type
class Owner:
    id: strawberry.ID
    kind: NodeKindEnum
    name: str
    status: str = strawberry.field(description="Person: active|offboarded|unknown; Team: active|no_active_member")
    distance: int
    owns: strawberry.ID
    provenance: str
    accountable: list[strawberry.ID]
    also_owns: list[strawberry.ID] = strawberry.field(
        description="Other reached nodes this owner owns (each owner is listed once, at its nearest)"
    )

    @classmethod
    def from_result(cls, o: OwnerEntry) -> Owner:
        return cls(
            id=strawberry.ID(o.id),
            kind=NodeKind(o.kind),
            name=o.name,
            status=o.status,
            distance=o.distance,
            owns=strawberry.ID(o.owns),
            provenance=o.provenance,
            accountable=[strawberry.ID(a) for a in o.accountable],
            also_owns=[strawberry.ID(a) for a in o.also_owns],
        )


@strawberry.type
class Chain:
    person: strawberry.ID
    person_status: str
    role: str = strawberry.field(description="owner | team_member | manager | consumer")
    distance: int
    hops: list[HopType]


@strawberry.type
class Accountability:
    subject: NodeRefType
    verdict: VerdictEnum
    owners: list[Owner]
    chains: list[Chain]
    action: str
    notes: list[str]
    truncated: bool

    @classmethod
    def from_result(cls, r: AccountabilityResult) -> Accountability:
        made: dict[int, HopType] = {}  # chains share their hops (queries/accountability.py)
        return cls(
            subject=NodeRefType.from_result(r.subject),
            verdict=r.verdict,
            owners=[Owner.from_result(o) for o in r.owners],
            chains=[
                Chain(
                    person=strawberry.ID(c.person),
                    person_status=c.person_status,
                    role=c.role,
                    distance=c.distance,
                    hops=hops(c.hops, made),
                )
                for c in r.chains
            ],
            action=r.action,
            notes=list(r.notes),
            truncated=r.truncated,
        )


@strawberry.type
class Consumer:
    id: str = strawberry.field(description="node id, or the repository / environment name")
    kind: str = strawberry.field(description="a NodeKind name (RUNNER, WORKLOAD, ...), or ENVIRONMENT")
    modes: list[str]
    via: list[str]


def _consumer_kind(kind: str) -> str:
    """As NodeKind fields spell it (RUNNER), and the dimensions that are not node kinds likewise (ENVIRONMENT)."""
    return NODE_KIND_NAMES.get(kind, kind.upper())


@strawberry.type(name="SharedCredential")
class SharedCredentialType:
    credential: NodeRefType
    consumer_count: int
    consumers: list[Consumer]
    verdict: VerdictEnum
    owners: list[Owner]
    action: str

    @classmethod
    def from_result(cls, s: SharedCredential) -> SharedCredentialType:
        return cls(
            credential=NodeRefType.from_result(s.credential),
            consumer_count=s.consumer_count,
            consumers=[
                Consumer(
                    id=c.id, kind=NODE_KIND_NAMES.get(c.kind, c.kind.upper()), modes=list(c.modes), via=list(c.via)
                )
                for c in s.consumers
            ],
            verdict=s.verdict,
            owners=[Owner.from_result(o) for o in s.owners],
            action=s.action,
        )


@strawberry.type
class ReachedResource:
    resource: NodeRefType
    depth: int | None
    level: str = strawberry.field(description="read | write | admin, or none when only touched")
    granted_by: list[strawberry.ID]
    touched: bool
    actions: list[str]
    touch_count: int
    sessions: int
    granted_via: list[strawberry.ID] = strawberry.field(
        description="Granted patterns (a service's `*`, an ARN pattern, the account) that cover this resource "
        "when no grant names it"
    )
    ungranted_actions: list[str] = strawberry.field(
        description="Touched calls that need a permission no grant within reach gives on this resource"
    )
    no_permission_actions: list[str] = strawberry.field(
        description="Touched calls that need no permission (sts:GetCallerIdentity, ...)"
    )
    used_through: list[strawberry.ID] = strawberry.field(
        description="For a granted pattern: the touched resources it grants (at most 50)"
    )


@strawberry.type
class BlastSummary:
    nodes_by_kind: list[CountEntry]
    resources_by_level: list[CountEntry]
    granted: int
    touched: int
    granted_untouched: int
    touched_ungranted: int


def pack_nodes(nodes: list[BlastNode]) -> SubgraphNodes:
    return SubgraphNodes(
        [{"id": n.id, "kind": NODE_KIND_NAMES[n.kind], "name": n.name, "depth": n.depth} for n in nodes]
    )


def pack_edges(edges: list[BlastEdge]) -> SubgraphEdges:
    return SubgraphEdges(
        [{"source": e.source, "kind": EDGE_KIND_NAMES[e.kind], "target": e.target, "level": e.level} for e in edges]
    )


@strawberry.type
class BlastRadius:
    subject: NodeRefType
    max_depth: int
    resources: list[ReachedResource]
    summary: BlastSummary
    nodes: SubgraphNodes
    edges: SubgraphEdges
    truncated: bool

    @classmethod
    def from_result(cls, r: BlastRadiusResult) -> BlastRadius:
        s = r.summary
        return cls(
            subject=NodeRefType.from_result(r.subject),
            max_depth=r.max_depth,
            resources=[
                ReachedResource(
                    resource=NodeRefType.from_result(x.resource),
                    depth=x.depth,
                    level=x.level,
                    granted_by=[strawberry.ID(g) for g in x.granted_by],
                    touched=x.touched,
                    actions=list(x.actions),
                    touch_count=x.touch_count,
                    sessions=x.sessions,
                    granted_via=[strawberry.ID(g) for g in x.granted_via],
                    ungranted_actions=list(x.ungranted_actions),
                    no_permission_actions=list(x.no_permission_actions),
                    used_through=[strawberry.ID(u) for u in x.used_through],
                )
                for x in r.resources
            ],
            summary=BlastSummary(
                nodes_by_kind=counts(s.nodes_by_kind, NODE_KIND_NAMES),
                resources_by_level=counts(s.resources_by_level),
                granted=s.granted,
                touched=s.touched,
                granted_untouched=s.granted_untouched,
                touched_ungranted=s.touched_ungranted,
            ),
            nodes=pack_nodes(r.nodes),
            edges=pack_edges(r.edges),
            truncated=r.truncated,
        )


@strawberry.type(name="OwnershipGap")
class GapType:
    id: strawberry.ID
    gap_type: str = strawberry.field(description="no_owner | owner_offboarded | team_without_active_member")
    severity: SeverityEnum = strawberry.field(
        description="From the gap type, worse when an active credential is among the subjects (docs/outputs.md)"
    )
    owner: NodeRefType | None
    subjects: list[NodeRefType]
    subject_count: int
    action: str
    truncated: bool

    @classmethod
    def from_result(cls, g: Gap) -> GapType:
        return cls(
            id=strawberry.ID(g.id),
            gap_type=g.gap_type,
            severity=Severity(g.severity),
            owner=NodeRefType.from_result(g.owner) if g.owner else None,
            subjects=refs(g.subjects),
            subject_count=g.subject_count,
            action=g.action,
            truncated=g.truncated,
        )


@strawberry.type
class OwnershipGaps:
    counts: list[CountEntry]
    counts_by_severity: list[CountEntry]
    gaps: Connection[GapType]


@strawberry.type(name="StaleCredential")
class StaleCredentialType:
    credential: NodeRefType
    reasons: list[str] = strawberry.field(description="never_used | unused | unrotated | expired_active")
    last_used: str | None
    last_rotated: str | None
    expires: str | None
    days_unused: int | None
    days_unrotated: int | None
    action: str

    @classmethod
    def from_result(cls, c: StaleCredential) -> StaleCredentialType:
        return cls(
            credential=NodeRefType.from_result(c.credential),
            reasons=list(c.reasons),
            last_used=c.last_used,
            last_rotated=c.last_rotated,
            expires=c.expires,
            days_unused=c.days_unused,
            days_unrotated=c.days_unrotated,
            action=c.action,
        )


@strawberry.type
class StaleCredentials:
    now: str
    unused_days: int
    unrotated_days: int
    counts: list[CountEntry]
    credentials: Connection[StaleCredentialType]


@strawberry.type
class Touch:
    target: NodeRefType
    actions: list[str]
    commands: list[str]
    count: int
    first_seen: str | None
    last_seen: str | None


@strawberry.type
class ChangeMade:
    change: NodeRefType
    at: str | None
    change_type: str
    action: str
    targets: list[strawberry.ID]


@strawberry.type
class Reach:
    """Where an interactive session into a workload leads (queries/story_reach.py)."""

    workload: NodeRefType
    actions: list[str]
    identities: list[NodeRefType]
    secrets_read: list[NodeRefType]
    read_in: list[strawberry.ID]
    secrets_reachable: list[NodeRefType] = strawberry.field(description="mounted by the workload, not read")


@strawberry.type
class SessionStory:
    session: NodeRefType
    started_at: str | None
    ended_at: str | None
    person: NodeRefType | None
    person_via: str
    identities: list[NodeRefType]
    credentials: list[NodeRefType]
    origins: list[NodeRefType]
    source_ips: list[str]
    parents: list[strawberry.ID] = strawberry.field(description="The sessions this one came FROM (towards the person)")
    children: list[strawberry.ID] = strawberry.field(
        description="The sessions that came FROM this one (towards what was done)"
    )
    pipelines: list[NodeRefType]
    approvals: list[NodeRefType]
    approved_by: list[strawberry.ID]
    touched: list[Touch]
    changes: list[ChangeMade]
    reached: list[Reach]
    missing: list[str]

    @classmethod
    def from_result(cls, s: SessionStoryResult) -> SessionStory:
        return cls(
            session=NodeRefType.from_result(s.session),
            started_at=s.started_at,
            ended_at=s.ended_at,
            person=NodeRefType.from_result(s.person) if s.person else None,
            person_via=s.person_via,
            identities=refs(s.identities),
            credentials=refs(s.credentials),
            origins=refs(s.origins),
            source_ips=list(s.source_ips),
            parents=[strawberry.ID(p) for p in s.parents],
            children=[strawberry.ID(c) for c in s.children],
            pipelines=refs(s.pipelines),
            approvals=refs(s.approvals),
            approved_by=[strawberry.ID(a) for a in s.approved_by],
            touched=[
                Touch(
                    target=NodeRefType.from_result(t.target),
                    actions=list(t.actions),
                    commands=list(t.commands),
                    count=t.count,
                    first_seen=t.first_seen,
                    last_seen=t.last_seen,
                )
                for t in s.touched
            ],
            changes=[
                ChangeMade(
                    change=NodeRefType.from_result(c.change),
                    at=c.at,
                    change_type=c.change_type,
                    action=c.action,
                    targets=[strawberry.ID(t) for t in c.targets],
                )
                for c in s.changes
            ],
            reached=[
                Reach(
                    workload=NodeRefType.from_result(r.workload),
                    actions=list(r.actions),
                    identities=refs(r.identities),
                    secrets_read=refs(r.secrets_read),
                    read_in=[strawberry.ID(i) for i in r.read_in],
                    secrets_reachable=refs(r.secrets_reachable),
                )
                for r in s.reached
            ],
            missing=list(s.missing),
        )


@strawberry.type
class StoryStep:
    at: str | None
    session: strawberry.ID
    step: str = strawberry.field(description="session_started | approval | touched | change | reached | session_ended")
    summary: str
    refs: list[strawberry.ID]
    evidence: EvidenceList


@strawberry.type
class AccessStory:
    subject: NodeRefType
    window_start: str | None
    window_end: str | None
    sessions: list[SessionStory] = strawberry.field(
        description="Every session told: the subject's own (roots) and those their FROM chains lead to"
    )
    roots: list[strawberry.ID] = strawberry.field(description="The subject's own sessions in the window")
    steps: list[StoryStep]
    missing: list[str]
    truncated: bool

    @classmethod
    def from_result(cls, r: AccessStoryResult) -> AccessStory:
        return cls(
            subject=NodeRefType.from_result(r.subject),
            window_start=r.window_start,
            window_end=r.window_end,
            sessions=[SessionStory.from_result(s) for s in r.sessions],
            roots=[strawberry.ID(x) for x in r.roots],
            steps=[
                StoryStep(
                    at=s.at,
                    session=strawberry.ID(s.session),
                    step=s.step,
                    summary=s.summary,
                    refs=[strawberry.ID(x) for x in s.refs],
                    evidence=pack_evidence(s.evidence),
                )
                for s in r.steps
            ],
            missing=list(r.missing),
            truncated=r.truncated,
        )


@strawberry.type(name="HistoryEntry")
class HistoryEntryType:
    change: NodeRefType
    at: str | None
    change_type: str
    action: str
    target: strawberry.ID
    actors: list[NodeRefType]
    actor_text: str
    detail: str
    decision: str
    evidence: EvidenceList

    @classmethod
    def from_result(cls, e: HistoryEntry) -> HistoryEntryType:
        return cls(
            change=NodeRefType.from_result(e.change),
            at=e.at,
            change_type=e.change_type,
            action=e.action,
            target=strawberry.ID(e.target),
            actors=refs(e.actors),
            actor_text=e.actor_text,
            detail=e.detail,
            decision=e.decision,
            evidence=pack_evidence(e.evidence),
        )


@strawberry.type
class PermissionHistory:
    subject: NodeRefType
    entries: Connection[HistoryEntryType]


@strawberry.type
class PathResult:
    source: NodeRefType
    target: NodeRefType
    max_depth: int
    paths: list[list[HopType]]
    truncated: bool

    @classmethod
    def from_result(cls, r: PathQueryResult) -> PathResult:
        return cls(
            source=NodeRefType.from_result(r.source),
            target=NodeRefType.from_result(r.target),
            max_depth=r.max_depth,
            paths=[hops(p) for p in r.paths],
            truncated=r.truncated,
        )


@strawberry.type
class Neighbor:
    node: NodeRefType
    direction: str = strawberry.field(description="out: subject -> node; in: node -> subject")
    edge: HopType

    @classmethod
    def from_result(cls, n: NeighborResult) -> Neighbor:
        return cls(node=NodeRefType.from_result(n.node), direction=n.direction, edge=HopType.from_result(n.edge))


@strawberry.type
class Neighbors:
    subject: NodeRefType
    neighbors: Connection[Neighbor]


@strawberry.type(name="Rule")
class RuleType:
    id: strawberry.ID
    version: int
    title: str
    severity: SeverityEnum
    owasp: OwaspEnum
    owasp_name: str
    action: str
    keep_suppresses: bool

    @classmethod
    def from_result(cls, r: RuleInfo) -> RuleType:
        return cls(
            id=strawberry.ID(r.id),
            version=r.version,
            title=r.title,
            severity=Severity(r.severity),
            owasp=Owasp(r.owasp),
            owasp_name=r.owasp_name,
            action=r.action,
            keep_suppresses=r.keep_suppresses,
        )


@strawberry.type(name="Finding")
class FindingType:
    id: strawberry.ID
    rule: strawberry.ID
    rule_version: int
    title: str
    owasp: OwaspEnum
    owasp_name: str
    severity: SeverityEnum
    subject: NodeRefType
    message: str
    action: str
    evidence: list[HopType]

    @classmethod
    def from_result(cls, f: Finding) -> FindingType:
        return cls(
            id=strawberry.ID(f.id),
            rule=strawberry.ID(f.rule),
            rule_version=f.rule_version,
            title=f.title,
            owasp=Owasp(f.owasp),
            owasp_name=f.owasp_name,
            severity=Severity(f.severity),
            subject=NodeRefType.from_result(f.subject),
            message=f.message,
            action=f.action,
            evidence=hops(f.evidence),
        )


@strawberry.type
class FindingsPage:
    now: str
    as_of: str | None
    rules: list[RuleType]
    counts_by_rule: list[CountEntry]
    counts_by_severity: list[CountEntry]
    suppressed: int
    total: int = strawberry.field(description="Findings in the whole run; `findings` pages through them.")
    findings: Connection[FindingType]
