"""Issue 22 item 8: SARIF results carry physical locations where the evidence has a file and a
line in a repository (a scanner's leaked file and line, a workflow's job line), and the whole
log has the SARIF 2.1.0 shape: checked field by field and against a minimal JSON schema of the
parts keytrail emits (written here; nothing is downloaded)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest
from click.testing import CliRunner

from api.cli import cli
from graph.embedded import EmbeddedStore
from queries.findings import findings
from queries.output import to_sarif
from tests.conftest import FIXTURES
from tests.loader_helpers import NOW, load

CHECKOUT = FIXTURES / "github" / "checkout"
WORKFLOW = CHECKOUT / "acme" / "shop" / ".github" / "workflows" / "release.yml"
LEAKED_KEY = "aws:key:AKIAQYLPMN5HFIXTURE1"

_LOCATION = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "minimum": 0},
        "physicalLocation": {
            "type": "object",
            "required": ["artifactLocation", "region"],
            "properties": {
                "artifactLocation": {
                    "type": "object",
                    "required": ["uri"],
                    "properties": {"uri": {"type": "string", "minLength": 1, "pattern": "^[^\\s]+$"}},
                },
                "region": {
                    "type": "object",
                    "required": ["startLine"],
                    "properties": {"startLine": {"type": "integer", "minimum": 1}},
                },
            },
        },
        "logicalLocations": {
            "type": "array",
            "items": {"type": "object", "required": ["fullyQualifiedName"]},
        },
        "properties": {"type": "object"},
    },
    "additionalProperties": False,
}
SARIF_SUBSET = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name", "rules"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "rules": {
                                        "type": "array",
                                        "items": {"type": "object", "required": ["id", "shortDescription"]},
                                    },
                                },
                            }
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["ruleId", "ruleIndex", "level", "message", "locations"],
                            "properties": {
                                "level": {"enum": ["none", "note", "warning", "error"]},
                                "message": {"type": "object", "required": ["text"]},
                                "locations": {"type": "array", "minItems": 1, "items": _LOCATION},
                                "relatedLocations": {
                                    "type": "array",
                                    "items": {"allOf": [_LOCATION, {"required": ["id", "physicalLocation"]}]},
                                },
                                "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
                            },
                        },
                    },
                },
            },
        },
    },
}


@pytest.fixture(scope="module")
def sarif(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    store = EmbeddedStore(tmp_path_factory.mktemp("sarif") / "k.db")
    try:
        load(store, FIXTURES / "scanners", CHECKOUT, repository="acme/shop")
        data: dict[str, Any] = orjson.loads(to_sarif(findings(store, now=NOW)))
    finally:
        store.close()
    return data


def _results(sarif: dict[str, Any], subject: str) -> list[dict[str, Any]]:
    return [
        r
        for r in sarif["runs"][0]["results"]
        if r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == subject
    ]


def _physical(result: dict[str, Any]) -> list[tuple[str, int]]:
    places = [result["locations"][0], *result.get("relatedLocations", [])]
    return [
        (p["physicalLocation"]["artifactLocation"]["uri"], p["physicalLocation"]["region"]["startLine"])
        for p in places
        if "physicalLocation" in p
    ]


def test_the_log_has_the_sarif_shape(sarif: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(SARIF_SUBSET)
    jsonschema.validate(sarif, SARIF_SUBSET, cls=jsonschema.Draft202012Validator)
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert run["results"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        related = [r["id"] for r in result.get("relatedLocations", [])]
        assert related == list(range(1, len(related) + 1))  # ids unique within the result


def test_a_leaked_key_points_at_the_file_and_line_the_scanner_reported(sarif: dict[str, Any]) -> None:
    reported = {
        (f["File"], f["StartLine"]) for f in json.loads((FIXTURES / "scanners" / "gitleaks-v8-shop.json").read_text())
    }
    (leak, *_) = [r for r in _results(sarif, LEAKED_KEY) if r["ruleId"] == "KT-NHI2-001"]
    assert _physical(leak)[0] == ("config/settings.py", 12) and ("config/settings.py", 12) in reported
    assert leak["locations"][0]["properties"] == {"repository": "github:acme/shop"}
    scanner_places = {p for r in sarif["runs"][0]["results"] if r["ruleId"].startswith("KT-NHI2") for p in _physical(r)}
    assert {p for p in reported if p[0] != "x.py"} <= scanner_places  # x.py: the report's rejected record


def test_workflow_evidence_points_at_the_job_or_secret_line_in_the_repository(sarif: dict[str, Any]) -> None:
    lines = WORKFLOW.read_text().splitlines()
    workflow_places = [
        p for r in sarif["runs"][0]["results"] for p in _physical(r) if p[0] == ".github/workflows/release.yml"
    ]
    assert len(workflow_places) >= 3
    for _uri, line in workflow_places:
        text = lines[line - 1]
        assert re.match(r"^  [A-Za-z0-9_-]+:\s*$", text) or "${{ secrets." in text, text  # a job's line, or the use


def test_findings_without_a_repository_line_keep_only_the_logical_location(sarif: dict[str, Any]) -> None:
    bare = [r for r in sarif["runs"][0]["results"] if not _physical(r)]
    assert bare and all(set(r["locations"][0]) == {"logicalLocations"} for r in bare)


def test_the_cli_prints_the_locations(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "k.db")
    load(store, FIXTURES / "scanners", repository="acme/shop")
    store.close()
    result = CliRunner().invoke(cli, ["findings", "--format", "sarif", "--now", NOW, "--store", str(tmp_path / "k.db")])
    assert result.exit_code == 0, result.output
    sarif = orjson.loads(result.stdout)
    jsonschema.validate(sarif, SARIF_SUBSET, cls=jsonschema.Draft202012Validator)
    assert ("config/settings.py", 12) in {p for r in sarif["runs"][0]["results"] for p in _physical(r)}
