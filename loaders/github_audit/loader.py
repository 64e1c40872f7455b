"""GitHub audit log → sessions per token and actor, tokens accountable to their creators, Changes.

`transform` checks an event (loaders/github_audit/event.py), emits what it alone proves
(loaders/github_audit/changes.py) and folds it into its session (loaders/github_audit/sessions.py):
the repository it names is TOUCHED (the Repository node of loaders/repositories.py, the id
loaders/github gives it), else its organisation. `finish` writes the sessions, the accounts and the
tokens, a token's hash resolved to its id where any event carried both, and ties each deployment
review to the sessions that ran its workflow run (loaders/github_audit/environments.py). `prepare` reads people's
usernames (a login meets its roster Person by them) and runner / workload addresses (FROM).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from graph import ids
from graph.errors import LoadError, ModelError
from graph.model import EVIDENCE_LIMIT, Edge, Evidence, Node
from graph.schema import EdgeKind, NodeKind
from loaders.base import Item, KnownNodes, LoadContext, Loader, Record, Sample, SourceFile
from loaders.github_audit.changes import ENVIRONMENT_ACTIONS, TOKEN_PREFIXES, change_items, may_change
from loaders.github_audit.environments import (
    REVIEW_ACTIONS,
    RUN_ACTIONS,
    Review,
    environment_items,
    review_items,
    run_of,
)
from loaders.github_audit.event import AuditEvent, check_event, read_events, scope_list, text, token_kind, token_subtype
from loaders.github_audit.sessions import Aggregates, Target, emit_sessions, run_sessions
from loaders.parallel import ParallelAggregates
from loaders.repositories import repository_node
from loaders.sessions import MAX_DISTINCT, AddressBook, Touch, all_nodes, trim_evidence

__all__ = ["GithubAuditLoader"]

NAME = "github-audit"
STATE = "github_audit"
_MEMO_SIZE = 200_000
_TRIM_AT = 4 * EVIDENCE_LIMIT


class _State:
    def __init__(self, ctx: LoadContext) -> None:
        self.aggregates = Aggregates(ctx.session_gap_minutes * 60)
        self.targets: dict[str, Target] = {}
        self.hashes: dict[str, str] = {}  # hashed_token -> token_id, from events that carry both
        self.reviews: list[Review] = []  # deployment reviews whose run `finish` ties to its session
        self.usernames: Mapping[str, str] = ctx.state.get(STATE + ".usernames") or {}
        self.places: AddressBook = ctx.state.get(STATE + ".places") or AddressBook()
        # Per-load memos of pure functions, by what they read; what raises is never memoised.
        self.actors: set[str] = set()  # logins already found to make a valid account id
        self.event_targets: dict[tuple[str, str, str], Target | None] = {}
        self.actions: dict[str, bool] = {}  # action -> whether change_items may make a Change of it
        self.scopes: dict[str, frozenset[str]] = {}

    def person_of(self, login: str) -> str:
        return self.usernames.get(login.lower().lstrip("@")) or ids.github_user(login)

    def target(self, event: AuditEvent) -> Target | None:
        fields = (event.repo, event.org, text(event.value.get("business")) if "/" not in event.repo else "")
        if fields in self.event_targets:
            return self.event_targets[fields]
        found = _target(event)
        if len(self.event_targets) < _MEMO_SIZE:
            self.event_targets[fields] = found
        return found

    def may_change(self, action: str) -> bool:
        hit = self.actions.get(action)
        if hit is None:
            hit = may_change(action)
            if len(self.actions) < _MEMO_SIZE:
                self.actions[action] = hit
        return hit

    def scopes_of(self, event: AuditEvent) -> frozenset[str]:
        scopes = text(event.value.get("token_scopes"))
        hit = self.scopes.get(scopes)
        if hit is None:
            hit = frozenset(scope_list(scopes))
            if len(self.scopes) < _MEMO_SIZE:
                self.scopes[scopes] = hit
        return hit


def _target(event: AuditEvent) -> Target | None:
    if "/" in event.repo:
        org, name = event.repo.split("/", 1)
        return Target(ids.github_repo(org, name), NodeKind.REPOSITORY, "github.repository", f"{org}/{name}")
    if event.org:
        return Target(ids.github_org(event.org), NodeKind.RESOURCE, "github.organization", event.org)
    business = text(event.value.get("business"))
    return (
        Target(ids.github_enterprise(business), NodeKind.RESOURCE, "github.enterprise", business) if business else None
    )


class GithubAuditLoader(Loader[Any], ParallelAggregates):
    name = NAME
    description = "GitHub audit log (organisation / enterprise exports: JSON, JSON lines, CSV)"

    def sniff(self, sample: Sample) -> bool:
        head = sample.text.lstrip()
        if head.startswith(("{", "[")):
            return (
                '"action"' in head
                and '"actor"' in head
                and ('"created_at"' in head or '"@timestamp"' in head)
                and ('"eventType"' not in head and '"eventName"' not in head and '"protoPayload"' not in head)
            )
        first = head.split("\n", 1)[0]
        return first.startswith(("action,", '"action",')) or (",action," in first and ",actor" in first)

    def parse(self, source: SourceFile) -> Iterator[Record[Any] | LoadError]:
        return read_events(source)

    def prepare(self, ctx: LoadContext, known: KnownNodes) -> None:
        usernames: dict[str, str] = {}
        for person in all_nodes(known, NodeKind.PERSON):
            names = person.props.get("usernames")
            for name in names if isinstance(names, list) else []:
                usernames.setdefault(str(name).lower(), person.id)
        ctx.state[STATE + ".usernames"] = usernames
        ctx.state[STATE + ".places"] = AddressBook.from_graph(known)

    def transform(self, record: Record[Any], ctx: LoadContext) -> Iterable[Item]:
        state: _State | None = ctx.state.get(STATE)
        if state is None:
            state = ctx.state[STATE] = _State(ctx)
        event = check_event(record.value, record.location)
        locator = record.location.locator + (f" {event.document_id}" if event.document_id else "")
        pointer = (event.time, record.location.file, locator)
        changing = state.may_change(event.action)
        reviewing = event.action in REVIEW_ACTIONS
        # Evidence is only needed by a Change; any other event's pointer is only checked against
        # Evidence's bounds, and one out of them is built to be rejected just as before.
        evidence = None
        if changing or reviewing or not (0 < len(pointer[1]) <= 1000 and len(locator) <= 500):
            evidence = Evidence(source=pointer[1], locator=pointer[2], at=pointer[0])
        try:
            if event.actor and event.actor not in state.actors:
                ids.github_account(event.actor)  # a malformed login rejects the event before anything is kept
                if len(state.actors) < _MEMO_SIZE:
                    state.actors.add(event.actor)
            target = state.target(event)
            result = None
            if evidence is not None and changing and event.action in ENVIRONMENT_ACTIONS:
                result = environment_items(event, evidence)
            elif evidence is not None and changing:
                result = change_items(event, evidence, state.person_of)
            reviewed = review_items(event, evidence, state.person_of) if evidence is not None and reviewing else None
        except ModelError as exc:
            raise record.location.error(f"{event.action}: {exc}") from None
        if event.hashed_token and event.token_id:
            state.hashes.setdefault(event.hashed_token, event.token_id)
        key = _token_key(event)
        session = state.aggregates.session_for((key, event.actor), event.seconds, event.time, event.actor)
        _fold(state, session, event, target, pointer)
        if reviewed is not None:
            if reviewed[1] is not None:
                state.reviews.append(reviewed[1])
            return reviewed[0]
        if result is None:
            return ()
        session.changes.append((result.change, pointer))
        return result.items

    def worker_state(self, ctx: LoadContext) -> dict[str, Any]:
        return {key: ctx.state[key] for key in (STATE + ".usernames", STATE + ".places") if key in ctx.state}

    def take_state(self, ctx: LoadContext) -> Any:
        state: _State | None = ctx.state.pop(STATE, None)
        return None if state is None else (state.aggregates, state.targets, state.hashes, state.reviews)

    def merge_state(self, ctx: LoadContext, taken: Any) -> None:
        """One worker's sessions, targets and token hashes; workers are merged in file order, so
        each keeps what its first event made, as in one process."""
        if taken is None:
            return
        state: _State | None = ctx.state.get(STATE)
        if state is None:
            state = ctx.state[STATE] = _State(ctx)
        aggregates, targets, hashes, reviews = taken
        state.reviews.extend(reviews)
        state.aggregates.merge(aggregates)
        for target_id, target in targets.items():
            state.targets.setdefault(target_id, target)
        for hashed, token in hashes.items():
            state.hashes.setdefault(hashed, token)

    def finish(self, ctx: LoadContext) -> Iterable[Item]:
        state: _State | None = ctx.state.pop(STATE, None)
        if state is None:
            return ()
        repositories = sorted(t.id for t in state.targets.values() if t.kind is NodeKind.REPOSITORY)
        repository_nodes = (_repository(state.targets[r]) for r in repositories)
        items = emit_sessions(state.aggregates, state.places, state.targets, state.hashes, state.person_of)
        reviewed = _reviewed_runs(state, run_sessions(state.aggregates, state.hashes))
        return itertools.chain(items, repository_nodes, reviewed)


def _reviewed_runs(state: _State, runs: Mapping[str, list[str]]) -> Iterator[Item]:
    """Each approved review APPROVED the sessions that ran its workflow run; a review whose run no
    session of the load ran names the run in `scope_unresolved` (loaders/github_audit/environments.py)."""
    for review in state.reviews:
        sessions = runs.get(review.run, [])
        for sid in sessions if review.approved else ():
            yield Edge.make(
                source=review.node.id,
                source_kind=NodeKind.APPROVAL,
                kind=EdgeKind.APPROVED,
                target=sid,
                target_kind=NodeKind.SESSION,
                props={"matched_by": "workflow_run_id"},
                first_seen=review.evidence.at,
                last_seen=review.evidence.at,
                sources=(NAME,),
                evidence=(review.evidence,),
            )
        if not sessions:
            node = review.node
            yield Node.make(
                id=node.id,
                kind=node.kind,
                subtype=node.subtype,
                name=node.name,
                props={**node.props, "scope_unresolved": [f"workflow_run: {review.run}"]},
                first_seen=node.first_seen,
                last_seen=node.last_seen,
                sources=(NAME,),
            )


def _repository(target: Target) -> Item:
    org, name = target.name.split("/", 1)
    return repository_node(org, name, NAME)


def _token_key(event: AuditEvent) -> str:
    """The session's token: the one the event was made with. A token-management event's token
    fields name the token it manages (made in the web UI), so it groups with the actor's web events."""
    if event.action.startswith(TOKEN_PREFIXES):
        return ""
    if event.hashed_token:
        return f"hash:{event.hashed_token}"
    return f"id:{event.token_id}" if event.token_id else ""


