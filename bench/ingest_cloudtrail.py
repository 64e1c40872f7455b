"""CloudTrail files for the ingest benchmark (bench/ingest.py): generated, and their raw parse.

Each generated actor (IAM users with AKIA keys, role sessions with ASIA keys) has a small job —
two to four (call, target) pairs — as service identities do, so sessions touch a realistic handful
of targets. Files are generated in the real S3 export layout
(`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<stamp>_<id>.json.gz`,
each `{"Records": [...]}`), deterministic by seed, and reused when already present. The raw parse
is gunzip + orjson, nothing else, one process; gunzip by the inflater keytrail itself uses
(ISA-L's where installed), so the ratio measures keytrail's own work.
"""

from __future__ import annotations

import gzip
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from bench.ingest_common import Source
from loaders.formats.compressed import INFLATE  # the inflater keytrail reads gzip with

__all__ = ["CLOUDTRAIL", "generate", "raw_parse"]

ACCOUNTS = ("111111111111", "222222222222", "333333333333")
REGIONS = ("us-east-1", "eu-west-1")
EVENTS_PER_FILE = 1000
BASE = 1_735_689_600  # 2025-01-01T00:00:00Z
CALLS = (
    ("s3.amazonaws.com", "GetObject", "bucketName", True),
    ("s3.amazonaws.com", "PutObject", "bucketName", False),
    ("ec2.amazonaws.com", "DescribeInstances", None, True),
    ("sts.amazonaws.com", "GetCallerIdentity", None, True),
    ("lambda.amazonaws.com", "Invoke", "functionName", False),
    ("dynamodb.amazonaws.com", "GetItem", "tableName", True),
    ("secretsmanager.amazonaws.com", "GetSecretValue", "secretId", True),
    ("iam.amazonaws.com", "GetRole", "roleName", True),
)
AGENTS = (
    "aws-cli/2.15.0 Python/3.11.6 Linux/6.1",
    "Boto3/1.34.0 Python/3.11.6 Linux/6.1 Botocore/1.34.0",
    "aws-sdk-go-v2/1.24.0",
)


@dataclass(frozen=True)
class Actor:
    account: str
    identity: dict[str, object]
    ip: str
    agent: str
    job: tuple[tuple[str, str, str | None, bool, str], ...]  # the few calls and targets this actor makes


def _key(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))


def _actors(rng: random.Random, count: int) -> list[Actor]:
    actors = []
    for n in range(count):
        account = ACCOUNTS[n % len(ACCOUNTS)]
        ip = f"10.{n % 200}.{(n // 200) % 250}.{1 + n % 250}" if n % 3 else f"203.0.113.{n % 250}"
        if n % 2:
            user = f"svc-{n:05d}"
            identity = {
                "type": "IAMUser",
                "principalId": "AIDA" + _key(rng, "")[:17],
                "arn": f"arn:aws:iam::{account}:user/{user}",
                "accountId": account,
                "accessKeyId": _key(rng, "AKIA"),
                "userName": user,
            }
        else:
            role, session = f"app-{n:05d}", f"i-{n:017x}"
            identity = {
                "type": "AssumedRole",
                "principalId": f"AROA{_key(rng, '')[:17]}:{session}",
                "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
                "accountId": account,
                "accessKeyId": _key(rng, "ASIA"),
                "sessionContext": {
                    "sessionIssuer": {
                        "type": "Role",
                        "principalId": "AROA" + _key(rng, "")[:17],
                        "arn": f"arn:aws:iam::{account}:role/{role}",
                        "accountId": account,
                        "userName": role,
                    },
                    "webIdFederationData": {},
                    "attributes": {"creationDate": "2025-01-01T00:00:00Z", "mfaAuthenticated": "false"},
                },
            }
        job = tuple((*CALLS[rng.randrange(len(CALLS))], f"res-{rng.randrange(400)}") for _ in range(2 + n % 3))
        actors.append(Actor(account, identity, ip, AGENTS[n % len(AGENTS)], job))
    return actors


def _stamp(seconds: int, fmt: str = "%Y-%m-%dT%H:%M:%SZ") -> str:
    return time.strftime(fmt, time.gmtime(seconds))


def _event(rng: random.Random, actor: Actor, at: int, region: str) -> dict[str, object]:
    source, name, parameter, read_only, target = actor.job[rng.randrange(len(actor.job))]
    request = {parameter: target} if parameter else None
    return {
        "eventVersion": "1.09",
        "userIdentity": actor.identity,
        "eventTime": _stamp(at),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": actor.ip,
        "userAgent": actor.agent,
        "requestParameters": request,
        "responseElements": None,
        "requestID": str(uuid.UUID(int=rng.getrandbits(128))),
        "eventID": str(uuid.UUID(int=rng.getrandbits(128))),
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": actor.account,
        "eventCategory": "Management",
        "tlsDetails": {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": f"{source.split('.')[0]}.{region}.amazonaws.com",
        },
    }


def _files(events: int, seed: int, actors: int) -> Iterator[tuple[str, str, int, list[dict[str, object]]]]:
    """(account, region, window start, records) per delivery file; each actor works ~8 h a day."""
    rng = random.Random(seed)
    pool = _actors(rng, actors)
    files = max(1, events // EVENTS_PER_FILE)
    span = 86_400
    for index in range(files):
        account, region = ACCOUNTS[index % len(ACCOUNTS)], REGIONS[(index // len(ACCOUNTS)) % len(REGIONS)]
        start = BASE + (index * span) // files
        mine = [a for a in pool if a.account == account]
        records = []
        for _ in range(EVENTS_PER_FILE):
            actor = mine[rng.randrange(len(mine))]
            records.append(_event(rng, actor, start + rng.randrange(300), region))
        records.sort(key=lambda r: str(r["eventTime"]))
        yield account, region, start, records


def generate(out: Path, events: int, seed: int, actors: int) -> int:
    marker = out.parent / f"{out.name}.generated"  # beside the tree, so loads never see it
    if marker.exists():
        return int(marker.read_text())
    total = 0
    for account, region, start, records in _files(events, seed, actors):
        folder = out / "AWSLogs" / account / "CloudTrail" / region / _stamp(start, "%Y/%m/%d")
        folder.mkdir(parents=True, exist_ok=True)
        suffix = uuid.uuid5(uuid.NAMESPACE_URL, f"{seed}/{start}/{region}/{account}").hex[:16]
        name = f"{account}_CloudTrail_{region}_{_stamp(start, '%Y%m%dT%H%MZ')}_{suffix}.json.gz"
        with gzip.open(folder / name, "wb", compresslevel=1) as handle:
            handle.write(orjson.dumps({"Records": records}))
        total += len(records)
    marker.write_text(str(total))
    return total


def gz_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.json.gz"))


def raw_parse(root: Path) -> tuple[int, float]:
    started = time.perf_counter()
    count = 0
    for path in gz_files(root):  # each a single gzip member, as generated
        count += len(orjson.loads(INFLATE.decompress(path.read_bytes(), 31))["Records"])
    return count, time.perf_counter() - started


CLOUDTRAIL = Source(
    name="cloudtrail",
    unit="events",
    default_events=1_000_000,
    default_actors=3000,
    generate=generate,
    files=gz_files,
    raw_parse=raw_parse,
    describe=f"{INFLATE.__name__} gunzip + orjson",
)
