"""IAM credential report → access-key slot Credentials and password/MFA facts on each user.

Accepts the CSV (the 22 standard columns) and the GetCredentialReport JSON whose `Content`
holds that CSV, plain or base64-encoded (the API and `aws iam get-credential-report` print it
base64; some tools store it decoded). One record per CSV row. A CSV row is cited by its line in
the file; a row of the JSON form by the file's line holding `Content` and the row's line in the
decoded CSV, with its user (`line 2, in Content (base64): CSV line 3 (row 2, user auditor_tmp)`),
so a person can open the file, decode the value and find the row.

The report names no access-key id: it lists slots 1 and 2 per user. So a key is a Credential
`aws:keyslot:<user arn>#<slot>` (subtype `aws.access_key_slot`) with status, last_rotated,
last_used, last_used_service and last_used_region, HAS_CREDENTIAL from the user. A slot meets
its real key id (`aws:key:AKIA…`) when CloudTrail's CreateAccessKey for the same user has a
creation time equal to the slot's `last_rotated` (AWS sets one from the other): the CloudTrail
loader then writes `same_as` on both nodes (loaders/aws/cloudtrail/changes.py). Signing
certificates (cert_1/cert_2) are not modelled.

Nature of a user, from what the report shows (first rule that applies):
- the user name is an email → `human`;
- console password + MFA + a password_last_used date → `human` (signed in interactively);
- no console password → `machine` (programmatic access only);
- an active access key and no MFA device → `machine`: people are held to MFA, so a keyed user
  without it is a service user, and its console password is the finding, not a sign of a person;
- otherwise (password without keys, or MFA never used) → `unknown`.
The `<root_account>` row is the account root (`aws.iam.root`), nature `unknown`.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

import orjson

from graph import ids
from graph.errors import LoadError, quoted
from graph.model import Evidence, Node
from graph.schema import EdgeKind, NodeKind
from loaders import limits
from loaders.base import Item, LoadContext, Loader, Location, Record, Sample, SourceFile, evidenced_edge
from loaders.formats.compressed import open_text
from loaders.formats.fields import json_type

__all__ = ["CredentialReportLoader"]

NAME = "aws-credential-report"
HEADER_START = "user,arn,user_creation_time"
# The header's base64 prefix that any base64 of a report starting with it begins with (whole
# 3-byte groups only), for sniffing a GetCredentialReport JSON whose Content comes first.
_HEADER_BASE64 = base64.b64encode(HEADER_START.encode())[: len(HEADER_START) // 3 * 4].decode()
_CONTENT_VALUE = re.compile(r'"Content"\s*:\s*"')
REQUIRED_COLUMNS = (
    "user",
    "arn",
    "password_enabled",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_2_active",
    "access_key_2_last_rotated",
)
_ABSENT = {"", "N/A", "no_information", "not_supported"}


def _value(row: Mapping[str, str], column: str) -> str | None:
    text = (row.get(column) or "").strip()
    return None if text in _ABSENT else text


def _flag(row: Mapping[str, str], column: str) -> bool | None:
    text = _value(row, column)
    return None if text is None else text.lower() == "true"


def _nature(row: Mapping[str, str]) -> tuple[str, str]:
    password, mfa, used = _flag(row, "password_enabled"), _flag(row, "mfa_active"), _value(row, "password_last_used")
    keys = _flag(row, "access_key_1_active") or _flag(row, "access_key_2_active")
    if ids.is_email(row.get("user", "")):
        return "human", "user name is an email"
    if password and mfa and used:
        return "human", "IAM user with console password and MFA, used interactively"
    if not password:
        return "machine", "IAM user without console password (programmatic access only)"
    if keys and not mfa:
        return (
            "machine",
            "IAM user with active access keys and no MFA device (a console password does not make it a person)",
        )
    if not mfa:
        return "unknown", "IAM user with console password and no MFA, no active access key"
    return "unknown", "IAM user with console password and MFA, never signed in"


class _Csv(NamedTuple):
    """The report's CSV text and where it sits: the file itself (`content_line` 0), or the
    `Content` of a JSON document on that line of the file, `plain` or `base64`."""

    text: str
    first_line: int
    """The file's (or the decoded CSV's) line of the header: lines before it were blank."""
    content_line: int = 0
    encoding: str = ""

    def where(self, display: str, csv_line: int, row: int | None) -> Location:
        if not self.content_line:
            return Location(display, line=self.first_line - 1 + csv_line)
        return Location(display, line=self.content_line, record=row)

    def locator(self, csv_line: int, row: int, user: str) -> str:
        """Where a person finds the row: the file's line, else Content's line and the decoded row."""
        if not self.content_line:
            return f"line {self.first_line - 1 + csv_line}"
        return (
            f"line {self.content_line}, in Content ({self.encoding}): CSV line {self.first_line - 1 + csv_line} "
            f"(row {row}, user {user})"
        )

    @property
    def prefix(self) -> str:
        return f"Content ({self.encoding}) " if self.content_line else ""

    def inside(self, csv_line: int) -> str:
        """The line of the decoded CSV, for messages about a row inside Content."""
        return f"CSV line {self.first_line - 1 + csv_line}: " if self.content_line else ""


class _Row(NamedTuple):
    fields: Mapping[str, str]
    locator: str


def _stripped(text: str) -> tuple[str, int]:
    """The text from its first non-blank line, and that line's number."""
    body = text.lstrip()
    return body, text[: len(text) - len(body)].count("\n") + 1


