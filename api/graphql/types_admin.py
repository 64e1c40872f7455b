"""GraphQL types of the mutations and of token management: ingest summaries, reviews, tokens."""

from __future__ import annotations

from enum import StrEnum

import strawberry

from api.auth import Principal, TokenRecord
from api.graphql.types_common import NodeRefType, RoleEnum
from graph.errors import LoadError
from loaders.runner import FileReport

__all__ = ["ApiToken", "CreatedToken", "IngestResult", "PrincipalType", "ReviewDecision", "ReviewRecorded"]


@strawberry.enum(description="Review decisions, as docs/graph-conventions.md records them")
class ReviewDecision(StrEnum):
    KEEP = "keep"
    ROTATE = "rotate"
    REVOKE = "revoke"
    ASSIGN_OWNER = "assign_owner"


@strawberry.type(name="Principal")
class PrincipalType:
    token_id: strawberry.ID
    name: str
    role: RoleEnum

    @classmethod
    def from_principal(cls, principal: Principal) -> PrincipalType:
        return cls(token_id=strawberry.ID(principal.token_id), name=principal.name, role=principal.role)


@strawberry.type(description="An API token's public record; the token itself is shown only when created.")
class ApiToken:
    id: strawberry.ID
    name: str
    role: RoleEnum
    created_at: str
    revoked_at: str | None
    last_used_at: str | None

    @classmethod
    def from_record(cls, record: TokenRecord) -> ApiToken:
        return cls(
            id=strawberry.ID(record.id),
            name=record.name,
            role=record.role,
            created_at=record.created_at,
            revoked_at=record.revoked_at,
            last_used_at=record.last_used_at,
        )


@strawberry.type
class CreatedToken:
    token: str = strawberry.field(description="The bearer token: store it now, it cannot be shown again.")
    record: ApiToken


@strawberry.type(name="LoadError", description="A rejected record or file: where, and why")
class LoadErrorType:
    file: str
    line: int | None
    record: int | None
    reason: str
    message: str

    @classmethod
    def from_error(cls, error: LoadError, display: str) -> LoadErrorType:
        location = error.location().replace(error.file, display, 1) if error.file else error.location()
        return cls(
            file=display, line=error.line, record=error.record, reason=error.reason, message=location + error.reason
        )


@strawberry.type
class IngestFile:
    path: str
    loader: str
    accepted: int
    rejected: int
    nodes: int
    edges: int
    errors: list[LoadErrorType] = strawberry.field(description="Located rejections (the first 50)")
    failure: str


@strawberry.type
class IngestResult:
    files: list[IngestFile]
    accepted: int
    rejected: int
    failed: bool

    @classmethod
    def from_reports(cls, reports: list[FileReport], display: str) -> IngestResult:
        files = [
            IngestFile(
                path=display,
                loader=r.loader,
                accepted=r.accepted,
                rejected=r.rejected,
                nodes=r.nodes,
                edges=r.edges,
                errors=[LoadErrorType.from_error(e, display) for e in r.errors],
                failure=r.failure,
            )
            for r in reports
        ]
        return cls(
            files=files,
            accepted=sum(f.accepted for f in files),
            rejected=sum(f.rejected for f in files),
            failed=any(f.failure for f in files),
        )


@strawberry.type
class ReviewRecorded:
    change: NodeRefType
    target: NodeRefType
    decision: ReviewDecision
    reviewer: str
    note: str
    at: str
    owner: NodeRefType | None