def _fold(state: _State, session: Any, event: AuditEvent, target: Target | None, pointer: tuple[str, str, str]) -> None:
    session.count += 1
    if event.ip and len(session.ips) < MAX_DISTINCT:
        session.ips.add(event.ip)
    if event.agent and len(session.agents) < MAX_DISTINCT:
        session.agents.add(event.agent)
    if event.access_type and not session.token_kind:
        session.token_kind = token_kind(event.access_type)
    if event.access_type and not session.token_subtype:
        session.token_subtype = token_subtype(event.access_type)
    elif (event.hashed_token or event.token_id) and not session.token_subtype:
        session.token_subtype = "github.personal_access_token"
    scopes = state.scopes_of(event)
    if scopes and not scopes <= session.scopes:
        session.scopes |= scopes
    session.bot = session.bot or event.value.get("actor_is_bot") is True
    # Trimmed now and then, not per event: the most recent distinct pointers of a list trimmed
    # along the way are those of the whole list, and emission trims what is left.
    session.evidence.append(pointer)
    if len(session.evidence) > _TRIM_AT:
        session.evidence = trim_evidence(session.evidence)
    if event.action in RUN_ACTIONS and run_of(event):
        session.runs.add(run_of(event)[:200])
    if target is None:
        return
    state.targets.setdefault(target.id, target)
    touch = session.touched.get(target.id)
    if touch is None:
        touch = session.touched[target.id] = Touch(target, event.seconds, event.time)
    else:
        touch.seen(event.seconds, event.time)
    touch.count += 1
    touch.actions.add(event.action[:300])
    touch.evidence.append(pointer)
    if len(touch.evidence) > _TRIM_AT:
        touch.evidence = trim_evidence(touch.evidence)
