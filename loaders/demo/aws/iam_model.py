"""AWS side of the demo estate: accounts, managed policies, and index-addressable IAM users and roles.

Background IAM users and roles are derived from (account, index) exactly like people in
org.py, so the IAM export, the credential report and CloudTrail agree on every user name, key
id, role ARN and source IP without keeping them in memory. Planted identities use the same
dataclasses, so one writer serialises both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loaders.demo.derive import DAY, Derive
from loaders.demo.org import HOST_PUBLIC, HOSTED_PUBLIC, OFFICE_PUBLIC, ORG, SERVICE_WORDS, Organisation, ip_from_int

__all__ = [
    "ACCOUNT_NAMES",
    "MANAGED",
    "AccessKey",
    "Account",
    "AwsEstate",
    "IamUser",
    "Role",
    "account_trust",
    "github_oidc_trust",
    "service_trust",
]

ACCOUNT_NAMES = ("staging", "production", "shared")


def _statement(actions: object, resource: object = "*", effect: str = "Allow") -> dict[str, object]:
    return {"Effect": effect, "Action": actions, "Resource": resource}


# AWS managed policies the estate attaches (abridged documents with the real names, ARNs and shape).
MANAGED: dict[str, tuple[str, dict[str, object]]] = {
    "AdministratorAccess": ("/", {"Version": "2012-10-17", "Statement": [_statement("*")]}),
    "ReadOnlyAccess": (
        "/",
        {
            "Version": "2012-10-17",
            "Statement": [
                _statement(
                    ["ec2:Describe*", "s3:Get*", "s3:List*", "iam:Get*", "iam:List*", "logs:Get*", "dynamodb:Describe*"]
                )
            ],
        },
    ),
    "AmazonS3FullAccess": ("/", {"Version": "2012-10-17", "Statement": [_statement(["s3:*", "s3-object-lambda:*"])]}),
    "AmazonS3ReadOnlyAccess": (
        "/",
        {
            "Version": "2012-10-17",
            "Statement": [
                _statement(["s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*"])
            ],
        },
    ),
    "AmazonDynamoDBFullAccess": (
        "/",
        {"Version": "2012-10-17", "Statement": [_statement(["dynamodb:*", "cloudwatch:GetMetricData"])]},
    ),
    "AmazonEC2ReadOnlyAccess": (
        "/",
        {"Version": "2012-10-17", "Statement": [_statement(["ec2:Describe*", "elasticloadbalancing:Describe*"])]},
    ),
    "SecretsManagerReadWrite": (
        "/",
        {
            "Version": "2012-10-17",
            "Statement": [_statement(["secretsmanager:*", "kms:DescribeKey", "kms:ListAliases"])],
        },
    ),
    "AWSLambda_FullAccess": (
        "/",
        {"Version": "2012-10-17", "Statement": [_statement(["lambda:*", "logs:DescribeLogGroups", "iam:PassRole"])]},
    ),
    "AmazonSSMManagedInstanceCore": (
        "/",
        {
            "Version": "2012-10-17",
            "Statement": [
                _statement(
                    ["ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ec2messages:GetMessages"]
                )
            ],
        },
    ),
    "IAMFullAccess": (
        "/",
        {"Version": "2012-10-17", "Statement": [_statement(["iam:*", "organizations:DescribeAccount"])]},
    ),
    "AmazonECS_FullAccess": (
        "/",
        {"Version": "2012-10-17", "Statement": [_statement(["ecs:*", "ecr:*", "iam:PassRole"])]},
    ),
}
_USER_POLICIES = (
    "AmazonS3ReadOnlyAccess",
    "AmazonS3FullAccess",
    "AmazonDynamoDBFullAccess",
    "SecretsManagerReadWrite",
    "AmazonEC2ReadOnlyAccess",
)
_ROLE_POLICIES = (
    "AmazonS3ReadOnlyAccess",
    "AmazonDynamoDBFullAccess",
    "AWSLambda_FullAccess",
    "AmazonECS_FullAccess",
    "ReadOnlyAccess",
    "AmazonSSMManagedInstanceCore",
)
USER_AGENTS = (
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.213-201.855.amzn2.x86_64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",  # noqa: E501 (verbatim real-world text)
    "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/s3#1.58.2",
    "aws-sdk-java/2.25.16 Linux/5.10.214-202.855.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. io/sync http/Apache cfg/retry-mode/legacy",  # noqa: E501 (verbatim real-world text)
    "APN/1.0 HashiCorp/1.0 Terraform/1.8.5 (+https://www.terraform.io) terraform-provider-aws/5.58.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.30.1 os/linux lang/go#1.22.4 md/GOOS#linux md/GOARCH#amd64 api/sts#1.30.1",  # noqa: E501 (verbatim real-world text)
)
OIDC_HOST = "token.actions.githubusercontent.com"


@dataclass(frozen=True)
class Account:
    name: str
    id: str
    environment: str


@dataclass(frozen=True)
class AccessKey:
    key_id: str
    active: bool
    created: int
    last_used: int | None = None
    last_region: str = "N/A"
    last_service: str = "N/A"


@dataclass(frozen=True)
class IamUser:
    account: str
    name: str
    user_id: str
    created: int
    keys: tuple[AccessKey, ...]
    tags: tuple[tuple[str, str], ...] = ()
    policies: tuple[str, ...] = ()
    inline: tuple[tuple[str, dict[str, object]], ...] = ()
    groups: tuple[str, ...] = ()
    password_enabled: bool = False
    password_last_used: int | None = None
    mfa: bool = False
    source_ip: str = ""
    user_agent: str = USER_AGENTS[0]
    path: str = "/"

    def arn(self, account_id: str) -> str:
        return f"arn:aws:iam::{account_id}:user{self.path}{self.name}"


@dataclass(frozen=True)
class Role:
    account: str
    name: str
    role_id: str
    created: int
    trust: dict[str, object]
    policies: tuple[str, ...] = ()
    inline: tuple[tuple[str, dict[str, object]], ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    last_used: int | None = None
    last_region: str = "us-east-1"
    instance_profile: str | None = None
    session_name: str = ""
    source_ip: str = ""
    user_agent: str = USER_AGENTS[0]
    kind: str = "service"
    path: str = "/"
    extra: dict[str, str] = field(default_factory=dict)

    def arn(self, account_id: str) -> str:
        return f"arn:aws:iam::{account_id}:role{self.path}{self.name}"


def service_trust(service: str) -> dict[str, object]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }


def account_trust(principal_arn: str, external_id: str | None = None) -> dict[str, object]:
    statement: dict[str, object] = {"Effect": "Allow", "Principal": {"AWS": principal_arn}, "Action": "sts:AssumeRole"}
    if external_id:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def github_oidc_trust(account_id: str, subject: str | None) -> dict[str, object]:
    """The trust GitHub's docs recommend; subject None reproduces the classic mistake (aud only)."""
    condition: dict[str, object] = {"StringEquals": {f"{OIDC_HOST}:aud": "sts.amazonaws.com"}}
    if subject:
        condition["StringLike"] = {f"{OIDC_HOST}:sub": subject}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": f"arn:aws:iam::{account_id}:oidc-provider/{OIDC_HOST}"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": condition,
            }
        ],
    }


