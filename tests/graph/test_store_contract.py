"""The store contract: every merge rule and read primitive of graph/store.py, on both stores.

Tests taking `store` run once per store and check the documented behaviour; tests taking
`twins` write the same batches to the embedded store and to Neo4j and demand byte-identical
exports (and identical answers from every read primitive and from graph/traverse.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from graph import neo4j_store
from graph.embedded import EmbeddedStore
from graph.errors import KindConflict, ModelError, StoreUnavailable
from graph.model import EVIDENCE_LIMIT, Evidence, StoredEdge
from graph.neo4j_cypher import edge_merge_query, node_merge_query, schema_statements
from graph.neo4j_store import Neo4jStore
from graph.schema import EDGE_SPECS, EdgeKind, NodeKind, edge_kinds_for
from graph.store import EdgeRow, GraphStore, NodeRow, Step, parse_export_line, scan_projection
from graph.traverse import TraversalPlan, shortest_paths, traverse
from tests.conftest import neo4j_lock, neo4j_settings, open_neo4j_store
from tests.store_twins import Twins, edge, node

ALICE = "person:alice@example.com"
BOB = "person:bob@example.com"
TEAM = "team:platform"
ROLE = "aws:arn:arn:aws:iam::123456789012:role/deploy"
USER = "aws:arn:arn:aws:iam::123456789012:user/ci"
KEY = "aws:key:AKIAIOSFODNN7EXAMPLE"
SECRET = "github:acme/api:secret:AWS_ACCESS_KEY_ID"
PIPE = "github:acme/api:workflow:.github/workflows/deploy.yml"
RUNNER = "github:acme:runner:build-01"
BUCKET = "aws:arn:arn:aws:s3:::acme-prod-data"

P, I, C, PL, R, RS, T = (  # noqa: E741 -- short kind names keep the fixtures readable
    NodeKind.PERSON,
    NodeKind.IDENTITY,
    NodeKind.CREDENTIAL,
    NodeKind.PIPELINE,
    NodeKind.RUNNER,
    NodeKind.RESOURCE,
    NodeKind.TEAM,
)


@pytest.fixture
def twins(tmp_path: Path) -> Iterator[Twins]:
    neo4j_settings()
    with neo4j_lock():
        embedded = EmbeddedStore(tmp_path / "twin.db")
        neo4j = open_neo4j_store()
        try:
            yield Twins(embedded, neo4j)
        finally:
            embedded.close()
            neo4j.close()


def sample_graph() -> tuple[list, list]:
    """A small estate: an owner chain, a key shared by a pipeline, a role with access."""
    nodes = [
        node(ALICE, P, name="Alice", props={"status": "active", "email": "alice@example.com"}, sources=["scim"]),
        node(BOB, P, name="Bob", sources=["scim"], first_seen="2024-01-01T00:00:00Z"),
        node(TEAM, T, name="Platform", sources=["backstage"]),
        node(USER, I, subtype="aws.iam.user", name="ci", props={"nature": "machine"}, sources=["aws.iam"]),
        node(ROLE, I, subtype="aws.iam.role", name="deploy", sources=["aws.iam"]),
        node(KEY, C, subtype="aws.access_key", props={"status": "active"}, sources=["aws.iam"]),
        node(PIPE, PL, subtype="github.workflow", name="deploy.yml", sources=["github"]),
        node(RUNNER, R, subtype="github.runner", name="build-01", props={"labels": ["linux", "x64"]}),
        node(BUCKET, RS, name="acme-prod-data", props={"resource_type": "s3"}),
    ]
    ev = Evidence(source="iam.json", locator="line 3", at="2024-03-01T00:00:00Z")
    edges = [
        edge(ALICE, P, "MEMBER_OF", TEAM, T, sources=["scim"]),
        edge(BOB, P, "MANAGES", ALICE, P, sources=["hr"]),
        edge(TEAM, T, "OWNS", USER, I, props={"provenance": "catalog"}, sources=["backstage"]),
        edge(USER, I, "HAS_CREDENTIAL", KEY, C, evidence=[ev], first_seen="2024-03-01T00:00:00Z"),
        edge(PIPE, PL, "USES", KEY, C, props={"mode": "declared"}, first_seen="2024-04-01T00:00:00Z"),
        edge(PIPE, PL, "RUNS_ON", RUNNER, R, first_seen="2024-02-01T00:00:00Z"),
        edge(USER, I, "CAN_ASSUME", ROLE, I, props={"via": "aws_principal"}, first_seen="2024-05-01T00:00:00Z"),
        edge(ROLE, I, "CAN_ACCESS", BUCKET, RS, props={"level": "write", "actions": ["s3:PutObject"]}),
    ]
    return nodes, edges


# -- merge rules, on each store ---------------------------------------------------------------


def test_writing_twice_gives_the_same_graph(store: GraphStore) -> None:
    assert isinstance(store, GraphStore)
    nodes, edges = sample_graph()
    store.write(nodes, edges)
    once = list(store.export())
    store.write(nodes, edges)
    assert list(store.export()) == once
    assert store.stats().total_edges == len(edges)


def test_timestamps_merge_to_earliest_first_and_latest_last(store: GraphStore) -> None:
    store.write([node(KEY, C, first_seen="2024-05-01T00:00:00Z", last_seen="2024-05-02T00:00:00Z")], [])
    store.write([node(KEY, C, first_seen="2024-04-01T00:00:00Z", last_seen="2024-04-02T00:00:00Z")], [])
    store.write([node(KEY, C)], [])
    stored = store.nodes_by_id([KEY])[KEY]
    assert (stored.first_seen, stored.last_seen) == ("2024-04-01T00:00:00Z", "2024-05-02T00:00:00Z")
    store.write([], [edge(USER, I, "HAS_CREDENTIAL", KEY, C, last_seen="2024-06-01T00:00:00Z")])
    store.write([], [edge(USER, I, "HAS_CREDENTIAL", KEY, C, first_seen="2023-01-01T00:00:00Z")])
    (stored_edge,) = store.edges_of_kind(EdgeKind.HAS_CREDENTIAL)
    assert (stored_edge.first_seen, stored_edge.last_seen) == ("2023-01-01T00:00:00Z", "2024-06-01T00:00:00Z")


def test_name_subtype_props_and_sources_merge(store: GraphStore) -> None:
    store.write([node(USER, I, subtype="aws.iam.user", name="ci", props={"nature": "machine", "path": "/"},
                      sources=["aws.iam"])], [])  # fmt: skip
    store.write([node(USER, I, props={"nature": "unknown", "account": "123456789012"}, sources=["cloudtrail"])], [])
    stored = store.nodes_by_id([USER])[USER]
    assert (stored.subtype, stored.name) == ("aws.iam.user", "ci")
    assert stored.props == {"nature": "unknown", "path": "/", "account": "123456789012"}
    assert stored.sources == ("aws.iam", "cloudtrail")
    store.write([node(USER, I, name="ci-bot")], [])
    assert store.nodes_by_id([USER])[USER].name == "ci-bot"


def test_evidence_keeps_the_latest_pointers_and_exact_count(store: GraphStore) -> None:
    pointers = [Evidence(source="trail.json", locator=f"event-{i:02}", at=f"2024-01-{i + 1:02}T00:00:00Z")
                for i in range(EVIDENCE_LIMIT + 5)]  # fmt: skip
    store.write([], [edge(ROLE, I, "CAN_ACCESS", BUCKET, RS, evidence=pointers[:8], origin="a", count=8)])
    store.write([], [edge(ROLE, I, "CAN_ACCESS", BUCKET, RS, evidence=pointers[5:], origin="b", count=10)])
    (stored,) = store.edges_of_kind(EdgeKind.CAN_ACCESS)
    assert [e.locator for e in stored.evidence] == [p.locator for p in pointers[-EVIDENCE_LIMIT:]]
    assert stored.count == 18
    assert stored.observations == {"a": 8, "b": 10}


def test_observation_origin_is_replaced_not_added(store: GraphStore) -> None:
    store.write([], [edge(ROLE, I, "CAN_ACCESS", BUCKET, RS, origin="file-a", count=3)])
    store.write([], [edge(ROLE, I, "CAN_ACCESS", BUCKET, RS, origin="file-a", count=5)])
    (stored,) = store.edges_of_kind(EdgeKind.CAN_ACCESS)
    assert (stored.count, stored.observations) == (5, {"file-a": 5})
    store.write([], [edge(ROLE, I, "CAN_ACCESS", BUCKET, RS, origin="file-b", count=2)])
    (stored,) = store.edges_of_kind(EdgeKind.CAN_ACCESS)
    assert (stored.count, stored.observations) == (7, {"file-a": 5, "file-b": 2})


def test_edge_props_latest_value_per_key(store: GraphStore) -> None:
    store.write([], [edge(ROLE, I, "CAN_ACCESS", BUCKET, RS, props={"level": "read", "wildcard": False})])
    store.write([], [edge(ROLE, I, "CAN_ACCESS", BUCKET, RS, props={"level": "admin", "actions": ["s3:*"]})])
    (stored,) = store.edges_of_kind(EdgeKind.CAN_ACCESS)
    assert stored.props == {"level": "admin", "wildcard": False, "actions": ["s3:*"]}


def test_placeholder_endpoints_are_filled_in_later(store: GraphStore) -> None:
    store.write([], [edge(PIPE, PL, "USES", SECRET, C, sources=["github"])])
    placeholder = store.nodes_by_id([SECRET])[SECRET]
    assert (placeholder.kind, placeholder.name, placeholder.props, placeholder.sources) == (C, "", {}, ())
    store.write([node(SECRET, C, subtype="github.actions.secret", name="AWS_ACCESS_KEY_ID",
                      props={"scope": "repository"}, sources=["github"])], [])  # fmt: skip
    filled = store.nodes_by_id([SECRET])[SECRET]
    assert (filled.subtype, filled.name, filled.props) == ("github.actions.secret", "AWS_ACCESS_KEY_ID",
                                                           {"scope": "repository"})  # fmt: skip
    store.write([], [edge(PIPE, PL, "USES", SECRET, C)])
    assert store.nodes_by_id([SECRET])[SECRET] == filled


def test_kind_conflict_rolls_back_the_whole_batch(store: GraphStore) -> None:
    store.write([node(KEY, C)], [])
    before = list(store.export())
    with pytest.raises(
        KindConflict, match=re.escape(f"node {KEY!r} is a Credential; this batch gives it kind Identity")
    ):
        store.write(
            [node(ALICE, P, name="Alice"), node(KEY, I)],
            [edge(ALICE, P, "MEMBER_OF", TEAM, T)],
        )
    with pytest.raises(KindConflict, match="is a Credential; this batch gives it kind Resource"):
        store.write([node(BOB, P)], [edge(ROLE, I, "CAN_ACCESS", KEY, RS)])
    with pytest.raises(KindConflict, match="given kinds Person and Team in one batch"):
        store.write([node(BOB, P), node(BOB, T)], [])
    assert list(store.export()) == before


# -- reads, on each store ---------------------------------------------------------------------


def test_expand_out_in_and_as_of(store: GraphStore) -> None:
    store.write(*sample_graph())
    out = store.expand([USER], [(EdgeKind.HAS_CREDENTIAL, "out"), (EdgeKind.CAN_ASSUME, "out")]).edges
    assert [e.key for e in out] == [(USER, "CAN_ASSUME", ROLE), (USER, "HAS_CREDENTIAL", KEY)]
    inbound = store.expand(
        [KEY, USER], [(EdgeKind.USES, "in"), (EdgeKind.OWNS, "in"), (EdgeKind.HAS_CREDENTIAL, "in")]
    ).edges
    assert [e.key for e in inbound] == [(USER, "HAS_CREDENTIAL", KEY), (PIPE, "USES", KEY), (TEAM, "OWNS", USER)]
    early = store.expand(
        [KEY], [(EdgeKind.USES, "in"), (EdgeKind.HAS_CREDENTIAL, "in")], as_of="2024-03-15T00:00:00Z"
    ).edges
    assert [e.key for e in early] == [(USER, "HAS_CREDENTIAL", KEY)]
    assert store.expand([], [(EdgeKind.USES, "in")]).edges == []
    assert store.expand([KEY], []).edges == []


def test_expand_returns_the_far_ends_with_the_edges(store: GraphStore) -> None:
    store.write(*sample_graph())
    steps: list[Step] = [(EdgeKind.USES, "in"), (EdgeKind.HAS_CREDENTIAL, "in"), (EdgeKind.CAN_ASSUME, "out")]
    edges, ends, _ = store.expand([KEY, USER], steps)
    assert edges == store.expand([KEY, USER], steps).edges
    # USES and HAS_CREDENTIAL walked backwards reach their sources; CAN_ASSUME forwards its target
    assert sorted(ends) == sorted([USER, PIPE, ROLE])
    assert ends == store.nodes_by_id([USER, PIPE, ROLE])
    # far ends come whatever their first_seen: the caller decides visibility, as with nodes_by_id
    early, early_ends, _ = store.expand([KEY], steps, as_of="2024-03-15T00:00:00Z")
    assert [e.key for e in early] == [(USER, "HAS_CREDENTIAL", KEY)]
    assert sorted(early_ends) == [USER]
    assert store.expand([], steps) == ([], {}, {})
    assert store.expand([KEY], [])[:2] == ([], {})


def test_expand_returns_the_given_nodes_too(store: GraphStore) -> None:
    store.write(*sample_graph())
    steps: list[Step] = [(EdgeKind.HAS_CREDENTIAL, "in")]
    missing = "aws:key:AKIANOTHERE000000000"
    edges, ends, starts = store.expand([KEY, ROLE, missing], steps)
    assert edges == store.expand([KEY, ROLE, missing], steps).edges
    # the far end (the key's user), and the given nodes that exist, with edges (KEY) or without (ROLE)
    assert {**ends, **starts} == store.nodes_by_id([USER, KEY, ROLE])
    assert ends == store.nodes_by_id([USER]) and starts == store.nodes_by_id([KEY, ROLE])
    # the given nodes whatever their first_seen, as far ends are
    early = store.expand([KEY], steps, as_of="2000-01-01T00:00:00Z")
    assert (early.edges, early.starts) == ([], store.nodes_by_id([KEY]))
    assert (store.expand([KEY], []).edges, store.expand([KEY], []).starts) == ([], store.nodes_by_id([KEY]))
    assert store.expand([], steps) == ([], {}, {})
    # a wide frontier (Neo4j reads its nodes only when asked) gives the same
    wide = [KEY, ROLE, *(f"aws:key:AKIAMISSING{i:09d}" for i in range(12))]
    assert store.expand(wide, steps).starts == store.nodes_by_id([KEY, ROLE])
    assert store.expand(wide, []).starts == store.nodes_by_id([KEY, ROLE])


def test_edges_by_key_reads_exactly_the_keyed_edges(store: GraphStore) -> None:
    store.write(*sample_graph())
    everything = {e.key: e for kind in EdgeKind for e in _all_edges(store, kind)}
    wanted = [(USER, "HAS_CREDENTIAL", KEY), (PIPE, "USES", KEY), (ROLE, "CAN_ACCESS", BUCKET)]
    missing = [(KEY, "HAS_CREDENTIAL", USER), (USER, "USES", KEY), (PIPE, "RUNS_ON", "github:acme:runner:none")]
    found = store.edges_by_key([*wanted, *missing, wanted[0]])  # repeats and absent keys
    assert found == {key: everything[key] for key in wanted}
    assert found[(USER, "HAS_CREDENTIAL", KEY)].evidence[0].locator == "line 3"
    assert found[(ROLE, "CAN_ACCESS", BUCKET)].props == {"level": "write", "actions": ["s3:PutObject"]}
    assert store.edges_by_key(everything) == everything
    assert store.edges_by_key([]) == {}


def test_paging_through_kinds(store: GraphStore) -> None:
    people = [node(f"person:user{i:03}@example.com", P) for i in range(25)]
    edges = [edge(p.id, P, "MEMBER_OF", f"team:t{i % 3}", T) for i, p in enumerate(people)]
    store.write(people, edges)
    seen, after = [], ""
    while page := store.nodes_of_kind(NodeKind.PERSON, after=after, limit=7):
        seen += [n.id for n in page]
        after = page[-1].id
    assert seen == sorted(p.id for p in people)
    pairs: list[tuple[str, str]] = []
    cursor = ("", "")
    while edge_page := store.edges_of_kind(EdgeKind.MEMBER_OF, after=cursor, limit=4):
        pairs += [(e.source, e.target) for e in edge_page]
        cursor = pairs[-1]
    assert pairs == sorted((e.source, e.target) for e in edges)
    assert store.nodes_of_kind(NodeKind.TEAM, limit=2)[1].id == "team:t1"


def test_search_is_case_insensitive_like_sqlite(store: GraphStore) -> None:
    store.write(
        [
            node("person:strasse@example.de", P, name="Straße Ömer"),
            node("team:kelvin", T, name="\u212a-team"),  # KELVIN SIGN: not ASCII 'k' for LIKE
            node("team:istanbul", T, name="\u0130stanbul"),  # dotted capital I
            node(ALICE, P, name="Alice"),
            node(ROLE, I, name="Deploy_Role"),
        ],
        [],
    )
    assert [n.id for n in store.search("ALICE")] == [ALICE]
    assert [n.id for n in store.search("deploy_")] == [ROLE]
    assert [n.id for n in store.search("%")] == []
    assert [n.id for n in store.search("k-team")] == []
    assert [n.id for n in store.search("\u212a-TEAM")] == []  # casefolds to ASCII, then LIKE rules
    assert [n.id for n in store.search("ömer")] == ["person:strasse@example.de"]
    assert [n.id for n in store.search("STRASSE Ö")] == ["person:strasse@example.de"]
    assert [n.id for n in store.search("E", kinds=[NodeKind.TEAM])] == ["team:istanbul", "team:kelvin"]
    assert [n.id for n in store.search("i̇stanbul")] == ["team:istanbul"]
    assert len(store.search("e", limit=2)) == 2


def test_stats_count_by_kind(store: GraphStore) -> None:
    nodes, edges = sample_graph()
    store.write(nodes, edges)
    stats = store.stats()
    assert stats.nodes == {"Credential": 1, "Identity": 2, "Person": 2, "Pipeline": 1, "Resource": 1,
                           "Runner": 1, "Team": 1}  # fmt: skip
    assert list(stats.nodes) == sorted(stats.nodes)
    assert stats.total_edges == len(edges)
    assert stats.edges["CAN_ACCESS"] == 1


def test_export_import_round_trip(store: GraphStore, tmp_path: Path) -> None:
    nodes, edges = sample_graph()
    store.write(nodes, edges)
    store.write([], [edge(ROLE, I, "CAN_ACCESS", BUCKET, RS, origin="second", count=4)])
    exported = list(store.export())
    copy = EmbeddedStore(tmp_path / "copy.db")
    try:
        for line in exported:
            copy.write(*parse_export_line(line))
        assert list(copy.export()) == exported
    finally:
        copy.close()


# -- the same batches on both stores ----------------------------------------------------------


def test_same_batches_give_identical_exports(twins: Twins) -> None:
    nodes, edges = sample_graph()
    twins.write(nodes[:4], edges[:3])
    twins.write(nodes, edges)
    twins.write([node(KEY, C, props={"status": "inactive"}, last_seen="2025-01-01T00:00:00Z")],
                [edge(PIPE, PL, "USES", KEY, C, origin="o2", count=2, props={"via": "AWS_KEY"})])  # fmt: skip
    error = twins.write([node(KEY, I)], [edge(ALICE, P, "OWNS", KEY, C)])
    assert isinstance(error, KindConflict)
    lines = twins.assert_same()
    assert len(lines) == len(nodes) + len(edges)


def test_reads_and_traversals_agree(twins: Twins) -> None:
    twins.write(*sample_graph())
    embedded, neo4j = twins.both
    for steps in (edge_kinds_for("ownership"), edge_kinds_for("blast")):
        for root in (KEY, ALICE, PIPE):
            for as_of in (None, "2024-03-15T00:00:00Z"):
                plan = TraversalPlan((root,), steps, max_depth=6, as_of=as_of)
                left, right = traverse(embedded, plan), traverse(neo4j, plan)
                assert (left.nodes, left.depth, left.edges, left.parents) == (
                    right.nodes, right.depth, right.edges, right.parents)  # fmt: skip
    both_ways = tuple((kind, d) for kind in EdgeKind for d in ("out", "in"))
    paths = shortest_paths(embedded, ALICE, BUCKET, both_ways)
    assert paths and paths == shortest_paths(neo4j, ALICE, BUCKET, both_ways)
    for text in ("a", "ACME", "\u00e9", ""):
        assert embedded.search(text) == neo4j.search(text)
    assert embedded.stats() == neo4j.stats()


def test_edges_by_key_agrees_across_batches(twins: Twins, monkeypatch: pytest.MonkeyPatch) -> None:
    """More keys than one SQLite statement or one Neo4j read takes, of several kinds."""
    monkeypatch.setattr(neo4j_store, "_KEYS_PER_READ", 300)
    buckets = [f"aws:arn:arn:aws:s3:::bucket-{i:04d}" for i in range(1000)]
    nodes, edges = sample_graph()
    nodes += [node(b, RS, name=b[-11:]) for b in buckets]
    edges += [
        edge(ROLE, I, "CAN_ACCESS", b, RS, props={"level": ("read", "admin")[i % 2]}) for i, b in enumerate(buckets)
    ]
    twins.write(nodes, edges)
    keys = [(ROLE, "CAN_ACCESS", b) for b in buckets[::-1]] + [(USER, "HAS_CREDENTIAL", KEY), (ROLE, "CAN_ACCESS", KEY)]
    embedded, neo4j = twins.both
    found = embedded.edges_by_key(keys)
    assert len(found) == 1001
    assert found == neo4j.edges_by_key(keys)


def test_import_into_neo4j_is_byte_identical(twins: Twins) -> None:
    twins.embedded.write(*sample_graph())
    twins.embedded.write([], [edge(ROLE, I, "CAN_ACCESS", BUCKET, RS, origin="z", count=9)])
    for line in twins.embedded.export():
        twins.neo4j.write(*parse_export_line(line))
    twins.assert_same()


# -- Neo4j specifics ---------------------------------------------------------------------------


def test_neo4j_location_never_shows_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    uri, user, password = neo4j_settings()
    parts = uri.split("://", 1)
    with neo4j_lock():
        monkeypatch.delenv("KEYTRAIL_NEO4J_PASSWORD", raising=False)
        store = Neo4jStore.from_uri(f"{parts[0]}://{user}:{quote(password, safe='')}@{parts[1]}")
        try:
            assert store.location == f"{parts[0]}://{user}@{parts[1]}"
            assert password not in store.location
            assert store.stats().total_nodes >= 0
        finally:
            store.close()


def test_unreachable_neo4j_is_a_clear_store_error() -> None:
    with pytest.raises(StoreUnavailable, match=r"cannot reach Neo4j at bolt://neo4j@127\.0\.0\.1:1") as raised:
        Neo4jStore("bolt://127.0.0.1:1", user="neo4j", password="not-the-password")
    assert "not-the-password" not in str(raised.value)


def test_cypher_labels_and_types_come_only_from_the_schema() -> None:
    labels = {kind.value for kind in NodeKind}
    for kind in NodeKind:
        text = node_merge_query(kind)
        assert set(re.findall(r"\(?\b\w+:(\w+)", text)) - {"Node"} <= labels
        assert f"SET n:{kind.value}, n.kind = '{kind.value}'" in text
    for spec in EDGE_SPECS.values():
        for source in spec.sources:
            for target in spec.targets:
                text = edge_merge_query(spec.kind, source, target)
                assert f"MERGE (a)-[r:{spec.kind.value}]->(b)" in text
                assert f"a:{source.value}, a.kind = '{source.value}'" in text
                assert f"b:{target.value}, b.kind = '{target.value}'" in text
                assert "$" not in text.replace("$rows", "")  # values arrive as rows only
    statements = schema_statements()
    assert statements[0].endswith("FOR (n:Node) REQUIRE n.id IS UNIQUE")
    assert len(statements) == 1 + len(NodeKind)


# -- lean scans (node_rows / edge_rows) -------------------------------------------------------


def _all_edges(store: GraphStore, kind: EdgeKind) -> list[StoredEdge]:
    found: list[StoredEdge] = []
    while page := store.edges_of_kind(kind, after=(found[-1].source, found[-1].target) if found else ("", "")):
        found += page
    return found


def _lean_edge(e: StoredEdge) -> EdgeRow:
    return EdgeRow(e.source, e.kind, e.target, e.source_kind, e.target_kind, e.props, e.first_seen, e.last_seen)


def test_lean_rows_are_the_paged_records_without_bookkeeping(store: GraphStore) -> None:
    store.write(*sample_graph())
    for as_of in (None, "2024-03-15T00:00:00Z"):
        for node_kind in NodeKind:
            paged = [
                n for n in store.nodes_of_kind(node_kind, limit=10_000) if not as_of or (n.first_seen or "") <= as_of
            ]
            lean = [NodeRow(n.id, n.kind, n.subtype, n.name, n.props, n.first_seen, n.last_seen) for n in paged]
            assert list(store.node_rows(node_kind, as_of=as_of)) == lean
        for edge_kind in EdgeKind:
            visible = [e for e in _all_edges(store, edge_kind) if not as_of or (e.first_seen or "") <= as_of]
            assert list(store.edge_rows(edge_kind, as_of=as_of)) == [_lean_edge(e) for e in visible]
    rows = list(store.edge_rows(EdgeKind.CAN_ACCESS))
    assert rows[0].props == {"level": "write", "actions": ["s3:PutObject"]}
    assert rows[0].key == (ROLE, "CAN_ACCESS", BUCKET)
    assert [r.id for r in store.node_rows(NodeKind.PERSON, as_of="2023-12-31T00:00:00Z")] == [ALICE]


def test_lean_rows_read_only_the_properties_asked_for(store: GraphStore) -> None:
    store.write(*sample_graph())
    for kind in [*NodeKind, *EdgeKind]:
        declared = scan_projection(kind, None)
        for wanted in ((), declared[:1], declared[-2:], tuple(reversed(declared))):
            if isinstance(kind, NodeKind):
                whole: list[NodeRow | EdgeRow] = list(store.node_rows(kind))
                projected: list[NodeRow | EdgeRow] = list(store.node_rows(kind, properties=wanted))
            else:
                whole, projected = list(store.edge_rows(kind)), list(store.edge_rows(kind, properties=wanted))
            expected = [r._replace(props={k: v for k, v in r.props.items() if k in wanted}) for r in whole]
            assert projected == expected, (kind, wanted)
    rows = list(store.edge_rows(EdgeKind.CAN_ACCESS, properties=["level"]))
    assert rows[0].props == {"level": "write"}
    with pytest.raises(ModelError, match="CAN_ACCESS declares no property 'colour'"):
        list(store.edge_rows(EdgeKind.CAN_ACCESS, properties=["level", "colour"]))
    with pytest.raises(ModelError, match="Person declares no property 'level'"):
        list(store.node_rows(NodeKind.PERSON, properties=["level"]))


def test_lean_rows_agree_between_stores(twins: Twins) -> None:
    twins.write(*sample_graph())
    twins.write([node(KEY, C, props={"status": "inactive"})], [edge(PIPE, PL, "USES", KEY, C, props={"via": "X"})])
    embedded, neo4j = twins.both
    for as_of in (None, "2024-03-15T00:00:00Z"):
        for node_kind in NodeKind:
            assert list(embedded.node_rows(node_kind, as_of=as_of)) == list(neo4j.node_rows(node_kind, as_of=as_of))
        for edge_kind in EdgeKind:
            assert list(embedded.edge_rows(edge_kind, as_of=as_of)) == list(neo4j.edge_rows(edge_kind, as_of=as_of))
