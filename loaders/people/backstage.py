"""Backstage catalog YAML (multi-document) → Persons, Teams, memberships and catalog ownership.

One record per YAML document, located by its first line; a malformed document is rejected
and the documents around it still load.

- User → Person `person:<spec.profile.email>` with `usernames` = metadata.name and the
  `github.com/user-login` annotation (how CODEOWNERS `@login`s resolve); spec.memberOf →
  MEMBER_OF each Team. A user without an email is rejected: a Person id is an email.
- Group → Team `team:<metadata.name>` (the slug SCIM groups and `team` tags meet on), with
  `parent`; spec.parent / spec.children → Team MEMBER_OF Team; spec.members → MEMBER_OF.
- Component / Resource / System / API / Domain with spec.owner → OWNS (`provenance: catalog`)
  on the entity (`backstage:<kind>:<ns>/<name>`: a Component is a Workload, the rest Resources)
  and on the canonical node it names: `github.com/project-slug: org/repo` → the Repository,
  `aws.amazon.com/account-id` → the AWS account Resource (with its `environment`),
  `aws.amazon.com/arn` / `aws.amazon.com/iam-role-arn` → that IAM Identity.

Owner and member refs follow Backstage: `group:<ns>/<name>`, `user:<ns>/<name>`, a bare name is
a Group for owners and a User for members. User refs name users, not emails, and users usually
follow groups in a catalog, so user refs resolve in `finish` against the load's users (a
username no User defines becomes `github-user:<name>`, graph/ids/).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from graph import ids
from graph.errors import LoadError, ModelError
from graph.model import Evidence, Node
from graph.schema import EdgeKind, NodeKind
from loaders import limits
from loaders.base import Item, LoadContext, Loader, Location, Record, Sample, SourceFile, evidenced_edge
from loaders.formats.compressed import bounded_lines, open_text
from loaders.formats.yaml import load_yaml_text

__all__ = ["BackstageLoader"]

NAME = "backstage"
STATE = "backstage.refs"
_API_VERSION = re.compile(r"^apiVersion:\s*['\"]?backstage\.io/", re.M)
_OWNED = {"component": NodeKind.WORKLOAD, "resource": NodeKind.RESOURCE, "system": NodeKind.RESOURCE}
_OWNED |= {"api": NodeKind.RESOURCE, "domain": NodeKind.RESOURCE}
_ARN_ANNOTATIONS = ("aws.amazon.com/arn", "aws.amazon.com/iam-role-arn", "aws.amazon.com/iam-user-arn")


@dataclass(slots=True)
class _Refs:
    users: dict[str, str] = field(default_factory=dict)
    """username -> person id, from the load's User entities."""
    pending: list[tuple[str, EdgeKind, str, NodeKind, dict[str, str], Evidence]] = field(default_factory=list)
    """(username, edge kind, target, target kind, props, evidence): edges from a user ref."""


def _documents(source: SourceFile) -> Iterator[tuple[int, str | LoadError]]:
    """(first line, text) of each `---`-separated document, streamed; a line past the line limit
    is a located error in place of its document's text, and a document past the document limit
    fails the file (loaders/limits.py)."""
    bounds = limits.current()
    start, chunk, size, broken = 1, list[str](), 0, None
    with open_text(source) as handle:
        for number, line in enumerate(bounded_lines(handle, bounds.line_bytes), start=1):
            if line is None:
                broken = broken or limits.exceeded(
                    "line_bytes", bounds.line_bytes, "the line", file=source.display, line=number
                )
            elif line.rstrip() == "---" or line.startswith("--- "):
                if broken or any(part.strip() for part in chunk):
                    yield start, broken or "".join(chunk)
                start, chunk, size, broken = number + 1, [], 0, None
            else:
                chunk.append(line)
                size += len(line)
                if size > bounds.document_bytes:
                    raise limits.exceeded(
                        "document_bytes", bounds.document_bytes, "the YAML document", file=source.display, line=start
                    )
    if broken or any(part.strip() for part in chunk):
        yield start, broken or "".join(chunk)


def _ref(value: object, default_kind: str) -> tuple[str, str]:
    """(kind, name) of an entity ref `kind:namespace/name`, `namespace/name` or `name`."""
    text = str(value).strip().lower()
    kind, _, rest = text.partition(":") if ":" in text else (default_kind, "", text)
    return kind, rest.rsplit("/", 1)[-1]


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


