"""The CloudTrail records of the planted situations, in time order, with the ids the manifest cites.

Each function plays one situation over the 14-day trail window that ends at the base time.
`Trail.add` assigns deterministic event ids and remembers the ids a test asserts (the
DeleteAccessKey event, the first use of a key after its deletion, the laptop session...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loaders.demo.aws import events as ev
from loaders.demo.aws.iam_model import OIDC_HOST, AwsEstate, IamUser, Role
from loaders.demo.cast import ATTACKER_IP, LAPTOP_IP, SCANNER_IPS, VENDOR_IPS, Cast, CastPerson
from loaders.demo.derive import DAY, Derive
from loaders.demo.org import HOSTED_PUBLIC, ORG, Organisation, ip_from_int

__all__ = ["PlantedEvent", "Trail", "play_all"]

CLI_LAPTOP = "aws-cli/2.17.13 md/awscrt#0.20.11 ua/2.0 os/macos#23.5.0 md/arch#arm64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/prompt#off md/command#{cmd}"  # noqa: E501 (verbatim real-world text)
CLI_OLD = "aws-cli/1.18.69 Python/3.8.10 Linux/5.4.0-1045-aws botocore/1.17.0"
GHA_AGENT = "aws-sdk-nodejs/2.1499.0 linux/v20.8.1 configure-aws-credentials-for-github-actions promise"
BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36"
)
BOTO = "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.213-201.855.amzn2.x86_64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69"  # noqa: E501 (verbatim real-world text)


@dataclass(frozen=True)
class PlantedEvent:
    account: str
    region: str
    at: int
    record: dict[str, object]


@dataclass
class Trail:
    derive: Derive
    aws: AwsEstate
    events: list[PlantedEvent] = field(default_factory=list)
    marks: dict[str, object] = field(default_factory=dict)
    cast_people: list[CastPerson] = field(default_factory=list)

    def acct(self, name: str) -> str:
        return self.aws.accounts[name].id

    def add(
        self,
        account: str,
        at: int,
        source: str,
        name: str,
        identity: dict[str, object],
        ip: str,
        agent: str,
        request: object = None,
        response: object = None,
        *,
        read_only: bool = False,
        region: str = "us-east-1",
        **extra: Any,
    ) -> str:
        n = len(self.events)
        event_id = self.derive.uuid("planted-event", n)
        record = ev.record(
            identity=identity,
            at=at,
            source=source,
            name=name,
            region=region,
            ip=ip,
            agent=agent,
            request=request,
            response=response,
            event_id=event_id,
            request_id=self.derive.uuid("planted-request", n),
            recipient=self.acct(account),
            read_only=read_only,
            **extra,
        )
        self.events.append(PlantedEvent(account, region, at, record))
        return event_id

    def user_identity(self, user: IamUser, key: str | None) -> dict[str, object]:
        return ev.iam_user_identity(self.acct(user.account), user.name, user.user_id, key)

    def role_identity(self, role: Role, session: str, key: str, created: int, web: bool = False) -> dict[str, object]:
        provider = f"arn:aws:iam::{self.acct(role.account)}:oidc-provider/{OIDC_HOST}" if web else None
        return ev.assumed_role_identity(
            self.acct(role.account), role.name, role.role_id, session, key, created, role.path, web_provider=provider
        )

    def session_key(self, *parts: object) -> str:
        return self.derive.aws_id("ASIA", "planted-session", *parts)

    def assume_role(
        self,
        account: str,
        at: int,
        caller: dict[str, object],
        role: Role,
        session: str,
        ip: str,
        agent: str,
        key: str,
        external_id: str | None = None,
    ) -> str:
        request: dict[str, object] = {"roleArn": role.arn(self.acct(role.account)), "roleSessionName": session}
        if external_id:
            request["externalId"] = external_id
        response = {
            "credentials": ev.credentials(key, self.derive.hex(64, "token", key), at + 3600),
            "assumedRoleUser": {
                "assumedRoleId": f"{role.role_id}:{session}",
                "arn": f"arn:aws:sts::{self.acct(role.account)}:assumed-role/{role.name}/{session}",
            },
        }
        resources = [
            {"accountId": self.acct(role.account), "type": "AWS::IAM::Role", "ARN": role.arn(self.acct(role.account))}
        ]
        return self.add(
            account, at, "sts.amazonaws.com", "AssumeRole", caller, ip, agent, request, response, resources=resources
        )

    def web_identity(self, at: int, role: Role, subject: str, ip: str, key: str) -> str:
        account_id = self.acct(role.account)
        provider = f"arn:aws:iam::{account_id}:oidc-provider/{OIDC_HOST}"
        response = {
            "credentials": ev.credentials(key, self.derive.hex(64, "token", key), at + 3600),
            "subjectFromWebIdentityToken": subject,
            "assumedRoleUser": {
                "assumedRoleId": f"{role.role_id}:GitHubActions",
                "arn": f"arn:aws:sts::{account_id}:assumed-role/{role.name}/GitHubActions",
            },
            "provider": provider,
            "audience": "sts.amazonaws.com",
        }
        request = {"roleArn": role.arn(account_id), "roleSessionName": "GitHubActions", "durationSeconds": 3600}
        resources = [{"accountId": account_id, "type": "AWS::IAM::Role", "ARN": role.arn(account_id)}]
        return self.add(
            role.account,
            at,
            "sts.amazonaws.com",
            "AssumeRoleWithWebIdentity",
            ev.web_identity(provider, subject),
            ip,
            GHA_AGENT,
            request,
            response,
            resources=resources,
            additional={"identityProviderConnectionVerificationMethod": "IAMTrustStore"},
        )


def _deploy_key(t: Trail, cast: Cast) -> None:
    """svc-payments-deploy's static key, from three self-hosted deploy runners, every day."""
    user, key = cast.user("production", "svc-payments-deploy"), cast.keys["deploy"]
    identity = t.user_identity(user, key)
    for day in range(13, 0, -1):
        for n, runner in enumerate(cast.runners):
            at = t.aws.base - day * DAY + 36000 + n * 420
            t.add(
                "production",
                at,
                "sts.amazonaws.com",
                "GetCallerIdentity",
                identity,
                runner.public_ip,
                BOTO,
                read_only=True,
            )
            t.add(
                "production",
                at + 20,
                "ecr.amazonaws.com",
                "GetAuthorizationToken",
                identity,
                runner.public_ip,
                BOTO,
                {"registryIds": [t.acct("production")]},
                read_only=True,
            )
            t.add(
                "production",
                at + 95,
                "ecs.amazonaws.com",
                "UpdateService",
                identity,
                runner.public_ip,
                BOTO,
                {"cluster": "payments", "service": "payments-api", "forceNewDeployment": True},
                {
                    "service": {
                        "serviceName": "payments-api",
                        "clusterArn": f"arn:aws:ecs:us-east-1:{t.acct('production')}:cluster/payments",
                    }
                },
            )


