"""The Query type: every query of queries/ and the findings, for the `reader` role and above.

Each resolver is async and hands the store work to the pool (`info.context.run`), so the
event loop never blocks on SQLite or Neo4j. Arguments arrive as GraphQL types; validation of
their values stays in the query functions (a QueryError there is a BAD_INPUT here).
"""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.permission import BasePermission

from api.graphql.context import Context
from api.graphql.findings_filter import narrowed_findings
from api.graphql.limits import Page, page_of, window_of
from api.graphql.permissions import IsAdmin, IsReader
from api.graphql.types_admin import ApiToken, PrincipalType
from api.graphql.types_common import (
    SEVERITY_NAMES,
    Connection,
    ConsumerDimensionEnum,
    EdgeKindEnum,
    GraphNodeType,
    NodeKindEnum,
    NodeRefType,
    OwaspEnum,
    SeverityEnum,
    TraversalDirection,
    VerdictEnum,
    counts,
)
from api.graphql.types_queries import (
    AccessStory,
    Accountability,
    BlastRadius,
    FindingsPage,
    FindingType,
    GapType,
    HistoryEntryType,
    Neighbor,
    Neighbors,
    OwnershipGaps,
    PathResult,
    PermissionHistory,
    RuleType,
    SharedCredentialType,
    StaleCredentials,
    StaleCredentialType,
)
from graph.errors import QueryError
from graph.model import Node
from graph.store import GraphStore
from queries.accountability import accountability as run_accountability
from queries.blast import NODE_CAP
from queries.blast import blast_radius as run_blast_radius
from queries.common import check_time, require_node
from queries.explore import NEIGHBOR_CAP
from queries.explore import neighbors as run_neighbors
from queries.explore import path as run_path
from queries.explore import search as run_search
from queries.findings import RULES, rule_info
from queries.findings import findings as run_findings
from queries.gaps import ownership_gaps as run_ownership_gaps
from queries.history import permission_history as run_permission_history
from queries.shared import shared_credentials as run_shared_credentials
from queries.stale import stale_credentials as run_stale_credentials
from queries.story import access_story as run_access_story

__all__ = ["Query"]

Info = strawberry.Info[Context, None]
AsOf = Annotated[
    str | None,
    strawberry.argument(description="Answer from what was true then (UTC ISO 8601, e.g. 2024-05-01T00:00:00Z)"),
]
Id = Annotated[strawberry.ID, strawberry.argument(description="A canonical node id, e.g. aws:key:AKIA...")]
First = Annotated[int, strawberry.argument(description="Page size (capped by the server, default cap 200)")]
After = Annotated[str | None, strawberry.argument(description="pageInfo.endCursor of the previous page")]
READER: list[type[BasePermission]] = [IsReader]
SEARCH_MAX = 1000
"""The search query's own upper bound on results."""


def _page(info: Info, first: int, after: str | None) -> Page:
    return Page(first, after, info.context.settings.max_page)


def _values(kinds: list[NodeKindEnum] | list[EdgeKindEnum] | None) -> list[str] | None:
    return [k.value for k in kinds] if kinds else None


def _node(store: GraphStore, node_id: str, as_of: str | None) -> Node:
    return require_node(store, node_id, check_time(as_of))


