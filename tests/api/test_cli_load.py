"""`keytrail load` as a script sees it: exit codes, skipped files, per-file counts, totals;
and read commands that refuse a missing or empty store instead of answering "nothing found".

Through click's CliRunner (stdout and stderr apart), on fixtures in the sources' real formats.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner, Result

from api.cli import cli
from graph.embedded import EmbeddedStore
from graph.schema import EdgeKind
from tests.conftest import FIXTURES, neo4j_lock, neo4j_settings, open_neo4j_store

IAM = FIXTURES / "aws" / "iam-authorization-details.json"
CLEAN = FIXTURES / "people" / "scim-groups.json"  # a file every record of which loads
TRAIL = next((FIXTURES / "aws" / "cloudtrail").rglob("*.json.gz"))
SUMMARY = re.compile(r"the store now holds (\d+) nodes and (\d+) edges")


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env={"KEYTRAIL_STORE": "", **(env or {})})


@pytest.fixture
def evidence(tmp_path: Path) -> Path:
    """A folder as people keep them: evidence beside a README and a demo-data style manifest."""
    folder = tmp_path / "evidence"
    (folder / "notes").mkdir(parents=True)
    (folder / "groups.json").write_bytes(CLEAN.read_bytes())
    (folder / "README.md").write_text("# exports from 2025-01-10\n")
    (folder / "manifest.json").write_text('{"format": "keytrail-demo-manifest/1", "counts": {"files": 2}}\n')
    (folder / "notes" / "owners.tsv").write_text("team\towner\nplatform\talice\n")
    return folder


def test_a_folder_walk_skips_files_of_no_known_format_once(evidence: Path, tmp_path: Path) -> None:
    result = invoke("load", "--store", str(tmp_path / "k.db"), str(evidence))
    assert result.exit_code == 0, result.output
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped")]
    assert skipped == [
        f"skipped 3 files (no known format, or not a regular file): {evidence}/README.md, {evidence}/manifest.json, "
        f"{evidence}/notes/owners.tsv"
    ]
    assert "FAILED" not in result.output
    assert "loaded 1 files" in result.stdout and "3 skipped" in result.stdout


def test_a_named_file_of_no_known_format_still_fails(evidence: Path, tmp_path: Path) -> None:
    result = invoke(
        "load", "--store", str(tmp_path / "k.db"), str(evidence / "groups.json"), str(evidence / "README.md")
    )
    assert result.exit_code == 1
    assert f"FAILED  {evidence}/README.md: format not recognised" in result.stderr
    assert "scim" in result.stdout  # the good file beside it loaded


def test_strict_fails_on_unknown_files_met_in_a_folder(evidence: Path, tmp_path: Path) -> None:
    result = invoke("load", "--strict", "--store", str(tmp_path / "k.db"), str(evidence))
    assert result.exit_code == 1
    assert f"FAILED  {evidence}/manifest.json: format not recognised" in result.stderr
    assert "skipped" not in result.stderr


def test_a_missing_path_is_reported_and_the_others_load(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-export.json"
    result = invoke("load", "--store", str(tmp_path / "k.db"), str(missing), str(CLEAN))
    assert result.exit_code == 1
    assert f"FAILED  {missing}: cannot read: No such file or directory" in result.stderr
    assert f"scim                   {CLEAN}: 2 accepted" in result.stdout
    assert int(SUMMARY.search(result.stdout).group(1)) > 0  # type: ignore[union-attr]


def test_a_truncated_export_is_rejected_at_the_line_where_parsing_failed(tmp_path: Path) -> None:
    text = IAM.read_text()
    cut = tmp_path / "iam-cut.json"
    cut.write_text(text[: len(text) // 2])
    last_line = cut.read_text().count("\n") + 1
    result = invoke("load", "--store", str(tmp_path / "k.db"), str(cut))
    assert result.exit_code == 1, "a rejected record is not 'everything loaded'"
    assert f"rejected: {cut}, line {last_line}: truncated JSON: the object opened at line 1" in result.stderr


def test_usage_errors_exit_2_and_strict_stops_exit_1(tmp_path: Path) -> None:
    store = str(tmp_path / "k.db")
    assert invoke("load", "--store", store).exit_code == 2
    unknown = invoke("load", "--store", store, "--source", "no-such-format", str(IAM))
    assert unknown.exit_code == 2 and "unknown source 'no-such-format'" in unknown.output
    broken = tmp_path / "broken.json"
    broken.write_text('{"UserDetailList": [}\n')
    stopped = invoke("load", "--strict", "--store", store, "--source", "aws-iam", str(broken))
    assert stopped.exit_code == 1 and "stopped (--strict)" in stopped.stderr
    assert "0 = every file loaded" in invoke("load", "--help").output


def _split_trail(folder: Path) -> tuple[Path, Path]:
    """The fixture trail cut into two real CloudTrail files: alice's and svc-deploy's events, then the rest."""
    records = orjson.loads(gzip.decompress(TRAIL.read_bytes()))["Records"]
    first, second = folder / "a.json.gz", folder / "b.json.gz"
    folder.mkdir()
    first.write_bytes(gzip.compress(orjson.dumps({"Records": records[:6]})))
    second.write_bytes(gzip.compress(orjson.dumps({"Records": records[6:]})))
    return first, second


def test_each_file_counts_its_sessions_and_the_total_is_what_stats_shows(tmp_path: Path) -> None:
    first, second = _split_trail(tmp_path / "trail")
    store = str(tmp_path / "k.db")
    result = invoke("load", "--store", store, str(CLEAN), str(tmp_path / "trail"))
    assert result.exit_code == 0, result.output
    lines = {
        line.split()[1].rstrip(":"): line for line in result.stdout.splitlines() if line.startswith(("aws-", "scim"))
    }
    counts = {path: tuple(int(n) for n in re.findall(r"(\d+) (?:nodes|edges)", line)) for path, line in lines.items()}
    # Sessions are written at the end of the load; each file's line counts those its events made:
    # at least every edge of the graph that only this file's evidence supports.
    graph = EmbeddedStore(store)
    try:
        cited = [{ev.source for ev in e.evidence} for kind in EdgeKind for e in graph.edges_of_kind(kind, limit=1000)]
    finally:
        graph.close()
    for trail_file in (first, second):
        only_this = sum(1 for sources in cited if sources == {str(trail_file)})
        assert only_this >= 5
        assert counts[str(trail_file)][1] >= only_this, lines[str(trail_file)]
    stats = orjson.loads(invoke("stats", "--store", store, "--format", "json").stdout)
    held = SUMMARY.search(result.stdout)
    assert held is not None
    assert (int(held.group(1)), int(held.group(2))) == (sum(stats["nodes"].values()), sum(stats["edges"].values()))


@pytest.fixture(params=["embedded", "neo4j"])
def empty_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The location of an existing store that holds nothing, on each store."""
    if request.param == "embedded":
        path = tmp_path / "empty.db"
        EmbeddedStore(path).close()
        yield str(path)
        return
    uri, _user, _password = neo4j_settings()
    with neo4j_lock():
        open_neo4j_store().close()
        yield uri