def _ci_key_and_laptop(t: Trail, cast: Cast, org: Organisation) -> None:
    """svc-ci-build's key on two build runners daily, and once from Erin's laptop with the aws cli."""
    user, key = cast.user("staging", "svc-ci-build"), cast.keys["ci"]
    identity = t.user_identity(user, key)
    for day in range(13, 0, -1):
        for runner in (org.runner(0), org.runner(1)):
            at = t.aws.base - day * DAY + 30000 + runner.index * 900
            t.add(
                "staging",
                at,
                "sts.amazonaws.com",
                "GetCallerIdentity",
                identity,
                runner.public_ip,
                BOTO,
                read_only=True,
            )
            t.add(
                "staging",
                at + 40,
                "ec2.amazonaws.com",
                "DescribeImages",
                identity,
                runner.public_ip,
                BOTO,
                {"imagesSet": {}, "ownersSet": {"items": [{"owner": "self"}]}},
                read_only=True,
            )
    erin = cast.people["erin"].email
    at = t.aws.base - 3 * DAY + 76400
    t.marks["laptop_first_event"] = t.add(
        "staging",
        at,
        "sts.amazonaws.com",
        "GetCallerIdentity",
        identity,
        LAPTOP_IP,
        CLI_LAPTOP.format(cmd="sts.get-caller-identity"),
        read_only=True,
    )
    t.add(
        "staging",
        at + 25,
        "s3.amazonaws.com",
        "ListBuckets",
        identity,
        LAPTOP_IP,
        CLI_LAPTOP.format(cmd="s3.ls"),
        {"Host": "s3.amazonaws.com"},
        read_only=True,
    )
    role, session_key = cast.role("staging", "ci-deployer"), t.session_key("erin")
    t.marks["laptop_assume_role"] = t.assume_role(
        "staging", at + 100, identity, role, erin, LAPTOP_IP, CLI_LAPTOP.format(cmd="sts.assume-role"), session_key
    )
    t.marks["laptop_session_key"] = session_key
    session = t.role_identity(role, erin, session_key, at + 100)
    secret = f"arn:aws:secretsmanager:us-east-1:{t.acct('staging')}:secret:checkout/db-AbC123"
    t.add(
        "staging",
        at + 160,
        "ecs.amazonaws.com",
        "DescribeServices",
        session,
        LAPTOP_IP,
        CLI_LAPTOP.format(cmd="ecs.describe-services"),
        {"cluster": "checkout", "services": ["checkout-api"]},
        read_only=True,
    )
    t.add(
        "staging",
        at + 240,
        "secretsmanager.amazonaws.com",
        "GetSecretValue",
        session,
        LAPTOP_IP,
        CLI_LAPTOP.format(cmd="secretsmanager.get-secret-value"),
        {"secretId": secret},
        read_only=True,
    )


