"""CloudTrail records: framing, required fields, event time, and who the caller is.

Framing: `{"Records": [...]}` files (`.json` / `.json.gz`, as delivered to S3), a top-level
array, JSON lines (one event per line), or a single event. S3 delivery files are small (one per
account, region and five-minute window), so a document file is parsed whole; JSON lines stream.
An event's evidence locator (`event_locator`) is its place, `record N` (1-based position in the
Records array) or `line N`, with its eventID (`line 12, eventID 1`: test data and hand-written
trails repeat ids, so an id alone may name many events); an event without one gets a digest of
its content instead (`line 12, no eventID, sha256 1a2b…`: the prefix of its Change's id when it
is a change), so the locator stays one event's if the file is re-ordered.

Events are plain dicts, deliberately: pydantic per event costs more than the whole rest of the
pipeline, so the required fields are checked by hand here (`check_event`) and a record that
lacks one is rejected with its location. Required: `eventTime` (a timestamp), `eventName`,
`eventSource`, `userIdentity` (an object). Everything else is optional.

Callers (`resolve_principal`), by `userIdentity.type`:
- IAMUser → the user's ARN (built from account + userName when the record omits it);
- AssumedRole → the role: `sessionContext.sessionIssuer.arn`, else the assumed-role ARN
  collapsed to the role (both name the role without its path: graph/ids.py); session name kept.
  A hand-written assumed-role ARN that still names one role (no session name, `iam` for `sts`)
  is normalised and the Principal says why (`repaired`, counted in the load summary); one that
  names no valid role (an account of 8 digits, `xxx`) with no usable issuer rejects the event;
- Root → the account root; AWSAccount → the calling account's root;
- FederatedUser → the issuing IAM user, session name = the federated name;
- AWSService → `aws:service:<invokedBy>`;
- WebIdentityUser / SAMLUser → the identity provider, session name = the subject / user name.
A person is named when the session name, user name or SSO user is an email.
"""

from __future__ import annotations

import calendar
import hashlib
import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from graph import ids
from graph.errors import LoadError, ModelError, quoted
from graph.model import canonical_timestamp
from loaders import limits
from loaders.base import Location, Record, SourceFile
from loaders.formats.compressed import read_blocks
from loaders.formats.fields import Fields

__all__ = [
    "Principal",
    "check_event",
    "check_identity",
    "event_digest",
    "event_locator",
    "event_time",
    "mapping_field",
    "read_events",
    "resolve_principal",
    "text_field",
    "valid_key",
]

_FRACTION = re.compile(r"^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]00:?00)?$")
_DAYS: dict[str, int] = {}
_CANONICAL = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")
_tuple = tuple.__new__
_KEYS: dict[str, str | None] = {}


def read_events(source: SourceFile) -> Iterator[Record[Any] | LoadError]:
    """Every event of a CloudTrail file in whatever framing it has (see the module docstring)."""
    blocks = read_blocks(source)
    try:
        head = b""
        for block in blocks:
            head += block
            if len(head) >= 1 << 16:
                break
        sample = head[: 1 << 16]  # the first line within the head, as a stream of lines would show it
        first_line = sample.split(b"\n", 1)[0].strip()
        if first_line.startswith(b"{") and first_line.endswith(b"}") and _is_event_line(first_line):
            yield from _lines(source, itertools.chain((head,), blocks))
            return
        data = _whole(source, head, blocks)
    finally:
        blocks.close()  # type: ignore[attr-defined]  # a generator: closes the file
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        yield Location(source.display, line=1).error(f"not JSON: {exc}")
        return
    records = document.get("Records") if isinstance(document, dict) else document
    if isinstance(document, dict) and records is None and "eventName" in document:
        records = [document]
    if not isinstance(records, list):
        yield Location(source.display, line=1).error("not CloudTrail: no Records list, event array or event")
        return
    # tuple.__new__ directly: a NamedTuple's own constructor is a Python function, and two per
    # event were 4% of a worker's time.
    display = source.display
    for index, event in enumerate(records, 1):
        yield _tuple(Record, (_tuple(Location, (display, None, index)), event))


def event_digest(event: Mapping[str, Any]) -> str:
    """A stable digest of an event's whole content (keys sorted), for events that carry no id."""
    return hashlib.sha256(orjson.dumps(event, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)).hexdigest()


def event_locator(where: Location, event: Mapping[str, Any]) -> str:
    """Where a person finds the event: its line or Records index, with its eventID or, without
    one, the first 16 hex digits of its content digest (see the module docstring)."""
    event_id = event.get("eventID")
    place = f"line {where.line}" if where.line is not None else f"record {where.record}"
    if type(event_id) is str and event_id:
        return f"{place}, eventID {event_id}"
    return f"{place}, no eventID, sha256 {event_digest(event)[:16]}"


def _is_event_line(line: bytes) -> bool:
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return isinstance(value, dict) and "Records" not in value


