"""Runner inventory: GitHub's self-hosted runner and runner-group API JSON, and EC2 describe-instances.

Runners are EC2 instances in the shared account tagged `github-runner-name`, so a CloudTrail
source IP, an instance and a runner name all meet on one runner. Workload hosts in every
account carry the instance profile of a background EC2 role and `owner-email` / `team` tags.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson

from loaders.demo.derive import format_offset
from loaders.demo.iam_model import DAY, AwsEstate
from loaders.demo.org import ORG, Runner

__all__ = ["write_ec2", "write_runner_groups", "write_runners"]

_GROUPS = (("Default", 1, "all"), ("ml-runners", 2, "selected"), ("production-deployers", 3, "selected"))
_LABEL_IDS = {"self-hosted": 1, "linux": 2, "x64": 3, "build": 10, "integration": 11, "gpu": 12, "deploy": 13}


def _group_id(name: str) -> int:
    return next(gid for gname, gid, _ in _GROUPS if gname.lower() == name.lower() or (name == "default" and gid == 1))


def _runner_json(runner: Runner, busy: bool) -> dict[str, object]:
    labels = [
        {"id": 1, "name": "self-hosted", "type": "read-only"},
        {"id": 2, "name": "Linux", "type": "read-only"},
        {"id": 3, "name": "X64", "type": "read-only"},
        {"id": _LABEL_IDS["linux"] + 100, "name": "linux", "type": "custom"},
        {"id": _LABEL_IDS[runner.pool], "name": runner.pool, "type": "custom"},
    ]
    return {
        "id": runner.runner_id,
        "name": runner.name,
        "os": "Linux",
        "status": "online",
        "busy": busy,
        "ephemeral": False,
        "labels": labels,
    }


def _all_runners(aws: AwsEstate, planted: list[Runner]) -> Iterator[Runner]:
    yield from planted
    yield from (aws.org.runner(i) for i in range(aws.org.sizes.runners))


def _stream_list(path: Path, head: bytes, items: Iterator[dict[str, object]], tail: bytes = b"\n}\n") -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("wb") as handle:
        handle.write(head)
        for item in items:
            body = orjson.dumps(item, option=orjson.OPT_INDENT_2).replace(b"\n", b"\n    ")
            handle.write((b",\n    " if count else b"\n    ") + body)
            count += 1
        handle.write(b"\n  ]" + tail)
    return count


def write_runners(path: Path, aws: AwsEstate, planted: list[Runner]) -> int:
    """GET /orgs/{org}/actions/runners, all pages merged into one response body."""
    total = aws.org.sizes.runners + len(planted)
    items = (_runner_json(r, aws.derive.chance(30, "busy", r.name)) for r in _all_runners(aws, planted))
    return _stream_list(path, b'{\n  "total_count": %d,\n  "runners": [' % total, items)


def write_runner_groups(folder: Path, aws: AwsEstate, planted: list[Runner]) -> int:
    """GET /orgs/{org}/actions/runner-groups, plus each group's runner list (its runners_url)."""
    groups = [
        {
            "id": gid,
            "name": name,
            "visibility": visibility,
            "default": gid == 1,
            "runners_url": f"https://api.github.com/orgs/{ORG}/actions/runner-groups/{gid}/runners",
            "inherited": False,
            "allows_public_repositories": False,
            "restricted_to_workflows": gid == 3,
            "selected_workflows": [f"{ORG}/payments-deploy/.github/workflows/deploy.yml@refs/heads/main"]
            if gid == 3
            else [],
            "workflow_restrictions_read_only": False,
        }
        for name, gid, visibility in _GROUPS
    ]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "runner-groups.json").write_bytes(
        orjson.dumps({"total_count": len(groups), "runner_groups": groups}, option=orjson.OPT_INDENT_2) + b"\n"
    )
    for _name, gid, _ in _GROUPS:
        members = [r for r in _all_runners(aws, planted) if _group_id(r.group) == gid]
        items = (_runner_json(r, False) for r in members)
        _stream_list(
            folder / f"runner-group-{gid}-runners.json",
            b'{\n  "total_count": %d,\n  "runners": [' % len(members),
            items,
        )
    return len(groups)


