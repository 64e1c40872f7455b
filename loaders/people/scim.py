"""SCIM 2.0 ListResponse JSON (Users and Groups) → Persons, Teams, MEMBER_OF and MANAGES.

One record per `Resources[i]`. A User is the Person `person:<email>` (its `userName` when that
is an email, else its primary / first `emails[].value`) with `status` `active` or `offboarded`
(`active: false`; `offboarded_at` = `meta.lastModified`, when SCIM last changed it),
`employee_id`, `department`, `title`, and its non-email `userName` in `usernames`. A Group is
the Team `team:<slug of displayName>` — the slug a Backstage group or a `team` tag uses.

SCIM links name users by their SCIM `id`, not by email, and a Groups file usually sorts before
its Users file, so links are resolved once every file is read (`finish`): each group member →
MEMBER_OF (a nested group → Team MEMBER_OF Team), the enterprise extension's `manager.value`
→ MANAGES from the manager. A link to an id no loaded file defines is dropped and counted in
nothing: there is no Person to draw it to.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from graph import ids
from graph.errors import LoadError, ModelError
from graph.model import Evidence, Node, canonical_timestamp
from graph.schema import EdgeKind, NodeKind
from loaders.base import Item, LoadContext, Loader, Location, Record, Sample, SourceFile, evidenced_edge
from loaders.formats.fields import Fields
from loaders.formats.json import iter_json_documents

__all__ = ["ScimLoader"]

NAME = "scim"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
STATE = "scim.links"


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


@dataclass(slots=True)
class _Links:
    by_scim_id: dict[str, tuple[str, NodeKind]] = field(default_factory=dict)
    members: list[tuple[str, str, Evidence]] = field(default_factory=list)
    """(member SCIM id, team id, evidence)."""
    managers: list[tuple[str, str, Evidence]] = field(default_factory=list)
    """(manager SCIM id, person id, evidence)."""


def _check(data: object, where: Location) -> None:
    """The boundary (issue 18): the fields the transform reads have the types SCIM gives them,
    or the record is rejected naming the field (a number for `emails` is no user)."""
    fields = Fields.of(data, where, "SCIM resource")
    fields.text("id", required=True, most=1024, expected="the resource's id (a non-empty string)")
    fields.texts("schemas")
    fields.objects("emails")
    fields.objects("members")
    for key in ("meta", "name", ENTERPRISE):
        fields.mapping(key)


def _is_group(data: Mapping[str, Any]) -> bool:
    schemas = " ".join(str(s) for s in data.get("schemas") or [] if isinstance(s, str))
    meta = _mapping(data.get("meta"))
    return "Group" in str(meta.get("resourceType", "")) or schemas.endswith(":Group") or "members" in data


def _email(data: Mapping[str, Any]) -> str:
    user_name = data.get("userName")
    if isinstance(user_name, str) and ids.is_email(user_name):
        return user_name
    emails = [e for e in data.get("emails") or [] if isinstance(e, Mapping) and isinstance(e.get("value"), str)]
    primary = [e for e in emails if e.get("primary") is True]
    for entry in primary + emails:
        if ids.is_email(entry["value"]):
            return str(entry["value"])
    return ""


class ScimLoader(Loader[Mapping[str, Any]]):
    name = NAME
    description = "SCIM 2.0 Users / Groups ListResponse JSON"

    def sniff(self, sample: Sample) -> bool:
        text = sample.text.lstrip()
        return text.startswith("{") and '"Resources"' in text and "urn:ietf:params:scim:" in text

    def parse(self, source: SourceFile) -> Iterator[Record[Mapping[str, Any]] | LoadError]:
        for parsed in iter_json_documents(source):
            if isinstance(parsed, LoadError):
                yield parsed
                continue
            resources = parsed.value.get("Resources") if isinstance(parsed.value, Mapping) else None
            if not isinstance(resources, list):
                yield parsed.location.error("not a SCIM ListResponse: no Resources list")
                continue
            for index, item in enumerate(resources):
                where = Location(source.display, record=index + 1)
                if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                    yield Record(where, item)
                else:
                    yield where.error("SCIM resource is not an object with an id")

    def transform(self, record: Record[Mapping[str, Any]], ctx: LoadContext) -> Iterable[Item]:
        links: _Links = ctx.state.setdefault(STATE, _Links())
        evidence = Evidence(source=record.location.file, locator=record.location.locator)
        _check(record.value, record.location)
        try:
            if _is_group(record.value):
                return list(_group(record.value, record.location, links, evidence))
            return list(_user(record.value, record.location, links, evidence))
        except ModelError as exc:
            raise record.location.error(str(exc)) from None

    def finish(self, ctx: LoadContext) -> Iterable[Item]:
        links: _Links = ctx.state.pop(STATE, _Links())
        items: list[Item] = []
        for member, team, evidence in links.members:
            found = links.by_scim_id.get(member)
            if found is not None:
                items.append(_edge(found[0], found[1], EdgeKind.MEMBER_OF, team, NodeKind.TEAM, evidence))
        for manager, person, evidence in links.managers:
            found = links.by_scim_id.get(manager)
            if found is not None and found[1] is NodeKind.PERSON:
                items.append(_edge(found[0], NodeKind.PERSON, EdgeKind.MANAGES, person, NodeKind.PERSON, evidence))
        return items


_edge = partial(evidenced_edge, NAME)


def _user(data: Mapping[str, Any], where: Location, links: _Links, evidence: Evidence) -> Iterator[Item]:
    email = _email(data)
    if not email:
        raise where.error("SCIM user has no email (userName or emails[].value)")
    person = ids.person(email)
    links.by_scim_id[data["id"]] = (person, NodeKind.PERSON)
    enterprise = _mapping(data.get(ENTERPRISE))
    meta = _mapping(data.get("meta"))
    active = data.get("active") is not False
    user_name = data.get("userName") if isinstance(data.get("userName"), str) else ""
    names = _mapping(data.get("name"))
    name = data.get("displayName") or names.get("formatted") or email
    props = {
        "email": email.lower(),
        "status": "active" if active else "offboarded",
        "offboarded_at": canonical_timestamp(meta["lastModified"]) if not active and meta.get("lastModified") else None,
        "employee_id": str(enterprise.get("employeeNumber") or data.get("externalId") or "") or None,
        "department": enterprise.get("department") if isinstance(enterprise.get("department"), str) else None,
        "title": data.get("title") if isinstance(data.get("title"), str) else None,
        "usernames": [user_name.lower()] if user_name and not ids.is_email(user_name) else None,
        "platform": "scim",
    }
    yield Node(
        id=person, kind=NodeKind.PERSON, subtype="scim.user", name=str(name or email), props=props, sources=(NAME,)
    )
    manager = enterprise.get("manager")
    value = manager.get("value") if isinstance(manager, Mapping) else manager
    if isinstance(value, str) and value.strip():
        links.managers.append((value.strip(), person, evidence))


def _group(data: Mapping[str, Any], where: Location, links: _Links, evidence: Evidence) -> Iterator[Item]:
    display = data.get("displayName")
    if not isinstance(display, str) or not display.strip():
        raise where.error("SCIM group has no displayName")
    team = ids.team(display)
    links.by_scim_id[data["id"]] = (team, NodeKind.TEAM)
    yield Node(
        id=team,
        kind=NodeKind.TEAM,
        subtype="scim.group",
        name=display.strip(),
        props={"platform": "scim"},
        sources=(NAME,),
    )
    for member in data.get("members") or [] if isinstance(data.get("members"), list) else []:
        if isinstance(member, Mapping) and isinstance(member.get("value"), str):
            links.members.append((member["value"], team, evidence))
