"""Okta System Log events: framing, the fields an event must have, the actor, and the targets.

Framing: the `/api/v1/logs` response (a JSON array), JSON lines (one event per line, as log
shippers write it), or concatenated pretty-printed events. Locators are `line N` or `record N`.

Required: `eventType`, `published` (a timestamp) and `actor` (an object with an `id`). An event
that lacks one is rejected with its location; everything else is optional. The System Log never
carries a token's value, only its id; nothing here reads `debugContext` beyond named fields.

Actors, by `actor.type`: `User` → the Okta user account (human) and the Person behind its login
(graph/ids/okta.py: email, else a roster username, else a named `okta-user:` gap);
`PublicClientApp` / `Client` → the OAuth client (a machine); anything else (`SystemPrincipal`) →
no identity. Targets: `User` → that user's account, `Token` → the API token, `PublicClientApp`
→ the client, others → `okta:<type>:<id>` Resources.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graph import ids
from graph.errors import LoadError, ModelError
from graph.model import canonical_timestamp
from graph.schema import NodeKind
from loaders.base import Location, Record, SourceFile, id_part
from loaders.formats.json import iter_json_records

__all__ = ["Actor", "Event", "Target", "check_event", "mapping", "read_events", "resolve_actor", "targets_of", "text"]

_CLIENTS = frozenset({"PublicClientApp", "Client", "ServiceApp"})


def mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def read_events(source: SourceFile) -> Iterator[Record[Any] | LoadError]:
    for parsed in iter_json_records(source):
        if isinstance(parsed, LoadError) or isinstance(parsed.value, Mapping):
            yield parsed
        else:
            yield parsed.location.error("an Okta System Log event must be a JSON object")


@dataclass(frozen=True, slots=True)
class Event:
    value: Mapping[str, Any]
    event_type: str
    time: str
    seconds: int
    actor: Mapping[str, Any]
    uuid: str
    ip: str
    agent: str
    external_session: str
    failed: bool


def check_event(value: Mapping[str, Any], where: Location) -> Event:
    event_type = text(value.get("eventType"))
    if not event_type:
        raise where.error("field 'eventType': expected a non-empty string")
    raw_time = value.get("published")
    if not isinstance(raw_time, str) or not raw_time.strip():
        raise where.error("field 'published': expected a timestamp")
    try:
        time = canonical_timestamp(raw_time)
    except ModelError as exc:
        raise where.error(f"field 'published': {exc}") from None
    actor = value.get("actor")
    if not isinstance(actor, Mapping) or not text(actor.get("id")):
        raise where.error("field 'actor': expected an object with an 'id'")
    client = mapping(value.get("client"))
    session = text(mapping(value.get("authenticationContext")).get("externalSessionId"))
    id_part(session, "authenticationContext.externalSessionId", where)  # the session id is built in finish
    result = text(mapping(value.get("outcome")).get("result")).upper()
    return Event(
        value=value,
        event_type=event_type,
        time=time,
        seconds=int(datetime.fromisoformat(time.replace("Z", "+00:00")).timestamp()),
        actor=actor,
        uuid=text(value.get("uuid")),
        ip=text(client.get("ipAddress")),
        agent=text(mapping(client.get("userAgent")).get("rawUserAgent")),
        external_session="" if session.lower() in ("", "unknown", "null") else session,
        failed=result in ("FAILURE", "DENY", "DENIED"),
    )


@dataclass(frozen=True, slots=True)
class Actor:
    principal: str
    identity: str = ""
    subtype: str = ""
    name: str = ""
    person: str = ""
    login: str = ""


def person_of(login: str, usernames: Mapping[str, str]) -> str:
    """The Person behind a login: its email, a roster username, else a named gap (module docstring)."""
    if not login or login.lower() == "unknown":
        return ""
    if ids.is_email(login):
        return ids.person(login)
    return usernames.get(login.lower()) or ids.okta_login(login)


def resolve_actor(event: Event, usernames: Mapping[str, str], where: Location) -> Actor:
    actor = event.actor
    kind, actor_id, login = text(actor.get("type")), text(actor.get("id")), text(actor.get("alternateId"))
    id_part(actor_id, "actor.id", where)  # ids of it are built in finish: checked here, where the record is
    name = text(actor.get("displayName")) or login or actor_id
    try:
        if kind == "User":
            person = person_of(login, usernames)
            if person and person != usernames.get(login.lower()):
                id_part(login, "actor.alternateId", where)  # the Person's id, STARTED in finish
            return Actor(actor_id, ids.okta_user(actor_id), "okta.user", name, person, login)
        if kind in _CLIENTS:
            return Actor(actor_id, ids.okta_client(actor_id), "okta.oauth_client", name)
    except ModelError as exc:
        raise where.error(f"field 'actor': {exc}") from None
    spaced_id_part(kind, "actor.type", where)  # the session's id is named by `<type>:<id>`, built in finish
    return Actor(f"{kind or 'unknown'}:{actor_id}")


def spaced_id_part(value: str, field: str, where: Location) -> None:
    """The located rejection of `value`'s record (an Okta type, which may hold spaces: 'URL Pattern',
    'IP address') when it is too long for an id or holds other whitespace or control characters.
    The ids join its spaces (a session's anchor) or skip it (a target's type)."""
    id_part(value.replace(" ", "_"), field, where)


@dataclass(frozen=True, slots=True)
class Target:
    id: str
    kind: NodeKind
    subtype: str
    name: str
    object_type: str
    login: str = ""
    object_id: str = ""


def targets_of(event: Event, where: Location) -> list[Target]:
    """Every well-formed `target[]` entry; one with no id or type names nothing and is skipped, one
    whose id or type cannot be an id's part rejects the event (located: its nodes are written in
    finish); a type with a space ('URL Pattern') is no Resource's and is skipped, as before."""
    found = []
    rows = event.value.get("target")
    for index, row in enumerate(rows if isinstance(rows, list) else []):
        row = mapping(row)
        kind, object_id = text(row.get("type")), text(row.get("id"))
        if not kind or not object_id:
            continue
        id_part(object_id, f"target[{index}].id", where)
        spaced_id_part(kind, f"target[{index}].type", where)  # a Resource's id holds it: okta:<type>:<id>
        name = text(row.get("displayName")) or text(row.get("alternateId")) or object_id
        login = text(row.get("alternateId"))
        try:
            found.append(_target(kind, object_id, name, login))
        except ModelError:
            continue
    return found


def _target(kind: str, object_id: str, name: str, login: str) -> Target:
    if kind == "User":
        return Target(ids.okta_user(object_id), NodeKind.IDENTITY, "okta.user", name, kind, login, object_id)
    if kind == "Token":
        return Target(ids.okta_api_token(object_id), NodeKind.CREDENTIAL, "okta.api_token", name, kind, "", object_id)
    if kind in _CLIENTS:
        return Target(ids.okta_client(object_id), NodeKind.IDENTITY, "okta.oauth_client", name, kind, "", object_id)
    subtype = "okta." + "".join(ch for ch in kind.lower() if ch.isalnum() or ch == "_")
    return Target(ids.okta_object(kind, object_id), NodeKind.RESOURCE, subtype, name, kind, "", object_id)
