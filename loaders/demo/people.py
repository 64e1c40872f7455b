"""People and ownership: SCIM 2.0 Users/Groups ListResponses and the Backstage catalog.

SCIM users carry the enterprise extension (employeeNumber, department, manager with value,
$ref and displayName); leavers are `active: false` with `meta.lastModified` at their
offboarding. SCIM groups and Backstage groups use the same team names, so both resolve to one
`team:<slug>`. The catalog is multi-document YAML written with a small emitter (PyYAML's
dumper is far too slow for a million users); every scalar it cannot leave plain is JSON-quoted,
which is valid YAML.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO

import orjson

from loaders.demo.aws.iam_model import AwsEstate
from loaders.demo.cast import Cast, CastPerson
from loaders.demo.derive import Derive, format_iso
from loaders.demo.org import DOMAIN, ORG, PARENTS, Organisation, Person

__all__ = ["write_catalog", "write_scim"]

SCIM_BASE = f"https://scim.{DOMAIN}/scim/v2"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9._/@:+-]*$")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED and ": " not in text and not text.endswith(":"):
        return text
    return orjson.dumps(text).decode()


def _yaml(value: object, indent: int = 0) -> str:
    pad = "  " * indent
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key}:\n{_yaml(item, indent + 1)}")
            elif isinstance(item, dict | list):
                lines.append(f"{pad}{key}: {'{}' if isinstance(item, dict) else '[]'}")
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
        return "\n".join(lines)
    assert isinstance(value, list)
    return "\n".join(f"{pad}- {_scalar(item)}" for item in value)


def _person_scim(
    p: Person | CastPerson,
    scim_id: str,
    number: str,
    team: str,
    manager: tuple[str, str] | None,
    modified: int,
    base: int,
) -> dict[str, object]:
    display = f"{p.given} {p.family}"
    enterprise: dict[str, object] = {"employeeNumber": number, "department": team}
    if manager:
        enterprise["manager"] = {
            "value": manager[0],
            "$ref": f"{SCIM_BASE}/Users/{manager[0]}",
            "displayName": manager[1],
        }
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "id": scim_id,
        "externalId": number,
        "userName": p.email,
        "name": {"formatted": display, "familyName": p.family, "givenName": p.given},
        "displayName": display,
        "emails": [{"value": p.email, "type": "work", "primary": True}],
        "active": p.active,
        ENTERPRISE: enterprise,
        "meta": {
            "resourceType": "User",
            "created": format_iso(base - 1500 * 86400),
            "lastModified": format_iso(modified),
            "location": f"{SCIM_BASE}/Users/{scim_id}",
        },
    }


def _scim_users(org: Organisation, cast: Cast) -> Iterator[dict[str, object]]:
    base = cast.base
    for i in range(org.sizes.people):
        p = org.person(i)
        boss = org.person(p.manager) if p.manager is not None else None
        manager = (boss.scim_id, f"{boss.given} {boss.family}") if boss else None
        modified = base - (10 + org.derive.below(300, "modified", i)) * 86400
        yield _person_scim(p, p.scim_id, p.employee_number, org.team(p.team).display, manager, modified, base)
    lead = org.person(0)
    for n, c in enumerate(cast.people.values()):
        modified = c.offboarded_at or base - 20 * 86400
        yield _person_scim(
            c,
            cast_scim_id(org.derive, c),
            str(900000 + n),
            c.team.replace("-", " ").title(),
            (lead.scim_id, f"{lead.given} {lead.family}"),
            modified,
            base,
        )


def cast_scim_id(derive: Derive, person: CastPerson) -> str:
    return derive.uuid("scim-cast", person.key)


def _team_members(org: Organisation, cast: Cast, slug: str, j: int | None) -> Iterator[tuple[str, str, str]]:
    """(scim id, display name, email) of every member of a team."""
    if j is not None:
        for i in org.team_members(j):
            p = org.person(i)
            yield p.scim_id, f"{p.given} {p.family}", p.email
    for c in cast.people.values():
        if c.team == slug:
            yield cast_scim_id(org.derive, c), f"{c.given} {c.family}", c.email


def _teams(org: Organisation, cast: Cast) -> Iterator[tuple[str, str, str, int | None]]:
    """(slug, display, parent, background index or None) for every team."""
    for j in range(org.sizes.teams):
        t = org.team(j)
        yield t.slug, t.display, t.parent, j
    slug, display, parent = cast.extra_team
    yield slug, display, parent, None


def _stream(handle: IO[bytes], head: bytes, items: Iterator[dict[str, object]], tail: bytes) -> int:
    handle.write(head)
    count = 0
    for item in items:
        body = orjson.dumps(item, option=orjson.OPT_INDENT_2).replace(b"\n", b"\n    ")
        handle.write((b",\n    " if count else b"\n    ") + body)
        count += 1
    handle.write(b"\n  ]" + tail)
    return count


def write_scim(folder: Path, org: Organisation, cast: Cast) -> tuple[int, int]:
    folder.mkdir(parents=True, exist_ok=True)
    users = org.sizes.people + len(cast.people)
    head = (
        b'{\n  "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],\n  "totalResults": %d,\n  "itemsPerPage": %d,\n  "startIndex": 1,\n  "Resources": ['  # noqa: E501 (verbatim real-world text)
        % (users, users)
    )
    with (folder / "scim-users.json").open("wb") as handle:
        _stream(handle, head, _scim_users(org, cast), b"\n}\n")

    def groups() -> Iterator[dict[str, object]]:
        for slug, display, _parent, j in _teams(org, cast):
            gid = org.derive.uuid("scim-group", slug)
            members = [
                {"value": sid, "$ref": f"{SCIM_BASE}/Users/{sid}", "display": name}
                for sid, name, _ in _team_members(org, cast, slug, j)
            ]
            yield {
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "id": gid,
                "displayName": display,
                "members": members,
                "meta": {"resourceType": "Group", "location": f"{SCIM_BASE}/Groups/{gid}"},
            }

    count = org.sizes.teams + 1
    head = (
        b'{\n  "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],\n  "totalResults": %d,\n  "itemsPerPage": %d,\n  "startIndex": 1,\n  "Resources": ['  # noqa: E501 (verbatim real-world text)
        % (count, count)
    )
    with (folder / "scim-groups.json").open("wb") as handle:
        _stream(handle, head, groups(), b"\n}\n")
    return users, count


def _doc(kind: str, metadata: Mapping[str, object], spec: Mapping[str, object]) -> str:
    return (
        "---\n"
        + _yaml({"apiVersion": "backstage.io/v1alpha1", "kind": kind, "metadata": metadata, "spec": spec})
        + "\n"
    )


def _catalog_docs(org: Organisation, cast: Cast, aws: AwsEstate) -> Iterator[str]:
    yield _doc(
        "Group",
        {"name": "engineering"},
        {"type": "department", "profile": {"displayName": "Engineering"}, "children": list(PARENTS)},
    )
    for parent in PARENTS:
        children = [slug for slug, _d, p, _j in _teams(org, cast) if p == parent]
        yield _doc("Group", {"name": parent}, {"type": "organisation", "parent": "engineering", "children": children})
    for slug, display, parent, j in _teams(org, cast):
        members = [email.split("@")[0] for _sid, _name, email in _team_members(org, cast, slug, j)]
        yield _doc(
            "Group",
            {"name": slug, "title": display},
            {
                "type": "team",
                "profile": {"displayName": display, "email": f"{slug}@{DOMAIN}"},
                "parent": parent,
                "children": [],
                "members": members,
            },
        )
        yield _doc("System", {"name": f"{slug}-system"}, {"owner": f"group:default/{slug}"})
    for i in range(org.sizes.people):
        p = org.person(i)
        yield _user_doc(p, org.team(p.team).slug)
    for c in cast.people.values():
        yield _user_doc(c, c.team)
    for k in range(org.sizes.repos):
        repo = org.repo(k)
        yield _component(repo.name, org.team(repo.team).slug, "service")
    for planted in cast.repos:
        yield _component(planted.name, planted.team, planted.component_type)
    for account in aws.accounts.values():
        meta = {
            "name": f"aws-{account.name}",
            "title": f"AWS {account.environment}",
            "annotations": {"aws.amazon.com/account-id": account.id, f"{DOMAIN}/environment": account.environment},
            "labels": {"environment": account.environment},
        }
        yield _doc(
            "Resource",
            meta,
            {
                "type": "aws-account",
                "owner": "group:default/platform",
                "environment": account.environment,
                "system": "platform-system",
            },
        )


def _user_doc(p: Person | CastPerson, team: str) -> str:
    name = p.email.split("@")[0]
    meta: dict[str, object] = {"name": name}
    if isinstance(p, CastPerson):  # the planted people's GitHub handles, so the GitHub audit log meets them
        meta["annotations"] = {"github.com/user-login": p.github_login}
    return _doc(
        "User",
        meta,
        {"profile": {"displayName": f"{p.given} {p.family}", "email": p.email}, "memberOf": [team]},
    )


def _component(name: str, team: str, kind: str) -> str:
    meta = {
        "name": name,
        "annotations": {
            "github.com/project-slug": f"{ORG}/{name}",
            "backstage.io/source-location": f"url:https://github.com/{ORG}/{name}/tree/main/",
        },
    }
    return _doc(
        "Component",
        meta,
        {"type": kind, "lifecycle": "production", "owner": f"group:default/{team}", "system": f"{team}-system"},
    )


def write_catalog(path: Path, org: Organisation, cast: Cast, aws: AwsEstate) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for doc in _catalog_docs(org, cast, aws):
            handle.write(doc)
            count += 1
    return count
