"""GitHub audit-log sessions: events per (token, actor), split on inactivity, written in `finish`.

Events made with a token (`hashed_token` / `token_id`) group by that token and the actor; events
without one (the web UI) by the actor alone. A session's id is
`session:github:<token id, sha256:<hash> or "web">:<actor>:<start>` — deterministic, so reloading
rewrites it; every edge's `origin` is the session id, so counts are replaced rather than added.

Per session: the Session (`github.audit.session`), ACTED_AS the actor's account, STARTED by its
Person, AUTHENTICATED_WITH the token (a Credential of the account: HAS_CREDENTIAL; a personal
access token or OAuth token is also OWNED by the account's Person, `provenance: inferred` — the
token is accountable to its creator), FROM the Runner or Workload at `actor_ip`, TOUCHED each
repository (the ids loaders/github makes) or organisation, PERFORMED its changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph import ids
from graph.model import Edge, Evidence, Node
from graph.schema import EdgeKind, NodeKind
from loaders.base import Item
from loaders.sessions import AddressBook, Pointer, SessionBase, SessionIndex, pointer_evidence, trim_evidence

__all__ = ["Aggregates", "Session", "emit_sessions", "run_sessions", "session_id"]

NAME = "github-audit"
_OWNED_BY_CREATOR = ("github.personal_access_token", "github.oauth_token")


@dataclass(slots=True, eq=False)  # identity: sessions are compared by object, never by value
class Session(SessionBase):
    changes: list[tuple[str, Pointer]] = field(default_factory=list)
    token_subtype: str = ""
    token_kind: str = ""
    scopes: set[str] = field(default_factory=set)
    bot: bool = False
    runs: set[str] = field(default_factory=set)  # workflow runs whose events it holds (environments.RUN_ACTIONS)

    def absorb(self, other: Any) -> None:
        SessionBase.absorb(self, other)  # zero-argument super() does not work with slots dataclasses
        self.changes.extend(other.changes)
        self.token_subtype = self.token_subtype or other.token_subtype
        self.token_kind = self.token_kind or other.token_kind
        self.scopes |= other.scopes
        self.bot = self.bot or other.bot
        self.runs |= other.runs


class Aggregates(SessionIndex[Session, str]):
    def __init__(self, gap_seconds: int) -> None:
        super().__init__(gap_seconds, Session)


@dataclass(frozen=True, slots=True)
class Target:
    id: str
    kind: NodeKind
    subtype: str
    name: str


def _evidence(pointers: list[Pointer]) -> tuple[Evidence, ...]:
    """Evidence of pointers already trimmed (trimming again keeps them), without validating each
    canonical field again: loaders/sessions pointer_evidence."""
    return pointer_evidence(pointers)


def token_id_of(key: str, hashes: Mapping[str, str]) -> str:
    """The canonical token id of a session's token key (`id:<id>` or `hash:<hash>`), or ""."""
    kind, _, value = key.partition(":")
    if kind == "id":
        return ids.github_token(value)
    if kind == "hash":
        return ids.github_token(hashes.get(value, ""), value)
    return ""


def session_id(actor: str, session: Session, token: str) -> str:
    anchor = token.removeprefix("github:token:") if token else "web"
    return ids.session("github", "_".join(anchor.split()), "_".join(actor.split()) or "unknown", session.start_text)


def run_sessions(aggregates: Aggregates, hashes: Mapping[str, str]) -> dict[str, list[str]]:
    """The session ids that hold each workflow run's events (a run's created and completed events
    may fall in two sessions split by inactivity; both ran it)."""
    found: dict[str, list[str]] = {}
    for actor, session in aggregates.all_sessions():
        if session.runs:
            sid = session_id(actor, session, token_id_of(session.group[0], hashes))
            for run in session.runs:
                found.setdefault(run, []).append(sid)
    return {run: sorted(set(sids)) for run, sids in found.items()}


