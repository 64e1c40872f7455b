"""Findings on the planted scenario: every rule fires exactly where planted, on both stores."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import ItemsView, Iterator
from pathlib import Path
from typing import Any

import pytest

from graph.embedded import EmbeddedStore
from graph.errors import QueryError
from graph.schema import EdgeKind, NodeKind
from graph.store import EdgeRow, GraphStore, NodeRow
from queries import rules_base
from queries.findings import RULES, SCAN_ORDER, findings
from queries.rules_base import OWASP_NAMES, ROW_PROPERTIES, Owasp, RuleContext
from tests.fixtures.queries.scenario import NOW, ROLE, USER, GraphBuilder, build_scenario

KEY = "aws:key:AKIADEPLOY0000000001"

EXPECTED = {
    ("KT-NHI1-001", KEY),
    ("KT-NHI1-001", "aws:key:AKIALATE000000000001"),
    # not the vendor's account root that may assume role/ci: a root is not owned by an owner record,
    # and a trusted principal is a name in our trust policy, not an identity of ours (KT-NHI3-001 reports it)
    ("KT-NHI1-002", "k8s:prod:sa:default/app"),
    ("KT-NHI1-003", "aws:key:AKIADELETED000000001"),
    ("KT-NHI1-003", "aws:key:AKIAREVIEWED00000001"),
    ("KT-NHI2-001", KEY),
    ("KT-NHI3-001", f"{ROLE}/ci"),
    ("KT-NHI4-001", f"{USER}/deploy"),
    ("KT-NHI4-002", "k8s:prod:secret:default/app-token"),
    ("KT-NHI4-003", "unix:host1:user:svc-backup"),
    ("KT-NHI5-001", f"{ROLE}/ci"),
    ("KT-NHI5-002", "aws:session:s3"),
    ("KT-NHI6-001", "github:acme/app:secret:AWS_SECRET_ACCESS_KEY"),
    ("KT-NHI6-002", f"{ROLE}/ci"),
    ("KT-NHI7-001", KEY),
    ("KT-NHI8-001", KEY),
    ("KT-NHI9-001", KEY),
    ("KT-NHI9-002", "k8s:prod:secret:default/app-token"),
    ("KT-NHI10-001", f"{USER}/deploy"),
    ("KT-NHI10-001", "unix:host1:user:svc-backup"),
}


@pytest.fixture
def estate(store: GraphStore) -> GraphStore:
    return build_scenario().write(store)


def test_every_planted_finding_and_nothing_else(estate: GraphStore) -> None:
    result = findings(estate, now=NOW)
    assert {(f.rule, f.subject.id) for f in result.findings} == EXPECTED
    assert result.suppressed == 1  # the keep review on role/shared's unused admin grant
    for finding in result.findings:
        rule = next(r for r in RULES if r.id == finding.rule)
        assert finding.owasp == rule.owasp.value == finding.rule.split("-")[1]
        assert finding.owasp_name == OWASP_NAMES[rule.owasp]
        assert finding.action == rule.action and finding.severity == rule.severity.value
    assert all(f.evidence and f.evidence[0].evidence for f in result.findings)  # every finding cites its evidence


def test_rules_cover_all_ten_categories() -> None:
    assert {r.owasp for r in RULES} == set(Owasp)
    assert len({r.id for r in RULES}) == len(RULES)


def test_finding_ids_are_stable(estate: GraphStore) -> None:
    first = [f.id for f in findings(estate, now=NOW).findings]
    assert first == [f.id for f in findings(estate, now=NOW).findings]


def test_filters(estate: GraphStore) -> None:
    only = findings(estate, rule="kt-nhi2-001", now=NOW)
    assert [(f.rule, f.subject.id) for f in only.findings] == [("KT-NHI2-001", KEY)]
    category = findings(estate, rule="NHI9", now=NOW)
    assert {f.rule for f in category.findings} == {"KT-NHI9-001", "KT-NHI9-002"}
    critical = findings(estate, severity="critical", now=NOW)
    assert {f.severity for f in critical.findings} == {"critical"}
    with pytest.raises(QueryError):
        findings(estate, rule="KT-NOPE")
    with pytest.raises(QueryError):
        findings(estate, severity="apocalyptic")


def test_paging_returns_every_finding_once_and_says_what_is_outside(estate: GraphStore) -> None:
    whole = findings(estate, now=NOW)
    assert whole.total == len(whole.findings) == len(EXPECTED) and whole.next_offset is None and not whole.truncated
    pages, offset = [], 0
    while offset is not None:
        page = findings(estate, now=NOW, offset=offset, limit=4)
        assert page.total == whole.total and page.offset == offset and len(page.findings) <= 4
        assert page.counts_by_rule == whole.counts_by_rule  # counts are always the whole run's
        assert page.truncated
        pages.append(page)
        offset = page.next_offset
    assert [f for p in pages for f in p.findings] == whole.findings  # same order, same evidence
    first = pages[0]
    on_first = Counter(f.rule for f in first.findings)
    assert any(r.truncated for r in first.rules)
    for rule in first.rules:  # a rule is cut when some of its findings are not on this page
        assert rule.truncated == (on_first[rule.id] < whole.counts_by_rule.get(rule.id, 0))
    with pytest.raises(QueryError):
        findings(estate, now=NOW, limit=0)
    with pytest.raises(QueryError):
        findings(estate, now=NOW, offset=-1)


def test_as_of_ignores_later_evidence(estate: GraphStore) -> None:
    early = findings(estate, as_of="2024-05-01T12:00:00Z")
    hits = {(f.rule, f.subject.id) for f in early.findings}
    assert ("KT-NHI1-001", "aws:key:AKIALATE000000000001") not in hits  # not seen yet
    assert ("KT-NHI10-001", f"{USER}/deploy") not in hits  # the interactive session came later
    assert ("KT-NHI1-003", "aws:key:AKIAREVIEWED00000001") not in hits  # used after revoke: later
    assert ("KT-NHI9-001", KEY) in hits  # r1 observed + r3 declared
    assert early.now == "2024-05-01T12:00:00Z"


def test_keep_review_suppresses_and_a_later_grant_use_does_not_matter(estate: GraphStore) -> None:
    g = GraphBuilder()
    g.node(f"{ROLE}/ci", NodeKind.IDENTITY)
    g.node("person:carol@acme.io", NodeKind.PERSON)
    g.node("review:keep-ci", NodeKind.CHANGE, "review.decision", change_type="review", decision="keep",
           at="2024-05-20T00:00:00Z")  # fmt: skip
    g.edge("review:keep-ci", EdgeKind.TARGETS, f"{ROLE}/ci", at="2024-05-20T00:00:00Z")
    estate.write(list(g.nodes.values())[2:], g.edges)
    hits = {(f.rule, f.subject.id) for f in findings(estate, now=NOW).findings}
    assert ("KT-NHI5-001", f"{ROLE}/ci") not in hits
    assert ("KT-NHI6-002", f"{ROLE}/ci") in hits  # keep only suppresses NHI5/NHI7
    before = {(f.rule, f.subject.id) for f in findings(estate, as_of="2024-05-19T00:00:00Z").findings}
    assert ("KT-NHI5-001", f"{ROLE}/ci") in before


def test_human_accounts_never_flagged(estate: GraphStore) -> None:
    subjects = {f.subject.id for f in findings(estate, now=NOW).findings}
    assert f"{USER}/carol" not in subjects


def test_scans_are_read_in_scan_order_and_ahead_where_the_store_allows(
    estate: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SCAN_ORDER is the order a run of every rule first needs its scans (so reading ahead in
    that order never makes a rule wait behind a scan it does not need yet); a store that reads
    concurrently gets them from the read-ahead thread, the others in the calling thread."""
    reads: list[tuple[NodeKind | EdgeKind, str]] = []
    read_edges, read_nodes = RuleContext._read_edges, RuleContext._read_nodes

    def edges(ctx: RuleContext, kind: EdgeKind) -> object:
        reads.append((kind, threading.current_thread().name))
        return read_edges(ctx, kind)

    def nodes(ctx: RuleContext, kind: NodeKind) -> object:
        reads.append((kind, threading.current_thread().name))
        return read_nodes(ctx, kind)

    by_key: list[str] = []
    edges_by_key = estate.edges_by_key

    def evidence(keys: object) -> object:
        by_key.append(threading.current_thread().name)
        return edges_by_key(keys)  # type: ignore[arg-type]

    monkeypatch.setattr(RuleContext, "_read_edges", edges)
    monkeypatch.setattr(RuleContext, "_read_nodes", nodes)
    monkeypatch.setattr(estate, "edges_by_key", evidence)
    assert {(f.rule, f.subject.id) for f in findings(estate, now=NOW).findings} == EXPECTED
    assert tuple(kind for kind, _ in reads) == SCAN_ORDER
    ahead = estate.concurrent_reads
    assert all(name.startswith("keytrail-scan") == ahead for _, name in reads), reads
    # a whole run's evidence is read during the rules, one read per rule citing edges, where
    # scans are read ahead; otherwise in one read at the end
    assert by_key and all(name.startswith("keytrail-scan") == ahead for name in by_key), by_key
    assert len(by_key) > 1 if ahead else len(by_key) == 1
    by_key.clear()
    page = findings(estate, now=NOW, limit=5)  # a page: only its own evidence, once it is known
    assert len(page.findings) == 5 and by_key == ["MainThread"]
    reads.clear()
    findings(estate, now=NOW, rule="KT-NHI7-001")  # a chosen few rules read only what they need, as needed
    assert reads and all(not name.startswith("keytrail-scan") for _, name in reads)
    assert len(reads) < len(SCAN_ORDER)


