"""Evidence locators name a place a person can open (issue 17 item 18): the credential report's
JSON form cites the file's `Content` line and the row of the decoded CSV (with its user), never
"line 3" of a CSV the file does not show; CloudTrail events are cited by line (or Records index)
with their eventID, and an event without one by a digest of its content that survives re-ordering.

Each test follows the locator back into the file, as a person would.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import orjson

from graph import ids
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from loaders.aws.cloudtrail.event import event_digest
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import edges, errors, load

_IN_CONTENT = re.compile(r"^line (\d+), in Content \((plain|base64)\): CSV line (\d+) \(row (\d+), user (.+)\)$")


def _follow_content_locator(report: Path, locator: str) -> str:
    """The CSV line a JSON-form locator names, found the way its text says."""
    match = _IN_CONTENT.match(locator)
    assert match, locator
    file_line, encoding, csv_line, row, user = match.groups()
    assert '"Content"' in report.read_text().splitlines()[int(file_line) - 1]
    content = orjson.loads(report.read_bytes())["Content"]
    text = content if encoding == "plain" else base64.b64decode(content).decode()
    found = text.splitlines()[int(csv_line) - 1]
    assert int(row) == int(csv_line) - 1  # row 1 is the line after the header
    assert found.startswith(f"{user},"), (locator, found)
    return found


def test_corpus_credential_report_json_cites_the_content_row_and_its_user(store: GraphStore) -> None:
    report = need_corpus() / "iam_credential_report" / "cloudmapper__iam-get-credential-report.json"
    load(store, report)
    held = edges(store, EdgeKind.HAS_CREDENTIAL)
    locators = {e.evidence[0].locator for e in held.values()}
    assert locators == {
        "line 2, in Content (plain): CSV line 2 (row 1, user <root_account>)",
        "line 2, in Content (plain): CSV line 3 (row 2, user auditor_tmp)",
        "line 2, in Content (plain): CSV line 4 (row 3, user user)",
    }
    for locator in locators:
        _follow_content_locator(report, locator)
    # the CSV the same report was derived from is cited by its own lines
    derived = report.with_name("cloudmapper__credential-report.DERIVED.csv")
    load(store, derived)
    lines = derived.read_text().splitlines()
    for edge in edges(store, EdgeKind.HAS_CREDENTIAL).values():
        for pointer in edge.evidence:
            if pointer.source == str(derived):
                number = int(pointer.locator.removeprefix("line "))
                assert edge.source.removeprefix("aws:arn:") in lines[number - 1]


def test_base64_credential_report_locates_rows_and_rejections_in_the_decoded_csv(store: GraphStore) -> None:
    report = FIXTURES / "aws" / "credential-report-api.json"
    result = load(store, report)
    assert errors(result) == [f"{report}, line 2, record 3: Content (base64) CSV line 4: 22 columns expected"]
    locators = {p.locator for e in edges(store, EdgeKind.HAS_CREDENTIAL).values() for p in e.evidence}
    assert locators and all("in Content (base64)" in loc for loc in locators)
    for locator in locators:
        _follow_content_locator(report, locator)


def test_cloudtrail_locators_give_the_line_and_the_repeated_event_id(embedded_store: GraphStore) -> None:
    """panther's test events reuse eventID "1" 16 times: the locator's line tells them apart."""
    trail = need_corpus() / "cloudtrail" / "panther__AWS.CloudTrail.jsonl"
    load(embedded_store, trail)
    lines = trail.read_text().splitlines()
    pointers = [p for e in embedded_store.edges_of_kind(EdgeKind.TOUCHED, limit=10_000) for p in e.evidence]
    assert pointers
    shape = re.compile(r"^line (\d+), (?:eventID (.+)|no eventID, sha256 ([0-9a-f]{16}))$")
    repeated = set()
    for pointer in pointers:
        match = shape.match(pointer.locator)
        assert match, pointer.locator
        event = orjson.loads(lines[int(match.group(1)) - 1])
        if match.group(2) is not None:
            assert event["eventID"] == match.group(2)
            if match.group(2) == "1":
                repeated.add(match.group(1))
        else:
            assert "eventID" not in event and event_digest(event).startswith(match.group(3))
    assert len(repeated) > 1  # several events with eventID 1, each at its own line


def _no_id_events() -> list[bytes]:
    identity = {
        "type": "IAMUser",
        "arn": "arn:aws:iam::111122223333:user/ops",
        "accountId": "111122223333",
        "userName": "ops",
        "accessKeyId": "AKIAEXAMPLEOPS000001",
    }
    base = {"eventSource": "iam.amazonaws.com", "awsRegion": "us-east-1", "recipientAccountId": "111122223333",
            "userIdentity": identity, "sourceIPAddress": "198.51.100.7", "userAgent": "aws-cli/2.15.0"}  # fmt: skip
    events = [
        {**base, "eventTime": "2025-02-01T10:00:00Z", "eventName": "ListUsers"},
        {**base, "eventTime": "2025-02-01T10:01:00Z", "eventName": "CreateUser",
         "requestParameters": {"userName": "batch"},
         "responseElements": {"user": {"arn": "arn:aws:iam::111122223333:user/batch", "userName": "batch"}}},
    ]  # fmt: skip
    return [orjson.dumps(e) for e in events]


def test_events_without_an_event_id_get_a_stable_content_locator(store: GraphStore, tmp_path: Path) -> None:
    """The same two id-less events in two orders: each keeps its digest, the line follows the file,
    and the Change made by one carries the same digest in its id."""
    events = _no_id_events()
    digests = [event_digest(orjson.loads(e))[:16] for e in events]
    forward, backward = tmp_path / "forward.jsonl", tmp_path / "backward.jsonl"
    forward.write_bytes(b"\n".join(events) + b"\n")
    backward.write_bytes(b"\n".join(reversed(events)) + b"\n")
    report = load(store, forward, backward)
    assert report.rejected == 0
    pointers = {(p.source, p.locator) for e in store.edges_of_kind(EdgeKind.TOUCHED, limit=100) for p in e.evidence}
    assert {
        (str(forward), f"line 1, no eventID, sha256 {digests[0]}"),
        (str(forward), f"line 2, no eventID, sha256 {digests[1]}"),
        (str(backward), f"line 1, no eventID, sha256 {digests[1]}"),
        (str(backward), f"line 2, no eventID, sha256 {digests[0]}"),
    } <= pointers
    changes = [n.id for n in store.nodes_of_kind(NodeKind.CHANGE, limit=10)]
    created = ids.change("aws", f"sha256-{event_digest(orjson.loads(events[1]))[:32]}")
    assert changes == [created] and digests[1] in created
