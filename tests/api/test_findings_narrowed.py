"""findings(subject:, owner:, verdict:) — the web page's node findings and its owner and verdict
filters — through the real ASGI app on both stores, against the findings run and accountability."""

# ruff: noqa: UP031  (GraphQL documents are full of braces)

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from graph.store import GraphStore
from queries.accountability import accountability
from queries.findings import findings
from tests.fixtures.api.harness import Api, api_for
from tests.fixtures.queries.scenario import NOW, build_scenario

pytestmark = pytest.mark.anyio
KEY = "aws:key:AKIADEPLOY0000000001"
FIELDS = (
    "total countsByRule { key count } findings { pageInfo { hasNextPage endCursor } nodes { rule subject { id } } }"
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def api(store: GraphStore, tmp_path: Path) -> AsyncIterator[Api]:
    build_scenario().write(store)
    async with api_for(store, tmp_path) as client:
        yield client


async def test_one_subjects_findings(api: Api, store: GraphStore) -> None:
    expected = [f.rule for f in findings(store, now=NOW).findings if f.subject.id == KEY]
    data = await api.data('{ findings(subject: "%s", now: "%s", first: 200) { %s } }' % (KEY, NOW, FIELDS))
    got = data["findings"]
    assert expected and [f["rule"] for f in got["findings"]["nodes"]] == expected
    assert got["total"] == len(expected) and sum(c["count"] for c in got["countsByRule"]) == len(expected)
    assert all(f["subject"]["id"] == KEY for f in got["findings"]["nodes"])


async def test_verdict_and_owner_narrow_by_accountability(api: Api, store: GraphStore) -> None:
    whole = findings(store, now=NOW).findings
    answers = {f.subject.id: accountability(store, f.subject.id) for f in whole}
    offboarded = [f.subject.id for f in whole if answers[f.subject.id].verdict == "owner_offboarded"]
    data = await api.data('{ findings(verdict: OWNER_OFFBOARDED, now: "%s", first: 200) { %s } }' % (NOW, FIELDS))
    assert offboarded and [f["subject"]["id"] for f in data["findings"]["findings"]["nodes"]] == offboarded
    owner = answers[KEY].owners[0].id
    owned = [f.subject.id for f in whole if any(o.id == owner for o in answers[f.subject.id].owners)]
    data = await api.data('{ findings(owner: "%s", now: "%s", first: 200) { %s } }' % (owner, NOW, FIELDS))
    got = [f["subject"]["id"] for f in data["findings"]["findings"]["nodes"]]
    assert KEY in got and set(owned) <= set(got)


async def test_narrowed_findings_page_exactly(api: Api) -> None:
    query = '{ findings(verdict: OWNER_OFFBOARDED, now: "%s", first: 1, after: %s) { %s } }'
    seen: list[str] = []
    after = "null"
    for _ in range(50):
        data = (await api.data(query % (NOW, after, FIELDS)))["findings"]
        seen += [f"{f['rule']} {f['subject']['id']}" for f in data["findings"]["nodes"]]
        if not data["findings"]["pageInfo"]["hasNextPage"]:
            break
        after = '"%s"' % data["findings"]["pageInfo"]["endCursor"]
    assert len(seen) == data["total"] == len(set(seen))


async def test_an_unknown_subject_has_no_findings(api: Api) -> None:
    data = await api.data('{ findings(subject: "aws:key:NOPE", now: "%s") { %s } }' % (NOW, FIELDS))
    assert data["findings"]["total"] == 0 and data["findings"]["findings"]["nodes"] == []
