"""`keytrail export` / `import` / `stats`: moving an estate from the embedded store to Neo4j.

The CLI runs through click's CliRunner (and once as the installed console script, to see the
user-facing error for a bad dump line). The estate exported from Neo4j after the move must be
byte-identical to the one exported from the embedded store.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner, Result

from api.cli import cli
from graph.embedded import EmbeddedStore
from tests.conftest import neo4j_lock, neo4j_settings, open_neo4j_store
from tests.graph.test_store_contract import BUCKET, ROLE, sample_graph
from tests.store_twins import edge


def run(*args: str) -> Result:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def estate(tmp_path: Path) -> Path:
    """An embedded store holding the sample estate, with a second observation origin too."""
    path = tmp_path / "estate.db"
    store = EmbeddedStore(path)
    try:
        store.write(*sample_graph())
        store.write([], [edge(ROLE, "Identity", "CAN_ACCESS", BUCKET, "Resource", origin="trail-2", count=3)])
    finally:
        store.close()
    return path


@pytest.fixture
def neo4j_uri() -> Iterator[str]:
    uri, _user, _password = neo4j_settings()
    with neo4j_lock():
        open_neo4j_store().close()  # an empty database to move into
        yield uri


def test_embedded_to_neo4j_and_back_is_byte_identical(estate: Path, neo4j_uri: str, tmp_path: Path) -> None:
    dump = tmp_path / "estate.jsonl"
    run("export", "--store", str(estate), "--out", str(dump))
    imported = run("import", "--store", neo4j_uri, str(dump))
    assert "imported 9 nodes and 9 edge observations into bolt://" in imported.output
    assert os.environ.get("KEYTRAIL_NEO4J_PASSWORD", "\0") not in imported.output

    again = tmp_path / "from-neo4j.jsonl"
    run("export", "--store", neo4j_uri, "--out", str(again))
    assert again.read_bytes() == dump.read_bytes()
    assert run("export", "--store", neo4j_uri).output.encode() == dump.read_bytes()

    copy = tmp_path / "copy.db"
    run("import", "--store", str(copy), str(again))
    run("import", "--store", str(copy), str(again))  # importing twice changes nothing
    final = tmp_path / "copy.jsonl"
    run("export", "--store", str(copy), "--out", str(final))
    assert final.read_bytes() == dump.read_bytes()

    stats = [
        orjson.loads(run("stats", "--store", where, "--format", "json").output) for where in (str(estate), neo4j_uri)
    ]
    assert stats[0] == stats[1]
    assert sum(stats[0]["edges"].values()) == 8
    table = run("stats", "--store", neo4j_uri).output
    assert "nodes: 9" in table and "edges: 8" in table and "CAN_ACCESS" in table


def test_bad_dump_line_is_a_located_error_not_a_traceback(tmp_path: Path) -> None:
    dump = tmp_path / "bad.jsonl"
    good = '{"type":"node","id":"person:a@example.com","kind":"Person"}'
    dump.write_text(good + "\n\n" + '{"type":"node","id":"bad id","kind":"Person"}\n', encoding="utf-8")
    store = tmp_path / "target.db"
    finished = subprocess.run(
        ["keytrail", "import", "--store", str(store), str(dump)], capture_output=True, text=True, timeout=60
    )
    assert finished.returncode == 1
    assert f"{dump}, line 3: malformed id 'bad id'" in finished.stderr
    assert "Traceback" not in finished.stderr
