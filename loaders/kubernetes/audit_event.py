"""Kubernetes audit events out of the framings they arrive in, checked at the boundary.

- `audit.k8s.io/v1` / `v1beta1` events, one JSON object per line (the log backend), with or
  without `apiVersion` / `kind` (some pipelines drop them), or an `EventList` (the webhook
  backend's batches);
- the EKS CloudWatch Logs export: a subscription payload (`{"logGroup": "/aws/eks/<cluster>/cluster",
  "logEvents": [{"id", "timestamp", "message": "<event JSON>"}]}`) or `aws logs
  filter-log-events` output (`{"events": [{"logStreamName", "timestamp", "message"}]}`); the
  cluster name comes from the log group when it says;
- an AKS diagnostic record (`{"category": "kube-audit", "properties": {"log": "<event JSON>"}}`).

An event needs a `verb` and a `user.username`; anything else is a located rejection. Its time
is `requestReceivedTimestamp` (when the request was made: an exec's ResponseComplete stage is
written when the shell ends, minutes later, and an approval is judged by when access began),
else `stageTimestamp` (else the CloudWatch record's): an event with none still loads, into an
*undated* session of its actor (a time cannot be made up).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import orjson

from graph.errors import LoadError
from loaders.base import Location, Record, SourceFile, id_part
from loaders.formats.json import iter_json_documents

__all__ = ["AuditRecord", "check_event", "event_time", "read_audit"]

_LOG_GROUP = re.compile(r"^/aws/eks/([^/]+)/cluster$")
_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SPACE = re.compile(r"\s")
_TIMES: dict[str, tuple[int, str] | None] = {}  # timestamp text -> parsed (bounded): events share seconds
_TIMES_CAP = 200_000


class AuditRecord(NamedTuple):
    event: dict[str, Any]
    cluster: str  # from the envelope (EKS log group); "" when it names none
    fallback_time: object  # the envelope's timestamp (epoch ms), used when the event has none


def _envelope(value: dict[str, Any], where: Location) -> Iterator[Record[AuditRecord] | LoadError]:
    group = value.get("logGroup")
    found = _LOG_GROUP.match(group) if isinstance(group, str) else None
    cluster = found.group(1) if found else ""
    entries = value.get("logEvents") if "logEvents" in value else value.get("events")
    stream = value.get("logStream")  # a subscription payload names its one stream at the top
    if isinstance(stream, str) and not stream.startswith("kube-apiserver-audit"):
        return  # the log group's other streams (authenticator, scheduler ...) are not audit events
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        inner = Location(where.file, line=where.line, record=index)
        message = entry.get("message") if isinstance(entry, dict) else None
        if not isinstance(message, str):
            yield inner.error("CloudWatch log event without a message")
            continue
        try:
            event = orjson.loads(message)
        except orjson.JSONDecodeError:
            yield inner.error("CloudWatch log event whose message is not JSON")
            continue
        stream = entry.get("logStreamName")
        if isinstance(stream, str) and not stream.startswith("kube-apiserver-audit"):
            continue  # the log group's other streams (authenticator, scheduler ...) are not audit events
        if isinstance(event, dict):
            yield Record(inner, AuditRecord(event, cluster, entry.get("timestamp")))
        else:
            yield inner.error("CloudWatch log event whose message is not an object")


def _expand(value: object, where: Location) -> Iterator[Record[AuditRecord] | LoadError]:
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield from _expand(item, Location(where.file, line=where.line, record=index))
        return
    if not isinstance(value, dict):
        yield where.error("not a Kubernetes audit event: expected an object")
        return
    if "logEvents" in value or ("events" in value and isinstance(value.get("events"), list)):
        yield from _envelope(value, where)
    elif value.get("kind") == "EventList" and isinstance(value.get("items"), list):
        yield from _expand(value["items"], where)
    elif value.get("category") == "kube-audit" and isinstance(value.get("properties"), dict):
        try:
            inner = orjson.loads(str(value["properties"].get("log", "")))
        except orjson.JSONDecodeError:
            yield where.error("AKS kube-audit record whose properties.log is not JSON")
            return
        yield from _expand(inner, where)
    else:
        yield Record(where, AuditRecord(value, "", None))


def read_audit(source: SourceFile) -> Iterator[Record[AuditRecord] | LoadError]:
    for item in iter_json_documents(source):
        if isinstance(item, LoadError):
            yield item
        else:
            yield from _expand(item.value, item.location)


def _seconds(text: str) -> tuple[int, str] | None:
    found = _TIME.match(text.strip())
    if found is None:
        return None
    day, clock, _fraction, zone = found.groups()
    try:
        moment = datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=UTC)
    except ValueError:
        return None
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        moment -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    seconds = int((moment - _EPOCH).total_seconds())
    return seconds, moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def event_time(event: dict[str, Any], fallback: object, where: Location) -> tuple[int, str] | None:
    """(epoch seconds, canonical text) of an event, None when it carries no time at all."""
    for key in ("requestReceivedTimestamp", "stageTimestamp"):
        value = event.get(key)
        if value is None or value == "":
            continue
        # the fraction is dropped, so `…THH:MM:SS.ffffffZ` texts of one second share a parse
        plain = type(value) is str and (value[19:] == "Z" or (value[19:20] == "." and value[20:-1].isdigit()))
        memo = value[:19] if plain and value.endswith("Z") else value
        parsed = _TIMES.get(memo) if type(memo) is str else None
        if parsed is None:
            parsed = _seconds(value) if isinstance(value, str) else None
            if parsed is not None and len(_TIMES) < _TIMES_CAP:
                _TIMES[memo] = parsed
        if parsed is None:
            raise where.error(f"malformed {key} {str(value)[:40]!r}")
        return parsed
    if isinstance(fallback, int | float) and not isinstance(fallback, bool) and fallback > 0:
        seconds = int(fallback / 1000 if fallback > 10**11 else fallback)
        return seconds, datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return None


def check_event(event: dict[str, Any], where: Location) -> tuple[str, str]:
    """(verb, username) of a well-formed event, or the located reason it is not one."""
    api = event.get("apiVersion")
    if api is not None and api not in ("audit.k8s.io/v1", "audit.k8s.io/v1beta1"):
        raise where.error(f"not a Kubernetes audit event: apiVersion {str(api)[:40]!r}")
    verb, user = event.get("verb"), event.get("user")
    if not isinstance(verb, str) or not verb.strip():
        raise where.error("audit event without a verb")
    username = user.get("username") if isinstance(user, dict) else None
    if not isinstance(username, str) or not username.strip() or _SPACE.search(username.strip()):
        raise where.error("audit event without a user.username")
    return verb.strip().lower(), id_part(username.strip(), "user.username", where)
