"""The credential report under hostile input (issue 18): a GetCredentialReport JSON whose
Content is non-ASCII, corrupted or huge, and a CSV with a huge field, each fail or reject with
a located reason naming what is wrong, never a traceback; the rows around a bad one load."""

from __future__ import annotations

import base64
from pathlib import Path

import orjson
import pytest

from graph.embedded import EmbeddedStore
from loaders.base import LoadContext
from loaders.limits import LoadLimits
from loaders.runner import LoadReport, run_load
from tests.conftest import FIXTURES
from tests.loader_helpers import HMAC_KEY, NOW

CSV = (FIXTURES / "aws" / "credential-report.csv").read_text()
API = orjson.loads((FIXTURES / "aws" / "credential-report-api.json").read_bytes())


def _load(tmp_path: Path, name: str, data: bytes, limits: LoadLimits | None = None) -> LoadReport:
    path = tmp_path / name
    path.write_bytes(data)
    store = EmbeddedStore(tmp_path / "k.db")
    try:
        ctx = LoadContext(now=NOW, hmac_key=HMAC_KEY, limits=limits or LoadLimits())
        return run_load(store, [path], ctx=ctx, source="aws-credential-report")
    finally:
        store.close()


def _api(content: object) -> bytes:
    return orjson.dumps({**API, "Content": content})


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            API["Content"][:40] + "é" + API["Content"][40:],
            "field 'Content': expected base64, got a non-ASCII character at offset 40",
        ),
        (API["Content"][:-3] + "!!!", "field 'Content': expected base64, got corrupted base64"),
        (API["Content"][:41], "field 'Content': expected base64, got corrupted base64"),
        (
            base64.b64encode(b"\xff\xfe" + CSV.encode()).decode(),
            "field 'Content': decoded base64 is not UTF-8 text (byte 0)",
        ),
        (base64.b64encode(b"name,value\n").decode(), "field 'Content': decoded base64 is not a credential-report CSV"),
        (12, "field 'Content': expected the report as text or base64, got a number"),
        (None, "field 'Content': expected the report as text or base64, got null"),
    ],
)
def test_a_bad_content_is_a_located_error_naming_the_field(tmp_path: Path, content: object, reason: str) -> None:
    (file,) = _load(tmp_path, "report.json", _api(content)).files
    problems = [str(e) for e in file.errors] + [file.failure]
    assert any(reason in p and "line 1" in p for p in problems), problems
    assert file.accepted == 0 and not any("(ValueError" in p or "Error:" in p for p in problems)


def test_a_huge_content_fails_the_file_at_the_document_limit(tmp_path: Path) -> None:
    huge = _api("A" * (2 << 20))
    (file,) = _load(tmp_path, "report.json", huge, LoadLimits(document_bytes=1 << 20)).files
    assert "KEYTRAIL_LOAD_MAX_DOCUMENT_BYTES" in file.failure and file.accepted == 0


def test_a_huge_csv_field_rejects_its_row_and_the_other_rows_load(tmp_path: Path) -> None:
    lines = CSV.splitlines()
    cells = lines[2].split(",")
    cells[4] = "X" * 200_000  # past the csv module's 128 KiB field limit
    lines[2] = ",".join(cells)
    (base,) = _load(tmp_path, "base.csv", CSV.encode()).files
    (file,) = _load(tmp_path, "report.csv", ("\n".join(lines) + "\n").encode()).files
    assert not file.failure
    assert "report.csv, line 3: field larger than field limit (131072)" in str(file.errors[0])
    assert (file.accepted, file.rejected) == (base.accepted - 1, base.rejected + 1)


def test_a_huge_header_field_is_a_located_error(tmp_path: Path) -> None:
    lines = CSV.splitlines()
    lines[0] = lines[0].replace("cert_2_last_rotated", "X" * 200_000)
    (file,) = _load(tmp_path, "report.csv", ("\n".join(lines) + "\n").encode()).files
    assert not file.failure and file.accepted == 0
    assert "report.csv, line 1: header: field larger than field limit (131072)" in str(file.errors[0])