def _simple_usage(
    t: Trail,
    cast: Cast,
    account: str,
    user_name: str,
    key_name: str,
    source: str,
    name: str,
    request: object,
    days: range,
) -> None:
    user = cast.user(account, user_name)
    identity = t.user_identity(user, cast.keys[key_name])
    for day in days:
        at = t.aws.base - day * DAY + 7000 + t.derive.below(3600, "usage", user_name)
        t.add(account, at, source, name, identity, user.source_ip, BOTO, request, read_only=True)


def _deleted_key(t: Trail, cast: Cast) -> None:
    """svc-etl's old key: used daily, rotated by Jules on day -6 (create, deactivate, delete), seen again on day -2."""
    user = cast.user("staging", "svc-etl")
    old, new = cast.keys["etl_old"], cast.keys["etl_new"]
    deleted_at = t.aws.base - 6 * DAY + 50520 + 600
    _list_buckets_daily(t, user, old, range(13, 5, -1))
    sso = t.aws.role("staging", 3)
    admin_key = t.session_key("jules")
    jules = cast.people["jules"].email
    admin = t.role_identity(sso, jules, admin_key, deleted_at - 1200)
    office = sso.source_ip
    t.marks["create_new_key"] = t.add(
        "staging",
        deleted_at - 600,
        "iam.amazonaws.com",
        "CreateAccessKey",
        admin,
        office,
        BROWSER,
        {"userName": user.name},
        {
            "accessKey": {
                "userName": user.name,
                "accessKeyId": new,
                "status": "Active",
                "createDate": ev.format_cli_date(deleted_at - 600),
            }
        },
    )
    t.marks["deactivate"] = t.add(
        "staging",
        deleted_at - 300,
        "iam.amazonaws.com",
        "UpdateAccessKey",
        admin,
        office,
        BROWSER,
        {"userName": user.name, "accessKeyId": old, "status": "Inactive"},
    )
    t.marks["delete"] = t.add(
        "staging",
        deleted_at,
        "iam.amazonaws.com",
        "DeleteAccessKey",
        admin,
        office,
        BROWSER,
        {"userName": user.name, "accessKeyId": old},
    )
    t.marks["deleted_at"] = deleted_at
    t.marks["deleted_by"] = jules
    reappear = t.aws.base - 2 * DAY + 11820
    ghost = t.user_identity(user, old)
    t.marks["seen_after_delete"] = t.add(
        "staging", reappear, "sts.amazonaws.com", "GetCallerIdentity", ghost, ATTACKER_IP, CLI_OLD, read_only=True
    )
    t.add(
        "staging",
        reappear + 30,
        "s3.amazonaws.com",
        "ListBuckets",
        ghost,
        ATTACKER_IP,
        CLI_OLD,
        {"Host": "s3.amazonaws.com"},
        read_only=True,
    )
    t.add("staging", reappear + 75, "iam.amazonaws.com", "ListUsers", ghost, ATTACKER_IP, CLI_OLD, read_only=True)
    _list_buckets_daily(t, user, new, range(5, 0, -1))


