"""BloodHound OpenGraph out and in (issue 21 item 5): the export is valid OpenGraph with an
extension schema BloodHound CE can read, export → load gives back the same graph on both stores,
and other collectors' files load through the documented mapping with located rejections.

The JSON Schemas in tests/fixtures/opengraph/schemas state BloodHound's documented rules (their
README says where from); the foreign file is written in GitHound's shape for this test.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import orjson
from click.testing import CliRunner

from api.cli import cli
from graph.embedded import EmbeddedStore
from graph.opengraph import extension_schema, write_opengraph
from graph.schema import EDGE_SPECS, EdgeKind, NodeKind
from graph.store import GraphStore
from loaders.opengraph.foreign import EDGE_KINDS, NODE_KINDS
from tests.conftest import REPO
from tests.loader_helpers import edges, errors, export_text, load, node

FIXTURES = REPO / "tests" / "fixtures"
SCHEMAS = FIXTURES / "opengraph" / "schemas"
FOREIGN = FIXTURES / "opengraph" / "githound-style.json"
# a little of every source keytrail reads, so every node and edge kind the loaders write is exported
SOURCES = [FIXTURES / name for name in ("aws", "github", "people", "scanners")]


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _opengraph(store: GraphStore) -> dict:
    out = io.StringIO()
    write_opengraph(store.export(), out)
    return orjson.loads(out.getvalue())


def test_export_is_valid_opengraph(store: GraphStore) -> None:
    load(store, *SOURCES)
    document = _opengraph(store)
    problems = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in _validator("opengraph.schema.json").iter_errors(document)
    ]
    assert not problems, problems[:5]
    nodes, graph_edges = document["graph"]["nodes"], document["graph"]["edges"]
    stats = store.stats()
    assert len(nodes) == sum(stats.nodes.values())
    assert document["metadata"] == {"source_kind": "keytrail"}
    assert {n["kinds"][0] for n in nodes} <= {f"KT_{k.value}" for k in NodeKind}
    # every stored edge once, plus one derived inverse per edge a blast radius walks backwards
    backwards = sum(count for kind, count in stats.edges.items() if EDGE_SPECS[EdgeKind(kind)].blast == "in")
    assert len(graph_edges) == sum(stats.edges.values()) + backwards
    derived = [e for e in graph_edges if e["kind"].endswith("_INVERSE")]
    assert len(derived) == backwards and all(e["properties"]["kt_derived"] is True for e in derived)
    assert all(isinstance(n["properties"]["name"], str) and n["properties"]["name"] for n in nodes)


def test_export_then_load_gives_back_the_same_graph(store: GraphStore, tmp_path: Path) -> None:
    report = load(store, *SOURCES)
    assert not report.failed and sum(store.stats().edges.values()) > 100
    path = tmp_path / "keytrail.opengraph.json"
    with path.open("w", encoding="utf-8") as out:
        write_opengraph(store.export(), out)
    (tmp_path / "back").mkdir()
    back = EmbeddedStore(tmp_path / "back" / "keytrail.db")
    try:
        assert not errors(load(back, path))
        assert export_text(back) == export_text(store)
        assert not errors(load(back, path))  # idempotent
        assert export_text(back) == export_text(store)
    finally:
        back.close()


def test_extension_schema_makes_blast_edges_traversable() -> None:
    schema = extension_schema()
    problems = [e.message for e in _validator("extension.schema.json").iter_errors(schema)]
    assert not problems, problems[:5]
    kinds = {r["representation"]: r for r in schema["relationship_kinds"]}
    assert kinds["KT_CAN_ACCESS"]["is_traversable"] and kinds["KT_CAN_ASSUME"]["is_traversable"]
    assert not kinds["KT_HAS_CREDENTIAL"]["is_traversable"]  # identity → credential: walked backwards
    inverse = kinds["KT_HAS_CREDENTIAL_INVERSE"]
    assert inverse["is_traversable"]
    assert {"source_node": "KT_Credential", "target_node": "KT_Identity"} in inverse["constraints"]
    assert {n["representation"] for n in schema["node_kinds"]} == {f"KT_{k.value}" for k in NodeKind}
    # every edge kind the export writes is declared, so BloodHound can path-find over all of them
    assert {f"KT_{k.value}" for k in EdgeKind} <= set(kinds)


def test_a_collectors_file_loads_through_the_mapping(store: GraphStore) -> None:
    report = load(store, FOREIGN)
    dana = node(store, "person:dana.whitfield@acme.example")  # joined to the roster's Person by email
    assert dana.kind is NodeKind.PERSON and dana.subtype == "opengraph.Person"
    bot = node(store, "opengraph:github:U_kgDOA1")
    assert bot.kind is NodeKind.IDENTITY and bot.name == "deploy-bot"
    assert "login=deploy-bot" in bot.props["tags"]  # undeclared properties kept as tags
    repo = node(store, "opengraph:github:R_kgDOR1")
    assert repo.kind is NodeKind.REPOSITORY and repo.props["visibility"] == "private"
    assert set(edges(store, EdgeKind.MEMBER_OF)) == {
        ("opengraph:github:U_kgDOA1", "opengraph:github:T_kgDOT1"),
        ("person:dana.whitfield@acme.example", "opengraph:github:T_kgDOT1"),  # matched by name
    }
    access = edges(store, EdgeKind.CAN_ACCESS)[("opengraph:github:U_kgDOA1", "opengraph:github:ROLE_admin")]
    assert access.props["actions"] == ["GH_HasRole"]
    assert access.evidence[0].source.endswith("githound-style.json") and access.evidence[0].locator == "record 11"
    # matched by property (login), and mapped by the table
    assert ("opengraph:github:U_kgDOA1", "opengraph:github:PAT_1") in edges(store, EdgeKind.HAS_CREDENTIAL)
    rejected = errors(report)
    assert len(rejected) == 3, rejected
    assert any(
        "record 13" in e and "'GH_CanPush' from a Team to a Repository has no keytrail meaning" in e for e in rejected
    )
    assert any("record 14" in e and "'NOT_IN_ANY_FILE' is in no loaded file" in e for e in rejected)
    assert any("record 15" in e and "named 'nobody' matches 0 nodes" in e for e in rejected)


def test_malformed_records_are_located_and_the_rest_loads(store: GraphStore, tmp_path: Path) -> None:
    document = json.loads(FOREIGN.read_text())
    document["graph"]["nodes"].insert(1, {"id": "X", "kinds": []})
    document["graph"]["nodes"].insert(2, "not a node")
    path = tmp_path / "damaged.json"
    path.write_text(json.dumps(document))
    report = load(store, path)
    rejected = errors(report)
    assert any("record 2" in e and "`kinds` must be a non-empty list" in e for e in rejected), rejected
    assert any("record 3" in e and "node 3: not an object" in e for e in rejected), rejected
    assert node(store, "opengraph:github:U_kgDOA1").name == "deploy-bot"


def test_cli_writes_both_documents(tmp_path: Path) -> None:
    runner = CliRunner()
    db = tmp_path / "s.db"
    assert (
        runner.invoke(cli, ["load", "--store", str(db), str(FIXTURES / "people" / "scim-groups.json")]).exit_code == 0
    )
    out = tmp_path / "graph.json"
    result = runner.invoke(cli, ["export", "--store", str(db), "--format", "opengraph", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert not list(_validator("opengraph.schema.json").iter_errors(orjson.loads(out.read_bytes())))
    schema = runner.invoke(cli, ["export", "--format", "opengraph-schema"])  # no store needed
    assert schema.exit_code == 0 and json.loads(schema.output) == extension_schema()
    missing = runner.invoke(cli, ["export", "--store", str(tmp_path / "none.db"), "--format", "opengraph"])
    assert missing.exit_code == 1 and "error:" in missing.output


def test_the_mapping_page_names_every_entry_of_the_tables() -> None:
    page = (REPO / "docs" / "opengraph.md").read_text()
    rows = {line.split("|")[1].strip(): line for line in page.splitlines() if line.startswith("| ")}
    for table in (NODE_KINDS, EDGE_KINDS):
        for foreign, kind in table.items():
            assert f"`{foreign}`" in rows.get(kind.value, ""), (
                f"{foreign} → {kind.value} missing from docs/opengraph.md"
            )
