"""TOUCHED edges carry the times of their own target's events, not the session's, in one process and in many.

One session (one key, one user, events minutes apart) touches a bucket at 10:00 and 10:40 and a
table at 10:20: the bucket's edge spans 10:00-10:40, the table's is 10:20, and the access story
shows each step at its own time. The events are dealt round-robin into files, so a parallel load
merges each Touch from several workers and must give the serial load's edges exactly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

import loaders.runner as runner
from graph import ids
from graph.embedded import EmbeddedStore
from graph.schema import EdgeKind
from graph.store import GraphStore
from loaders.base import LoadContext
from loaders.runner import run_load
from queries.story import access_story
from tests.loader_helpers import HMAC_KEY, NOW, edges, export_text, load

ACCOUNT = "111122223333"
KEY = "AKIAEXAMPLETOUCHTIME1"
USER = f"arn:aws:iam::{ACCOUNT}:user/svc-times"
BUCKET = ids.aws_resource("alpha-bucket", "s3")
TABLE = ids.aws_resource("beta-table", "dynamodb", ACCOUNT)
# (time, source, name, parameters): the bucket first and last, the table in between; out of
# time order, so no file's first event is its target's first.
CALLS = (
    ("2025-01-10T10:00:00Z", "s3.amazonaws.com", "GetObject", {"bucketName": "alpha-bucket", "key": "a"}),
    ("2025-01-10T10:05:00Z", "s3.amazonaws.com", "GetObject", {"bucketName": "alpha-bucket", "key": "b"}),
    ("2025-01-10T10:20:00Z", "dynamodb.amazonaws.com", "DescribeTable", {"tableName": "beta-table"}),
    ("2025-01-10T10:40:00Z", "s3.amazonaws.com", "PutObject", {"bucketName": "alpha-bucket", "key": "c"}),
    ("2025-01-10T10:30:00Z", "s3.amazonaws.com", "GetObject", {"bucketName": "alpha-bucket", "key": "d"}),
)
FILES = 3


def _event(number: int, at: str, source: str, name: str, parameters: dict[str, str]) -> dict[str, Any]:
    return {
        "eventVersion": "1.09",
        "eventID": f"touch-times-{number:04d}",
        "eventTime": at,
        "eventSource": source,
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.77",
        "userAgent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.1",
        "requestParameters": parameters,
        "responseElements": None,
        "recipientAccountId": ACCOUNT,
        "eventType": "AwsApiCall",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLETOUCHTIME",
            "arn": USER,
            "accountId": ACCOUNT,
            "accessKeyId": KEY,
            "userName": "svc-times",
        },
    }


@pytest.fixture
def trail(tmp_path: Path) -> Path:
    """The events dealt round-robin into FILES delivery files, so each target's events lie in several."""
    events = [_event(n, *call) for n, call in enumerate(CALLS)]
    folder = tmp_path / "trail"
    folder.mkdir()
    for number in range(FILES):
        (folder / f"part-{number}.json").write_bytes(orjson.dumps({"Records": events[number::FILES]}))
    return folder


def test_touched_edges_and_story_steps_carry_their_own_times(store: GraphStore, trail: Path) -> None:
    report = load(store, trail)
    assert report.rejected == 0
    touched = edges(store, EdgeKind.TOUCHED)
    sid = ids.session("aws", KEY, USER, "2025-01-10T10:00:00Z")
    bucket, table = touched[(sid, BUCKET)], touched[(sid, TABLE)]
    assert (bucket.first_seen, bucket.last_seen, bucket.count) == ("2025-01-10T10:00:00Z", "2025-01-10T10:40:00Z", 4)
    assert (table.first_seen, table.last_seen, table.count) == ("2025-01-10T10:20:00Z", "2025-01-10T10:20:00Z", 1)
    story = access_story(store, credential_id=ids.aws_key(KEY))
    touches = {s.refs[0]: s.at for s in story.steps if s.step == "touched"}
    assert touches == {BUCKET: "2025-01-10T10:00:00Z", TABLE: "2025-01-10T10:20:00Z"}  # not both at 10:00
    assert [(s.step, s.at) for s in story.steps if s.step.startswith("session")] == [
        ("session_started", "2025-01-10T10:00:00Z"),
        ("session_ended", "2025-01-10T10:40:00Z"),
    ]
    assert [s.refs[0] for s in story.steps if s.step == "touched"] == [BUCKET, TABLE]  # in time order


def test_parallel_load_gives_the_serial_touch_times(
    trail: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = EmbeddedStore(tmp_path / "serial.db")
    parallel = EmbeddedStore(tmp_path / "parallel.db")
    try:
        load(serial, trail)
        monkeypatch.setattr(runner, "PARALLEL_MIN_BYTES", 0)
        parts = runner._parallel_parts(
            [
                (1, i, f, runner.detect(f), runner.FileReport(path=f.display))
                for i, f in enumerate(runner.discover([trail]))
            ],
            2,
        )
        assert len(parts["aws-cloudtrail"]) == 2  # not vacuous: the files are split between two workers
        run_load(parallel, [trail], ctx=LoadContext(now=NOW, hmac_key=HMAC_KEY), jobs=2)
        one, many = edges(serial, EdgeKind.TOUCHED), edges(parallel, EdgeKind.TOUCHED)
        assert {k: (e.first_seen, e.last_seen, e.count) for k, e in many.items()} == {
            k: (e.first_seen, e.last_seen, e.count) for k, e in one.items()
        }
        assert export_text(parallel) == export_text(serial)
    finally:
        serial.close()
        parallel.close()