def _list_buckets_daily(t: Trail, user: IamUser, key: str, days: range) -> None:
    """svc-etl's daily job: one ListBuckets from its own address with `key`, each of `days` ago."""
    for day in days:
        at = t.aws.base - day * DAY + 9000
        t.add("staging", at, "s3.amazonaws.com", "ListBuckets", t.user_identity(user, key), user.source_ip, BOTO,
              {"Host": "s3.amazonaws.com"}, read_only=True)  # fmt: skip


def _oidc_admin(t: Trail, cast: Cast) -> None:
    """infra-live's main branch assumes gha-infra-admin (AdministratorAccess) daily; one run creates a user."""
    role = cast.role("production", "gha-infra-admin")
    subject = f"repo:{ORG}/infra-live:ref:refs/heads/main"
    for day in range(13, 0, -1):
        at = t.aws.base - day * DAY + 57600
        ip = ip_from_int(HOSTED_PUBLIC, 4000 + day)
        key = t.session_key("infra", day)
        mark = t.web_identity(at, role, subject, ip, key)
        t.marks.setdefault("oidc_admin_web_identity", mark)
        t.marks.setdefault("oidc_admin_session_key", key)
        session = t.role_identity(role, "GitHubActions", key, at, web=True)
        t.add(
            "production",
            at + 30,
            "ec2.amazonaws.com",
            "DescribeInstances",
            session,
            ip,
            "APN/1.0 HashiCorp/1.0 Terraform/1.8.5",
            {"instancesSet": {}, "filterSet": {}},
            read_only=True,
        )
        if day == 5:
            relay = cast.user("production", "svc-metrics-relay")
            tf = "APN/1.0 HashiCorp/1.0 Terraform/1.8.5 (+https://www.terraform.io) terraform-provider-aws/5.58.0"
            arn = relay.arn(t.acct("production"))
            t.marks["create_user"] = t.add(
                "production",
                relay.created,
                "iam.amazonaws.com",
                "CreateUser",
                session,
                ip,
                tf,
                {"userName": relay.name},
                {
                    "user": {
                        "path": "/",
                        "userName": relay.name,
                        "userId": relay.user_id,
                        "arn": arn,
                        "createDate": ev.format_cli_date(relay.created),
                    }
                },
            )
            t.add(
                "production",
                relay.created + 5,
                "iam.amazonaws.com",
                "AttachUserPolicy",
                session,
                ip,
                tf,
                {"userName": relay.name, "policyArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"},
            )
            t.add(
                "production",
                relay.created + 10,
                "iam.amazonaws.com",
                "CreateAccessKey",
                session,
                ip,
                tf,
                {"userName": relay.name},
                {
                    "accessKey": {
                        "userName": relay.name,
                        "accessKeyId": cast.keys["relay"],
                        "status": "Active",
                        "createDate": ev.format_cli_date(relay.created + 10),
                    }
                },
            )
            policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecs:*","Resource":"*"}]}'
            t.marks["put_role_policy"] = t.add(
                "production",
                relay.created + 20,
                "iam.amazonaws.com",
                "PutRolePolicy",
                session,
                ip,
                tf,
                {"roleName": "checkout-deploy", "policyName": "ecs-deploy-extra", "policyDocument": policy},
            )


