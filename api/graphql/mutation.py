"""The Mutation type: ingest evidence and record reviews (`loader`), manage tokens (`admin`)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Annotated

import anyio.to_thread
import strawberry

from api.graphql.context import Context
from api.graphql.ingest import Upload, decode_upload, ingest
from api.graphql.permissions import IsAdmin, IsLoader
from api.graphql.review import ReviewInput, record_review
from api.graphql.types_admin import ApiToken, CreatedToken, IngestResult, ReviewDecision, ReviewRecorded
from api.graphql.types_common import NodeRefType, RoleEnum
from queries.common import node_ref

__all__ = ["Mutation"]

Info = strawberry.Info[Context, None]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[IsLoader],
        description="Load one evidence file (base64 content); formats detected as by `keytrail load`.",
    )
    async def ingest_file(
        self,
        info: Info,
        filename: str,
        content_base64: str,
        source_format: Annotated[str | None, strawberry.argument(description="Name the format, not detect it")] = None,
        repository: str = "",
        runner_org: str = "",
    ) -> IngestResult:
        name, content = decode_upload(filename, content_base64, info.context.settings.max_upload_bytes)
        upload = Upload(name, content, source_format, repository, runner_org)
        reports = await info.context.run(ingest, upload)
        return IngestResult.from_reports(reports, name)

    @strawberry.mutation(
        permission_classes=[IsLoader],
        description="Record a review decision on a node as a Change in the graph; findings reflect it.",
    )
    async def record_review(
        self,
        info: Info,
        id: strawberry.ID,
        decision: ReviewDecision,
        reviewer: Annotated[str, strawberry.argument(description="The reviewer's email")],
        note: str = "",
        at: Annotated[str | None, strawberry.argument(description="When decided (default: now)")] = None,
        owner: Annotated[
            strawberry.ID | None, strawberry.argument(description="assign_owner: Person or Team id")
        ] = None,
    ) -> ReviewRecorded:
        moment = at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        review = ReviewInput(str(id), decision.value, reviewer, note, moment, str(owner) if owner else None)
        written = await info.context.run(record_review, review)
        return ReviewRecorded(
            change=NodeRefType.from_result(node_ref(written.change)),
            target=NodeRefType.from_result(node_ref(written.target)),
            decision=decision,
            reviewer=str(written.change.props["reviewer"]),
            note=str(written.change.props["note"]),
            at=str(written.change.props["at"]),
            owner=NodeRefType.from_result(node_ref(written.owner)) if written.owner else None,
        )

    @strawberry.mutation(permission_classes=[IsAdmin], description="Create an API token (shown once).")
    async def create_token(self, info: Info, role: RoleEnum, name: str = "") -> CreatedToken:
        creator = info.context.principal.token_id if info.context.principal else None
        create = functools.partial(info.context.tokens.create, role, name, created_by=creator)
        record, token = await anyio.to_thread.run_sync(create)
        return CreatedToken(token=token, record=ApiToken.from_record(record))

    @strawberry.mutation(permission_classes=[IsAdmin], description="Revoke an API token by its id.")
    async def revoke_token(self, info: Info, id: strawberry.ID) -> ApiToken:
        record = await anyio.to_thread.run_sync(info.context.tokens.revoke, str(id))
        info.context.principals.forget()  # revoked means refused from the next request on
        return ApiToken.from_record(record)