def _whole(source: SourceFile, head: bytes, blocks: Iterator[bytes]) -> bytes:
    """The document's bytes, up to the document limit (loaders/limits.py)."""
    allowed = limits.current().document_bytes
    parts, size = [head], len(head)
    for block in blocks:
        size += len(block)
        if size > allowed:
            raise limits.exceeded("document_bytes", allowed, "the JSON document", file=source.display)
        parts.append(block)
    if size > allowed:
        raise limits.exceeded("document_bytes", allowed, "the JSON document", file=source.display)
    return b"".join(parts)


def _lines(source: SourceFile, chunks: Iterator[bytes]) -> Iterator[Record[Any] | LoadError]:
    """JSON lines, streamed: the sampled head is stitched to the rest without re-reading. A line
    past the line limit is rejected and skipped, never held past the limit (loaders/limits.py)."""
    allowed = limits.current().line_bytes
    parts: list[bytes] = []  # the line under way, in pieces (joined once its end arrives)
    size = number = 0
    skipping = False  # inside a line already rejected as too long: drop bytes up to its end
    for chunk in chunks:
        if b"\n" not in chunk:
            if not skipping:
                parts.append(chunk)
                size += len(chunk)
        else:
            lines = chunk.split(b"\n")
            tail = lines.pop()
            if parts:
                lines[0] = b"".join((*parts, lines[0]))
            for line in lines:
                number += 1
                if skipping:
                    skipping = False
                elif len(line) > allowed:
                    yield limits.exceeded("line_bytes", allowed, "the line", file=source.display, line=number)
                elif line.strip():
                    yield _line_record(source, number, line)
            parts, size = [tail], len(tail)
        if size > allowed:
            yield limits.exceeded("line_bytes", allowed, "the line", file=source.display, line=number + 1)
            parts, size, skipping = [], 0, True
    pending = b"".join(parts)
    if pending.strip() and not skipping:
        yield _line_record(source, number + 1, pending)


def _line_record(source: SourceFile, number: int, line: bytes) -> Record[Any] | LoadError:
    where = Location(source.display, line=number)
    try:
        return Record(where, orjson.loads(line))
    except orjson.JSONDecodeError as exc:
        return where.error(f"invalid JSON ({exc})")


def event_time(value: object) -> tuple[int, str]:
    """(epoch seconds, canonical `...Z` text) of an eventTime; ValueError when malformed."""
    # Digits only: int() would take " 9" or "+9", and the text becomes part of session ids.
    if isinstance(value, str) and len(value) == 20 and _CANONICAL.match(value):
        day = _DAYS.get(value[:10])
        if day is None:
            day = _DAYS[value[:10]] = calendar.timegm((int(value[:4]), int(value[5:7]), int(value[8:10]), 0, 0, 0))
        try:
            return day + int(value[11:13]) * 3600 + int(value[14:16]) * 60 + int(value[17:19]), value
        except ValueError:
            raise ValueError(f"malformed eventTime {quoted(value)}") from None
    if isinstance(value, str):
        match = _FRACTION.match(value.strip())
        if match:
            value = f"{match.group(1)}T{match.group(2)}Z"
    try:
        text = canonical_timestamp(value)
    except ModelError:
        raise ValueError(f"malformed eventTime {quoted(value)}") from None
    return event_time(text)


def check_event(event: object, where: Location) -> tuple[Mapping[str, Any], int, str]:
    """The event with its time, or a located LoadError naming the wrong or missing field."""
    fields = Fields.of(event, where, "event")
    fields.text("eventName", required=True)
    fields.text("eventSource", required=True)
    check_identity(fields.mapping("userIdentity", required=True).value, where)
    if fields.value.get("eventTime") is None:
        raise fields.missing("eventTime", "a timestamp")
    try:
        seconds, text = event_time(fields.value["eventTime"])
    except ValueError:
        raise fields.error("eventTime", "a timestamp", fields.value["eventTime"]) from None
    return fields.value, seconds, text


_IDENTITY_TEXT = {
    # field: most characters. AWS's own bounds (an access key id is 16-128 characters, an IAM ARN
    # with the longest path about 620), with room; they keep every id built from a caller (a
    # session id joins key, caller and time) within the graph's 1,000-character ids.
    "type": 64,
    "arn": 700,
    "accessKeyId": 128,
    "principalId": 200,
    "userName": 200,
    "invokedBy": 200,
    "identityProvider": 200,
}


def check_identity(identity: Mapping[str, Any], where: Location) -> None:
    """The caller fields `resolve_principal` reads are text when present (run once per caller:
    the loader caches callers by key and ARN, so the hot path pays this only for new callers)."""
    fields = Fields(identity, where, "userIdentity")
    for key, most in _IDENTITY_TEXT.items():
        fields.text(key, most=most)
    fields.text("accountId", expected="a string of 12 digits", most=64)
    fields.mapping("sessionContext").mapping("sessionIssuer").text("arn")