class _Watched(dict[str, object]):
    """A row's props that note every property read of them, per kind."""

    def __init__(self, kind: str, props: dict[str, object], reads: dict[str, set[str]]) -> None:
        super().__init__(props)
        self._kind, self._reads = kind, reads

    def _note(self, key: str) -> None:
        self._reads.setdefault(self._kind, set()).add(key)

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        self._note(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> object:
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._note(str(key))
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        self._note("*every property*")
        return super().__iter__()

    def items(self) -> ItemsView[str, object]:  # type: ignore[override]
        self._note("*every property*")
        return super().items()


def test_rules_read_only_the_row_properties_they_declare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Scans for rules read only ROW_PROPERTIES (a fraction of the data on a large estate): every
    property a rule reads of a row must be declared there, or the rule would see it missing."""
    reads: dict[str, set[str]] = {}
    store = EmbeddedStore(tmp_path / "k.db")
    node_rows, edge_rows = store.node_rows, store.edge_rows

    def watched_nodes(kind: NodeKind, **kw: Any) -> Iterator[NodeRow]:
        for row in node_rows(kind, **kw):
            yield row._replace(props=_Watched(kind.value, row.props, reads))

    def watched_edges(kind: EdgeKind, **kw: Any) -> Iterator[EdgeRow]:
        for row in edge_rows(kind, **kw):
            yield row._replace(props=_Watched(kind.value, row.props, reads))

    monkeypatch.setattr(store, "node_rows", watched_nodes)
    monkeypatch.setattr(store, "edge_rows", watched_edges)
    try:
        build_scenario().write(store)
        projected = findings(store, now=NOW)
        assert {(f.rule, f.subject.id) for f in projected.findings} == EXPECTED
        for kind, keys in reads.items():
            node_kinds = {k.value: k for k in NodeKind}
            declared = ROW_PROPERTIES.get(node_kinds[kind] if kind in node_kinds else EdgeKind(kind), ())
            assert keys <= set(declared), f"rules read {sorted(keys - set(declared))} of {kind} rows"
        assert {"Credential", "Identity", "Session", "CAN_ACCESS", "USES"} <= reads.keys()  # not vacuous
        # Reading every property gives the same findings.
        monkeypatch.setattr(rules_base, "ROW_PROPERTIES", {})
        monkeypatch.setattr(rules_base.RuleContext, "_read_edges", lambda ctx, k: list(edge_rows(k, as_of=ctx.as_of)))
        monkeypatch.setattr(
            rules_base.RuleContext, "_read_nodes", lambda ctx, k: {n.id: n for n in node_rows(k, as_of=ctx.as_of)}
        )
        assert findings(store, now=NOW) == projected
    finally:
        store.close()


def test_a_rule_reading_a_property_outside_its_scan_projection_fails_loudly(
    estate: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A property a rule reads but ROW_PROPERTIES does not project would read as absent, and the
    rule would quietly never fire: in tests (check_projections, tests/conftest.py) the read raises."""
    projected = dict(ROW_PROPERTIES)
    projected[NodeKind.IDENTITY] = tuple(p for p in projected[NodeKind.IDENTITY] if p != "nature")
    monkeypatch.setattr(rules_base, "ROW_PROPERTIES", projected)
    # one rule (KT-NHI1-002 asks every identity's nature): no scans read ahead on other threads,
    # which would outlive the failed run and the store the fixture then closes under them
    with pytest.raises(AssertionError, match=r"read of Identity\.nature from a scan that did not project it"):
        findings(estate, now=NOW, rule="KT-NHI1-002")
