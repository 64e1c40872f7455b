"""CloudTrail in the S3 export layout, streamed: one gzip file per account, region and delivery window.

`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_<16 chars>.json.gz`,
each `{"Records":[...]}`. Background events are drawn per file from a `random.Random` seeded by
the file's address, from a small per-window cast of active users and roles (activity is bursty
in real trails, and it keeps derivation cost per file instead of per event); planted events
(planted_events.py) are merged into the file whose window holds them, in time order. Memory
is one file's records at a time; gzip headers carry mtime 0 so bytes depend only on the seed.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from loaders.demo.aws import events as ev
from loaders.demo.aws.iam_model import ACCOUNT_NAMES, OIDC_HOST, AwsEstate, IamUser, Role
from loaders.demo.aws.planted_events import PlantedEvent
from loaders.demo.derive import DAY, format_compact_minute

__all__ = ["REGIONS", "TRAIL_DAYS", "TrailStats", "write_cloudtrail"]

REGIONS = ("us-east-1", "eu-west-1")
TRAIL_DAYS = 14
_ACCOUNT_SHARE = {"staging": 30, "production": 45, "shared": 25}
_REGION_SHARE = {"us-east-1": 75, "eu-west-1": 25}
_EVENTS_PER_FILE = 800
_WINDOW_CAST = 40
_GZIP_LEVEL = 3


@dataclass
class TrailStats:
    files: int = 0
    events: int = 0
    background: int = 0
    planted: int = 0


def _split(total: int, shares: dict[str, int]) -> dict[str, int]:
    """Integer split that sums exactly to total (the last name takes the remainder)."""
    names = list(shares)
    out = {name: total * shares[name] // 100 for name in names[:-1]}
    out[names[-1]] = total - sum(out.values())
    return out


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


def _user_call(
    rng: random.Random, account_id: str, region: str
) -> tuple[str, str, object, bool, Sequence[Mapping[str, object]] | None]:
    pick = rng.randrange(8)
    bucket = f"acme-{account_id[-4:]}-data-{rng.randrange(40):02d}"
    if pick == 0:
        return "sts.amazonaws.com", "GetCallerIdentity", None, True, None
    if pick == 1:
        return "s3.amazonaws.com", "ListBuckets", {"Host": "s3.amazonaws.com"}, True, None
    if pick == 2:
        res = [{"accountId": account_id, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}]
        return (
            "s3.amazonaws.com",
            "GetBucketLocation",
            {"bucketName": bucket, "Host": f"{bucket}.s3.amazonaws.com", "location": ""},
            True,
            res,
        )
    if pick == 3:
        table = f"arn:aws:dynamodb:{region}:{account_id}:table/orders-{rng.randrange(20)}"
        return (
            "dynamodb.amazonaws.com",
            "DescribeTable",
            {"tableName": table.rsplit("/", 1)[1]},
            True,
            [{"accountId": account_id, "type": "AWS::DynamoDB::Table", "ARN": table}],
        )
    if pick == 4:
        secret = f"arn:aws:secretsmanager:{region}:{account_id}:secret:app/config-{rng.randrange(30)}-AbCdEf"
        return "secretsmanager.amazonaws.com", "GetSecretValue", {"secretId": secret}, True, None
    if pick == 5:
        key = f"arn:aws:kms:{region}:{account_id}:key/{_uuid(rng)}"
        return (
            "kms.amazonaws.com",
            "Decrypt",
            {"encryptionAlgorithm": "SYMMETRIC_DEFAULT"},
            True,
            [{"accountId": account_id, "type": "AWS::KMS::Key", "ARN": key}],
        )
    if pick == 6:
        return "ec2.amazonaws.com", "DescribeInstances", {"instancesSet": {}, "filterSet": {}}, True, None
    return (
        "ssm.amazonaws.com",
        "GetParameter",
        {"name": f"/services/app-{rng.randrange(50)}/config", "withDecryption": True},
        True,
        None,
    )


class _Window:
    """The users and roles active in one delivery window, with their identity blocks precomputed."""

    def __init__(self, aws: AwsEstate, account: str, rng: random.Random) -> None:
        sizes = aws.org.sizes
        self.account_id = aws.accounts[account].id
        users = {rng.randrange(sizes.users_per_account) for _ in range(_WINDOW_CAST)}
        self.users: list[IamUser] = [aws.user(account, u if aws.user_is_active(u) else u - 1) for u in sorted(users)]
        self.roles: list[Role] = [
            aws.role(account, r) for r in sorted({rng.randrange(sizes.roles_per_account) for _ in range(_WINDOW_CAST)})
        ]
        self.session_keys: dict[tuple[str, int], str] = {}
        self.user_ids = [ev.iam_user_identity(self.account_id, u.name, u.user_id, u.keys[0].key_id) for u in self.users]


def _role_session_key(aws: AwsEstate, role: Role, day: int) -> str:
    return aws.derive.aws_id("ASIA", "bg-session", role.account, role.name, day)


def _background_event(aws: AwsEstate, win: _Window, rng: random.Random, at: int, region: str) -> dict[str, object]:
    x = rng.random()
    day = at // DAY
    if x < 0.55 and win.users:
        i = rng.randrange(len(win.users))
        user = win.users[i]
        return _api_call(win, rng, win.user_ids[i], at, region, user.source_ip, user.user_agent)
    role = win.roles[rng.randrange(len(win.roles))]
    key = win.session_keys.get((role.name, day)) or win.session_keys.setdefault(
        (role.name, day), _role_session_key(aws, role, day)
    )
    created = day * DAY + (role.last_used or 0) % 3600
    if x < 0.9:
        provider = f"arn:aws:iam::{win.account_id}:oidc-provider/{OIDC_HOST}" if role.kind == "github" else None
        identity = ev.assumed_role_identity(
            win.account_id, role.name, role.role_id, role.session_name, key, created, role.path, web_provider=provider
        )
        return _api_call(win, rng, identity, at, region, role.source_ip, role.user_agent)
    return _credential_issue(aws, win, rng, role, key, at, region)


def _api_call(
    win: _Window, rng: random.Random, identity: dict[str, object], at: int, region: str, ip: str, agent: str
) -> dict[str, object]:
    """A user's or a role session's everyday call (`_user_call` draws which)."""
    source, name, request, read_only, resources = _user_call(rng, win.account_id, region)
    return _record(
        win, rng, identity=identity, at=at, source=source, name=name, region=region, ip=ip, agent=agent,
        request=request, response=None, read_only=read_only, resources=resources,
    )  # fmt: skip


def _record(win: _Window, rng: random.Random, **fields: Any) -> dict[str, object]:
    """A record received by the window's account, with event and request ids drawn from its rng
    (after every other draw of the event: the draw order is what keeps the bytes per seed)."""
    return ev.record(event_id=_uuid(rng), request_id=_uuid(rng), recipient=win.account_id, **fields)


def _credential_issue(
    aws: AwsEstate, win: _Window, rng: random.Random, role: Role, key: str, at: int, region: str
) -> dict[str, object]:
    """The STS call that minted the role's session credentials (service, web identity or SSO)."""
    arn = role.arn(win.account_id)
    assumed = {
        "assumedRoleId": f"{role.role_id}:{role.session_name}",
        "arn": f"arn:aws:sts::{win.account_id}:assumed-role/{role.name}/{role.session_name}",
    }
    response: dict[str, object] = {
        "credentials": ev.credentials(key, f"{rng.getrandbits(256):064x}", at + 3600),
        "assumedRoleUser": assumed,
    }
    resources = [{"accountId": win.account_id, "type": "AWS::IAM::Role", "ARN": arn}]
    request: dict[str, object] = {"roleArn": arn, "roleSessionName": role.session_name}
    if role.kind == "github":
        subject = role.extra["subject"]
        provider = f"arn:aws:iam::{win.account_id}:oidc-provider/{OIDC_HOST}"
        response.update(subjectFromWebIdentityToken=subject, provider=provider, audience="sts.amazonaws.com")
        request["durationSeconds"] = 3600
        return _record(
            win, rng, identity=ev.web_identity(provider, subject), at=at, source="sts.amazonaws.com",
            name="AssumeRoleWithWebIdentity", region=region, ip=role.source_ip, agent=role.user_agent,
            request=request, response=response, read_only=True, resources=resources,
            additional={"identityProviderConnectionVerificationMethod": "IAMTrustStore"},
        )  # fmt: skip
    service = {"ec2": "ec2.amazonaws.com", "lambda": "lambda.amazonaws.com"}.get(role.kind, "sso.amazonaws.com")
    return _record(
        win, rng, identity=ev.aws_service_identity(service), at=at, source="sts.amazonaws.com", name="AssumeRole",
        region=region, ip=service, agent=service, request=request, response=response, read_only=True,
        resources=resources,
    )  # fmt: skip