def mapping_field(obj: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """obj[key] when it is an object, else an empty one: odd records never crash a read."""
    value = obj.get(key)
    return value if isinstance(value, Mapping) else {}


def text_field(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    return value if isinstance(value, str) else ""


def valid_key(key: str) -> str | None:
    """The Credential id of an access key id, or None for placeholders ("REDACTED", "1111")."""
    found = _KEYS.get(key, "")
    if found != "":
        return found
    try:
        found = ids.aws_key(key)
    except ModelError:
        found = None
    if len(_KEYS) < 1_000_000:
        _KEYS[key] = found
    return found


@dataclass(frozen=True, slots=True)
class Principal:
    """Who made a call: the identity acted as, and what else the record says about the human."""

    principal: str  # grouping text: the caller ARN or principal id
    identity: str | None  # Identity id acted as
    subtype: str
    name: str
    session_name: str
    person: str | None  # Person id when an email names the human
    account: str
    repaired: str = ""  # why the caller's ARN had to be normalised ('' when well formed)


def _arn_account(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


def _person(*candidates: object) -> str | None:
    for text in candidates:
        if isinstance(text, str) and ids.is_email(text):
            return ids.person(text)
    return None


def _identity_of(arn: str) -> str | None:
    try:
        return ids.aws_arn(arn)
    except ModelError:
        return None


def resolve_principal(ui: Mapping[str, Any], recipient: str) -> Principal:
    """The caller of one event (see the module docstring); never raises on odd identities."""
    kind = ui.get("type") or "Unknown"
    arn = text_field(ui, "arn")
    account = str(ui.get("accountId") or _arn_account(arn) or recipient or "")
    user_name = text_field(ui, "userName")
    context = mapping_field(ui, "sessionContext")
    issuer = mapping_field(context, "sessionIssuer")
    issuer_arn = text_field(issuer, "arn")
    if kind == "IAMUser":
        if not arn and user_name and account.isdigit():
            arn = f"arn:aws:iam::{account}:user/{user_name}"
        return Principal(
            arn or f"user:{user_name}",
            _identity_of(arn) if arn else None,
            "aws.iam.user",
            user_name,
            "",
            _person(user_name),
            account,
        )
    if kind == "AssumedRole":
        session_name = (
            arn.rsplit("/", 1)[-1]
            if arn.count("/") >= 2 and "assumed-role/" in arn
            else str(ui.get("principalId", "")).split(":", 1)[-1]
        )
        issued = issuer.get("type") == "Role" and issuer_arn and _identity_of(issuer_arn) is not None
        role_arn = issuer_arn if issued else arn
        identity = _identity_of(role_arn) if role_arn else None
        if role_arn and identity is None:
            raise ModelError(f"malformed assumed-role ARN {quoted(role_arn)} (and no usable sessionIssuer)")
        name = identity.rsplit("/", 1)[-1] if identity else ""
        return Principal(
            arn or str(ui.get("principalId", "")),
            identity,
            "aws.iam.role",
            name,
            session_name,
            _person(session_name),
            ids.aws_arn_account(identity) if identity else account,
            "" if issued else ids.aws_arn_repair(arn),
        )
    if kind in ("Root", "AWSAccount"):
        root = arn if kind == "Root" and arn else (f"arn:aws:iam::{account}:root" if account.isdigit() else "")
        principal = arn or f"{account}:{ui.get('principalId', '')}"
        return Principal(
            principal, _identity_of(root) if root else None, "aws.iam.root", f"root ({account})", "", None, account
        )
    if kind == "FederatedUser":
        name = arn.rsplit("/", 1)[-1] if arn else str(ui.get("principalId", ""))
        return Principal(
            arn or str(ui.get("principalId", "")),
            _identity_of(issuer_arn) if issuer_arn else None,
            "aws.iam.user",
            issuer.get("userName", "") or name,
            name,
            _person(name),
            account,
        )
    if kind == "AWSService":
        service = str(ui.get("invokedBy") or "unknown.amazonaws.com")
        return Principal(f"service:{service}", ids.aws_service(service), "aws.service", service, "", None, account)
    if kind in ("WebIdentityUser", "SAMLUser"):
        provider = str(ui.get("identityProvider") or "")
        subtype = "aws.iam.saml_provider" if kind == "SAMLUser" else "aws.iam.oidc_provider"
        identity = (
            _identity_of(provider) if provider.startswith("arn:") else (ids.aws_service(provider) if provider else None)
        )
        return Principal(
            str(ui.get("principalId") or user_name or provider),
            identity,
            subtype,
            provider.rsplit("/", 1)[-1],
            user_name,
            _person(user_name),
            account,
        )
    principal = str(ui.get("principalId") or arn or user_name or ui.get("invokedBy") or "unknown")
    return Principal(
        principal,
        _identity_of(arn) if arn else None,
        "aws.iam.principal",
        user_name or principal,
        "",
        _person(user_name),
        account,
    )
