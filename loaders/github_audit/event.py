"""GitHub audit-log events: framing (JSON and CSV exports), required fields, the actor, the token.

Framing: the REST `GET /orgs/{org}/audit-log` response and the web UI's JSON export (a JSON
array), streamed exports (JSON lines: one event per line), and the web UI's CSV export (a header
row naming `action`, then one event per row). Locators are `line N` or `record N`.

Required: `action` and a time — `@timestamp` or `created_at` (epoch milliseconds or text; Panther's
exports spell `@timestamp` as `at_sign_timestamp`). Everything else is optional.

The token: `hashed_token` (GitHub's base64 SHA-256 of the token), `token_id`, `programmatic_access_type`
(`Personal access token (classic)`, `Fine-grained personal access token`, `OAuth access token`,
`GitHub App server-to-server token`, … and the snake-case forms) and `token_scopes`. Token values
never appear in the audit log, and nothing here would keep one.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graph.errors import LoadError, ModelError, quoted
from graph.model import canonical_timestamp
from loaders.base import Location, Record, SourceFile, id_part
from loaders.formats.compressed import open_text
from loaders.formats.json import iter_json_records

__all__ = ["AuditEvent", "check_event", "read_events", "text", "token_subtype"]


_TIME_FIELDS = ("@timestamp", "created_at", "at_sign_timestamp")


_ID_PART = re.compile(r"[^\s\x00-\x1f\x7f]{1,200}")
_MEMO_SIZE = 200_000
_TIMES: dict[tuple[type, object], tuple[str, int]] = {}  # only what converted: a bad time raises each time
_GOOD_IDS: set[str] = set()  # token ids and hashes already found well-formed


def text(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else ""


def read_events(source: SourceFile) -> Iterator[Record[Any] | LoadError]:
    with open_text(source) as handle:
        head = handle.read(4096).lstrip()
    if head.startswith(("{", "[")):
        for parsed in iter_json_records(source):
            if isinstance(parsed, LoadError) or isinstance(parsed.value, Mapping):
                yield parsed
            else:
                yield parsed.location.error("a GitHub audit-log event must be a JSON object")
        return
    yield from _csv_rows(source)


def _csv_rows(source: SourceFile) -> Iterator[Record[Any] | LoadError]:
    """Each CSV row; a row the csv module refuses (a field past its 128 KiB limit, a NUL byte) is
    a located error and the rows after it are still read."""
    with open_text(source) as handle:
        reader = csv.DictReader(handle)
        try:
            header = reader.fieldnames
        except csv.Error as exc:
            yield Location(source.display, line=1).error(f"malformed CSV header: {exc}")
            return
        if not header or "action" not in header:
            yield Location(source.display, line=1).error("a GitHub audit-log CSV export needs an 'action' column")
            return
        while True:
            before = reader.reader.line_num
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Location(source.display, line=reader.reader.line_num).error(f"malformed CSV: {exc}")
                if reader.reader.line_num == before:  # no progress: the reader cannot go on
                    return
                continue
            where = Location(source.display, line=reader.line_num)
            if None in row:  # more cells than the header names
                yield where.error("CSV row has more cells than the header")
                continue
            yield Record(where, {k: v for k, v in row.items() if v not in (None, "")})


@dataclass(frozen=True, slots=True)
class AuditEvent:
    value: Mapping[str, Any]
    action: str
    time: str
    seconds: int
    actor: str
    org: str
    repo: str
    ip: str
    agent: str
    hashed_token: str
    token_id: str
    access_type: str
    document_id: str


def check_event(value: Mapping[str, Any], where: Location) -> AuditEvent:
    action = text(value.get("action"))
    if not action:
        raise where.error("field 'action': expected a non-empty string")
    raw = next(
        (value[k] for k in ("@timestamp", "created_at", "at_sign_timestamp") if value.get(k) not in (None, "")), None
    )
    if raw is None:
        raise where.error("field '@timestamp' / 'created_at': expected a time")
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())  # a CSV export's epoch milliseconds
    moment = _moment(raw, where)
    for key in ("hashed_token", "token_id"):  # they become parts of session and credential ids
        found = text(value.get(key))
        if found and found not in _GOOD_IDS:
            if not _ID_PART.fullmatch(found):
                raise where.error(
                    f"field '{key}': expected at most 200 characters without spaces or control characters, "
                    f"got {quoted(found)}"
                )
            if len(_GOOD_IDS) >= _MEMO_SIZE:
                _GOOD_IDS.clear()
            _GOOD_IDS.add(found)
    repo = text(value.get("repo")) or text(value.get("repository"))
    org = text(value.get("org")) or (repo.split("/", 1)[0] if "/" in repo else "")
    actor = text(value.get("actor"))
    # parts of session, account and repo ids (a login with a space is refused later, by name)
    for key, found in (("actor", "_".join(actor.split())), ("org", org), ("repo", repo)):
        id_part(found, key, where)
    return AuditEvent(
        value=value,
        action=action,
        time=moment[0],
        seconds=moment[1],
        actor=actor,
        org=org,
        repo=repo,
        ip=text(value.get("actor_ip")),
        agent=text(value.get("user_agent"))[:300],
        hashed_token=text(value.get("hashed_token")),
        token_id=text(value.get("token_id")),
        access_type=text(value.get("programmatic_access_type")),
        document_id=text(value.get("_document_id")),
    )


def token_kind(access_type: str) -> str:
    """`classic` or `fine_grained` for a personal access token's `programmatic_access_type`, else ""."""
    lowered = access_type.lower().replace("_", " ").replace("-", " ")
    if "personal access token" not in lowered:
        return ""
    return "classic" if "classic" in lowered else ("fine_grained" if "fine grained" in lowered else "")


def scope_list(scopes: str) -> list[str]:
    """`token_scopes` ("repo,workflow" or "repo, workflow") as a sorted list of scope names."""
    return sorted({s.strip() for s in scopes.split(",") if s.strip()})


def _moment(raw: object, where: Location) -> tuple[str, int]:
    """(canonical time, epoch seconds) of an event's time, memoised by its type and value (a
    stream's events share their seconds; epoch milliseconds are the streamed form)."""
    key: tuple[type, object] | None = (type(raw), raw)
    try:
        hit = _TIMES.get((type(raw), raw))
    except TypeError:  # an unhashable value: canonical_timestamp says what is wrong with it
        key, hit = None, None
    if hit is not None:
        return hit
    try:
        time = canonical_timestamp(raw)
    except (ModelError, ValueError, OverflowError, OSError) as exc:
        raise where.error(f"field 'created_at': {exc}") from None
    hit = (time, int(datetime.fromisoformat(time.replace("Z", "+00:00")).timestamp()))
    if key is not None:
        if len(_TIMES) >= _MEMO_SIZE:
            _TIMES.clear()
        _TIMES[key] = hit
    return hit


def token_subtype(access_type: str) -> str:
    """The Credential subtype of a `programmatic_access_type` (a personal access token when unsaid)."""
    lowered = access_type.lower().replace("_", " ")
    if "oauth" in lowered:
        return "github.oauth_token"
    if "app" in lowered or "server-to-server" in lowered:
        return "github.app_token"
    if "deploy" in lowered:
        return "github.deploy_key"
    return "github.personal_access_token"
