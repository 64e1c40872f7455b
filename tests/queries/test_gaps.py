"""Issue 22 item 9: ownership gaps carry a severity, come most severe first (an offboarded owner
of an active credential before hundreds of unowned instances) and filter by type and severity —
on both stores."""

from __future__ import annotations

import pytest

from graph.errors import QueryError
from graph.store import GraphStore
from queries.common import SEVERITY_RANK, Severity
from queries.gaps import GAP_TYPES, ownership_gaps
from tests.fixtures.queries.gap_estate import BOB, UNOWNED_INSTANCES, build_gap_estate


@pytest.fixture
def estate(store: GraphStore) -> GraphStore:
    return build_gap_estate().write(store)


def test_the_offboarded_owner_of_an_active_key_comes_first(estate: GraphStore) -> None:
    result = ownership_gaps(estate)
    first = result.gaps[0]
    assert (first.gap_type, first.owner.id if first.owner else "", first.severity) == (
        "owner_offboarded",
        BOB,
        "critical",
    )
    ranks = [(-SEVERITY_RANK[Severity(g.severity)], GAP_TYPES.index(g.gap_type)) for g in result.gaps]
    assert ranks == sorted(ranks)  # most severe first, then by gap type
    unowned = [i for i, g in enumerate(result.gaps) if g.subjects[0].id.startswith("aws:ec2:")]
    assert len(unowned) == UNOWNED_INSTANCES and min(unowned) > 0
    assert all(result.gaps[i].severity == "low" for i in unowned)
    assert sum(result.counts.values()) == sum(result.counts_by_severity.values()) == len(result.gaps)


def test_severity_follows_the_documented_table(estate: GraphStore) -> None:
    for gap in ownership_gaps(estate).gaps:
        has_credential = any(s.kind == "Credential" for s in gap.subjects)
        expected = {
            ("owner_offboarded", True): "critical",
            ("owner_offboarded", False): "high",
            ("team_without_active_member", True): "high",
            ("team_without_active_member", False): "medium",
            ("no_owner", True): "medium",
            ("no_owner", False): "low",
        }[(gap.gap_type, has_credential)]
        assert gap.severity == expected, gap


def test_filters_by_type_and_minimum_severity(estate: GraphStore) -> None:
    everything = ownership_gaps(estate).gaps
    unowned = ownership_gaps(estate, gap_types=["no_owner"])
    assert unowned.gaps == [g for g in everything if g.gap_type == "no_owner"]
    assert unowned.counts == {"no_owner": len(unowned.gaps)}
    serious = ownership_gaps(estate, severity="high")
    assert serious.gaps == [g for g in everything if g.severity in ("high", "critical")]
    assert {g.severity for g in serious.gaps} <= {"high", "critical"} and serious.gaps
    both = ownership_gaps(estate, gap_types=["owner_offboarded", "no_owner"], severity="CRITICAL")
    assert [(g.gap_type, g.severity) for g in both.gaps] == [("owner_offboarded", "critical")]
    limited = ownership_gaps(estate, limit=3)
    assert limited.gaps == everything[:3] and limited.truncated and limited.counts == ownership_gaps(estate).counts


@pytest.mark.parametrize(("argument", "value"), [("gap_types", ["unowned"]), ("severity", "urgent")])
def test_an_unknown_filter_is_a_query_error(estate: GraphStore, argument: str, value: object) -> None:
    with pytest.raises(QueryError, match="unknown"):
        ownership_gaps(estate, **{argument: value})  # type: ignore[arg-type]