def _cross_environment(t: Trail, cast: Cast) -> None:
    """One shared-account key assumes checkout-deploy in staging and in production every day."""
    user, key = cast.user("shared", "svc-checkout-deployer"), cast.keys["shared"]
    identity = t.user_identity(user, key)
    for day in range(13, 0, -1):
        ip = ip_from_int(HOSTED_PUBLIC, 5000 + day)
        for n, env in enumerate(("staging", "production")):
            at = t.aws.base - day * DAY + 40000 + n * 400
            role = cast.role(env, "checkout-deploy")
            session_key = t.session_key("checkout", env, day)
            t.add("shared", at - 5, "sts.amazonaws.com", "GetCallerIdentity", identity, ip, GHA_AGENT, read_only=True)
            mark = t.assume_role(env, at, identity, role, "GitHubActions", ip, GHA_AGENT, session_key)
            t.marks.setdefault(f"cross_env_{env}", mark)
            session = t.role_identity(role, "GitHubActions", session_key, at)
            t.add(
                env,
                at + 60,
                "ecs.amazonaws.com",
                "UpdateService",
                session,
                ip,
                BOTO,
                {"cluster": "checkout", "service": "checkout-api", "forceNewDeployment": True},
            )


def _vendors(t: Trail, cast: Cast) -> None:
    """ObservaCo assumes its role without an ExternalId; ScanCo assumes its role with one."""
    vendor, scanner = cast.role("production", "acme-vendor-observability"), cast.role("shared", "thirdparty-ci-scanner")
    ext = str(scanner.extra["external_id"])
    for day in range(13, 0, -1):
        at = t.aws.base - day * DAY + 600
        caller = ev.aws_account_identity(
            t.aws.vendor_account, t.derive.aws_id("AROA", "vendor-poller", length=17) + ":poller"
        )
        key = t.session_key("vendor", day)
        mark = t.assume_role("production", at, caller, vendor, "ObservaCoPoller", VENDOR_IPS[day % 2], BOTO, key)
        t.marks.setdefault("vendor_assume_role", mark)
        session = t.role_identity(vendor, "ObservaCoPoller", key, at)
        t.add(
            "production",
            at + 30,
            "ec2.amazonaws.com",
            "DescribeInstances",
            session,
            VENDOR_IPS[day % 2],
            BOTO,
            {"instancesSet": {}, "filterSet": {}},
            read_only=True,
        )
        t.add(
            "production",
            at + 45,
            "s3.amazonaws.com",
            "ListBuckets",
            session,
            VENDOR_IPS[day % 2],
            BOTO,
            {"Host": "s3.amazonaws.com"},
            read_only=True,
        )
        if day % 4 == 0:
            caller = ev.aws_account_identity(
                t.aws.scanner_vendor_account, t.derive.aws_id("AROA", "scanner", length=17) + ":audit"
            )
            skey = t.session_key("scanner", day)
            t.assume_role(
                "shared", at + 600, caller, scanner, "scanco-audit", SCANNER_IPS[0], BOTO, skey, external_id=ext
            )
            session = t.role_identity(scanner, "scanco-audit", skey, at + 600)
            t.add(
                "shared",
                at + 660,
                "secretsmanager.amazonaws.com",
                "ListSecrets",
                session,
                SCANNER_IPS[0],
                BOTO,
                {},
                read_only=True,
            )