def _csv_text(source: SourceFile) -> _Csv:
    """The CSV text of the file and where its lines are (for locators); raises LoadError."""
    most = limits.current().document_bytes
    with open_text(source) as handle:
        text = handle.read(most + 1)
    if len(text) > most:
        raise limits.exceeded("document_bytes", most, "the credential report", file=source.display)
    if text.lstrip().startswith(HEADER_START):
        return _Csv(*_stripped(text))
    where = Location(source.display, line=1)
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise where.error(f"neither a credential-report CSV nor JSON ({exc})") from None
    if not isinstance(document, Mapping):
        raise where.error(f"GetCredentialReport JSON: expected an object, got {json_type(document)}")
    content = document.get("Content")
    if not isinstance(content, str):
        raise where.error(f"field 'Content': expected the report as text or base64, got {json_type(content)}")
    found = _CONTENT_VALUE.search(text)
    line = text[: found.start()].count("\n") + 1 if found else 1  # a JSON string holds no raw newline
    where = Location(source.display, line=line)
    if content.lstrip().startswith(HEADER_START):
        return _Csv(*_stripped(content), content_line=line, encoding="plain")
    return _Csv(*_stripped(_decoded(content, where)), content_line=line, encoding="base64")


def _decoded(content: str, where: Location) -> str:
    """The report CSV base64 `content` holds; a LoadError naming what is wrong with it."""
    if not content.isascii():
        at = next(i for i, ch in enumerate(content) if not ch.isascii())
        raise where.error(f"field 'Content': expected base64, got a non-ASCII character at offset {at}")
    try:
        raw = base64.b64decode(content, validate=True)
    except binascii.Error as exc:
        raise where.error(f"field 'Content': expected base64, got corrupted base64 ({exc})") from None
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise where.error(f"field 'Content': decoded base64 is not UTF-8 text (byte {exc.start})") from None
    if not decoded.lstrip().startswith(HEADER_START):
        raise where.error("field 'Content': decoded base64 is not a credential-report CSV")
    return decoded.lstrip()


def _rows(reader: csv.DictReader[str], display: str, report: _Csv) -> Iterator[tuple[int, dict[str, str]] | LoadError]:
    """(line, row) of each CSV row; a row the csv module refuses (a field past its 128 KiB limit,
    a NUL byte) is a located error and the rows after it are still read."""
    while True:
        before = reader.reader.line_num  # DictReader's own count only moves on a good row
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.reader.line_num
            yield report.where(display, line, None).error(f"{report.prefix}{report.inside(line)}{exc}")
            if line == before:  # no progress: the reader cannot go on
                return
            continue
        yield reader.line_num, row