def _instance(
    aws: AwsEstate,
    account: str,
    instance_id: str,
    public_ip: str,
    private_ip: str,
    profile: str,
    tags: list[tuple[str, str]],
    launched: int,
) -> dict[str, object]:
    account_id = aws.accounts[account].id
    subnet = "subnet-0" + aws.derive.hex(16, "subnet", account)
    vpc = "vpc-0" + aws.derive.hex(16, "vpc", account)
    private_dns = f"ip-{private_ip.replace('.', '-')}.ec2.internal"
    public_dns = f"ec2-{public_ip.replace('.', '-')}.compute-1.amazonaws.com"
    eni = "eni-0" + aws.derive.hex(16, "eni", instance_id)
    return {
        "AmiLaunchIndex": 0,
        "ImageId": "ami-0" + aws.derive.hex(16, "ami", account),
        "InstanceId": instance_id,
        "InstanceType": "c6i.xlarge",
        "LaunchTime": format_offset(launched),
        "Monitoring": {"State": "disabled"},
        "Placement": {"AvailabilityZone": "us-east-1a", "GroupName": "", "Tenancy": "default"},
        "PrivateDnsName": private_dns,
        "PrivateIpAddress": private_ip,
        "ProductCodes": [],
        "PublicDnsName": public_dns,
        "PublicIpAddress": public_ip,
        "State": {"Code": 16, "Name": "running"},
        "SubnetId": subnet,
        "VpcId": vpc,
        "Architecture": "x86_64",
        "IamInstanceProfile": {
            "Arn": f"arn:aws:iam::{account_id}:instance-profile/{profile}",
            "Id": aws.derive.aws_id("AIPA", account_id, profile, length=17),
        },
        "NetworkInterfaces": [
            {
                "Association": {"IpOwnerId": "amazon", "PublicDnsName": public_dns, "PublicIp": public_ip},
                "Attachment": {
                    "AttachTime": format_offset(launched),
                    "AttachmentId": "eni-attach-0" + aws.derive.hex(16, "att", instance_id),
                    "DeleteOnTermination": True,
                    "DeviceIndex": 0,
                    "Status": "attached",
                    "NetworkCardIndex": 0,
                },
                "Description": "",
                "MacAddress": "0e:"
                + ":".join(aws.derive.hex(10, "mac", instance_id)[i : i + 2] for i in range(0, 10, 2)),
                "NetworkInterfaceId": eni,
                "OwnerId": account_id,
                "PrivateDnsName": private_dns,
                "PrivateIpAddress": private_ip,
                "PrivateIpAddresses": [
                    {
                        "Association": {"IpOwnerId": "amazon", "PublicDnsName": public_dns, "PublicIp": public_ip},
                        "Primary": True,
                        "PrivateDnsName": private_dns,
                        "PrivateIpAddress": private_ip,
                    }
                ],
                "SourceDestCheck": True,
                "Status": "in-use",
                "SubnetId": subnet,
                "VpcId": vpc,
                "InterfaceType": "interface",
            }
        ],
        "Tags": [{"Key": k, "Value": v} for k, v in tags],
    }


def _instances(aws: AwsEstate, account: str, planted: list[Runner], fleet_owner: str) -> Iterator[dict[str, object]]:
    org = aws.org
    if account == "shared":
        for r in _all_runners(aws, planted):
            tags = [
                ("Name", r.name),
                ("github-runner-name", r.name),
                ("github-runner-group", r.group),
                ("team", "platform"),
                ("owner-email", fleet_owner),
            ]
            yield _instance(
                aws, account, r.instance_id, r.public_ip, r.private_ip, "github-runner-fleet", tags, aws.base - 20 * DAY
            )
    quarter = max(1, org.sizes.roles_per_account // 4)
    for h in range(org.sizes.hosts_per_account):
        instance_id, public_ip, private_ip = org.host_ips(account, h)
        role = aws.role(account, 4 * (h % quarter))
        tags = [("Name", f"{role.name}-{h}"), ("environment", aws.accounts[account].environment), *role.tags]
        yield _instance(
            aws,
            account,
            instance_id,
            public_ip,
            private_ip,
            role.instance_profile or role.name,
            tags,
            aws.base - (30 + h % 200) * DAY,
        )


def write_ec2(path: Path, aws: AwsEstate, account: str, planted: list[Runner], fleet_owner: str) -> int:
    """`aws ec2 describe-instances` output: one reservation per instance, as launched one by one."""
    account_id = aws.accounts[account].id

    def reservations() -> Iterator[dict[str, object]]:
        for instance in _instances(aws, account, planted, fleet_owner):
            rid = "r-0" + aws.derive.hex(16, "reservation", instance["InstanceId"])
            yield {"Groups": [], "Instances": [instance], "OwnerId": account_id, "ReservationId": rid}

    return _stream_list(path, b'{\n  "Reservations": [', reservations())