def _console_user(t: Trail, cast: Cast) -> None:
    """svc-jenkins: a service user with a console password and no MFA, logged in from the office."""
    user = cast.user("production", "svc-jenkins")
    at = user.password_last_used or t.aws.base - 4 * DAY
    identity = ev.iam_user_identity(t.acct("production"), user.name, user.user_id, None)
    t.marks["console_login"] = t.add(
        "production",
        at,
        "signin.amazonaws.com",
        "ConsoleLogin",
        identity,
        "203.0.113.45",
        BROWSER,
        None,
        {"ConsoleLogin": "Success"},
        additional={
            "LoginTo": "https://console.aws.amazon.com/console/home?region=us-east-1",
            "MobileVersion": "No",
            "MFAUsed": "No",
        },
        event_type="AwsConsoleSignIn",
    )
    _simple_usage(
        t,
        cast,
        "production",
        "svc-jenkins",
        "jenkins",
        "ecr.amazonaws.com",
        "GetAuthorizationToken",
        None,
        range(13, 0, -1),
    )


def _oidc_without_sub(t: Trail, cast: Cast) -> None:
    """gha-preview-deployer trusts GitHub OIDC with only an audience check: a foreign repository gets in too."""
    role = cast.role("staging", "gha-preview-deployer")
    for day in range(12, 0, -2):
        at = t.aws.base - day * DAY + 50000
        key = t.session_key("preview", day)
        t.web_identity(at, role, f"repo:{ORG}/web-previews:pull_request", ip_from_int(HOSTED_PUBLIC, 6000 + day), key)
        session = t.role_identity(role, "GitHubActions", key, at, web=True)
        t.add(
            "staging",
            at + 40,
            "lambda.amazonaws.com",
            "UpdateFunctionCode20150331v2",
            session,
            ip_from_int(HOSTED_PUBLIC, 6000 + day),
            GHA_AGENT,
            {"functionName": "web-preview-router", "publish": True},
        )
    at = t.aws.base - 3 * DAY + 13000
    key = t.session_key("preview", "foreign")
    t.marks["foreign_subject"] = "repo:octo-contractor/sandbox:ref:refs/heads/main"
    t.marks["foreign_web_identity"] = t.web_identity(
        at, role, "repo:octo-contractor/sandbox:ref:refs/heads/main", ip_from_int(HOSTED_PUBLIC, 7001), key
    )
    session = t.role_identity(role, "GitHubActions", key, at, web=True)
    t.add(
        "staging",
        at + 50,
        "s3.amazonaws.com",
        "ListBuckets",
        session,
        ip_from_int(HOSTED_PUBLIC, 7001),
        GHA_AGENT,
        {"Host": "s3.amazonaws.com"},
        read_only=True,
    )


def _orphan(t: Trail, cast: Cast) -> None:
    """svc-orphan-sync: nobody owns it, it syncs daily and mints federation tokens."""
    user, key = cast.user("shared", "svc-orphan-sync"), cast.keys["orphan"]
    identity = t.user_identity(user, key)
    for day in range(13, 0, -1):
        at = t.aws.base - day * DAY + 1800
        t.add(
            "shared",
            at,
            "dynamodb.amazonaws.com",
            "DescribeTable",
            identity,
            user.source_ip,
            BOTO,
            {"tableName": "sync-state"},
            read_only=True,
        )
        if day % 3 == 0:
            fed_key = t.session_key("federation", day)
            response = {
                "credentials": ev.credentials(fed_key, t.derive.hex(64, "token", fed_key), at + 43200),
                "federatedUser": {
                    "arn": f"arn:aws:sts::{t.acct('shared')}:federated-user/sync-batch",
                    "federatedUserId": f"{t.acct('shared')}:sync-batch",
                },
                "packedPolicySize": 6,
            }
            mark = t.add(
                "shared",
                at + 60,
                "sts.amazonaws.com",
                "GetFederationToken",
                identity,
                user.source_ip,
                BOTO,
                {"name": "sync-batch", "durationSeconds": 43200},
                response,
            )
            t.marks.setdefault("federation_token", mark)
            fed = ev.federated_identity(t.acct("shared"), "sync-batch", fed_key, user.name, user.user_id, at + 60)
            t.add(
                "shared",
                at + 120,
                "s3.amazonaws.com",
                "ListBuckets",
                fed,
                user.source_ip,
                BOTO,
                {"Host": "s3.amazonaws.com"},
                read_only=True,
            )


