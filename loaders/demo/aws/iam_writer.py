"""Per-account IAM files: `aws iam get-account-authorization-details` JSON and the credential report.

The authorization details are streamed item by item (users, groups, roles, then the managed
policies with attachment counts tallied on the way), in the CLI's JSON shape: policy documents
as JSON objects (the CLI URL-decodes them), `Tags` only when present, `RoleLastUsed` always.
The credential report has the 22 standard columns in the standard order; staging and
production get the CSV, the shared account gets the GetCredentialReport API form whose
`Content` is the CSV base64-encoded, as `aws iam get-credential-report` prints it.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import orjson

from loaders.demo.aws.iam_model import MANAGED, AwsEstate, IamUser, Role
from loaders.demo.derive import DAY, format_offset

__all__ = ["CREDENTIAL_REPORT_COLUMNS", "write_authorization_details", "write_credential_report"]

CREDENTIAL_REPORT_COLUMNS = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)
LastUsed = dict[str, tuple[int, str, str]]


def _tags(pairs: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in pairs]


def _attached(names: Iterable[str]) -> list[dict[str, str]]:
    return [{"PolicyName": n, "PolicyArn": f"arn:aws:iam::aws:policy/{n}"} for n in names]


def _user_item(user: IamUser, account_id: str) -> dict[str, object]:
    item: dict[str, object] = {
        "Path": user.path,
        "UserName": user.name,
        "UserId": user.user_id,
        "Arn": user.arn(account_id),
        "CreateDate": format_offset(user.created),
    }
    if user.inline:
        item["UserPolicyList"] = [{"PolicyName": n, "PolicyDocument": doc} for n, doc in user.inline]
    item["GroupList"] = list(user.groups)
    item["AttachedManagedPolicies"] = _attached(user.policies)
    if user.tags:
        item["Tags"] = _tags(user.tags)
    return item


def _role_item(role: Role, aws: AwsEstate, account_id: str) -> dict[str, object]:
    arn = role.arn(account_id)
    item: dict[str, object] = {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.role_id,
        "Arn": arn,
        "CreateDate": format_offset(role.created),
        "AssumeRolePolicyDocument": role.trust,
    }
    profiles: list[dict[str, object]] = []
    if role.instance_profile:
        inner = {
            "Path": role.path,
            "RoleName": role.name,
            "RoleId": role.role_id,
            "Arn": arn,
            "CreateDate": format_offset(role.created),
            "AssumeRolePolicyDocument": role.trust,
        }
        profiles.append(
            {
                "Path": "/",
                "InstanceProfileName": role.instance_profile,
                "InstanceProfileId": aws.derive.aws_id("AIPA", account_id, role.name, length=17),
                "Arn": f"arn:aws:iam::{account_id}:instance-profile/{role.instance_profile}",
                "CreateDate": format_offset(role.created),
                "Roles": [inner],
            }
        )
    item["InstanceProfileList"] = profiles
    item["RolePolicyList"] = [{"PolicyName": n, "PolicyDocument": doc} for n, doc in role.inline]
    item["AttachedManagedPolicies"] = _attached(role.policies)
    if role.tags:
        item["Tags"] = _tags(role.tags)
    item["RoleLastUsed"] = (
        {"LastUsedDate": format_offset(role.last_used), "Region": role.last_region} if role.last_used else {}
    )
    return item


def _groups(account: str, account_id: str, aws: AwsEstate) -> list[dict[str, object]]:
    groups: list[tuple[str, tuple[str, ...]]] = [("developers", ("ReadOnlyAccess",))]
    if account == "production":
        groups.append(("ci-admins", ("IAMFullAccess", "AmazonEC2ReadOnlyAccess")))
    return [
        {
            "Path": "/",
            "GroupName": name,
            "GroupId": aws.derive.aws_id("AGPA", account, name, length=17),
            "Arn": f"arn:aws:iam::{account_id}:group/{name}",
            "CreateDate": format_offset(aws.base - 1200 * DAY),
            "GroupPolicyList": [],
            "AttachedManagedPolicies": _attached(policies),
        }
        for name, policies in groups
    ]


def _policy_item(name: str, count: int, aws: AwsEstate) -> dict[str, object]:
    path, document = MANAGED[name]
    created = format_offset(aws.base - 3000 * DAY)
    return {
        "PolicyName": name,
        "PolicyId": aws.derive.aws_id("ANPA", "managed", name, length=17),
        "Arn": f"arn:aws:iam::aws:policy{path}{name}",
        "Path": path,
        "DefaultVersionId": "v1",
        "AttachmentCount": count,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": True,
        "CreateDate": created,
        "UpdateDate": created,
        "PolicyVersionList": [
            {"Document": document, "VersionId": "v1", "IsDefaultVersion": True, "CreateDate": created}
        ],
    }


class _ListWriter:
    """Writes `"Name": [ item, item ]` with two-space indented items, one at a time."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle, self.first_list = handle, True

    def write_list(self, name: str, items: Iterable[dict[str, object]]) -> int:
        self.handle.write((b"" if self.first_list else b",\n") + b'  "' + name.encode() + b'": [')
        self.first_list = False
        count = 0
        for item in items:
            body = orjson.dumps(item, option=orjson.OPT_INDENT_2).replace(b"\n", b"\n    ")
            self.handle.write((b",\n    " if count else b"\n    ") + body)
            count += 1
        self.handle.write(b"\n  ]" if count else b"]")
        return count


