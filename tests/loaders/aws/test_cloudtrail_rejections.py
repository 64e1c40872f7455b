"""A rejected CloudTrail event leaves no trace (issue 18): its session, the load's quality notes
and every other aggregate are as if the event had never been in the file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from graph.embedded import EmbeddedStore
from tests.loader_helpers import errors, export_text, load

KEY = "AKIAEXAMPLE000000001"


def _event(number: int, minute: int, **extra: Any) -> dict[str, Any]:
    return {
        "eventTime": f"2025-01-10T09:{minute:02d}:00Z",
        "eventName": "GetObject",
        "eventSource": "s3.amazonaws.com",
        "eventID": f"e{number}",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "203.0.113.7",
        "userAgent": "aws-cli/2.15.0",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/ci", "accessKeyId": KEY},
        "requestParameters": {"bucketName": "builds"},
        **extra,
    }


def _load_lines(tmp_path: Path, name: str, events: list[dict[str, Any]]) -> tuple[str, list[str]]:
    path = tmp_path / "trail.jsonl"  # one path for both loads: evidence cites the file by name
    path.write_bytes(b"\n".join(orjson.dumps(e) for e in events) + b"\n")
    store = EmbeddedStore(tmp_path / f"{name}.db")
    try:
        report = load(store, path)
        return export_text(store), errors(report)
    finally:
        store.close()


BAD = {
    "agent-object": {"userAgent": {"an": "object"}},
    "address-number": {"sourceIPAddress": 203},
    "address-list": {"sourceIPAddress": ["203.0.113.7"]},
    "identity-list": {"userIdentity": ["IAMUser"]},
    "name-object": {"eventName": {"x": 1}},
    # Found by bench/fuzz.py: a list here crashed the target cache; a 300k-character key id made
    # a session id past the graph's 1,000 characters and stopped the whole load at emission.
    "recipient-list": {"recipientAccountId": ["111122223333"]},
    "key-huge": {
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/ci", "accessKeyId": "A" * 300_000}
    },
    "key-object": {"userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/ci", "accessKeyId": {}}},
    "account-number": {"userIdentity": {"type": "IAMUser", "accountId": 111122223333, "userName": "ci"}},
}


@pytest.mark.parametrize("damage", sorted(BAD))
def test_a_rejected_event_changes_no_session(tmp_path: Path, damage: str) -> None:
    good = [_event(1, 0), _event(3, 10), _event(4, 20)]
    without, none = _load_lines(tmp_path, "without", good)
    # The bad event falls inside the same session, after a good one warmed the per-load caches.
    with_bad, rejected = _load_lines(tmp_path, "with", [good[0], _event(2, 5, **BAD[damage]), *good[1:]])
    assert none == [] and len(rejected) == 1 and "line 2" in rejected[0]
    # the good events sit one line lower in the file with the bad one: their locators say so
    # (`line 3, eventID e3`), everything else is the same graph
    assert _without_lines(with_bad) == _without_lines(without)
    assert "line 3, eventID e3" in with_bad and "line 2, eventID e3" in without


def _without_lines(export: str) -> str:
    return re.sub(r"line \d+, eventID", "eventID", export)


def test_a_wrong_typed_agent_names_its_field(tmp_path: Path) -> None:
    _, rejected = _load_lines(tmp_path, "agent", [_event(1, 0), _event(2, 1, userAgent=["x"])])
    assert rejected == [f"{tmp_path / 'trail.jsonl'}, line 2: field 'userAgent': expected a string, got a list"]


def test_a_huge_key_id_names_its_field_and_bound(tmp_path: Path) -> None:
    huge = {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/ci", "accessKeyId": "A" * 300_000}
    _, rejected = _load_lines(tmp_path, "key", [_event(1, 0), _event(2, 1, userIdentity=huge)])
    reason = "field 'userIdentity.accessKeyId': expected at most 128 characters, got 300,000"
    assert rejected == [f"{tmp_path / 'trail.jsonl'}, line 2: {reason}"]


def test_an_account_id_given_as_a_number_names_its_field(tmp_path: Path) -> None:
    identity = {"type": "IAMUser", "accountId": 111122223333, "userName": "ci"}
    _, rejected = _load_lines(tmp_path, "account", [_event(1, 0, userIdentity=identity)])
    reason = "field 'userIdentity.accountId': expected a string of 12 digits, got a number"
    assert rejected == [f"{tmp_path / 'trail.jsonl'}, line 1: {reason}"]
