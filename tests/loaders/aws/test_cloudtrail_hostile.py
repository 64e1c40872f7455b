"""Issue 23 item 3: a CloudTrail value that would go into a session (or its edges) is checked when
its record is transformed, so a bad record is rejected at its own line and every other record
and session of the load still loads; a session that still fails at emission is rejected alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from graph.errors import LoadError
from graph.model import Node
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from loaders.aws.cloudtrail.emit import Emitter, Matching
from loaders.aws.cloudtrail.event import Principal
from loaders.aws.cloudtrail.sessions import Aggregates
from loaders.base import Item
from tests.conftest import FIXTURES
from tests.loader_helpers import errors, load

BIG = "x" * 1_000_000
USER = "arn:aws:iam::111122223333:user/ci"
OTHER = "arn:aws:iam::111122223333:user/other"


def _event(number: int, arn: str = USER, **extra: object) -> dict[str, object]:
    identity: dict[str, object] = {"type": "IAMUser", "arn": arn, "accessKeyId": "AKIAEXAMPLE000000001"}
    identity |= {k.removeprefix("identity_"): v for k, v in extra.items() if k.startswith("identity_")}
    event: dict[str, object] = {
        "eventTime": f"2025-01-10T09:{number % 60:02d}:00Z",
        "eventName": "GetObject",
        "eventSource": "s3.amazonaws.com",
        "eventID": f"e{number}",
        "awsRegion": "eu-west-1",
        "userIdentity": identity,
    }
    return event | {k: v for k, v in extra.items() if not k.startswith("identity_")}


def _trail(tmp_path: Path, **bad: object) -> Path:
    """30 events of two callers (one session each); line 20 carries the bad value."""
    lines = [_event(n) for n in range(1, 20)] + [_event(40, **bad)] + [_event(n, OTHER) for n in range(20, 30)]
    path = tmp_path / "trail.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(e) for e in lines))
    return path


def _sessions(store: GraphStore) -> list[Node]:
    return store.nodes_of_kind(NodeKind.SESSION, limit=100)


def test_a_1mb_caller_arn_is_rejected_at_its_line_and_the_load_keeps_every_session(
    store: GraphStore, tmp_path: Path
) -> None:
    report = load(store, _trail(tmp_path, arn=USER + BIG))
    (file,) = report.files
    assert not file.failure
    assert (file.accepted, file.rejected) == (29, 1)
    (message,) = errors(report)
    # the field-size check or the caller check, whichever meets it first, names userIdentity
    assert message.startswith(f"{tmp_path / 'trail.jsonl'}, line 20: ") and "userIdentity" in message
    assert len(message) < 450 and "1,000,0" in message  # cut, with the original length named
    assert sorted(s.props["principal"] for s in _sessions(store)) == [USER, OTHER]
    assert sum(s.props["event_count"] for s in _sessions(store)) == 29


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"identity_accessKeyId": "AKIA" + BIG}, "userIdentity"),
        ({"identity_accessKeyId": "AKIA\x7f"}, "userIdentity: caller"),
        ({"arn": "arn:aws:iam::111122223333:user/a\x01b"}, "userIdentity: caller"),
        ({"identity_type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/r/" + BIG}, "userIdentity"),
        ({"identity_type": "AWSService", "identity_invokedBy": BIG, "arn": None}, "userIdentity"),
        ({"requestParameters": {"bucketName": BIG}}, "event target"),
        ({"requestParameters": {"bucketName": "a\x01"}}, "event target"),
        ({"awsRegion": BIG}, "awsRegion: not a region name"),
        ({"eventTime": "2025-01-10T 9:00:00Z"}, "eventTime"),
    ],
    ids=["key-1mb", "key-control", "arn-control", "role-session-1mb", "service-1mb", "bucket-1mb", "bucket-control",
         "region-1mb", "time-space"],
)  # fmt: skip
def test_values_that_would_break_emission_reject_only_their_record(
    embedded_store: GraphStore, tmp_path: Path, bad: dict[str, object], reason: str
) -> None:
    report = load(embedded_store, _trail(tmp_path, **bad))
    (file,) = report.files
    assert not file.failure and (file.accepted, file.rejected) == (29, 1)
    (message,) = errors(report)
    assert ", line 20: " in message and reason in message and len(message) < 450
    assert len(_sessions(embedded_store)) == 2


def test_a_session_that_fails_at_emission_is_rejected_alone_located_at_its_first_event() -> None:
    """Sessions built without transform's checks (as a defect would let through): the bad one
    becomes one located LoadError, the good one is emitted whole."""
    aggregates = Aggregates(gap_seconds=3600)
    for arn, events in ((USER, ("line 7", "line 3")), ("arn:aws:iam::111122223333:user/" + BIG, ("line 9", "line 5"))):
        principal = Principal(arn, None, "aws.iam.user", arn, "", None, "111122223333")
        group = ("AKIAEXAMPLE000000001", arn)
        session = aggregates.session_for(group, 1_736_500_000, "2025-01-10T09:06:40Z", principal)
        for offset, locator in enumerate(events):
            pointer = (f"2025-01-10T09:0{7 - offset}:00Z", "trail.jsonl", locator)
            if session.first is None or pointer[0] < session.first[0]:
                session.first = pointer
            session.count += 1
    items = list(Emitter(aggregates, Matching(), []).items())
    (rejected,) = [i for i in items if isinstance(i, LoadError)]
    assert rejected.file == "trail.jsonl" and "(first event line 5)" in rejected.reason
    assert len(str(rejected)) < 450 and "1,000,0" in str(rejected)
    sessions = [i for i in items if isinstance(i, Node) and i.kind is NodeKind.SESSION]
    assert [s.props["principal"] for s in sessions] == [USER]


def test_a_defect_in_emission_fails_that_loaders_files_and_the_other_loaders_still_finish(
    embedded_store: GraphStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runner's last line of defence: an exception out of one loader's `finish` (a defect
    the per-session guard did not catch) is a located failure, never a traceback for the load."""

    def broken(self: Emitter) -> Iterator[Item | LoadError]:
        raise RuntimeError("emission defect")
        yield  # a generator, as the real one

    monkeypatch.setattr(Emitter, "items", broken)
    trail = _trail(tmp_path)
    report = load(embedded_store, trail, FIXTURES / "scanners" / "gitleaks-v8-keys.json", repository="acme/shop")
    failed = [f for f in report.files if f.failure]
    assert len(failed) == 1 and "aws-cloudtrail: cannot finish" in failed[0].failure
    assert "RuntimeError: emission defect" in failed[0].failure
    assert embedded_store.edges_of_kind(EdgeKind.EXPOSED_IN, limit=10)  # the scanner's finish still ran
