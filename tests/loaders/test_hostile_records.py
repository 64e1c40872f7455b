"""Hostile input (issues 18 and 23): limits fail a file clearly, a bad record is rejected located
while the rest of its file loads, non-regular files in a folder are skipped and never opened."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import orjson

from graph.embedded import EmbeddedStore
from loaders.base import LoadContext
from loaders.limits import LoadLimits
from loaders.runner import run_load
from tests.loader_helpers import HMAC_KEY, NOW


def _event(number: int, **extra: object) -> dict[str, object]:
    return {
        "eventTime": "2025-01-10T09:00:00Z",
        "eventName": "GetObject",
        "eventSource": "s3.amazonaws.com",
        "eventID": f"e{number}",
        "userIdentity": {
            "type": "IAMUser",
            "arn": "arn:aws:iam::111122223333:user/ci",
            "accessKeyId": "AKIAEXAMPLE000000001",
        },
        **extra,
    }


def _load(tmp_path: Path, paths: list[Path], limits: LoadLimits | None = None):  # type: ignore[no-untyped-def]
    store = EmbeddedStore(tmp_path / "k.db")
    try:
        ctx = LoadContext(now=NOW, hmac_key=HMAC_KEY, limits=limits or LoadLimits())
        return run_load(store, paths, ctx=ctx)
    finally:
        store.close()


def test_one_event_of_a_wrong_json_type_is_rejected_and_the_rest_of_the_file_loads(tmp_path: Path) -> None:
    lines = [_event(n) for n in range(1, 451)]
    lines[99] = _event(100, userAgent={"an": "object"})
    lines[200] = _event(201, userIdentity={"type": "IAMUser", "accountId": 111122223333, "userName": "x"})
    path = tmp_path / "trail.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(e) for e in lines))
    report = _load(tmp_path, [path])
    (file,) = report.files
    assert not file.failure
    assert file.accepted >= 448 and file.accepted + file.rejected == 450
    assert all(e.line is not None for e in file.errors)


def test_a_gzip_bomb_fails_its_file_with_the_limit_named(tmp_path: Path) -> None:
    path = tmp_path / "bomb.json.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(orjson.dumps(_event(1)) + b"\n")
        for _ in range(64):
            handle.write(b" " * (1 << 20))
    report = _load(tmp_path, [path], LoadLimits(file_bytes=8 << 20))
    assert "KEYTRAIL_LOAD_MAX_FILE_BYTES" in report.files[0].failure


def test_a_line_past_the_line_limit_is_rejected_and_the_lines_after_it_load(tmp_path: Path) -> None:
    path = tmp_path / "trail.jsonl"
    path.write_bytes(
        orjson.dumps(_event(1)) + b"\n" + b'{"x": "' + b"a" * 100_000 + b'"}\n' + orjson.dumps(_event(3)) + b"\n"
    )
    (file,) = _load(tmp_path, [path], LoadLimits(line_bytes=10_000)).files
    assert (file.accepted, file.rejected) == (2, 1)
    assert "KEYTRAIL_LOAD_MAX_LINE_BYTES" in file.errors[0].reason and file.errors[0].line == 2


def test_a_yaml_alias_bomb_is_refused_before_expansion(tmp_path: Path) -> None:
    folder = tmp_path / "acme" / "shop" / ".github" / "workflows"
    folder.mkdir(parents=True)
    text = "on: push\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
    text += "".join(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]\n" for n in range(1, 10))
    text += "jobs:\n  build:\n    runs-on: ubuntu-latest\n    steps: *a9\n"
    (folder / "bomb.yml").write_text(text)
    report = _load(tmp_path, [folder / "bomb.yml"])
    failure = report.files[0].failure + " ".join(str(e) for e in report.files[0].errors)
    assert "KEYTRAIL_LOAD_MAX_YAML" in failure


def test_a_fifo_in_a_folder_is_skipped_never_opened(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    os.mkfifo(folder / "pipe")
    (folder / "loop").symlink_to(folder / "loop")
    (folder / "trail.jsonl").write_bytes(orjson.dumps(_event(1)) + b"\n")
    report = _load(tmp_path, [folder])
    skipped = {Path(f.path).name: f.skipped for f in report.files}
    assert "FIFO" in skipped["pipe"] and skipped["loop"].startswith("cannot follow")
    assert not report.failed
