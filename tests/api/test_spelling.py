"""One spelling per value (issue 22 item 12, the API and CLI parts): GraphQL spells each enum
value as its declaration upper-cased, in enum fields and in strings naming one alike; the CLI
accepts either spelling; an owner appears once per answer; docs/values.md and the README say so."""

# ruff: noqa: UP031  (GraphQL documents are full of braces)

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from graphql import GraphQLEnumType

from api.cli import cli
from api.graphql.schema import build_schema
from api.settings import Settings
from graph.embedded import EmbeddedStore
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from queries.rules_base import Severity
from tests.conftest import REPO
from tests.fixtures.api.harness import Api, api_for
from tests.fixtures.queries.scenario import build_scenario

pytestmark = pytest.mark.anyio
KEY = "aws:key:AKIADEPLOY0000000001"
USER = "aws:arn:aws:iam::111111111111:user/deploy"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _scenario_with_a_second_ownership() -> object:
    """The scenario, plus bob owning the deploy key itself as well as its IAM user."""
    graph = build_scenario()
    graph.edge("person:bob@acme.io", EdgeKind.OWNS, KEY, provenance="tag")  # type: ignore[arg-type]
    return graph


@pytest.fixture
async def api(embedded_store: EmbeddedStore, tmp_path: Path) -> AsyncIterator[Api]:
    build_scenario().write(embedded_store)
    async with api_for(embedded_store, tmp_path) as client:
        yield client


def test_every_graphql_enum_is_its_declaration_upper_cased() -> None:
    schema = build_schema(Settings(demo=True))._schema
    enums = [t for name, t in schema.type_map.items() if isinstance(t, GraphQLEnumType) and not name.startswith("__")]
    assert {"NodeKind", "EdgeKind", "Verdict", "Severity", "Role"} <= {e.name for e in enums}
    for enum in enums:
        for name, value in enum.values.items():
            assert name == str(getattr(value.value, "value", value.value)).upper(), (enum.name, name, value.value)


async def test_answers_spell_kinds_and_severities_as_the_enums(api: Api) -> None:
    blast = await api.data('{ blastRadius(id: "%s") { nodes summary { nodesByKind { key } } } }' % KEY)
    keys = {e["key"] for e in blast["blastRadius"]["summary"]["nodesByKind"]}
    assert keys and keys <= {k.name for k in NodeKind}, keys  # was Credential beside kind: CREDENTIAL
    found = await api.data("{ findings(first: 5) { countsBySeverity { key } findings { nodes { severity } } } }")
    severities = {e["key"] for e in found["findings"]["countsBySeverity"]}
    assert severities and severities <= {s.name for s in Severity}, severities  # was medium beside MEDIUM
    shared = await api.data("{ sharedCredentials(by: RUNNER) { nodes { consumers { kind } } } }")
    kinds = {c["kind"] for n in shared["sharedCredentials"]["nodes"] for c in n["consumers"]}
    assert kinds == {"RUNNER"}, kinds  # was Runner


async def test_an_owner_is_listed_once(store: GraphStore, tmp_path: Path) -> None:
    _scenario_with_a_second_ownership().write(store)  # type: ignore[attr-defined]
    async with api_for(store, tmp_path) as api:
        data = await api.data('{ accountability(id: "%s") { verdict owners { id distance owns alsoOwns } } }' % KEY)
    owners = data["accountability"]["owners"]
    ids = [o["id"] for o in owners]
    assert len(ids) == len(set(ids)), owners
    bob = next(o for o in owners if o["id"] == "person:bob@acme.io")
    assert (bob["distance"], bob["owns"], bob["alsoOwns"]) == (0, KEY, [USER])
    assert data["accountability"]["verdict"] == "OWNER_OFFBOARDED"


def test_cli_takes_either_spelling(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "keytrail.db")
    build_scenario().write(store)
    store.close()
    runner = CliRunner()
    env = {"KEYTRAIL_STORE": str(tmp_path / "keytrail.db")}
    answers = []
    for kind, severity, by in (("CREDENTIAL", "MEDIUM", "RUNNER"), ("Credential", "medium", "runner")):
        search = runner.invoke(cli, ["query", "search", "deploy", "--kind", kind, "--format", "json"], env=env)
        found = runner.invoke(cli, ["findings", "--severity", severity, "--format", "json"], env=env)
        shared = runner.invoke(cli, ["query", "shared-credentials", "--by", by, "--format", "json"], env=env)
        for done in (search, found, shared):
            assert done.exit_code == 0, done.output
        answers.append((json.loads(search.stdout), json.loads(found.stdout)["total"], json.loads(shared.stdout)))
    assert answers[0] == answers[1] and answers[0][0]["nodes"]


def test_the_spelling_and_readyz_are_documented() -> None:
    values = (REPO / "docs" / "values.md").read_text()
    assert "value.upper()" in values and "`RUNNER`" in values and "`Runner`" in values
    readme = (REPO / "README.md").read_text()
    assert "docs/values.md" in readme
    assert "`/readyz` (needs a token)" in readme