class CredentialReportLoader(Loader[_Row]):
    name = NAME
    description = "AWS IAM credential report (CSV, or GetCredentialReport JSON)"

    def sniff(self, sample: Sample) -> bool:
        text = sample.text.lstrip()
        if text.startswith(HEADER_START):
            return True
        if not text.startswith("{") or '"Content"' not in text:
            return False
        if '"ReportFormat"' in text or '"GeneratedTime"' in text:
            return True
        # A large report's Content fills the sample before its other fields: judge the value itself,
        # so detection never depends on the file's size.
        found = _CONTENT_VALUE.search(text)
        value = text[found.end() :] if found else ""
        return value.startswith((_HEADER_BASE64, HEADER_START))

    def parse(self, source: SourceFile) -> Iterator[Record[_Row] | LoadError]:
        try:
            report = _csv_text(source)
        except limits.LimitExceeded:
            raise  # the file fails, with the limit named
        except LoadError as exc:
            yield exc
            return
        reader = csv.DictReader(io.StringIO(report.text))
        prefix = report.prefix
        try:
            header = reader.fieldnames or []
        except csv.Error as exc:  # a header field past the csv module's limit, a NUL byte
            yield report.where(source.display, 1, None).error(f"{prefix}header: {exc}")
            return
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            yield report.where(source.display, 1, None).error(f"{prefix}header lacks {', '.join(missing)}")
            return
        index = 0
        for found in _rows(reader, source.display, report):
            if isinstance(found, LoadError):
                yield found
                continue
            (line, row), index = found, index + 1
            where, inside = report.where(source.display, line, index), prefix + report.inside(line)
            if None in row or any(v is None for v in row.values()):
                yield where.error(f"{inside}{len(reader.fieldnames or [])} columns expected")
                continue
            arn = (row.get("arn") or "").strip()
            if not arn.startswith("arn:") or ":iam::" not in arn:
                yield where.error(f"{inside}arn {quoted(arn)} is not an IAM ARN")
                continue
            yield Record(where, _Row(row, report.locator(line, index, row.get("user") or "")))

    def transform(self, record: Record[_Row], ctx: LoadContext) -> Iterable[Item]:
        row = record.value.fields
        evidence = ctx.evidence(record.location, locator=record.value.locator)
        arn = row["arn"].strip()
        account = arn.split(":")[4]
        root = arn.endswith(":root") or row["user"] == "<root_account>"
        props: dict[str, Any] = {
            "platform": "aws",
            "arn": arn,
            "account": account,
            "created": _value(row, "user_creation_time"),
            "password_enabled": _flag(row, "password_enabled"),
            "password_last_used": _value(row, "password_last_used"),
            "password_last_changed": _value(row, "password_last_changed"),
            "mfa_active": _flag(row, "mfa_active"),
        }
        if root:
            props |= {"nature": "unknown", "nature_reason": "AWS account root user"}
        else:
            props["nature"], props["nature_reason"] = _nature(row)
        user = ids.aws_arn(arn)
        name = f"root ({account})" if root else row["user"]
        items: list[Item] = [
            Node(
                id=user,
                kind=NodeKind.IDENTITY,
                subtype="aws.iam.root" if root else "aws.iam.user",
                name=name,
                props=props,
                sources=(NAME,),
            )
        ]
        for slot in (1, 2):
            items.extend(self._slot(row, slot, arn, name, account, evidence))
        return items

    def _slot(
        self, row: Mapping[str, str], slot: int, arn: str, user_name: str, account: str, evidence: Evidence
    ) -> Iterator[Item]:
        column = f"access_key_{slot}_"
        active = _flag(row, column + "active")
        rotated = _value(row, column + "last_rotated")
        if not active and rotated is None:
            return  # an empty slot: no key was ever created in it
        credential = ids.aws_key_slot(arn, slot)
        props: dict[str, Any] = {
            "platform": "aws",
            "credential_type": "aws_access_key",
            "status": "active" if active else "inactive",
            "slot": slot,
            "last_rotated": rotated,
            "last_used": _value(row, column + "last_used_date"),
            "last_used_service": _value(row, column + "last_used_service"),
            "last_used_region": _value(row, column + "last_used_region"),
        }
        yield Node(
            id=credential,
            kind=NodeKind.CREDENTIAL,
            subtype="aws.access_key_slot",
            name=f"{user_name} access key {slot}",
            props=props,
            sources=(NAME,),
        )
        identity = ids.aws_arn(arn)
        yield evidenced_edge(
            NAME, identity, NodeKind.IDENTITY, EdgeKind.HAS_CREDENTIAL, credential, NodeKind.CREDENTIAL, evidence
        )