_CREATORS = {
    "svc-payments-deploy": "dana",
    "svc-legacy-backup": "hector",
    "svc-jenkins": "kwame",
    "svc-billing-export": "gloria",
    "svc-ci-build": "hector",
    "svc-reporting": "farid",
    "svc-etl": "farid",
    "svc-orphan-sync": None,  # created with the account root's credentials: no person to infer
    "svc-checkout-deployer": "lorna",
}
ETL_OLD_CREATED_DAYS = 380


def _key_history(t: Trail, cast: Cast) -> None:
    """CreateAccessKey for each planted key, at the moment the credential report calls last_rotated.

    These predate the 14-day window; they land in the S3 folders of their own dates, as a
    long-retention trail bucket holds them. They let a loader meet a report slot with its key id.
    """
    history = t.marks.setdefault("key_creations", {})
    assert isinstance(history, dict)
    for account, users in cast.users.items():
        for user in users:
            if user.name not in _CREATORS:
                continue
            keys = [(k.key_id, k.created) for k in user.keys]
            if user.name == "svc-etl":
                keys = [(cast.keys["etl_old"], t.aws.base - ETL_OLD_CREATED_DAYS * DAY + 41000)]
            for key_id, created in keys:
                creator = _CREATORS[user.name]
                identity, ip = _creator(t, account, creator, created)
                response = {
                    "accessKey": {
                        "userName": user.name,
                        "accessKeyId": key_id,
                        "status": "Active",
                        "createDate": ev.format_cli_date(created),
                    }
                }
                event_id = t.add(
                    account,
                    created,
                    "iam.amazonaws.com",
                    "CreateAccessKey",
                    identity,
                    ip,
                    BROWSER,
                    {"userName": user.name},
                    response,
                )
                email = cast.people[creator].email if creator else None
                history[key_id] = {"event_id": event_id, "creator": email, "created": created}


def _creator(t: Trail, account: str, person_key: str | None, at: int) -> tuple[dict[str, object], str]:
    account_id = t.acct(account)
    if person_key is None:
        root: dict[str, object] = {
            "type": "Root",
            "principalId": account_id,
            "arn": f"arn:aws:iam::{account_id}:root",
            "accountId": account_id,
            "accessKeyId": t.session_key("root", account, at),
        }
        return root, "203.0.113.9"
    sso = t.aws.role(account, 3)
    email = next(p.email for p in t.cast_people if p.key == person_key)
    return t.role_identity(sso, email, t.session_key("sso", person_key, at), at - 300), sso.source_ip


def play_all(derive: Derive, aws: AwsEstate, org: Organisation, cast: Cast) -> Trail:
    t = Trail(derive, aws)
    t.cast_people = list(cast.people.values())
    _key_history(t, cast)
    _deploy_key(t, cast)
    _ci_key_and_laptop(t, cast, org)
    _deleted_key(t, cast)
    _oidc_admin(t, cast)
    _cross_environment(t, cast)
    _vendors(t, cast)
    _console_user(t, cast)
    _oidc_without_sub(t, cast)
    _orphan(t, cast)
    _simple_usage(
        t,
        cast,
        "production",
        "svc-legacy-backup",
        "backup",
        "s3.amazonaws.com",
        "ListBuckets",
        {"Host": "s3.amazonaws.com"},
        range(13, 0, -1),
    )
    _simple_usage(
        t,
        cast,
        "production",
        "svc-billing-export",
        "billing",
        "s3.amazonaws.com",
        "ListBuckets",
        {"Host": "s3.amazonaws.com"},
        range(13, 0, -3),
    )
    _simple_usage(
        t, cast, "staging", "svc-reporting", "leaked", "athena.amazonaws.com", "ListWorkGroups", {}, range(13, 0, -1)
    )
    t.events.sort(key=lambda e: (e.at, str(e.record["eventID"])))
    return t
