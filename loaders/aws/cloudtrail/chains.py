"""AssumeRole chains: the session that called AssumeRole* and the session it created.

Every successful AssumeRole / AssumeRoleWithSAML / AssumeRoleWithWebIdentity / GetFederationToken
call is noted with its caller's group and time, the returned temporary key id, the role ARN
and the role session name. Once all sessions are known (`finish`), the child session is found:

1. `matched_by: assume_role_credentials` — a session authenticated with exactly the returned
   `responseElements.credentials.accessKeyId` (the returned key is what the child signs with);
2. else `matched_by: assume_role_name_time` — a session acting as that role with that session
   name, starting within MAX_CHILD_DELAY after the call (the earliest such). Anonymised logs
   (Stratus) re-randomise key ids, so only this rule works there.

The child gets FROM → the parent session. The chain is how an access story walks from a role
session back to the human or pipeline that started it.

AssumeRoleWithWebIdentity from GitHub Actions (`identityProvider` ends with
token.actions.githubusercontent.com, `userName` = the `sub`, `repo:<org>/<repo>:…`) also writes
what it proves, folded per repository, role and subject and written at finish: the Repository
CAN_ASSUME the role (`via: oidc`, `subject`, `matched_by: assume_role_with_web_identity`), and
when the subject carries a `job_workflow_ref` claim (custom sub templates do), the workflow
Pipeline RUNS_AS the role (`via: oidc`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graph import ids
from graph.errors import ModelError
from graph.model import EVIDENCE_LIMIT, Edge, Evidence
from graph.schema import EdgeKind, NodeKind
from loaders.aws.cloudtrail.event import mapping_field
from loaders.aws.cloudtrail.sessions import Aggregates, Pointer, Session, trim_evidence

__all__ = ["ASSUME_EVENTS", "AssumeCall", "ObservedTrust", "assume_call", "link_chains"]

NAME = "aws-cloudtrail"
ASSUME_EVENTS = frozenset({"AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity", "GetFederationToken"})
MAX_CHILD_DELAY = 12 * 3600  # the longest a role session's credentials live
GITHUB_OIDC = "token.actions.githubusercontent.com"


@dataclass(frozen=True, slots=True)
class AssumeCall:
    group: tuple[str, str]
    seconds: int
    child_key: str
    role: str  # Identity id of the role (or the federating user), "" when unknown
    session_name: str
    pointer: Pointer


def assume_call(event: Mapping[str, Any], group: tuple[str, str], seconds: int, pointer: Pointer) -> AssumeCall | None:
    if event.get("errorCode"):
        return None
    params = mapping_field(event, "requestParameters")
    response = mapping_field(event, "responseElements")
    credentials = mapping_field(response, "credentials")
    role_arn = params.get("roleArn")
    role = ""
    if isinstance(role_arn, str):
        try:
            role = ids.aws_arn(role_arn)
        except ModelError:
            role = ""
    session_name = params.get("roleSessionName") or params.get("name") or ""
    return AssumeCall(group, seconds, str(credentials.get("accessKeyId") or ""), role, str(session_name), pointer)


def link_chains(
    calls: list[AssumeCall], aggregates: Aggregates, session_ids: dict[int, str], acted: dict[int, tuple[str, str]]
) -> Iterator[Edge]:
    """FROM child → parent for every call whose child session was seen (module rules).

    `session_ids` maps id(Session) to the session's node id; `acted` maps id(Session) to
    (role identity id, session name) of what the session acted as."""
    by_key: dict[str, list[Session]] = {}
    by_role: dict[tuple[str, str], list[Session]] = {}
    for _principal, session in aggregates.all_sessions():
        if session.group[0]:
            by_key.setdefault(session.group[0], []).append(session)
        if id(session) in acted:
            by_role.setdefault(acted[id(session)], []).append(session)
    for call in calls:
        parent = aggregates.containing(call.group, call.seconds)
        if parent is None:
            continue
        child, rule = _child(call, by_key, by_role)
        if child is None or child is parent or id(child) not in session_ids or id(parent) not in session_ids:
            continue  # a session rejected at emission has no node to link
        evidence = Evidence(source=call.pointer[1], locator=call.pointer[2], at=call.pointer[0])
        yield Edge(
            source=session_ids[id(child)],
            source_kind=NodeKind.SESSION,
            kind=EdgeKind.FROM,
            target=session_ids[id(parent)],
            target_kind=NodeKind.SESSION,
            props={"matched_by": rule},
            first_seen=call.pointer[0],
            last_seen=call.pointer[0],
            sources=(NAME,),
            evidence=(evidence,),
        )


def _child(
    call: AssumeCall, by_key: dict[str, list[Session]], by_role: dict[tuple[str, str], list[Session]]
) -> tuple[Session | None, str]:
    window = (call.seconds - 60, call.seconds + MAX_CHILD_DELAY)
    if call.child_key:
        keyed = [s for s in by_key.get(call.child_key, []) if window[0] <= s.start <= window[1]]
        if keyed:
            return min(keyed, key=lambda s: s.start), "assume_role_credentials"
    if call.role and call.session_name:
        named = [s for s in by_role.get((call.role, call.session_name), []) if window[0] <= s.start <= window[1]]
        if named:
            return min(named, key=lambda s: s.start), "assume_role_name_time"
    return None, ""


def _web_identity_links(event: Mapping[str, Any]) -> list[tuple[str, NodeKind, EdgeKind, str, str]]:
    """(source, source kind, edge kind, role, subject) that one GitHub OIDC call proves."""
    identity = event["userIdentity"]
    provider = str(identity.get("identityProvider") or "")
    subject = str(identity.get("userName") or "")
    if event.get("errorCode") or not provider.endswith(GITHUB_OIDC) or not subject.startswith("repo:"):
        return []
    try:
        role = ids.aws_arn(str(mapping_field(event, "requestParameters").get("roleArn", "")))
        org, repo = subject.split(":")[1].split("/", 1)
        links = [(ids.github_repo(org, repo), NodeKind.REPOSITORY, EdgeKind.CAN_ASSUME, role, subject)]
    except (ModelError, ValueError, IndexError):
        return []
    marker = ":job_workflow_ref:"
    if marker in subject:
        parts = subject.split(marker, 1)[1].split("@", 1)[0].split("/", 2)
        if len(parts) == 3:
            try:
                workflow = ids.github_workflow(parts[0], parts[1], parts[2])
            except ModelError:
                return links
            links.append((workflow, NodeKind.PIPELINE, EdgeKind.RUNS_AS, role, subject))
    return links


class ObservedTrust:
    """GitHub OIDC calls folded per (repository or workflow, role, subject): one edge each, with
    the exact count of calls and bounded evidence, written at `finish` (a busy pipeline assumes
    its role thousands of times; one edge per call would be pointless writes)."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, NodeKind, EdgeKind, str, str], tuple[list[int], list[Pointer], list[Pointer]]] = {}

    def note(self, event: Mapping[str, Any], pointer: Pointer) -> None:
        for link in _web_identity_links(event):
            count, first, recent = self.seen.setdefault(link, ([0], [pointer], []))
            count[0] += 1
            first[0] = min(first[0], pointer)
            recent.append(pointer)
            if len(recent) > 4 * EVIDENCE_LIMIT:
                recent[:] = trim_evidence(recent)

    def merge(self, other: ObservedTrust) -> None:
        """Fold in the calls another part of the load saw (exact counts, the same kept evidence)."""
        for link, (count, first, recent) in other.seen.items():
            mine = self.seen.get(link)
            if mine is None:
                self.seen[link] = (count, first, recent)
                continue
            mine[0][0] += count[0]
            mine[1][0] = min(mine[1][0], first[0])
            mine[2][:] = trim_evidence(mine[2] + recent)

    def edges(self) -> Iterator[Edge]:
        for link in sorted(self.seen):
            source, source_kind, kind, role, subject = link
            count, first, recent = self.seen[link]
            kept = trim_evidence(recent)
            props = {"via": "oidc", "matched_by": "assume_role_with_web_identity"}
            if kind is EdgeKind.CAN_ASSUME:
                props["subject"] = subject
            yield Edge(
                source=source,
                source_kind=source_kind,
                kind=kind,
                target=role,
                target_kind=NodeKind.IDENTITY,
                props=props,
                first_seen=first[0][0],
                last_seen=kept[-1][0],
                count=count[0],
                sources=(NAME,),
                evidence=tuple(Evidence(source=f, locator=loc, at=at) for at, f, loc in kept),
                origin=f"{first[0][1]}#{first[0][2]}",  # the earliest call: reloads replace, new files add
            )
