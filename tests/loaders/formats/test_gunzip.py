"""Reading gzip files (loaders/formats/compressed.py `read_blocks`): what `gzip` reads, with ISA-L's inflate
or the standard library's, and located failures for files cut short or corrupt."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

import loaders.formats.compressed as compressed
from api.cli import cli as cli_main
from loaders.aws.cloudtrail.event import read_events
from loaders.base import SourceFile
from loaders.formats.compressed import open_text, read_blocks

EVENT = {
    "eventVersion": "1.08",
    "eventTime": "2025-01-01T00:00:00Z",
    "eventSource": "s3.amazonaws.com",
    "eventName": "GetObject",
    "awsRegion": "us-east-1",
    "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111111111111:user/ci", "accessKeyId": "AKIAEXAMPLE"},
}


def _inflaters() -> list[object]:
    found: list[object] = [zlib]
    try:
        from isal import isal_zlib
    except ImportError:  # pragma: no cover - the dependency is installed wherever it has wheels
        return found
    return [isal_zlib, *found]


@pytest.fixture(params=_inflaters(), ids=lambda module: module.__name__.split(".")[-1])
def inflater(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.setattr(compressed, "_inflate", request.param)
    return request.param


def _gz(path: Path, data: bytes) -> SourceFile:
    path.write_bytes(data)
    return SourceFile(path, str(path))


def test_members_padding_and_small_blocks_read_as_gzip_does(tmp_path: Path, inflater: object) -> None:
    first, second = b"line one\n" * 5000, "zwei \u00e9\n".encode() * 3000
    data = gzip.compress(first) + b"\0" * 7 + gzip.compress(second, mtime=0) + gzip.compress(b"")
    source = _gz(tmp_path / "two.gz", data)
    assert gzip.decompress(data) == first + second
    for block in (5, 64, 1 << 18):
        assert b"".join(read_blocks(source, block=block)) == first + second
    with open_text(source) as handle:
        assert handle.read() == (first + second).decode()
    plain = tmp_path / "plain.json"
    plain.write_bytes(first)
    assert b"".join(read_blocks(SourceFile(plain, str(plain)), block=100)) == first


def test_empty_file_holds_nothing(tmp_path: Path, inflater: object) -> None:
    assert list(read_blocks(_gz(tmp_path / "empty.gz", b""))) == []


def test_cut_short_yields_what_it_held_then_eof(tmp_path: Path, inflater: object) -> None:
    content = orjson.dumps(EVENT) * 2000
    source = _gz(tmp_path / "cut.gz", gzip.compress(content)[:-2000])
    seen = b""
    with pytest.raises(EOFError, match="ended before the end-of-stream marker"):
        for block in read_blocks(source, block=512):
            seen += block
    assert seen and content.startswith(seen)


@pytest.mark.parametrize("damage", ["not gzip", "corrupt stream"])
def test_not_gzip_or_corrupt_is_a_bad_gzip_file(tmp_path: Path, inflater: object, damage: str) -> None:
    if damage == "not gzip":
        data = b'{"Records": []}'
    else:
        packed = bytearray(gzip.compress(orjson.dumps(EVENT) * 200))
        packed[10:30] = b"\xff" * 20  # the deflate stream just after the header
        data = bytes(packed)
    with pytest.raises(gzip.BadGzipFile, match="not gzip, or corrupt"):
        b"".join(read_blocks(_gz(tmp_path / "bad.json.gz", data)))


def test_event_lines_stream_and_records_parse_once(tmp_path: Path, inflater: object) -> None:
    lines = b"\n".join(orjson.dumps({**EVENT, "eventID": f"e{n}"}) for n in range(3000))
    streamed = list(read_events(_gz(tmp_path / "lines.json.gz", gzip.compress(lines))))
    assert [r.value["eventID"] for r in streamed] == [f"e{n}" for n in range(3000)]
    assert streamed[-1].location.line == 3000
    document = orjson.dumps({"Records": [{**EVENT, "eventID": f"r{n}"} for n in range(500)]})
    records = list(read_events(_gz(tmp_path / "records.json.gz", gzip.compress(document))))
    assert [r.location.record for r in records] == list(range(1, 501))


def test_cli_names_the_corrupt_and_the_cut_file_and_loads_the_good(tmp_path: Path) -> None:
    trail = tmp_path / "trail"
    trail.mkdir()
    good = trail / "good.json.gz"
    good.write_bytes(gzip.compress(orjson.dumps({"Records": [{**EVENT, "eventID": "ok"}]})))
    cut = trail / "cut.json.gz"
    cut.write_bytes(
        gzip.compress(orjson.dumps({"Records": [{**EVENT, "eventID": f"c{n}"} for n in range(400)]}))[:-900]
    )
    corrupt = trail / "corrupt.json.gz"
    packed = bytearray(gzip.compress(orjson.dumps({"Records": [EVENT] * 400})))
    packed[10:30] = b"\xff" * 20
    corrupt.write_bytes(bytes(packed))
    result = CliRunner().invoke(
        cli_main, ["load", "--store", str(tmp_path / "k.db"), "--source", "aws-cloudtrail", str(trail)]
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    assert any(str(cut) in line and "truncated compressed file" in line for line in lines), result.output
    assert any(str(corrupt) in line and "cannot read: not gzip, or corrupt" in line for line in lines), result.output
    assert any(str(good) in line and "1 accepted" in line for line in lines), result.output