class AwsEstate:
    """Accounts plus background IAM users and roles of each account, derived by index."""

    def __init__(self, derive: Derive, org: Organisation, base: int) -> None:
        self.derive, self.org, self.base = derive, org, base
        self.accounts = {
            name: Account(name, derive.account_id(name), "shared-services" if name == "shared" else name)
            for name in ACCOUNT_NAMES
        }
        self.vendor_account = derive.account_id("vendor-observability")
        self.scanner_vendor_account = derive.account_id("vendor-ci-scanner")

    def user_is_active(self, u: int) -> bool:
        """Every fifth background user's key is idle (unused in the trail window)."""
        return u % 5 != 4

    def user(self, account: str, u: int) -> IamUser:
        d, org, base = self.derive, self.org, self.base
        name = f"svc-{SERVICE_WORDS[u % len(SERVICE_WORDS)]}-{u:05d}"
        created = base - DAY * (40 + d.below(900, "u-created", account, u)) + d.below(DAY, "u-created-s", account, u)
        stale = d.chance(12, "u-stale", account, u)
        rotated = (
            created
            if stale
            else max(
                created, base - DAY * (5 + d.below(300, "u-rot", account, u)) + d.below(DAY, "u-rot-s", account, u)
            )
        )
        used = self.user_is_active(u)
        last = base - 60 * (5 + d.below(4000, "u-last", account, u)) if used else None
        keys = [
            AccessKey(
                d.aws_id("AKIA", account, "user", u),
                True,
                rotated,
                last,
                "us-east-1" if used else "N/A",
                d.pick(("s3", "dynamodb", "sts", "secretsmanager"), "svc", account, u) if used else "N/A",
            )
        ]
        if d.chance(8, "u-key2", account, u):
            keys.append(AccessKey(d.aws_id("AKIA", account, "user2", u), False, rotated - DAY * 200))
        owner = org.person(d.below(org.sizes.people, "u-owner", account, u))
        team = org.team(owner.team)
        tags: tuple[tuple[str, str], ...] = ()
        if not d.chance(10, "u-untagged", account, u):
            tags = (("owner-email", owner.email), ("team", team.slug), ("managed-by", "terraform"))
        runner_host = u % 3 == 0
        if runner_host:
            ip = org.runner((u // 3) % org.sizes.runners).public_ip
        else:
            ip = org.host_ips(account, u % org.sizes.hosts_per_account)[1]
        return IamUser(
            account=account,
            name=name,
            user_id=d.aws_id("AIDA", account, "user", u, length=17),
            created=created,
            keys=tuple(keys),
            tags=tags,
            policies=(d.pick(_USER_POLICIES, "u-pol", account, u),),
            password_enabled=d.chance(3, "u-pw", account, u),
            source_ip=ip,
            user_agent=d.pick(USER_AGENTS, "u-ua", account, u),
        )

    def role(self, account: str, r: int) -> Role:
        d, org, base = self.derive, self.org, self.base
        acct = self.accounts[account].id
        kind = ("ec2", "github", "lambda", "sso")[r % 4]
        owner = org.person(d.below(org.sizes.people, "r-owner", account, r))
        team = org.team(owner.team)
        tags = (("team", team.slug), ("owner-email", owner.email)) if not d.chance(10, "r-untagged", account, r) else ()
        last_used = base - 60 * (5 + d.below(9000, "r-last", account, r))
        common: dict[str, Any] = dict(
            account=account,
            role_id=d.aws_id("AROA", account, "role", r, length=17),
            created=base - DAY * (60 + d.below(700, "r-created", account, r)) + d.below(DAY, "r-created-s", account, r),
            tags=tags,
            last_used=last_used,
            kind=kind,
        )
        word = SERVICE_WORDS[r % len(SERVICE_WORDS)]
        policy = d.pick(_ROLE_POLICIES, "r-pol", account, r)
        if kind == "ec2":
            instance, public_ip, _private = org.host_ips(account, (r // 4) % org.sizes.hosts_per_account)
            name = f"ec2-{word}-{r:05d}"
            return Role(
                name=name,
                trust=service_trust("ec2.amazonaws.com"),
                policies=(policy, "AmazonSSMManagedInstanceCore"),
                instance_profile=name,
                session_name=instance,
                source_ip=public_ip,
                **common,
            )
        if kind == "github":
            repo = org.repo(r // 4 % org.sizes.repos)
            subject = f"repo:{ORG}/{repo.name}:ref:refs/heads/main"
            return Role(
                name=f"gha-{repo.name}-{r:05d}",
                trust=github_oidc_trust(acct, subject),
                policies=(policy,),
                session_name="GitHubActions",
                source_ip=ip_from_int(HOSTED_PUBLIC, d.below(65000, "r-ip", account, r)),
                user_agent="aws-sdk-nodejs/2.1499.0 linux/v20.8.1 configure-aws-credentials-for-github-actions promise",
                extra={"repo": repo.name, "subject": subject},
                **common,
            )
        if kind == "lambda":
            function = f"{team.slug}-{word}-{r:05d}"
            return Role(
                name=f"lambda-{word}-{r:05d}",
                trust=service_trust("lambda.amazonaws.com"),
                policies=(policy,),
                session_name=function,
                source_ip=ip_from_int(HOST_PUBLIC, (3 << 18) + r),
                user_agent="aws-sdk-java/2.25.16 Linux exec-env/AWS_Lambda_java17",
                **common,
            )
        person = org.person(d.below(org.sizes.people, "r-sso", account, r))
        permission = ("ReadOnly", "Developer", "DataEngineer", "Operator")[r // 4 % 4]
        trust: dict[str, object] = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {
                        "Federated": f"arn:aws:iam::{acct}:saml-provider/AWSSSO_{d.hex(16, 'saml', account)}_DO_NOT_DELETE"  # noqa: E501 (verbatim real-world text)
                    },
                    "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                    "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
                }
            ],
        }
        return Role(
            name=f"AWSReservedSSO_{permission}_{d.hex(16, 'sso', account, r)}",
            path="/aws-reserved/sso.amazonaws.com/",
            trust=trust,
            policies=("ReadOnlyAccess",),
            session_name=person.email,
            source_ip=ip_from_int(OFFICE_PUBLIC, 10 + r % 200),
            user_agent="aws-cli/2.17.13 md/awscrt#0.20.11 ua/2.0 os/macos#23.5.0 md/arch#arm64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/prompt#off md/command#s3.ls",  # noqa: E501 (verbatim real-world text)
            **common,
        )
