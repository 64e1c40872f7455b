"""Output helpers (JSON, CSV, table, SARIF) and the `keytrail query` / `keytrail findings` commands."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from graph.embedded import EmbeddedStore
from queries.accountability import accountability
from queries.findings import findings
from queries.output import to_csv, to_json, to_rows, to_sarif, to_table
from tests.fixtures.queries.scenario import NOW, build_scenario

KEY = "aws:key:AKIADEPLOY0000000001"


@pytest.fixture
def estate_path(tmp_path: Path) -> Path:
    path = tmp_path / "keytrail.db"
    store = EmbeddedStore(path)
    build_scenario().write(store)
    store.close()
    return path


def test_json_is_stable_and_documented(estate_path: Path) -> None:
    store = EmbeddedStore(estate_path)
    result = accountability(store, KEY)
    text = to_json(result)
    assert text == to_json(accountability(store, KEY))
    data = orjson.loads(text)
    assert {"subject", "verdict", "owners", "chains", "action"} <= data.keys()
    assert {"id", "status"} <= data["owners"][0].keys()
    found = orjson.loads(to_json(findings(store, now=NOW)))["findings"][0]
    assert {"rule", "owasp", "severity", "subject", "action", "evidence"} <= found.keys()
    store.close()


def test_csv_and_table(estate_path: Path) -> None:
    store = EmbeddedStore(estate_path)
    result = findings(store, now=NOW)
    rows = list(csv.DictReader(io.StringIO(to_csv(result))))
    assert len(rows) == len(result.findings) and rows[0]["rule"] == result.findings[0].rule
    assert rows[0]["subject.id"] == result.findings[0].subject.id
    table = to_table(accountability(store, KEY))
    assert "verdict: owner_offboarded" in table and "person:bob@acme.io" in table
    assert to_rows(accountability(store, "k8s:prod:sa:default/app"))[0]["verdict"] == "orphaned"
    store.close()


def test_sarif(estate_path: Path) -> None:
    store = EmbeddedStore(estate_path)
    result = findings(store, now=NOW)
    sarif = orjson.loads(to_sarif(result))
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert len(run["results"]) == len(result.findings)
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for item in run["results"]:
        assert rule_ids[item["ruleIndex"]] == item["ruleId"]
        assert item["level"] in ("error", "warning", "note")
        assert item["partialFingerprints"]["keytrailFinding/v1"].startswith(item["ruleId"])
    store.close()


def _keytrail(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    code = "from api.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args, "--store", str(store)], capture_output=True, text=True, timeout=120
    )


def test_cli(estate_path: Path) -> None:
    ok = _keytrail("query", "accountability", KEY, "--format", "json", store=estate_path)
    assert ok.returncode == 0, ok.stderr
    assert orjson.loads(ok.stdout)["verdict"] == "owner_offboarded"
    sarif = _keytrail("findings", "--format", "sarif", "--now", NOW, store=estate_path)
    assert sarif.returncode == 0 and orjson.loads(sarif.stdout)["version"] == "2.1.0"
    missing = _keytrail("query", "blast-radius", "aws:key:NOPE", store=estate_path)
    assert missing.returncode == 1 and missing.stderr.strip() == "error: no node 'aws:key:NOPE' in the graph"
    bad = _keytrail("query", "stale", "--as-of", "not-a-time", store=estate_path)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr and "as_of" in bad.stderr
    story = _keytrail("query", "access-story", KEY, "--format", "csv", store=estate_path)
    assert story.returncode == 0 and story.stdout.startswith("subject.id,")
    page = _keytrail("findings", "--format", "json", "--now", NOW, "--offset", "2", "--limit", "3", store=estate_path)
    paged = orjson.loads(page.stdout)
    assert page.returncode == 0 and len(paged["findings"]) == 3 and paged["offset"] == 2 and paged["next_offset"] == 5
    assert paged["total"] > 5 and paged["truncated"] is True
    zero = _keytrail("findings", "--limit", "0", store=estate_path)
    assert zero.returncode == 1 and "limit" in zero.stderr and "Traceback" not in zero.stderr