class BackstageLoader(Loader[Mapping[str, Any]]):
    name = NAME
    description = "Backstage catalog YAML"

    def sniff(self, sample: Sample) -> bool:
        return "kind:" in sample.text and bool(_API_VERSION.search(sample.text))  # the cheap test first

    def parse(self, source: SourceFile) -> Iterator[Record[Mapping[str, Any]] | LoadError]:
        for start, text in _documents(source):
            where = Location(source.display, line=start)
            data = text if isinstance(text, LoadError) else load_yaml_text(text, source.display, start)
            if isinstance(data, LoadError):
                yield data
                continue
            if not isinstance(data, Mapping) or not isinstance(data.get("kind"), str):
                yield where.error("catalog document has no kind")
            elif not isinstance(_mapping(data.get("metadata")).get("name"), str):
                yield where.error("catalog entity has no metadata.name")
            else:
                yield Record(where, data)

    def transform(self, record: Record[Mapping[str, Any]], ctx: LoadContext) -> Iterable[Item]:
        refs: _Refs = ctx.state.setdefault(STATE, _Refs())
        kind = record.value["kind"].lower()
        evidence = Evidence(source=record.location.file, locator=record.location.locator)
        try:
            if kind == "user":
                return list(_user(record.value, record.location, refs, evidence))
            if kind == "group":
                return list(_group(record.value, refs, evidence))
            if kind in _OWNED:
                return list(_owned(record.value, kind, refs, evidence))
        except ModelError as exc:
            raise record.location.error(str(exc)) from None
        return []  # Location, Template, ...: catalog plumbing, nothing to own or be

    def finish(self, ctx: LoadContext) -> Iterable[Item | LoadError]:
        refs: _Refs = ctx.state.pop(STATE, _Refs())
        items: list[Item | LoadError] = []
        for username, kind, target, target_kind, props, evidence in refs.pending:
            try:
                person = refs.users.get(username) or ids.github_user(username)
            except ModelError as exc:  # a member name that is no login: that reference only
                line = evidence.locator.removeprefix("line ")
                at = int(line) if line.isdigit() else None
                items.append(LoadError(str(exc), file=evidence.source, line=at))
                continue
            if person.startswith("github-user:"):
                items.append(
                    Node(
                        id=person,
                        kind=NodeKind.PERSON,
                        subtype="github.user",
                        name=username,
                        props={"usernames": [username]},
                        sources=(NAME,),
                    )
                )
            items.append(_edge(person, NodeKind.PERSON, kind, target, target_kind, evidence, **props))
        return items


_edge = partial(evidenced_edge, NAME)


def _user(data: Mapping[str, Any], where: Location, refs: _Refs, evidence: Evidence) -> Iterator[Item]:
    metadata, spec = _mapping(data.get("metadata")), _mapping(data.get("spec"))
    profile = _mapping(spec.get("profile"))
    email = profile.get("email")
    if not isinstance(email, str) or not ids.is_email(email):
        raise where.error("User has no spec.profile.email")
    person = ids.person(email)
    login = _mapping(metadata.get("annotations")).get("github.com/user-login")
    usernames = sorted({str(metadata["name"]).lower(), *([login.lower()] if isinstance(login, str) else [])})
    for username in usernames:
        refs.users[username] = person
    props = {"email": email.lower(), "usernames": usernames, "platform": "backstage"}
    yield Node(
        id=person,
        kind=NodeKind.PERSON,
        subtype="backstage.user",
        name=str(profile.get("displayName") or metadata["name"]),
        props=props,
        sources=(NAME,),
    )
    for group in spec.get("memberOf") or [] if isinstance(spec.get("memberOf"), list) else []:
        yield _edge(
            person, NodeKind.PERSON, EdgeKind.MEMBER_OF, ids.team(_ref(group, "group")[1]), NodeKind.TEAM, evidence
        )