def write_authorization_details(
    path: Path, aws: AwsEstate, account: str, extra_users: list[IamUser], extra_roles: list[Role]
) -> int:
    """Stream one account's authorization details; returns the number of users + roles written."""
    account_id = aws.accounts[account].id
    sizes = aws.org.sizes
    attached: Counter[str] = Counter()

    def users() -> Iterator[dict[str, object]]:
        for user in (*(aws.user(account, u) for u in range(sizes.users_per_account)), *extra_users):
            attached.update(user.policies)
            yield _user_item(user, account_id)

    def roles() -> Iterator[dict[str, object]]:
        for role in (*(aws.role(account, r) for r in range(sizes.roles_per_account)), *extra_roles):
            attached.update(role.policies)
            yield _role_item(role, aws, account_id)

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.write(b"{\n")
        lists = _ListWriter(handle)
        total = lists.write_list("UserDetailList", users())
        groups = _groups(account, account_id, aws)
        for group in groups:
            attached.update(p["PolicyName"] for p in group["AttachedManagedPolicies"])  # type: ignore[attr-defined]
        lists.write_list("GroupDetailList", groups)
        total += lists.write_list("RoleDetailList", roles())
        lists.write_list("Policies", (_policy_item(name, attached[name], aws) for name in sorted(attached)))
        handle.write(b"\n}\n")
    return total


def _key_cells(user: IamUser, slot: int, last_used: LastUsed) -> list[str]:
    if slot >= len(user.keys):
        return ["false", "N/A", "N/A", "N/A", "N/A"]
    key = user.keys[slot]
    used = last_used.get(key.key_id)
    if used:
        at, region, service = used
    else:
        at, region, service = (key.last_used or 0), key.last_region, key.last_service
    when = format_offset(at) if at else "N/A"
    return [
        "true" if key.active else "false",
        format_offset(key.created),
        when,
        region if at else "N/A",
        service if at else "N/A",
    ]


def _report_rows(aws: AwsEstate, account: str, extra_users: list[IamUser], last_used: LastUsed) -> Iterator[str]:
    account_id = aws.accounts[account].id
    created = format_offset(aws.base - 1500 * DAY)
    root_login = format_offset(aws.base - 30 * DAY)
    yield f"<root_account>,arn:aws:iam::{account_id}:root,{created},not_supported,{root_login},not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"  # noqa: E501 (verbatim real-world text)
    sizes = aws.org.sizes
    for user in (*(aws.user(account, u) for u in range(sizes.users_per_account)), *extra_users):
        pw_used = format_offset(user.password_last_used) if user.password_last_used else "N/A"
        password = (
            ["true", pw_used, format_offset(user.created + 600), "N/A"]
            if user.password_enabled
            else ["false", "N/A", "N/A", "N/A"]
        )
        cells = [
            user.name,
            user.arn(account_id),
            format_offset(user.created),
            *password,
            "true" if user.mfa else "false",
        ]
        cells += _key_cells(user, 0, last_used) + _key_cells(user, 1, last_used) + ["false", "N/A", "false", "N/A"]
        yield ",".join(cells)


def write_credential_report(
    path: Path, aws: AwsEstate, account: str, extra_users: list[IamUser], last_used: LastUsed, api_form: bool
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = (
        (f"\n{line}" if n else line)
        for n, line in enumerate(_prefixed(_report_rows(aws, account, extra_users, last_used)))
    )
    with path.open("wb") as handle:
        if not api_form:
            for text in lines:
                handle.write(text.encode())
            return
        handle.write(b'{\n    "Content": "')
        pending = b""
        for text in lines:
            pending += text.encode()
            cut = len(pending) - len(pending) % 3
            handle.write(base64.b64encode(pending[:cut]))
            pending = pending[cut:]
        handle.write(base64.b64encode(pending))
        handle.write(
            f'",\n    "ReportFormat": "text/csv",\n    "GeneratedTime": "{format_offset(aws.base - 600)}"\n}}\n'.encode()  # noqa: E501 (verbatim real-world text)
        )


def _prefixed(rows: Iterator[str]) -> Iterator[str]:
    """The header, then each row on its own line (no trailing newline, like the real report)."""
    yield CREDENTIAL_REPORT_COLUMNS
    yield from rows