READ_COMMANDS = (
    ("query", "ownership-gaps", "--format", "json"),
    ("query", "stale", "--format", "csv"),
    ("findings", "--format", "sarif"),
    ("query", "accountability", "aws:key:AKIAEXAMPLE"),
    ("export",),
)


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_read_commands_never_create_a_store(
    command: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(*command)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "no keytrail store at .keytrail/keytrail.db" in result.stderr
    assert "KEYTRAIL_STORE" in result.stderr
    assert not (tmp_path / ".keytrail").exists()
    named = invoke(*command, env={"KEYTRAIL_STORE": str(tmp_path / "elsewhere.db")})
    assert (
        named.exit_code == 1 and f"no keytrail store at {tmp_path}/elsewhere.db (from KEYTRAIL_STORE)" in named.stderr
    )
    assert not (tmp_path / "elsewhere.db").exists()


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_read_commands_refuse_an_empty_store(command: tuple[str, ...], empty_store: str) -> None:
    result = invoke(*command, "--store", empty_store)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "is empty" in result.stderr and "(from --store)" in result.stderr


def test_stats_counts_an_empty_store_but_refuses_a_missing_one(tmp_path: Path) -> None:
    missing = invoke("stats", "--store", str(tmp_path / "none.db"))
    assert missing.exit_code == 1 and "no keytrail store at" in missing.stderr
    assert not (tmp_path / "none.db").exists()
    path = tmp_path / "empty.db"
    EmbeddedStore(path).close()
    empty = invoke("stats", "--store", str(path))
    assert empty.exit_code == 0 and "nodes: 0" in empty.stdout