def _group(data: Mapping[str, Any], refs: _Refs, evidence: Evidence) -> Iterator[Item]:
    metadata, spec = _mapping(data.get("metadata")), _mapping(data.get("spec"))
    profile = _mapping(spec.get("profile"))
    team = ids.team(str(metadata["name"]))
    parent = ids.team(_ref(spec["parent"], "group")[1]) if isinstance(spec.get("parent"), str) else None
    title = metadata.get("title") or profile.get("displayName") or metadata["name"]
    props = {
        "platform": "backstage",
        "email": profile.get("email") if isinstance(profile.get("email"), str) else None,
        "parent": parent,
    }
    yield Node(id=team, kind=NodeKind.TEAM, subtype="backstage.group", name=str(title), props=props, sources=(NAME,))
    if parent:
        yield _edge(team, NodeKind.TEAM, EdgeKind.MEMBER_OF, parent, NodeKind.TEAM, evidence)
    for child in spec.get("children") or [] if isinstance(spec.get("children"), list) else []:
        yield _edge(ids.team(_ref(child, "group")[1]), NodeKind.TEAM, EdgeKind.MEMBER_OF, team, NodeKind.TEAM, evidence)
    for member in spec.get("members") or [] if isinstance(spec.get("members"), list) else []:
        refs.pending.append((_ref(member, "user")[1], EdgeKind.MEMBER_OF, team, NodeKind.TEAM, {}, evidence))


def _targets(data: Mapping[str, Any], kind: str) -> Iterator[tuple[str, NodeKind, dict[str, Any]]]:
    """The entity itself and the canonical nodes its annotations name."""
    metadata, spec = _mapping(data.get("metadata")), _mapping(data.get("spec"))
    annotations = _mapping(metadata.get("annotations"))
    labels = _mapping(metadata.get("labels"))
    environment = next(
        (
            str(v).lower()
            for k, v in [*annotations.items(), *labels.items(), ("environment", spec.get("environment"))]
            if str(k).endswith("environment") and isinstance(v, str)
        ),
        None,
    )
    entity = ids.catalog_entity(kind, str(metadata.get("namespace") or "default"), str(metadata["name"]))
    yield (
        entity,
        _OWNED[kind],
        {
            "platform": "backstage",
            "environment": environment,
            "description": metadata.get("description") if isinstance(metadata.get("description"), str) else None,
        },
    )
    slug = annotations.get("github.com/project-slug")
    if isinstance(slug, str) and slug.count("/") == 1:
        org, repo = slug.split("/")
        yield ids.github_repo(org, repo), NodeKind.REPOSITORY, {"org": org.lower(), "platform": "github"}
    account = annotations.get("aws.amazon.com/account-id")
    if account is not None:
        yield (
            ids.aws_account(str(account)),
            NodeKind.RESOURCE,
            {"platform": "aws", "resource_type": "aws.account", "account": str(account), "environment": environment},
        )
    for key in _ARN_ANNOTATIONS:
        if isinstance(annotations.get(key), str):
            yield ids.aws_arn(annotations[key]), NodeKind.IDENTITY, {"platform": "aws", "arn": annotations[key]}


_SUBTYPES = {NodeKind.REPOSITORY: "github.repository", NodeKind.RESOURCE: "aws.account", NodeKind.IDENTITY: ""}


def _owned(data: Mapping[str, Any], kind: str, refs: _Refs, evidence: Evidence) -> Iterator[Item]:
    metadata, spec = _mapping(data.get("metadata")), _mapping(data.get("spec"))
    owner = spec.get("owner")
    detail = f"{kind}:{metadata.get('namespace') or 'default'}/{metadata['name']} spec.owner"
    for index, (target, target_kind, props) in enumerate(_targets(data, kind)):
        subtype = f"backstage.{kind}" if index == 0 else _SUBTYPES[target_kind]
        name = str(metadata.get("title") or metadata["name"]) if index == 0 else ""
        yield Node(id=target, kind=target_kind, subtype=subtype, name=name, props=props, sources=(NAME,))
        if not isinstance(owner, str) or not owner.strip():
            continue
        owns = {"provenance": "catalog", "provenance_detail": detail}
        owner_kind, owner_name = _ref(owner, "group")
        if owner_kind == "user":
            refs.pending.append((owner_name, EdgeKind.OWNS, target, target_kind, owns, evidence))
        else:
            yield _edge(ids.team(owner_name), NodeKind.TEAM, EdgeKind.OWNS, target, target_kind, evidence, **owns)