@strawberry.type
class Query:
    @strawberry.field(permission_classes=READER, description="Who the token belongs to.")
    def me(self, info: Info) -> PrincipalType:
        return PrincipalType.from_principal(info.context.principal)  # type: ignore[arg-type]

    @strawberry.field(permission_classes=READER, description="One node with its properties; NOT_FOUND if absent.")
    async def node(self, info: Info, id: Id, as_of: AsOf = None) -> GraphNodeType:
        return GraphNodeType.from_node(await info.context.run(_node, str(id), as_of))

    @strawberry.field(permission_classes=READER, description="Nodes whose id or name contains the text.")
    async def search(
        self,
        info: Info,
        text: str,
        kinds: list[NodeKindEnum] | None = None,
        first: First = 50,
        after: After = None,
        as_of: AsOf = None,
    ) -> Connection[NodeRefType]:
        page = _page(info, first, after)
        if page.need > SEARCH_MAX:
            raise QueryError(f"search pages stop at {SEARCH_MAX} results; refine the text")
        result = await info.context.run(run_search, text, kinds=_values(kinds), limit=page.need, as_of=as_of)
        items = [NodeRefType.from_result(r) for r in result.nodes]
        return page_of(items, page, truncated=result.truncated and len(items) < page.need)

    @strawberry.field(permission_classes=READER, description="Chains to accountable people, a verdict and an action.")
    async def accountability(self, info: Info, id: Id, as_of: AsOf = None) -> Accountability:
        result = await info.context.run(run_accountability, str(id), as_of=as_of)
        return Accountability.from_result(result)

    @strawberry.field(
        permission_classes=READER, description="Credentials used by several consumers, most shared first."
    )
    async def shared_credentials(
        self,
        info: Info,
        by: ConsumerDimensionEnum = ConsumerDimensionEnum.RUNNER,  # type: ignore[attr-defined]  # ConsumerDimensionEnum is built from a Literal at run time
        min_consumers: int = 2,
        first: First = 50,
        after: After = None,
        as_of: AsOf = None,
    ) -> Connection[SharedCredentialType]:
        page = _page(info, first, after)
        result = await info.context.run(
            run_shared_credentials, by=by.value, min_consumers=min_consumers, as_of=as_of, limit=page.need
        )
        items = [SharedCredentialType.from_result(c) for c in result.credentials]
        return page_of(items, page)

    @strawberry.field(permission_classes=READER, description="What a compromised node can reach, granted vs touched.")
    async def blast_radius(
        self, info: Info, id: Id, max_depth: int = 6, max_nodes: int = NODE_CAP, as_of: AsOf = None
    ) -> BlastRadius:
        result = await info.context.run(
            run_blast_radius, str(id), max_depth=max_depth, max_nodes=max_nodes, as_of=as_of
        )
        return BlastRadius.from_result(result)

    @strawberry.field(
        permission_classes=READER,
        description="Identities, credentials, pipelines, workloads without a living owner; most severe first "
        "(an offboarded owner of an active credential before unowned instances: docs/outputs.md).",
    )
    async def ownership_gaps(
        self,
        info: Info,
        first: First = 50,
        after: After = None,
        as_of: AsOf = None,
        gap_types: Annotated[
            list[str] | None,
            strawberry.argument(
                description="Only gaps of these types: owner_offboarded, team_without_active_member, no_owner"
            ),
        ] = None,
        severity: Annotated[
            SeverityEnum | None, strawberry.argument(description="Only gaps at least this severe")
        ] = None,
    ) -> OwnershipGaps:
        page = _page(info, first, after)
        result = await info.context.run(
            run_ownership_gaps,
            as_of=as_of,
            limit=max(page.need, 1),
            gap_types=gap_types,
            severity=severity.value if severity else None,
        )
        items = [GapType.from_result(g) for g in result.gaps]
        return OwnershipGaps(
            counts=counts(result.counts),
            counts_by_severity=counts(result.counts_by_severity, SEVERITY_NAMES),
            gaps=page_of(items, page, truncated=result.truncated),
        )

    @strawberry.field(
        permission_classes=READER, description="Never used, unused, unrotated or expired-but-active credentials."
    )
    async def stale_credentials(
        self,
        info: Info,
        unused_days: int = 90,
        unrotated_days: int = 90,
        now: str | None = None,
        first: First = 50,
        after: After = None,
        as_of: AsOf = None,
    ) -> StaleCredentials:
        page = _page(info, first, after)
        result = await info.context.run(
            run_stale_credentials,
            unused_days=unused_days,
            unrotated_days=unrotated_days,
            now=now,
            as_of=as_of,
            limit=page.need,
        )
        items = [StaleCredentialType.from_result(c) for c in result.credentials]
        return StaleCredentials(
            now=result.now,
            unused_days=result.unused_days,
            unrotated_days=result.unrotated_days,
            counts=counts(result.counts),
            credentials=page_of(items, page),
        )

    @strawberry.field(
        permission_classes=READER,
        description=(
            "The access story of a subject's sessions in a window, following FROM chains up to the person "
            "and down to what was done. The subject is a session, credential, identity, person, workload "
            "(host, pod), resource or runner; any other kind is a BAD_INPUT error."
        ),
    )
    async def access_story(
        self,
        info: Info,
        subject: Annotated[
            strawberry.ID | None,
            strawberry.argument(
                description="Any node with sessions: a session, credential, identity, person, workload, resource "
                "or runner id, told apart by the node's kind"
            ),
        ] = None,
        session_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Older spelling of a session subject")
        ] = None,
        credential_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Older spelling of a credential subject")
        ] = None,
        start: Annotated[
            str | None, strawberry.argument(description="Sessions started at or after this time (UTC ISO 8601)")
        ] = None,
        end: Annotated[
            str | None, strawberry.argument(description="Sessions started at or before this time (UTC ISO 8601)")
        ] = None,
        as_of: AsOf = None,
    ) -> AccessStory:
        result = await info.context.run(
            run_access_story,
            str(subject) if subject is not None else None,
            session_id=str(session_id) if session_id is not None else None,
            credential_id=str(credential_id) if credential_id is not None else None,
            start=start,
            end=end,
            as_of=as_of,
        )
        return AccessStory.from_result(result)

    @strawberry.field(
        permission_classes=READER, description="Grants, revocations, key lifecycle and reviews of a node."
    )
    async def permission_history(
        self, info: Info, id: Id, first: First = 50, after: After = None, as_of: AsOf = None
    ) -> PermissionHistory:
        page = _page(info, first, after)
        result = await info.context.run(run_permission_history, str(id), as_of=as_of, limit=page.need)
        items = [HistoryEntryType.from_result(e) for e in result.entries]
        return PermissionHistory(subject=NodeRefType.from_result(result.subject), entries=page_of(items, page))

    @strawberry.field(permission_classes=READER, description="Shortest bounded paths between two nodes.")
    async def path(
        self,
        info: Info,
        from_id: Id,
        to_id: Id,
        max_depth: int = 6,
        edge_kinds: list[EdgeKindEnum] | None = None,
        direction: TraversalDirection = TraversalDirection.BOTH,
        as_of: AsOf = None,
    ) -> PathResult:
        result = await info.context.run(
            run_path,
            str(from_id),
            str(to_id),
            max_depth=max_depth,
            edge_kinds=_values(edge_kinds),
            direction=direction.value,
            as_of=as_of,
        )
        return PathResult.from_result(result)

    @strawberry.field(permission_classes=READER, description="A node's neighbours along chosen edge kinds.")
    async def neighbors(
        self,
        info: Info,
        id: Id,
        edge_kinds: list[EdgeKindEnum] | None = None,
        direction: TraversalDirection = TraversalDirection.BOTH,
        first: First = 50,
        after: After = None,
        as_of: AsOf = None,
    ) -> Neighbors:
        page = _page(info, first, after)
        result = await info.context.run(
            run_neighbors,
            str(id),
            edge_kinds=_values(edge_kinds),
            direction=direction.value,
            as_of=as_of,
            limit=min(page.need, 10 * NEIGHBOR_CAP),
        )
        items = [Neighbor.from_result(n) for n in result.neighbors]
        return Neighbors(
            subject=NodeRefType.from_result(result.subject), neighbors=page_of(items, page, truncated=result.truncated)
        )

    @strawberry.field(
        permission_classes=READER, description="The findings rules: id, severity, OWASP category, action."
    )
    def rules(self) -> list[RuleType]:
        return [RuleType.from_result(rule_info(r)) for r in RULES]

    @strawberry.field(
        permission_classes=READER, description="Rule hits, most severe first, each with its evidence path."
    )
    async def findings(
        self,
        info: Info,
        rule: str | None = None,
        owasp: OwaspEnum | None = None,
        severity: SeverityEnum | None = None,
        now: str | None = None,
        first: First = 50,
        after: After = None,
        as_of: AsOf = None,
        subject: Annotated[strawberry.ID | None, strawberry.argument(description="Only this node's findings")] = None,
        owner: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only findings this person or team answers for")
        ] = None,
        verdict: Annotated[
            VerdictEnum | None,
            strawberry.argument(description="Only findings whose subject has this accountability verdict"),
        ] = None,
    ) -> FindingsPage:
        page = _page(info, first, after)
        if rule and owasp:
            raise QueryError("give rule or owasp, not both")
        chosen = rule or (owasp.value if owasp else None)
        run = {"rule": chosen, "severity": severity.value if severity else None, "as_of": as_of, "now": now}
        if subject or owner or verdict:
            narrow = {"subject": subject, "owner": owner, "verdict": verdict.value if verdict else None}
            result = await info.context.run(narrowed_findings, **run, **narrow, offset=page.offset, limit=page.first)
        else:
            result = await info.context.run(run_findings, **run, offset=page.offset, limit=page.first)
        items = [FindingType.from_result(f) for f in result.findings]  # only this page's, evidence and all
        return FindingsPage(
            now=result.now,
            as_of=result.as_of,
            rules=[RuleType.from_result(r) for r in result.rules],
            counts_by_rule=counts(result.counts_by_rule),
            counts_by_severity=counts(result.counts_by_severity, SEVERITY_NAMES),
            suppressed=result.suppressed,
            total=result.total,
            findings=window_of(items, page, result.total),
        )

    @strawberry.field(permission_classes=[IsAdmin], description="API tokens (admin).")
    async def tokens(self, info: Info) -> list[ApiToken]:
        import anyio.to_thread

        records = await anyio.to_thread.run_sync(info.context.tokens.list)
        return [ApiToken.from_record(r) for r in records]
