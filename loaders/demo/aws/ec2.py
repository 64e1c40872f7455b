"""`aws ec2 describe-instances`: the runner fleet in the shared account, tagged
`github-runner-name`, and workload hosts in every account carrying the instance profile of a
background EC2 role and `owner-email` / `team` tags.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from loaders.demo.aws.iam_model import AwsEstate
from loaders.demo.derive import DAY, format_offset, stream_json_list
from loaders.demo.org import Runner, all_runners


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
        for r in all_runners(aws.org, planted):
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

    return stream_json_list(path, b'{\n  "Reservations": [', reservations())