def _windows(total: int) -> int:
    return max(1, -(-total // _EVENTS_PER_FILE))


def _file_path(out: Path, aws: AwsEstate, account_id: str, region: str, end: int, rng: random.Random) -> Path:
    stamp = format_compact_minute(end)
    suffix = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(16))
    folder = out / "cloudtrail" / "AWSLogs" / account_id / "CloudTrail" / region / stamp[:4] / stamp[4:6] / stamp[6:8]
    return folder / f"{account_id}_CloudTrail_{region}_{stamp}_{suffix}.json.gz"


def _records(
    aws: AwsEstate, account: str, region: str, w: int, start: int, width: int, count: int, planted: list[PlantedEvent]
) -> Iterator[dict[str, object]]:
    rng = aws.derive.rng("cloudtrail", account, region, w)
    win = _Window(aws, account, rng)
    times = sorted(start + rng.randrange(width) for _ in range(count))
    i = 0
    for at in times:
        while i < len(planted) and planted[i].at <= at:
            yield planted[i].record
            i += 1
        yield _background_event(aws, win, rng, at, region)
    yield from (p.record for p in planted[i:])


def write_cloudtrail(
    out: Path, aws: AwsEstate, total_events: int, planted: list[PlantedEvent]
) -> Iterator[tuple[Path, int]]:
    """Write every trail file; yields (path, records in it) as each file is closed."""
    end = aws.base
    start = end - TRAIL_DAYS * DAY
    yield from _write_history(out, aws, [p for p in planted if p.at < start])
    per_account = _split(total_events, _ACCOUNT_SHARE)
    for account in ACCOUNT_NAMES:
        account_id = aws.accounts[account].id
        for region, count in _split(per_account[account], _REGION_SHARE).items():
            files = _windows(count)
            width = (end - start) // files
            mine = [p for p in planted if p.account == account and p.region == region]
            for w in range(files):
                lo, hi = start + w * width, (end if w == files - 1 else start + (w + 1) * width)
                in_window = [p for p in mine if lo <= p.at < hi]
                n = count // files + (1 if w < count % files else 0)
                path = _file_path(out, aws, account_id, region, hi, aws.derive.rng("ct-name", account, region, w))
                yield path, _write_file(path, _records(aws, account, region, w, lo, hi - lo, n, in_window))


def _write_history(out: Path, aws: AwsEstate, planted: list[PlantedEvent]) -> Iterator[tuple[Path, int]]:
    """Planted events older than the window: one file per account, region and 5-minute delivery."""
    groups: dict[tuple[str, str, int], list[PlantedEvent]] = {}
    for event in planted:
        groups.setdefault((event.account, event.region, event.at // 300 * 300 + 300), []).append(event)
    for (account, region, end), batch in sorted(groups.items()):
        account_id = aws.accounts[account].id
        path = _file_path(out, aws, account_id, region, end, aws.derive.rng("ct-history", account, region, end))
        yield path, _write_file(path, (e.record for e in sorted(batch, key=lambda e: e.at)))


def _write_file(path: Path, records: Iterator[dict[str, object]]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    packer = zlib.compressobj(_GZIP_LEVEL, zlib.DEFLATED, 31)  # wbits 31: gzip wrapper, mtime 0
    written = 0
    with path.open("wb") as handle:
        handle.write(packer.compress(b'{"Records":['))
        for record in records:
            handle.write(packer.compress((b"," if written else b"") + orjson.dumps(record)))
            written += 1
        handle.write(packer.compress(b"]}"))
        handle.write(packer.flush())
    return written
