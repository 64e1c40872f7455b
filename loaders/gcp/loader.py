"""GCP Cloud Audit Logs → sessions, what they touched, the changes they made, and impersonation hops.

`transform` checks an entry's required fields (loaders/gcp/entry.py), resolves its caller, folds it
into the session of its (service-account key, principal) — the shared session machinery — and
emits at once only what one entry alone proves: Changes, keys, grants (loaders/gcp/changes.py).
Impersonation is kept per session: every hop of `serviceAccountDelegationInfo` CAN_ASSUME the
next and the last the caller; a token-minting call (`GenerateAccessToken`, `GenerateIdToken`,
`SignJwt`, `SignBlob`) is a hop from the caller to the service account it minted for. `finish`
emits the sessions (loaders/gcp/emit.py). `prepare` reads runner and workload addresses, so a
session FROM a runner's address names that runner.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Any

from graph import ids
from graph.errors import LoadError, ModelError
from graph.model import Evidence
from loaders.base import Item, KnownNodes, LoadContext, Loader, Location, Record, Sample, SourceFile
from loaders.gcp.changes import change_items, may_change
from loaders.gcp.emit import Emitter
from loaders.gcp.entry import (
    Caller,
    Entry,
    check_entry,
    delegation_chain,
    key_of,
    mapping,
    read_entries,
    resolve_caller,
    text,
)
from loaders.gcp.federation import ProviderState, merge_provider, provider_items
from loaders.gcp.sessions import Aggregates, Session
from loaders.gcp.targets import Target, entry_target, service_account_named
from loaders.parallel import ParallelAggregates
from loaders.sessions import MAX_DISTINCT, AddressBook, Touch, trim_evidence

__all__ = ["GcpAuditLoader"]

NAME = "gcp-audit"
STATE = "gcp_audit"
_MINTING = frozenset({"GenerateAccessToken", "GenerateIdToken", "SignJwt", "SignBlob"})
_MEMO_SIZE = 200_000  # entries per memo: distinct callers, resources and methods of one load


class _State:
    """What a load accumulates (sessions, targets) and its per-load memos. A memo maps the fields a
    pure function reads to its result, so an entry seen through a memo gets the result it would
    have got; what raises is never memoised, so a bad entry is rejected each time it recurs."""

    def __init__(self, ctx: LoadContext) -> None:
        self.aggregates = Aggregates(ctx.session_gap_minutes * 60)
        self.targets: dict[str, Target] = {}
        self.providers: dict[tuple[str, str], ProviderState] = {}
        self.places: AddressBook = ctx.state.get(STATE + ".places") or AddressBook()
        self.callers: dict[tuple[str, ...], tuple[Caller, tuple[str, str] | None]] = {}
        self.entry_targets: dict[tuple[str, ...], Target | None] = {}
        self.methods: dict[tuple[str, str], tuple[str, bool, bool]] = {}  # -> action, mints, may change

    def caller(self, entry: Entry, where: Location) -> tuple[Caller, tuple[str, str] | None]:
        """resolve_caller and key_of, by the fields they read."""
        auth = mapping(entry.payload.get("authenticationInfo"))
        fields = (
            text(auth.get("principalSubject")),
            text(auth.get("principalEmail")),
            text(entry.labels.get("cluster_name")),
            text(auth.get("serviceAccountKeyName")),
        )
        hit = self.callers.get(fields)
        if hit is None:
            caller = resolve_caller(entry, where)
            hit = (caller, key_of(entry, caller))
            if len(self.callers) < _MEMO_SIZE:
                self.callers[fields] = hit
        return hit

    def target(self, entry: Entry) -> Target | None:
        """entry_target, by the fields it reads."""
        labels = entry.labels
        fields = (
            entry.resource_name,
            entry.service,
            entry.project,
            text(labels.get("email_id")),
            text(labels.get("unique_id")),
        )
        if fields in self.entry_targets:
            return self.entry_targets[fields]
        found = entry_target(entry)
        if len(self.entry_targets) < _MEMO_SIZE:
            self.entry_targets[fields] = found
        return found

    def method(self, entry: Entry) -> tuple[str, bool, bool]:
        """(the TOUCHED action, whether it mints for a service account, whether it may be a Change)."""
        hit = self.methods.get((entry.service, entry.method))
        if hit is None:
            action = f"{entry.service.removesuffix('.googleapis.com') or 'gcp'}:{entry.method}"[:300]
            hit = (action, entry.method.rsplit(".", 1)[-1] in _MINTING, may_change(entry.method))
            if len(self.methods) < _MEMO_SIZE:
                self.methods[(entry.service, entry.method)] = hit
        return hit


class GcpAuditLoader(Loader[Any], ParallelAggregates):
    name = NAME
    description = "GCP Cloud Audit Logs (LogEntry JSON lines, gcloud logging read --format=json, sink files)"

    def sniff(self, sample: Sample) -> bool:
        head = sample.text
        return '"protoPayload"' in head and ("cloudaudit.googleapis.com" in head or '"methodName"' in head)

    def parse(self, source: SourceFile) -> Iterator[Record[Any] | LoadError]:
        return read_entries(source)

    def prepare(self, ctx: LoadContext, known: KnownNodes) -> None:
        ctx.state[STATE + ".places"] = AddressBook.from_graph(known)

    def transform(self, record: Record[Any], ctx: LoadContext) -> Iterable[Item]:
        state: _State | None = ctx.state.get(STATE)
        if state is None:
            state = ctx.state[STATE] = _State(ctx)
        location = record.location
        entry = check_entry(record.value, location)
        caller, key = state.caller(entry, location)
        group = (key[0], caller.principal, key[1]) if key else ("", caller.principal, "")
        locator = f"{location.locator} insertId {entry.insert_id}" if entry.insert_id else location.locator
        pointer = (entry.time, location.file, locator)
        action, mints, changing = state.method(entry)
        # Evidence is only needed by a Change; any other entry's pointer is only checked against
        # Evidence's bounds, and one out of them is built to be rejected just as before.
        evidence = None
        if changing or not (0 < len(pointer[1]) <= 1000 and len(locator) <= 500):
            evidence = Evidence(source=pointer[1], locator=pointer[2], at=pointer[0])
        try:  # everything that can reject the entry, before its session changes
            chain = delegation_chain(entry)
            minted = _minted_for(entry) if mints else None
            target = state.target(entry)
            result = change_items(entry, caller, evidence) if evidence is not None and changing else None
        except ModelError as exc:
            raise location.error(f"{entry.method}: {exc}") from None
        session = state.aggregates.session_for(group, entry.seconds, entry.time, caller)
        if chain or minted is not None:
            _fold_hops(session, caller, chain, minted)
        self._fold(state, session, entry, caller, target, pointer, action)
        if result is None:
            return ()
        session.changes.append((result.change, pointer))
        if result.provider is not None:
            merge_provider(state.providers, result.provider)
        return result.items

    def _fold(
        self,
        state: _State,
        session: Session,
        entry: Entry,
        caller: Caller,
        target: Target | None,
        pointer: tuple[str, str, str],
        action: str,
    ) -> None:
        session.count += 1
        session.errors += 1 if entry.failed else 0
        if entry.ip and len(session.ips) < MAX_DISTINCT:
            session.ips.add(entry.ip)
        if entry.agent and len(session.agents) < MAX_DISTINCT:
            session.agents.add(entry.agent[:300])
        if caller.person:
            session.people.add(caller.person)
        if target is None:
            session.evidence = trim_evidence([*session.evidence, pointer])
            return
        state.targets.setdefault(target.id, target)
        touch = session.touched.get(target.id)
        if touch is None:
            touch = session.touched[target.id] = Touch(target, entry.seconds, entry.time)
        else:
            touch.seen(entry.seconds, entry.time)
        touch.count += 1
        touch.errors += 1 if entry.failed else 0
        touch.actions.add(action)
        touch.evidence.append(pointer)
        if len(touch.evidence) > 40:
            touch.evidence = trim_evidence(touch.evidence)

    def worker_state(self, ctx: LoadContext) -> dict[str, Any]:
        key = STATE + ".places"
        return {key: ctx.state[key]} if key in ctx.state else {}

    def take_state(self, ctx: LoadContext) -> Any:
        state: _State | None = ctx.state.pop(STATE, None)
        return None if state is None else (state.aggregates, state.targets, state.providers)

    def merge_state(self, ctx: LoadContext, taken: Any) -> None:
        """One worker's sessions, targets and federation providers; workers are merged in file
        order, so each target keeps the one its first entry made and each provider field the
        latest entry's value, as in one process."""
        if taken is None:
            return
        state: _State | None = ctx.state.get(STATE)
        if state is None:
            state = ctx.state[STATE] = _State(ctx)
        aggregates, targets, providers = taken
        state.aggregates.merge(aggregates)
        for target_id, target in targets.items():
            state.targets.setdefault(target_id, target)
        for provider in providers.values():
            merge_provider(state.providers, provider)

    def finish(self, ctx: LoadContext) -> Iterable[Item]:
        state: _State | None = ctx.state.pop(STATE, None)
        if state is None:
            return ()
        return itertools.chain(
            Emitter(state.aggregates, state.places).items(state.targets), provider_items(state.providers)
        )


def _fold_hops(session: Session, caller: Caller, chain: list[Caller], minted: Caller | None) -> None:
    """Each delegation hop CAN_ASSUME the next, the last the caller; a minting call the account minted for."""
    hops = [*chain, caller] if caller.identity else chain
    for who, whom in itertools.pairwise(hops):
        if who.identity != whom.identity:
            session.hops.setdefault((who.identity, whom.identity), (who, whom, _via(who)))
    if chain and chain[0].person:
        session.people.add(chain[0].person)
    if minted is not None and caller.identity and minted.identity != caller.identity:
        session.hops.setdefault((caller.identity, minted.identity), (caller, minted, _via(caller)))


def _via(who: Caller) -> str:
    return "web_identity" if who.pool else "impersonation"


def _minted_for(entry: Entry) -> Caller | None:
    """The service account an iamcredentials call (a minting method) minted a token or signature for."""
    request = mapping(entry.payload.get("request"))
    name = request.get("name") if isinstance(request.get("name"), str) else ""
    for candidate in (str(name), entry.resource_name):
        email = service_account_named(candidate, entry)
        if email:
            return Caller(email, ids.gcp_service_account(email), "gcp.iam.service_account", email)
    return None
