"""Okta System Log → sessions, API tokens and their creators, privilege Changes, offboarding evidence.

`transform` checks an event (loaders/okta/event.py), resolves its actor and targets, emits at once
what the event alone proves (loaders/okta/changes.py) and folds it into its session
(loaders/okta/sessions.py). `finish` writes the sessions, then each person's status as the latest
lifecycle event of the load says it: a `user.lifecycle.deactivate` or `suspend` makes the Person
`offboarded` (`offboarded_at` = the event time) — so accountability answers "owner offboarded" for
the API tokens they created even without an HR roster — and the load summary names the logins no
roster knows. `prepare` reads the people's usernames (a login that is no email meets its roster
Person by them) and runner / workload addresses (FROM). `finish` also writes the scopes each
OAuth client holds on its client credentials (loaders/okta/grants.py).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from graph.errors import LoadError, ModelError
from graph.model import Evidence, Node
from graph.schema import NodeKind
from loaders.base import Item, KnownNodes, LoadContext, Loader, Record, Sample, SourceFile
from loaders.okta.changes import LifecycleNote, change_items
from loaders.okta.event import Target, check_event, mapping, person_of, read_events, resolve_actor, targets_of, text
from loaders.okta.grants import ClientScopes
from loaders.okta.sessions import Aggregates, emit_sessions
from loaders.sessions import MAX_DISTINCT, AddressBook, Touch, all_nodes, trim_evidence

__all__ = ["OktaSystemLogLoader"]

NAME = "okta-system-log"
STATE = "okta"
_NOTE_LOGINS = 10


class _State:
    def __init__(self, ctx: LoadContext) -> None:
        self.aggregates = Aggregates(ctx.session_gap_minutes * 60)
        self.targets: dict[str, Target] = {}
        self.lifecycle: dict[str, LifecycleNote] = {}
        self.usernames: Mapping[str, str] = ctx.state.get(STATE + ".usernames") or {}
        self.places: AddressBook = ctx.state.get(STATE + ".places") or AddressBook()
        self.unmatched: set[str] = set()
        self.scopes = ClientScopes()  # what each OAuth client holds (loaders/okta/grants.py)

    def person_of(self, login: str) -> str:
        return person_of(login, self.usernames)


class OktaSystemLogLoader(Loader[Any]):
    name = NAME
    description = "Okta System Log (/api/v1/logs JSON array or JSON lines)"

    def sniff(self, sample: Sample) -> bool:
        head = sample.text
        return '"eventType"' in head and '"actor"' in head and ('"published"' in head or '"legacyEventType"' in head)

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
        actor = resolve_actor(event, state.usernames, record.location)
        targets = targets_of(event, record.location)
        locator = f"{record.location.locator} uuid {event.uuid}" if event.uuid else record.location.locator
        pointer = (event.time, record.location.file, locator)
        evidence = Evidence(source=pointer[1], locator=pointer[2], at=pointer[0])
        try:
            result = change_items(event, actor, targets, evidence, state.person_of)
        except ModelError as exc:
            raise record.location.error(f"{event.event_type}: {exc}") from None
        state.scopes.see(event, actor, targets)
        if actor.person.startswith("okta-user:"):  # the event is accepted: its login is named in the summary
            state.unmatched.add(actor.login)
        group = (event.external_session, "" if event.external_session else actor.principal)
        session = state.aggregates.session_for(group, event.seconds, event.time, actor)
        session.count += 1
        session.errors += 1 if event.failed else 0
        if event.ip and len(session.ips) < MAX_DISTINCT:
            session.ips.add(event.ip)
        if event.agent and len(session.agents) < MAX_DISTINCT:
            session.agents.add(event.agent[:300])
        session.started = session.started or event.event_type == "user.session.start"
        session.ended = session.ended or event.event_type == "user.session.end"
        debug = mapping(mapping(event.value.get("debugContext")).get("debugData"))
        if text(debug.get("grantType")) == "client_credentials":
            session.client_credentials = True
        session.evidence = trim_evidence([*session.evidence, pointer])
        for target in targets:
            state.targets.setdefault(target.id, target)
            touch = session.touched.get(target.id)
            if touch is None:
                touch = session.touched[target.id] = Touch(target, event.seconds, event.time)
            else:
                touch.seen(event.seconds, event.time)
            touch.count += 1
            touch.errors += 1 if event.failed else 0
            touch.actions.add(event.event_type[:300])
            touch.evidence = trim_evidence([*touch.evidence, pointer])
        if result is None:
            return ()
        session.changes.append((result.change, pointer))
        for note in result.lifecycle:
            if note.person.startswith("okta-user:"):  # named once the event is accepted, not before
                state.unmatched.add(note.login)
            known = state.lifecycle.get(note.person)
            if known is None or note.time >= known.time:
                state.lifecycle[note.person] = note
        return result.items

    def finish(self, ctx: LoadContext) -> Iterable[Item]:
        state: _State | None = ctx.state.pop(STATE, None)
        if state is None:
            return ()
        if state.unmatched:
            logins = sorted(state.unmatched)
            shown = ", ".join(logins[:_NOTE_LOGINS]) + (", ..." if len(logins) > _NOTE_LOGINS else "")
            ctx.notes.append(
                f"okta-system-log: {len(logins)} Okta login(s) are no email and no roster username ({shown}): "
                "their people are named okta-user:<login> until a roster names them"
            )
        sessions = emit_sessions(state.aggregates, state.places, state.targets)
        return itertools.chain(sessions, _statuses(state), state.scopes.credentials())


def _statuses(state: _State) -> Iterator[Item]:
    """Each person's status as the latest lifecycle event of the load says it (module docstring)."""
    for person in sorted(state.lifecycle):
        note = state.lifecycle[person]
        offboarded = note.status == "offboarded"
        props: dict[str, Any] = {"status": note.status, "offboarded_at": note.time if offboarded else None}
        if ids_login := person.startswith("okta-user:"):
            props["usernames"] = [note.login]
        yield Node.make(
            id=person,
            kind=NodeKind.PERSON,
            subtype="okta.login" if ids_login else "",
            name=note.login if ids_login else "",
            props=props,
            sources=(NAME,),
        )
        gone = {"deleted": True, "deleted_at": note.time} if note.deactivated else {"deleted": False}
        yield Node.make(
            id=note.identity,
            kind=NodeKind.IDENTITY,
            subtype="okta.user",
            name="",
            props={"platform": "okta", **gone},
            sources=(NAME,),
        )
