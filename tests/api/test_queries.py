"""Every query through the real ASGI app, on both stores, against the same answer from the query function."""

# ruff: noqa: UP031  (GraphQL documents are full of braces: %-formatting reads better than f-strings)

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from queries.accountability import accountability
from queries.blast import blast_radius
from queries.findings import findings
from queries.gaps import ownership_gaps
from queries.stale import stale_credentials
from tests.fixtures.api.harness import Api, api_for
from tests.fixtures.queries.scenario import NOW, ROLE, USER, build_scenario

pytestmark = pytest.mark.anyio
KEY = "aws:key:AKIADEPLOY0000000001"
TOKEN = "k8s:prod:secret:default/app-token"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def api(store: GraphStore, tmp_path: Path) -> AsyncIterator[Api]:
    build_scenario().write(store)
    async with api_for(store, tmp_path) as client:
        yield client


async def test_node_and_search(api: Api) -> None:
    data = await api.data('{ node(id: "%s") { id kind name props firstSeen sources } }' % KEY)
    assert (
        data["node"]["id"] == KEY and data["node"]["kind"] == "CREDENTIAL" and data["node"]["sources"] == ["scenario"]
    )
    found = await api.data('{ search(text: "deploy", kinds: [IDENTITY], first: 5) { nodes { id kind } } }')
    assert {n["id"] for n in found["search"]["nodes"]} == {f"{USER}/deploy"}


async def test_accountability_matches_the_query(api: Api, store: GraphStore) -> None:
    query = """query($id: ID!) { accountability(id: $id) {
        subject { id } verdict action notes truncated
        owners { id kind status distance owns provenance accountable }
        chains { person role distance hops { source kind target evidence sourceNode { id } } }
    } }"""
    data = (await api.data(query, {"id": KEY}))["accountability"]
    expected = accountability(store, KEY)
    assert data["verdict"] == "OWNER_OFFBOARDED" == expected.verdict.name
    assert data["action"] == expected.action
    assert [o["id"] for o in data["owners"]] == [o.id for o in expected.owners]
    assert [(c["person"], c["role"]) for c in data["chains"]] == [(c.person, c.role) for c in expected.chains]
    manager = next(c for c in data["chains"] if c["role"] == "manager")
    assert [h["kind"] for h in manager["hops"]] == ["HAS_CREDENTIAL", "OWNS", "MANAGES"]
    assert manager["hops"][0]["evidence"][0]["source"] == "scenario.jsonl"  # packed: an array of objects
    assert set(manager["hops"][0]["evidence"][0]) == {"source", "locator", "at"}
    assert manager["hops"][-1]["sourceNode"]["id"] == "person:carol@acme.io"  # through the DataLoader


async def test_shared_credentials(api: Api) -> None:
    query = (
        "{ sharedCredentials(by: RUNNER) { nodes { credential { id } consumerCount verdict consumers { id modes } } } }"
    )
    shared = (await api.data(query))["sharedCredentials"]["nodes"]
    assert [c["credential"]["id"] for c in shared] == [KEY]
    assert shared[0]["verdict"] == "OWNER_OFFBOARDED"
    by_workload = await api.data("{ sharedCredentials(by: WORKLOAD) { nodes { credential { id } } } }")
    assert [c["credential"]["id"] for c in by_workload["sharedCredentials"]["nodes"]] == [TOKEN]


async def test_blast_radius_compact_subgraph(api: Api, store: GraphStore) -> None:
    query = (
        """{ blastRadius(id: "%s", maxDepth: 6) {
        maxDepth truncated nodes edges
        resources { resource { id } level touched actions grantedBy grantedVia ungrantedActions noPermissionActions
            usedThrough }
        summary { grantedUntouched touchedUngranted nodesByKind { key count } } } }"""
        % KEY
    )
    data = (await api.data(query))["blastRadius"]
    expected = blast_radius(store, KEY, max_depth=6)
    # packed arrays of flat objects, kinds spelled as the typed enums spell them
    assert data["nodes"] == [
        {"id": n.id, "kind": NodeKind(n.kind).name, "name": n.name, "depth": n.depth} for n in expected.nodes
    ]
    assert data["edges"] == [
        {"source": e.source, "kind": EdgeKind(e.kind).name, "target": e.target, "level": e.level}
        for e in expected.edges
    ]
    assert data["summary"]["grantedUntouched"] == 1
    touched = [r for r in data["resources"] if r["touched"]]
    assert touched and touched[0]["actions"] == ["s3:PutObject"] and touched[0]["level"] == "write"
    assert [
        (r["grantedVia"], r["ungrantedActions"], r["noPermissionActions"], r["usedThrough"]) for r in data["resources"]
    ] == [(r.granted_via, r.ungranted_actions, r.no_permission_actions, r.used_through) for r in expected.resources]
    assert data["summary"]["touchedUngranted"] == expected.summary.touched_ungranted


async def test_ownership_gaps_and_pagination(api: Api, store: GraphStore) -> None:
    expected = [g.id for g in ownership_gaps(store).gaps]
    assert len(expected) >= 3
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        data = await api.data(
            "query($after: String) { ownershipGaps(first: 2, after: $after) { counts { key count } "
            "gaps { nodes { id gapType subjects { id } } pageInfo { hasNextPage hasPreviousPage endCursor } } } }",
            {"after": after},
        )
        page = data["ownershipGaps"]["gaps"]
        seen += [g["id"] for g in page["nodes"]]
        assert page["pageInfo"]["hasPreviousPage"] == (pages > 0)
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected and pages == (len(expected) + 1) // 2


