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
from loaders.base import Item, KnownNodes, LoadContext, Loader, Record, Sample, SourceFile
from loaders.gcp.changes import change_items
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
)
from loaders.gcp.federation import ProviderState, merge_provider, provider_items
from loaders.gcp.sessions import Aggregates, Session
from loaders.gcp.targets import Target, entry_target, service_account_named
from loaders.sessions import MAX_DISTINCT, AddressBook, Touch, trim_evidence

__all__ = ["GcpAuditLoader"]

NAME = "gcp-audit"
STATE = "gcp_audit"
_MINTING = frozenset({"GenerateAccessToken", "GenerateIdToken", "SignJwt", "SignBlob"})


class _State:
    def __init__(self, ctx: LoadContext) -> None:
        self.aggregates = Aggregates(ctx.session_gap_minutes * 60)
        self.targets: dict[str, Target] = {}
        self.providers: dict[tuple[str, str], ProviderState] = {}
        self.places: AddressBook = ctx.state.get(STATE + ".places") or AddressBook()


class GcpAuditLoader(Loader[Any]):
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
        entry = check_entry(record.value, record.location)
        caller = resolve_caller(entry, record.location)
        key = key_of(entry, caller)
        group = (key[0], caller.principal, key[1]) if key else ("", caller.principal, "")
        locator = (
            f"{record.location.locator} insertId {entry.insert_id}" if entry.insert_id else record.location.locator
        )
        pointer = (entry.time, record.location.file, locator)
        evidence = Evidence(source=pointer[1], locator=pointer[2], at=pointer[0])
        try:  # everything that can reject the entry, before its session changes
            chain, minted, target = delegation_chain(entry), _minted_for(entry), entry_target(entry)
            result = change_items(entry, caller, evidence)
        except ModelError as exc:
            raise record.location.error(f"{entry.method}: {exc}") from None
        session = state.aggregates.session_for(group, entry.seconds, entry.time, caller)
        _fold_hops(session, caller, chain, minted)
        self._fold(state, session, entry, caller, target, pointer)
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
        touch.actions.add(f"{entry.service.removesuffix('.googleapis.com') or 'gcp'}:{entry.method}"[:300])
        touch.evidence.append(pointer)
        if len(touch.evidence) > 40:
            touch.evidence = trim_evidence(touch.evidence)

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
    """The service account an iamcredentials call minted a token or signature for."""
    if entry.method.rsplit(".", 1)[-1] not in _MINTING:
        return None
    request = mapping(entry.payload.get("request"))
    name = request.get("name") if isinstance(request.get("name"), str) else ""
    for candidate in (str(name), entry.resource_name):
        email = service_account_named(candidate, entry)
        if email:
            return Caller(email, ids.gcp_service_account(email), "gcp.iam.service_account", email)
    return None
