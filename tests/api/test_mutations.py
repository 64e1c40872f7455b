"""Mutations through the ASGI app on both stores: evidence ingestion and review decisions that findings reflect."""

# ruff: noqa: UP031  (GraphQL documents are full of braces)

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from api.auth import Role
from graph.store import GraphStore
from tests.conftest import FIXTURES
from tests.fixtures.api.harness import Api, api_for
from tests.fixtures.queries.scenario import NOW, build_scenario

pytestmark = pytest.mark.anyio
KEY = "aws:key:AKIADEPLOY0000000001"
INGEST = """mutation($name: String!, $content: String!) { ingestFile(filename: $name, contentBase64: $content) {
    accepted rejected failed files { path loader accepted rejected nodes edges failure
    errors { file line reason message } } } }"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def api(store: GraphStore, tmp_path: Path) -> AsyncIterator[Api]:
    build_scenario().write(store)
    async with api_for(store, tmp_path) as client:
        yield client


def _upload(name: str, content: bytes | None = None) -> dict[str, str]:
    data = content if content is not None else (FIXTURES / "api" / name).read_bytes()
    return {"name": name, "content": base64.b64encode(data).decode()}


async def test_ingest_a_good_file(api: Api) -> None:
    result = (await api.data(INGEST, _upload("credential-report.csv"), role=Role.LOADER))["ingestFile"]
    assert (result["accepted"], result["rejected"], result["failed"]) == (2, 0, False)
    (file,) = result["files"]
    assert (file["path"], file["loader"], file["nodes"], file["edges"]) == (
        "credential-report.csv",
        "aws-credential-report",
        4,
        2,
    )
    node = await api.data('{ node(id: "aws:arn:arn:aws:iam::123456789012:user/ci-deploy") { kind props } }')
    assert node["node"]["kind"] == "IDENTITY" and node["node"]["props"]["nature"] == "machine"


async def test_ingest_a_malformed_file_reports_located_errors_and_keeps_good_rows(api: Api) -> None:
    result = (await api.data(INGEST, _upload("credential-report-malformed.csv"), role=Role.LOADER))["ingestFile"]
    assert (result["accepted"], result["rejected"], result["failed"]) == (2, 1, False)
    (error,) = result["files"][0]["errors"]
    assert error["file"] == "credential-report-malformed.csv" and error["line"] == 3
    assert "22 columns expected" in error["reason"] and "tmp" not in error["message"]
    assert await api.data('{ node(id: "aws:arn:arn:aws:iam::123456789012:user/backup-bot") { id } }')


async def test_ingest_refusals(api: Api) -> None:
    unknown = (await api.data(INGEST, _upload("notes.txt", b"hello\n"), role=Role.LOADER))["ingestFile"]
    assert unknown["failed"] and "not recognised" in unknown["files"][0]["failure"]
    bad = {"name": "x.json", "content": "%%%not base64"}
    assert (await api.error(INGEST, bad, role=Role.LOADER))[1] == "BAD_INPUT"
    empty = {"name": "../../etc/passwd", "content": ""}
    assert (await api.error(INGEST, empty, role=Role.LOADER))[1] == "BAD_INPUT"
    traversal = (await api.data(INGEST, _upload("../../x.csv", b"a,b\n"), role=Role.LOADER))["ingestFile"]
    assert traversal["files"][0]["path"] == "x.csv"


REVIEW = """mutation($id: ID!, $decision: ReviewDecision!, $at: String, $owner: ID, $note: String!) {
    recordReview(id: $id, decision: $decision, reviewer: "Dana@Acme.io", note: $note, at: $at, owner: $owner) {
    change { id kind } target { id } decision reviewer note at owner { id } } }"""


async def test_revoke_review_makes_later_use_a_finding(api: Api) -> None:
    query = '{ findings(rule: "KT-NHI1-003", now: "%s") { findings { nodes { subject { id } } } } }' % NOW
    before = {f["subject"]["id"] for f in (await api.data(query))["findings"]["findings"]["nodes"]}
    assert KEY not in before
    variables = {"id": KEY, "decision": "REVOKE", "at": "2024-01-02T00:00:00Z", "note": "leaked"}
    review = (await api.data(REVIEW, variables, role=Role.LOADER))["recordReview"]
    assert review["change"]["kind"] == "CHANGE" and review["reviewer"] == "dana@acme.io"
    assert (review["decision"], review["at"], review["note"]) == ("REVOKE", "2024-01-02T00:00:00Z", "leaked")
    after = {f["subject"]["id"] for f in (await api.data(query))["findings"]["findings"]["nodes"]}
    assert KEY in after
    history = await api.data('{ permissionHistory(id: "%s") { entries { nodes { changeType decision } } } }' % KEY)
    assert {"changeType": "review", "decision": "revoke"} in history["permissionHistory"]["entries"]["nodes"]
    again = (await api.data(REVIEW, variables, role=Role.LOADER))["recordReview"]
    assert again["change"]["id"] == review["change"]["id"]  # the same review twice is one Change


async def test_assign_owner_review_closes_the_gap(api: Api) -> None:
    gaps_query = "{ ownershipGaps(first: 200) { gaps { nodes { gapType subjects { id kind } } } } }"
    gaps = (await api.data(gaps_query))["ownershipGaps"]["gaps"]["nodes"]
    subject = next(s["id"] for g in gaps if g["gapType"] == "no_owner" for s in g["subjects"])
    variables = {"id": subject, "decision": "ASSIGN_OWNER", "owner": "person:alice@acme.io", "note": ""}
    review = (await api.data(REVIEW, variables, role=Role.LOADER))["recordReview"]
    assert review["owner"]["id"] == "person:alice@acme.io"
    after = (await api.data(gaps_query))["ownershipGaps"]["gaps"]["nodes"]
    assert subject not in {s["id"] for g in after for s in g["subjects"]}
    verdict = await api.data('{ accountability(id: "%s") { verdict owners { id provenance } } }' % subject)
    assert {"id": "person:alice@acme.io", "provenance": "review"} in verdict["accountability"]["owners"]


async def test_review_input_errors(api: Api) -> None:
    base = {"id": KEY, "decision": "ASSIGN_OWNER", "note": ""}
    assert (await api.error(REVIEW, base, role=Role.LOADER))[1] == "BAD_INPUT"  # no owner
    assert (await api.error(REVIEW, {**base, "owner": KEY}, role=Role.LOADER))[1] == "BAD_INPUT"  # not a person
    keep = {"id": KEY, "decision": "KEEP", "note": "", "owner": "person:alice@acme.io"}
    assert (await api.error(REVIEW, keep, role=Role.LOADER))[1] == "BAD_INPUT"
    assert (await api.error(REVIEW, {**keep, "owner": None, "at": "soon"}, role=Role.LOADER))[1] == "BAD_INPUT"
    assert (await api.error(REVIEW, {**keep, "owner": None, "id": "aws:key:NONE"}, role=Role.LOADER))[1] == "NOT_FOUND"