async def test_stale_credentials(api: Api, store: GraphStore) -> None:
    data = await api.data(
        '{ staleCredentials(unusedDays: 30, unrotatedDays: 90, now: "%s", first: 200) '
        "{ now counts { key count } credentials { nodes { credential { id } reasons } } } }" % NOW
    )
    expected = stale_credentials(store, unused_days=30, unrotated_days=90, now=NOW)
    got = {c["credential"]["id"]: c["reasons"] for c in data["staleCredentials"]["credentials"]["nodes"]}
    assert got == {c.credential.id: c.reasons for c in expected.credentials}
    assert got[KEY] == ["unrotated"]


async def test_access_story(api: Api) -> None:
    query = """{ accessStory(sessionId: "aws:session:s3") {
        subject { id } missing sessions { session { id } person { id } personVia touched { target { id } actions } }
        steps { at step summary } } }"""
    data = (await api.data(query))["accessStory"]
    assert [s["session"]["id"] for s in data["sessions"]] == ["aws:session:s2", "aws:session:s3"]
    s3 = data["sessions"][1]
    assert s3["person"]["id"] == "person:alice@acme.io" and s3["personVia"] == "aws:session:s2"
    assert data["steps"] and data["steps"][0]["step"] == "session_started"


async def test_permission_history_path_neighbors(api: Api) -> None:
    history = await api.data(
        '{ permissionHistory(id: "%s") { subject { id } entries { nodes { changeType at actors { id } } } } }' % KEY
    )
    assert history["permissionHistory"]["subject"]["id"] == KEY
    path = await api.data(
        '{ path(fromId: "%s", toId: "person:bob@acme.io", maxDepth: 4) { paths { kind } truncated } }' % KEY
    )
    assert path["path"]["paths"] and [h["kind"] for h in path["path"]["paths"][0]] == ["HAS_CREDENTIAL", "OWNS"]
    near = await api.data(
        '{ neighbors(id: "%s", edgeKinds: [HAS_CREDENTIAL], direction: IN) '
        "{ neighbors { nodes { node { id } direction edge { kind } } } } }" % KEY
    )
    rows = near["neighbors"]["neighbors"]["nodes"]
    assert [(n["node"]["id"], n["direction"], n["edge"]["kind"]) for n in rows] == [
        (f"{USER}/deploy", "in", "HAS_CREDENTIAL")
    ]


async def test_findings_with_owasp_enum_and_filters(api: Api, store: GraphStore) -> None:
    expected = findings(store, now=NOW)
    data = await api.data(
        '{ findings(now: "%s", first: 200) { suppressed countsByRule { key count } '
        "findings { nodes { rule owasp owaspName severity subject { id } action evidence { kind } } } } }" % NOW
    )
    got = data["findings"]["findings"]["nodes"]
    assert [(f["rule"], f["subject"]["id"]) for f in got] == [(f.rule, f.subject.id) for f in expected.findings]
    assert all(f["owasp"] == f["rule"].split("-")[1] for f in got)
    assert data["findings"]["suppressed"] == expected.suppressed == 1
    only = await api.data('{ findings(owasp: NHI9, now: "%s") { findings { nodes { rule } } } }' % NOW)
    assert {f["rule"] for f in only["findings"]["findings"]["nodes"]} == {"KT-NHI9-001", "KT-NHI9-002"}
    rules = await api.data("{ rules { id owasp severity } }")
    assert len(rules["rules"]) == len(expected.rules)


async def test_findings_pages_through_the_whole_run(api: Api, store: GraphStore) -> None:
    expected = [(f.rule, f.subject.id, len(f.evidence)) for f in findings(store, now=NOW).findings]
    got: list[tuple[str, str, int]] = []
    after = "null"
    while True:
        data = await api.data(
            '{ findings(now: "%s", first: 5, after: %s) { total findings { pageInfo { hasNextPage endCursor } '
            "nodes { rule subject { id } evidence { kind } } } } }" % (NOW, after)
        )
        assert data["findings"]["total"] == len(expected)
        connection = data["findings"]["findings"]
        got += [(f["rule"], f["subject"]["id"], len(f["evidence"])) for f in connection["nodes"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = '"%s"' % connection["pageInfo"]["endCursor"]
    assert got == expected


async def test_as_of_hides_later_facts(api: Api) -> None:
    before = await api.data(
        '{ sharedCredentials(by: RUNNER, minConsumers: 1, asOf: "2024-05-01T12:00:00Z") '
        "{ nodes { credential { id } consumers { id } } } }"
    )
    consumers = {c["id"] for row in before["sharedCredentials"]["nodes"] for c in row["consumers"]}
    assert consumers == {"github:acme:runner:r1", "github:acme:runner:r3"}
    status, code, _ = await api.error('{ node(id: "%s/ci", asOf: "not a time") { id } }' % ROLE)
    assert (status, code) == (200, "BAD_INPUT")
