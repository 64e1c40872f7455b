"""SARIF 2.1.0 for code-scanning tools: one rule per keytrail rule, one result per finding.

A result's `locations[0]` carries the subject as a logical location and, where the evidence has
a file and a line inside a repository, a physical location (`artifactLocation.uri` relative to
the repository root, `region.startLine`), so a code-scanning view can open the line: the file
and line where a secret scanner found a leaked value (an EXPOSED_IN edge's `lines`, with the
repository in the location's properties), and the workflow or CODEOWNERS line a GitHub loader
cites (evidence whose file sits under a `.github/` folder). Further ones are
`relatedLocations`; evidence with no repository line (an audit-log event, an IAM export
record) stays in the result's `properties.evidence`. The finding id is a partial fingerprint,
so a finding keeps its identity across runs. docs/outputs.md describes the shape.
"""

from __future__ import annotations

import re
from typing import Any, Final
from urllib.parse import quote

import orjson

from queries.common import Hop
from queries.findings import Finding, FindingsResult

__all__ = ["SARIF_SCHEMA", "physical_locations", "to_sarif"]

SARIF_SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL: Final = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
_LINE: Final = re.compile(r"^line (\d+)\b")
_FILE_LINE: Final = re.compile(r"^(.+):(\d+)$")
LOCATIONS_CAP: Final = 10
"""Physical locations kept per result (the first is `locations[0]`, the rest related)."""

Place = tuple[str, int, str]
"""(path relative to the repository root, line, repository id or "")."""


def _repository_path(source: str) -> str | None:
    """The repository-relative path of a file the GitHub loaders read (`…/.github/…`), else None."""
    text = source.replace("\\", "/")
    if text.startswith(".github/"):
        return text
    at = text.rfind("/.github/")
    return text[at + 1 :] if at >= 0 else None


def _places(hop: Hop) -> list[Place]:
    found: list[Place] = []
    lines = hop.props.get("lines") if hop.kind == "EXPOSED_IN" else None
    for entry in lines if isinstance(lines, list) else []:
        match = _FILE_LINE.match(entry)
        if match and int(match.group(2)) >= 1:
            found.append((match.group(1).lstrip("/"), int(match.group(2)), hop.target))
    for evidence in hop.evidence:
        path, line = _repository_path(evidence.source), _LINE.match(evidence.locator)
        if path and line and int(line.group(1)) >= 1:
            found.append((path, int(line.group(1)), ""))
    return found


def physical_locations(finding: Finding) -> list[Place]:
    """The repository lines a finding's evidence points at, first seen first, at most LOCATIONS_CAP."""
    places = dict.fromkeys(place for hop in finding.evidence for place in _places(hop))
    return list(places)[:LOCATIONS_CAP]


def _physical(place: Place) -> dict[str, Any]:
    path, line, repository = place
    physical: dict[str, Any] = {"artifactLocation": {"uri": quote(path)}, "region": {"startLine": line}}
    return {"physicalLocation": physical, **({"properties": {"repository": repository}} if repository else {})}


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    logical = {
        "name": finding.subject.name or finding.subject.id,
        "fullyQualifiedName": finding.subject.id,
        "kind": finding.subject.kind,
    }
    places = physical_locations(finding)
    first = _physical(places[0]) if places else {}
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": _LEVEL[finding.severity],
        "message": {"text": f"{finding.subject.id}: {finding.message}. Action: {finding.action}"},
        "locations": [{**first, "logicalLocations": [logical]}],
        "partialFingerprints": {"keytrailFinding/v1": finding.id},
        "properties": {
            "owasp": finding.owasp,
            "severity": finding.severity,
            "evidence": [h.model_dump(mode="json") for h in finding.evidence],
        },
    }
    if len(places) > 1:
        result["relatedLocations"] = [{"id": n, **_physical(p)} for n, p in enumerate(places[1:], 1)]
    return result


def to_sarif(result: FindingsResult, version: str = "0.1.0") -> str:
    rules = [
        {
            "id": rule.id,
            "name": rule.title,
            "shortDescription": {"text": rule.title},
            "fullDescription": {"text": f"{rule.owasp} {rule.owasp_name}: {rule.title}"},
            "help": {"text": rule.action},
            "defaultConfiguration": {"level": _LEVEL[rule.severity]},
            "properties": {
                "owasp": rule.owasp,
                "owasp_name": rule.owasp_name,
                "severity": rule.severity,
                "version": rule.version,
                "tags": ["security", f"OWASP-{rule.owasp}"],
            },
        }
        for rule in result.rules
    ]
    index = {rule["id"]: number for number, rule in enumerate(rules)}
    driver = {
        "name": "keytrail",
        "version": version,
        "informationUri": "https://github.com/keytrail/keytrail",
        "rules": rules,
    }
    results = [_result(finding, index[finding.rule]) for finding in result.findings]
    sarif = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [{"tool": {"driver": driver}, "results": results}]}
    return orjson.dumps(sarif, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2).decode()
