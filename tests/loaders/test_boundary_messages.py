"""Each loader's boundary names the offending field (issue 18): a source record whose field has
the wrong type is rejected, located, with the field's path, what was expected and what was
found, while the good records of the same file still load. One case per loader of the issue:
CloudTrail, IAM authorization details, credential report, gitleaks, trufflehog, workflows."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import orjson
import yaml

from graph.embedded import EmbeddedStore
from loaders.runner import FileReport
from tests.conftest import FIXTURES
from tests.loader_helpers import load


def _load(path: Path) -> FileReport:
    store = EmbeddedStore(path.parent / "k.db")
    try:
        (file,) = load(store, path).files
        return file
    finally:
        store.close()


def _reasons(file: FileReport) -> list[str]:
    return [str(e) for e in file.errors]


def test_cloudtrail_names_the_caller_field(tmp_path: Path) -> None:
    lines = (FIXTURES / "aws" / "cloudtrail-lines.jsonl").read_bytes().splitlines()
    event = orjson.loads(lines[0])
    event["userIdentity"]["accountId"] = 111122223333
    event["userIdentity"]["arn"] = "arn:aws:iam::111122223333:user/someone-new"  # a caller not cached
    path = tmp_path / "trail.jsonl"
    path.write_bytes(b"\n".join([*lines, orjson.dumps(event)]) + b"\n")
    file = _load(path)
    last = len(lines) + 1
    assert (
        f"{path}, line {last}: field 'userIdentity.accountId': expected a string of 12 digits, got a number"
        in _reasons(file)
    )
    assert file.accepted == 2  # the fixture's own good lines


def test_iam_export_names_the_entity_field(tmp_path: Path) -> None:
    document = orjson.loads((FIXTURES / "aws" / "iam-authorization-details.json").read_bytes())
    roles = document["RoleDetailList"]
    roles[0]["Tags"] = [{"Key": "owner", "Value": 7}]
    path = tmp_path / "iam.json"
    path.write_bytes(orjson.dumps(document))
    file = _load(path)
    assert any(
        "field 'RoleDetailList[0].Tags[0].Value': expected a non-empty string, got a number" in r
        for r in _reasons(file)
    )
    assert file.accepted > 0


def test_credential_report_names_the_content_field(tmp_path: Path) -> None:
    document = orjson.loads((FIXTURES / "aws" / "credential-report-api.json").read_bytes())
    document["Content"] = ["not", "text"]
    path = tmp_path / "report.json"
    path.write_bytes(orjson.dumps(document))
    file = _load(path)
    assert _reasons(file) == [f"{path}, line 1: field 'Content': expected the report as text or base64, got a list"]


def test_gitleaks_names_the_finding_field_and_never_quotes_the_secret(tmp_path: Path) -> None:
    findings: list[dict[str, Any]] = orjson.loads((FIXTURES / "scanners" / "gitleaks-v8-shop.json").read_bytes())
    bad = copy.deepcopy(findings[0])
    bad["StartLine"] = "twelve"
    bad2 = copy.deepcopy(findings[0])
    bad2["Secret"] = {"value": findings[0]["Secret"]}
    path = tmp_path / "gitleaks.json"
    path.write_bytes(orjson.dumps([*findings, bad, bad2]))
    file = _load(path)
    reasons = _reasons(file)
    assert any(
        f"record {len(findings) + 1}: field 'StartLine': expected a whole number ≥ 0, got 'twelve'" in r
        for r in reasons
    )
    assert any("field 'Secret': expected the matched secret as a string, got an object" in r for r in reasons)
    assert not any(findings[0]["Secret"] in r for r in reasons)
    (tmp_path / "base").mkdir()
    base = _load(Path(shutil.copy(FIXTURES / "scanners" / "gitleaks-v8-shop.json", tmp_path / "base")))
    assert (file.accepted, file.rejected) == (base.accepted, base.rejected + 2)


def test_trufflehog_names_the_source_metadata_field(tmp_path: Path) -> None:
    lines = (FIXTURES / "scanners" / "trufflehog-v3-shop.jsonl").read_bytes().splitlines()
    result = orjson.loads(lines[0])
    result["SourceMetadata"]["Data"]["Git"]["line"] = [12]
    path = tmp_path / "trufflehog.jsonl"
    path.write_bytes(b"\n".join([*lines, orjson.dumps(result)]) + b"\n")
    file = _load(path)
    assert any(
        f"line {len(lines) + 1}: field 'SourceMetadata.Data.Git.line': expected a whole number ≥ 0, got a list" in r
        for r in _reasons(file)
    )


def test_workflow_names_the_job_field_at_its_line(tmp_path: Path) -> None:
    source = FIXTURES / "github" / "checkout" / "acme" / "shop" / ".github" / "workflows" / "release.yml"
    flow = yaml.safe_load(source.read_text())
    job = next(iter(flow["jobs"]))
    flow["jobs"][job]["steps"][0]["with"] = ["role-to-assume"]
    folder = tmp_path / "acme" / "shop" / ".github" / "workflows"
    folder.mkdir(parents=True)
    path = folder / "release.yml"
    path.write_text(yaml.safe_dump(flow, sort_keys=False))
    file = _load(path)
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text.startswith(f"  {job}:"))
    assert _reasons(file) == [f"{path}, line {line}: field 'jobs.{job}.steps[0].with': expected a mapping, got a list"]


def test_iam_export_with_a_list_of_the_wrong_type_names_it_and_loads_the_other_lists(tmp_path: Path) -> None:
    # Found by bench/fuzz.py: the export's index walked every list before the type check.
    document = orjson.loads((FIXTURES / "aws" / "iam-authorization-details.json").read_bytes())
    document["UserDetailList"], document["Policies"] = True, 3
    path = tmp_path / "iam.json"
    path.write_bytes(orjson.dumps(document))
    file = _load(path)
    assert f"{path}: field 'UserDetailList': expected a list, got a boolean" in _reasons(file)
    assert not file.failure and file.accepted == len(document["RoleDetailList"]) + len(document["GroupDetailList"])
