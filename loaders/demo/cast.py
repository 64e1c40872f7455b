"""The planted cast: the named people, teams, repositories, runners and AWS identities of the situations.

Everything a planted situation needs is declared here once; planted_events.py makes them act in
CloudTrail, scanners.py leaks one of them, manifest.py states the expected answers. Names are
chosen so they never collide with the background pool in org.py (no planted first name is in
its name list; planted repositories use words the background never combines).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loaders.demo.aws.iam_model import (
    AccessKey,
    AwsEstate,
    IamUser,
    Role,
    account_trust,
    github_oidc_trust,
    service_trust,
)
from loaders.demo.derive import DAY, Derive
from loaders.demo.org import DOMAIN, ORG, RUNNER_PUBLIC, Organisation, Runner, ip_from_int

__all__ = ["Cast", "CastPerson", "CastRepo", "build_cast"]

LAPTOP_IP = "198.51.100.23"  # erin's home connection: no runner, host or office owns it
ATTACKER_IP = "192.0.2.66"  # where the deleted key reappears
VENDOR_IPS = ("34.201.17.5", "34.201.17.6")
SCANNER_IPS = ("35.170.8.40",)


@dataclass(frozen=True)
class CastPerson:
    key: str
    given: str
    family: str
    team: str
    active: bool
    offboarded_at: int | None = None

    @property
    def email(self) -> str:
        return f"{self.given.lower()}.{self.family.lower()}@{DOMAIN}"

    @property
    def github_login(self) -> str:
        """The GitHub handle the catalog annotates (github.com/user-login): no dots, as GitHub allows."""
        return f"{self.given[0]}{self.family}-acme".lower()


@dataclass(frozen=True)
class CastRepo:
    name: str
    team: str
    workflows: dict[str, str]
    codeowners: str
    component_type: str = "service"


@dataclass
class Cast:
    base: int
    people: dict[str, CastPerson]
    repos: list[CastRepo]
    runners: list[Runner]
    runner_fleet_role: Role
    users: dict[str, list[IamUser]] = field(default_factory=dict)
    roles: dict[str, list[Role]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    extra_team: tuple[str, str, str] = ("legacy-billing", "Legacy Billing", "eng-product")

    def user(self, account: str, name: str) -> IamUser:
        return next(u for u in self.users[account] if u.name == name)

    def role(self, account: str, name: str) -> Role:
        return next(r for r in self.roles[account] if r.name == name)


def _people(base: int) -> dict[str, CastPerson]:
    people = [
        CastPerson("dana", "Dana", "Whitfield", "payments", False, base - 45 * DAY),
        CastPerson("erin", "Erin", "Castillo", "checkout", True),
        CastPerson("farid", "Farid", "Haddad", "analytics", True),
        CastPerson("gloria", "Gloria", "Neumann", "legacy-billing", False, base - 200 * DAY),
        CastPerson("ines", "Ines", "Albright", "legacy-billing", False, base - 90 * DAY),
        CastPerson("hector", "Hector", "Morales", "platform", True),
        CastPerson("jules", "Jules", "Okonkwo", "platform", True),
        CastPerson("kwame", "Kwame", "Asante", "platform", True),
        CastPerson("lorna", "Lorna", "Pike", "checkout", True),
        # active on the HR roster; deactivated in Okta (loaders/demo/saas): the IdP is ahead of HR
        CastPerson("mira", "Mira", "Lindqvist", "platform", True),
    ]
    return {p.key: p for p in people}


def _runners(derive: Derive) -> list[Runner]:
    return [
        Runner(
            index=-1 - n,
            name=f"gh-runner-deploy-{n + 1:02d}",
            pool="deploy",
            group="production-deployers",
            public_ip=ip_from_int(RUNNER_PUBLIC, 10 + n),
            private_ip=f"10.20.0.{10 + n}",
            instance_id="i-0" + derive.hex(16, "deploy-runner", n),
            runner_id=900 + n,
        )
        for n in range(3)
    ]


def build_cast(derive: Derive, org: Organisation, aws: AwsEstate) -> Cast:
    base = aws.base
    from loaders.demo.github.workflows import planted_repos

    people = _people(base)
    fleet = Role(
        account="shared",
        name="github-runner-fleet",
        role_id=derive.aws_id("AROA", "cast", "fleet", length=17),
        created=base - 700 * DAY,
        trust=service_trust("ec2.amazonaws.com"),
        policies=("AmazonSSMManagedInstanceCore", "AmazonEC2ReadOnlyAccess"),
        tags=(("team", "platform"), ("owner-email", people["hector"].email)),
        last_used=base - 3600,
        instance_profile="github-runner-fleet",
    )
    cast = Cast(
        base=base,
        people=people,
        repos=planted_repos(aws.accounts["production"].id, aws.accounts["staging"].id),
        runners=_runners(derive),
        runner_fleet_role=fleet,
    )
    for name in (
        "deploy",
        "ci",
        "leaked",
        "etl_old",
        "etl_new",
        "backup",
        "jenkins",
        "billing",
        "orphan",
        "shared",
        "relay",
    ):
        cast.keys[name] = derive.aws_id("AKIA", "cast", name)
    cast.secrets["leaked"] = derive.secret("cast", "leaked")
    cast.secrets["slack"] = (
        "https://hooks.slack.com/services/T0"
        + derive.hex(8, "slack-t").upper()
        + "/B0"
        + derive.hex(8, "slack-b").upper()
        + "/"
        + derive.hex(24, "slack")
    )
    _add_identities(cast, derive, aws)
    return cast


def _user(derive: Derive, account: str, name: str, created: int, keys: list[AccessKey], **extra: Any) -> IamUser:
    return IamUser(
        account=account,
        name=name,
        user_id=derive.aws_id("AIDA", "cast", name, length=17),
        created=created,
        keys=tuple(keys),
        **extra,
    )


def _role(derive: Derive, account: str, name: str, created: int, trust: dict[str, object], **extra: Any) -> Role:
    return Role(
        account=account,
        name=name,
        role_id=derive.aws_id("AROA", "cast", name, length=17),
        created=created,
        trust=trust,
        **extra,
    )


def _add_identities(cast: Cast, d: Derive, aws: AwsEstate) -> None:
    b, k, p = cast.base, cast.keys, cast.people
    acct = {name: a.id for name, a in aws.accounts.items()}
    deploy_ips = [r.public_ip for r in cast.runners]
    host = aws.org.host_ips
    cast.users["production"] = [
        _user(
            d,
            "production",
            "svc-payments-deploy",
            b - 820 * DAY,
            [AccessKey(k["deploy"], True, b - 455 * DAY, b - 2 * DAY + 36000, "us-east-1", "ecs")],
            tags=(
                ("owner-email", p["dana"].email),
                ("team", "payments"),
                ("purpose", "payments deploy from self-hosted runners"),
            ),
            policies=("AmazonECS_FullAccess", "AmazonS3FullAccess"),
            source_ip=deploy_ips[0],
        ),
        _user(
            d,
            "production",
            "svc-legacy-backup",
            b - 1400 * DAY,
            [AccessKey(k["backup"], True, b - 1332 * DAY, b - DAY + 7200, "us-east-1", "s3")],
            tags=(("owner-email", p["hector"].email), ("team", "platform")),
            policies=("AmazonS3FullAccess",),
            source_ip=host("production", 0)[1],
        ),
        _user(
            d,
            "production",
            "svc-jenkins",
            b - 600 * DAY,
            [AccessKey(k["jenkins"], True, b - 120 * DAY, b - DAY + 3600, "us-east-1", "ecr")],
            tags=(("owner-email", p["kwame"].email), ("team", "platform")),
            groups=("ci-admins",),
            policies=("AmazonECS_FullAccess",),
            password_enabled=True,
            password_last_used=b - 4 * DAY + 33000,
            mfa=False,
            source_ip=host("production", 1)[1],
        ),
        _user(
            d,
            "production",
            "svc-billing-export",
            b - 900 * DAY,
            [AccessKey(k["billing"], True, b - 300 * DAY, b - 3 * DAY, "us-east-1", "s3")],
            tags=(("team", "legacy-billing"),),
            policies=("AmazonS3ReadOnlyAccess",),
            source_ip=host("production", 2)[1],
        ),
        _user(
            d,
            "production",
            "svc-metrics-relay",
            b - 5 * DAY + 50000,
            [AccessKey(k["relay"], True, b - 5 * DAY + 50010)],
            policies=("AmazonS3ReadOnlyAccess",),
        ),
    ]
    cast.users["staging"] = [
        _user(
            d,
            "staging",
            "svc-ci-build",
            b - 500 * DAY,
            [AccessKey(k["ci"], True, b - 150 * DAY, b - 3 * DAY + 76440, "us-east-1", "sts")],
            tags=(("owner-email", p["hector"].email), ("team", "platform")),
            policies=("AmazonEC2ReadOnlyAccess",),
            source_ip="",
        ),
        _user(
            d,
            "staging",
            "svc-reporting",
            b - 400 * DAY,
            [AccessKey(k["leaked"], True, b - 200 * DAY, b - DAY + 20000, "us-east-1", "athena")],
            tags=(("owner-email", p["farid"].email), ("team", "analytics")),
            policies=("AmazonS3ReadOnlyAccess",),
            source_ip=host("staging", 3)[1],
        ),
        _user(
            d,
            "staging",
            "svc-etl",
            b - 700 * DAY,
            [AccessKey(k["etl_new"], True, b - 6 * DAY + 50520, b - DAY + 9000, "us-east-1", "s3")],
            tags=(("owner-email", p["farid"].email), ("team", "analytics")),
            policies=("AmazonS3FullAccess",),
            source_ip=host("staging", 4)[1],
        ),
    ]
    cast.users["shared"] = [
        _user(
            d,
            "shared",
            "svc-orphan-sync",
            b - 980 * DAY,
            [AccessKey(k["orphan"], True, b - 655 * DAY, b - DAY + 1800, "us-east-1", "s3")],
            policies=("AmazonS3FullAccess", "AmazonDynamoDBFullAccess"),
            source_ip=host("shared", 5)[1],
        ),
        _user(
            d,
            "shared",
            "svc-checkout-deployer",
            b - 300 * DAY,
            [AccessKey(k["shared"], True, b - 90 * DAY, b - DAY + 40000, "us-east-1", "sts")],
            tags=(("owner-email", p["lorna"].email), ("team", "checkout")),
            policies=(),
            inline=(
                (
                    "assume-deploy-roles",
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "sts:AssumeRole",
                                "Resource": [
                                    f"arn:aws:iam::{acct['staging']}:role/checkout-deploy",
                                    f"arn:aws:iam::{acct['production']}:role/checkout-deploy",
                                ],
                            }
                        ],
                    },
                ),
            ),
        ),
    ]
    never = None
    cast.roles["production"] = [
        _role(
            d,
            "production",
            "gha-infra-admin",
            b - 400 * DAY,
            github_oidc_trust(acct["production"], f"repo:{ORG}/infra-live:ref:refs/heads/main"),
            policies=("AdministratorAccess",),
            tags=(("team", "platform"), ("owner-email", p["hector"].email)),
            last_used=b - DAY + 57600,
            session_name="GitHubActions",
            kind="github",
        ),
        _role(
            d,
            "production",
            "break-glass-automation",
            b - 800 * DAY,
            account_trust(f"arn:aws:iam::{acct['shared']}:root"),
            policies=("AdministratorAccess",),
            tags=(("team", "platform"), ("owner-email", p["jules"].email)),
            last_used=never,
        ),
        _role(
            d,
            "production",
            "acme-vendor-observability",
            b - 500 * DAY,
            account_trust(f"arn:aws:iam::{aws.vendor_account}:root"),
            policies=("ReadOnlyAccess",),
            inline=(
                (
                    "vendor-log-export",
                    {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": ["s3:*", "logs:*"], "Resource": "*"}],
                    },
                ),
            ),
            tags=(("vendor", "ObservaCo"), ("owner-email", p["lorna"].email)),
            last_used=b - DAY + 600,
            session_name="ObservaCoPoller",
            kind="vendor",
        ),
        _role(
            d,
            "production",
            "checkout-deploy",
            b - 300 * DAY,
            account_trust(f"arn:aws:iam::{acct['shared']}:user/svc-checkout-deployer"),
            policies=("AmazonECS_FullAccess",),
            tags=(("team", "checkout"),),
            last_used=b - DAY + 40100,
            kind="deploy",
        ),
    ]
    cast.roles["staging"] = [
        _role(
            d,
            "staging",
            "ci-deployer",
            b - 450 * DAY,
            account_trust(f"arn:aws:iam::{acct['staging']}:user/svc-ci-build"),
            policies=("AmazonECS_FullAccess", "SecretsManagerReadWrite"),
            tags=(("team", "platform"), ("owner-email", p["hector"].email)),
            last_used=b - 3 * DAY + 76500,
            kind="deploy",
        ),
        _role(
            d,
            "staging",
            "checkout-deploy",
            b - 300 * DAY,
            account_trust(f"arn:aws:iam::{acct['shared']}:user/svc-checkout-deployer"),
            policies=("AmazonECS_FullAccess",),
            tags=(("team", "checkout"),),
            last_used=b - DAY + 40050,
            kind="deploy",
        ),
        _role(
            d,
            "staging",
            "gha-preview-deployer",
            b - 250 * DAY,
            github_oidc_trust(acct["staging"], None),
            policies=("AmazonS3FullAccess", "AWSLambda_FullAccess"),
            tags=(("team", "web"),),
            last_used=b - DAY + 50000,
            session_name="GitHubActions",
            kind="github",
        ),
    ]
    cast.roles["shared"] = [
        cast.runner_fleet_role,
        _role(
            d,
            "shared",
            "thirdparty-ci-scanner",
            b - 350 * DAY,
            account_trust(
                f"arn:aws:iam::{aws.scanner_vendor_account}:root", external_id="scanco-" + d.hex(12, "extid")
            ),
            policies=("ReadOnlyAccess", "SecretsManagerReadWrite"),
            tags=(("vendor", "ScanCo"), ("owner-email", p["jules"].email)),
            last_used=b - DAY + 1200,
            session_name="scanco-audit",
            kind="vendor",
            extra={"external_id": "scanco-" + d.hex(12, "extid")},
        ),
    ]