def emit_sessions(
    aggregates: Aggregates,
    places: AddressBook,
    targets: dict[str, Target],
    hashes: Mapping[str, str],
    person_of: Callable[[str], str],
) -> Iterator[Item]:
    accounts: dict[str, tuple[str, bool]] = {}
    tokens: dict[str, tuple[str, str, str, set[str], str]] = {}
    logins: dict[str, str] = {}  # people known only by login (a named gap): github-user:<login> -> login
    for actor, session in aggregates.all_sessions():
        token = token_id_of(session.group[0], hashes)
        yield from _session(actor, session, token, places, targets, person_of)
        if actor:
            account = ids.github_account(actor)
            accounts[account] = (actor, session.bot or accounts.get(account, ("", False))[1])
            if not session.bot and not actor.endswith("[bot]") and person_of(actor).startswith("github-user:"):
                logins[person_of(actor)] = actor
        if token:
            known = tokens.get(token, (session.token_subtype, session.start_text, session.end_text, set(), ""))
            tokens[token] = (
                known[0] or session.token_subtype,
                min(known[1], session.start_text),
                max(known[2], session.end_text),
                known[3] | session.scopes,
                known[4] or session.token_kind,
            )
    for account in sorted(accounts):
        login, bot = accounts[account]
        bot = bot or login.endswith("[bot]")
        yield Node.make(
            id=account,
            kind=NodeKind.IDENTITY,
            subtype="github.account",
            name=login,
            props={
                "platform": "github",
                "nature": "machine" if bot else "human",
                "nature_reason": "GitHub bot account" if bot else "GitHub user account",
            },
            sources=(NAME,),
        )
    for token in sorted(tokens):
        subtype, first, last, scopes, kind = tokens[token]
        yield Node.make(
            id=token,
            kind=NodeKind.CREDENTIAL,
            subtype=subtype or "github.personal_access_token",
            name="",
            props={
                "platform": "github",
                "credential_type": "token",
                "last_used": last,
                "description": ("scopes: " + ", ".join(sorted(scopes))) if scopes else None,
                "scopes": sorted(scopes) or None,
                "token_kind": kind or None,
            },
            first_seen=first,
            last_seen=last,
            sources=(NAME,),
        )
    for person, login in sorted(logins.items()):
        yield Node.make(
            id=person,
            kind=NodeKind.PERSON,
            subtype="github.user",
            name=login,
            props={"usernames": [login]},
            sources=(NAME,),
        )
    for target_id in sorted(targets):
        target = targets[target_id]
        if target.kind is NodeKind.REPOSITORY:
            continue  # the caller writes repositories as loaders/repositories.py makes them
        yield Node.make(
            id=target_id,
            kind=target.kind,
            subtype=target.subtype,
            name=target.name,
            props={"platform": "github"},
            sources=(NAME,),
        )


def _session(
    actor: str,
    session: Session,
    token: str,
    places: AddressBook,
    targets: dict[str, Target],
    person_of: Callable[[str], str],
) -> Iterator[Item]:
    sid = session_id(actor, session, token)
    for touch in session.touched.values():
        touch.evidence = trim_evidence(touch.evidence)
    pointers = [p for touch in session.touched.values() for p in touch.evidence]
    evidence = _evidence(trim_evidence(pointers + session.evidence))
    interactive = not token and any(agent.startswith("Mozilla/") for agent in session.agents)
    yield Node.make(
        id=sid,
        kind=NodeKind.SESSION,
        subtype="github.audit.session",
        name=f"{actor or 'unknown'} @ {session.start_text}",
        props={
            "platform": "github",
            "started_at": session.start_text,
            "ended_at": session.end_text,
            "event_count": session.count,
            "error_count": session.errors,
            "source_ips": sorted(session.ips),
            "user_agents": sorted(session.agents),
            "principal": actor or None,
            "interactive": interactive,
            "auth_method": "token" if token else None,
        },
        first_seen=session.start_text,
        last_seen=session.end_text,
        sources=(NAME,),
    )

    def edge(
        source: str,
        source_kind: NodeKind,
        kind: EdgeKind,
        target: str,
        target_kind: NodeKind,
        pointers: tuple[Evidence, ...] = evidence,
        count: int = 1,
        times: tuple[str, str] | None = None,
        **props: Any,
    ) -> Edge:
        first, last = times or (session.start_text, session.end_text)  # a touch's own times, else the session's
        return Edge.make(
            source=source,
            source_kind=source_kind,
            kind=kind,
            target=target,
            target_kind=target_kind,
            props=props,
            first_seen=first,
            last_seen=last,
            count=max(count, 1),
            sources=(NAME,),
            evidence=pointers,
            origin=sid,
        )

    person = person_of(actor) if actor and not session.bot and not actor.endswith("[bot]") else ""
    if actor:
        account = ids.github_account(actor)
        yield edge(sid, NodeKind.SESSION, EdgeKind.ACTED_AS, account, NodeKind.IDENTITY, count=session.count)
        if token:
            yield edge(account, NodeKind.IDENTITY, EdgeKind.HAS_CREDENTIAL, token, NodeKind.CREDENTIAL)
            if person and session.token_subtype in _OWNED_BY_CREATOR:
                yield edge(
                    person,
                    NodeKind.PERSON,
                    EdgeKind.OWNS,
                    token,
                    NodeKind.CREDENTIAL,
                    provenance="inferred",
                    provenance_detail=f"{session.token_subtype} of {actor}",
                )
    if person:
        yield edge(person, NodeKind.PERSON, EdgeKind.STARTED, sid, NodeKind.SESSION)
    if token:
        yield edge(sid, NodeKind.SESSION, EdgeKind.AUTHENTICATED_WITH, token, NodeKind.CREDENTIAL, count=session.count)
    for (place_id, place_kind), ips_here in places.by_place(session.ips).items():
        yield edge(sid, NodeKind.SESSION, EdgeKind.FROM, place_id, place_kind, matched_by="ip", ips=ips_here)
    for target_id in sorted(session.touched):
        touch = session.touched[target_id]
        yield edge(
            sid,
            NodeKind.SESSION,
            EdgeKind.TOUCHED,
            target_id,
            targets[target_id].kind,
            _evidence(touch.evidence),
            touch.count,
            times=(touch.first_text, touch.last_text),
            actions=sorted(touch.actions),
            errors=touch.errors,
        )
    for change, pointer in sorted(set(session.changes)):
        yield edge(sid, NodeKind.SESSION, EdgeKind.PERFORMED, change, NodeKind.CHANGE, _evidence([pointer]))
