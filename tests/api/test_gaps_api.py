"""Issue 22 item 9 through the interfaces: GraphQL `ownershipGaps(gapTypes:, severity:)` on both
stores and `keytrail query ownership-gaps --type --severity`, most severe gap first in each."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import cli
from graph.embedded import EmbeddedStore
from graph.store import GraphStore
from queries.gaps import ownership_gaps
from tests.fixtures.api.harness import Api, api_for
from tests.fixtures.queries.gap_estate import BOB, build_gap_estate

pytestmark = pytest.mark.anyio
GAPS = """query($types: [String!], $severity: Severity, $after: String) {
  ownershipGaps(first: 20, after: $after, gapTypes: $types, severity: $severity) {
    counts { key count } countsBySeverity { key count }
    gaps { nodes { id gapType severity owner { id } subjectCount } pageInfo { hasNextPage endCursor } }
  }
}"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def api(store: GraphStore, tmp_path: Path) -> AsyncIterator[Api]:
    build_gap_estate().write(store)
    async with api_for(store, tmp_path) as client:
        yield client


async def _all(api: Api, **variables: object) -> tuple[list[dict[str, object]], dict[str, object]]:
    nodes: list[dict[str, object]] = []
    after = None
    for _ in range(20):
        data = (await api.data(GAPS, {**variables, "after": after}))["ownershipGaps"]
        nodes += data["gaps"]["nodes"]
        if not data["gaps"]["pageInfo"]["hasNextPage"]:
            return nodes, data
        after = data["gaps"]["pageInfo"]["endCursor"]
    raise AssertionError("more pages than the estate has gaps")


async def test_graphql_lists_the_most_severe_first_as_the_query_does(api: Api, store: GraphStore) -> None:
    nodes, data = await _all(api)
    expected = ownership_gaps(store)
    assert [n["id"] for n in nodes] == [g.id for g in expected.gaps]
    assert nodes[0]["severity"] == "CRITICAL" and nodes[0]["owner"] == {"id": BOB}
    assert {c["key"]: c["count"] for c in data["countsBySeverity"]} == {
        k.upper(): v for k, v in expected.counts_by_severity.items()
    }


async def test_graphql_filters_by_type_and_severity(api: Api, store: GraphStore) -> None:
    unowned, data = await _all(api, types=["no_owner"])
    assert unowned and {n["gapType"] for n in unowned} == {"no_owner"}
    assert [c["key"] for c in data["counts"]] == ["no_owner"]
    serious, _ = await _all(api, severity="HIGH")
    assert [n["id"] for n in serious] == [g.id for g in ownership_gaps(store, severity="high").gaps]
    assert {n["severity"] for n in serious} <= {"HIGH", "CRITICAL"}
    status, code, message = await api.error(GAPS, {"types": ["unowned"]})
    assert code == "BAD_INPUT" and "unknown gap type 'unowned'" in message, (status, code, message)


def test_cli_filters_and_orders(tmp_path: Path) -> None:
    path = tmp_path / "k.db"
    store = EmbeddedStore(path)
    build_gap_estate().write(store)
    store.close()

    def gaps(*args: str) -> list[dict[str, object]]:
        result = CliRunner().invoke(cli, ["query", "ownership-gaps", *args, "--format", "json", "--store", str(path)])
        assert result.exit_code == 0, result.output
        found: list[dict[str, object]] = json.loads(result.stdout)["gaps"]
        return found

    everything = gaps()
    assert (everything[0]["gap_type"], everything[0]["severity"]) == ("owner_offboarded", "critical")
    assert {g["gap_type"] for g in gaps("--type", "no_owner")} == {"no_owner"}
    assert {g["gap_type"] for g in gaps("--type", "NO_OWNER", "--type", "owner_offboarded")} == {
        "no_owner",
        "owner_offboarded",
    }
    assert [g["severity"] for g in gaps("--severity", "critical")] == ["critical"]
    bad = CliRunner().invoke(cli, ["query", "ownership-gaps", "--type", "unowned", "--store", str(path)])
    assert bad.exit_code == 2 and "unowned" in bad.output
