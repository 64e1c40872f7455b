"""`keytrail load` on the cloud and SaaS audit logs (GCP, Okta, GitHub): detection by content, the
documented exit codes (0 all loaded, 1 some records rejected) and the located reasons in its output."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import cli
from tests.conftest import FIXTURES

CLEAN = {
    "gcp_audit/gcloud-logging-read.json": "gcp-audit",
    "okta/system-log.json": "okta-system-log",
    "github_audit/org-audit-log.json": "github-audit",
}
REJECTING = {
    "gcp_audit/sink-cloudaudit.jsonl": "line 2: field 'protoPayload.methodName': expected a non-empty string",
    "okta/system-log-lines.jsonl": "line 4: field 'published': malformed timestamp 'yesterday'",
    "github_audit/org-audit-log.csv": "line 4: field 'created_at': malformed timestamp 'last tuesday'",
}


@pytest.mark.parametrize("fixture", sorted(CLEAN))
def test_a_clean_log_loads_with_exit_0(fixture: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["load", "--store", str(tmp_path / "k.db"), str(FIXTURES / fixture)])
    assert result.exit_code == 0, result.output
    assert CLEAN[fixture] in result.output and "0 rejected" in result.output


@pytest.mark.parametrize("fixture", sorted(REJECTING))
def test_rejected_records_exit_1_with_their_location(fixture: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["load", "--store", str(tmp_path / "k.db"), str(FIXTURES / fixture)])
    assert result.exit_code == 1, result.output
    assert REJECTING[fixture] in result.output and "Traceback" not in result.output
