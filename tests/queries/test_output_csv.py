"""Issue 22 item 7: every CLI command with `--format csv` prints one fixed, documented header —
the same on a store where little matches, on the demo estate and on a store where other rules
fire — and keeps run summaries out of the rows (they go to stderr, and all are in JSON)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from api.cli import cli
from graph.embedded import EmbeddedStore
from graph.schema import EdgeKind, NodeKind
from loaders.base import LoadContext
from loaders.demo import generate_demo
from loaders.runner import run_load
from queries.output_csv import COMMANDS, DOC, csv_columns, regenerate
from tests.fixtures.queries.scenario import GraphBuilder, build_scenario


@dataclass(frozen=True)
class Estate:
    path: Path
    identity: str
    credential: str
    changed: str
    now: str


def _small(path: Path) -> None:
    """An owned identity with one key: no gap, no finding, nothing shared."""
    g = GraphBuilder()
    alice = g.node("person:alice@acme.io", NodeKind.PERSON, "scim.user", "Alice", status="active")
    user = g.node("aws:arn:aws:iam::111111111111:user/app", NodeKind.IDENTITY, "aws.iam.user", nature="machine")
    key = g.node("aws:key:AKIASMALL00000000001", NodeKind.CREDENTIAL, "aws.access_key", status="active")
    g.edge(user, EdgeKind.HAS_CREDENTIAL, key)
    g.edge(alice, EdgeKind.OWNS, user)
    store = EmbeddedStore(path)
    g.write(store)
    store.close()


def _estate(path: Path, now: str) -> Estate:
    store = EmbeddedStore(path)
    try:
        held = store.edges_of_kind(EdgeKind.HAS_CREDENTIAL, limit=1)[0]
        changed = [e.target for e in store.edges_of_kind(EdgeKind.TARGETS, limit=1)] or [held.source]
    finally:
        store.close()
    return Estate(path, held.source, held.target, changed[0], now)


@pytest.fixture(scope="module")
def estates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Estate]]:
    root = tmp_path_factory.mktemp("csv-estates")
    _small(root / "small.db")
    store = EmbeddedStore(root / "scenario.db")
    build_scenario().write(store)
    store.close()
    generate_demo(root / "demo", seed=7, scale=1)
    manifest = json.loads((root / "demo" / "manifest.json").read_text())
    store = EmbeddedStore(root / "demo.db")
    run_load(store, [root / "demo"], ctx=LoadContext(now=manifest["base_time"], hmac_key=b"csv-test-key"))
    store.close()
    yield {
        "small": _estate(root / "small.db", "2024-06-01T00:00:00Z"),
        "scenario": _estate(root / "scenario.db", "2024-06-01T00:00:00Z"),
        "demo": _estate(root / "demo.db", manifest["base_time"]),
    }


def _arguments(command: str, estate: Estate) -> list[str]:
    ident, key = estate.identity, estate.credential
    return {
        "query accountability": [key],
        "query shared-credentials": ["--min-consumers", "1"],
        "query blast-radius": [ident],
        "query ownership-gaps": [],
        "query stale": ["--now", estate.now],
        "query access-story": ["--credential", key],
        "query permission-history": [estate.changed],
        "query path": [ident, key],
        "query search": ["a"],
        "query neighbors": [ident],
        "query node": [key],
        "findings": ["--now", estate.now],
    }[command]


def _csv(command: str, estate: Estate) -> tuple[list[list[str]], str]:
    args = [*command.split(), *_arguments(command, estate), "--format", "csv", "--store", str(estate.path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, (args, result.output)
    return list(csv.reader(io.StringIO(result.stdout))), result.stderr


@pytest.mark.parametrize("command", list(COMMANDS))
def test_the_header_is_the_same_on_every_store_and_rows_fit_it(command: str, estates: dict[str, Estate]) -> None:
    expected = csv_columns(COMMANDS[command])
    counts = {}
    for name, estate in estates.items():
        rows, _stderr = _csv(command, estate)
        assert rows[0] == expected, name
        assert all(len(row) == len(expected) for row in rows[1:]), name
        counts[name] = len(rows) - 1
    assert counts["demo"] + counts["scenario"] > 0  # compared on real answers, not only on empty ones


def test_summaries_go_to_stderr_never_into_rows(estates: dict[str, Estate]) -> None:
    rows, stderr = _csv("findings", estates["demo"])
    header = rows[0]
    assert not {c for c in header if c.startswith(("counts", "total", "next_offset", "now", "suppressed"))}
    assert "total: " in stderr and "counts_by_rule: {" in stderr
    rules = {row[header.index("rule")] for row in rows[1:]}
    assert len(rules) > 1  # several rules fired, yet one column set
    gaps, gap_summary = _csv("query ownership-gaps", estates["demo"])
    assert "counts" not in ",".join(gaps[0]) and gap_summary.startswith("counts: {")
    small, _ = _csv("query ownership-gaps", estates["small"])
    assert small == [csv_columns(COMMANDS["query ownership-gaps"])]  # no gap: the header alone


def test_every_command_with_csv_is_declared(estates: dict[str, Estate]) -> None:
    found = set()

    def walk(group: click.Command, prefix: str) -> None:
        for name, command in getattr(group, "commands", {}).items():
            walk(command, f"{prefix}{name} ")
        for param in group.params:
            if param.name == "fmt" and isinstance(param.type, click.Choice) and "csv" in param.type.choices:
                found.add(prefix.strip())

    walk(cli, "")
    assert found == set(COMMANDS)


def test_help_and_docs_list_the_columns() -> None:
    result = CliRunner().invoke(cli, ["query", "ownership-gaps", "--help"])
    columns = ", ".join(csv_columns(COMMANDS["query ownership-gaps"]))
    assert "CSV columns" in result.output and columns[:40] in result.output
    assert regenerate(DOC.read_text()) == DOC.read_text(), "docs/outputs.md is stale: python -m queries.output_csv"
