"""Kubernetes audit sessions: one actor's events folded into the shared session aggregates.

An event is first reduced to an `Observed` (who, when, from where, what it touched, whether it
was allowed, which Change it made) and then folded into its session (`AuditState.fold`). Groups
are `(cluster, username, how it authenticated, dated)`: the credential id
(`user.extra["authentication.kubernetes.io/credential-id"]`) where the event names one, else the
first source IP with the user agent; an event without a time goes to the one *undated* session of
its actor, since a time cannot be made up.

Stages: the apiserver writes one event per stage of a request (RequestReceived, ResponseStarted,
ResponseComplete, Panic) under one auditID. A request is counted once: a final stage
(ResponseComplete, Panic, or an event without a stage) counts; an early stage waits in `pending`
and counts at `finish` only when no final stage of the same request came — the answer does not
depend on the order files are read in.

A request the authorizer or the apiserver refused (responseStatus code ≥ 400, or the
`authorization.k8s.io/decision` annotation `forbid`) is a *denied attempt*: counted in the
session's errors and listed in its `denied`, never a TOUCHED target and never a Change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from loaders.kubernetes.audit_targets import INTERACTIVE, Target
from loaders.sessions import MAX_DISTINCT, Pointer, SessionBase, SessionIndex, Touch, trim_evidence

__all__ = ["MAX_DENIED", "Actor", "AuditState", "Observed", "Session"]

MAX_DENIED = 50  # denied attempts listed per session; error_count stays exact
MAX_GRANTS = 5  # authorizer reasons kept per target of a session
MAX_SEEN = 2_000_000  # final-stage request keys remembered to skip their early stages
TRIM_AT = 40  # trim evidence lists rarely: one sort every 30 events
FINAL_STAGES = frozenset({"ResponseComplete", "Panic", ""})


class Actor(NamedTuple):
    """Who an event's `user.username` is: the identity id, and the ServiceAccount (ns, name) if one."""

    username: str
    identity: str
    service_account: tuple[str, str] | None
    cluster: str


class Observed(NamedTuple):
    group: tuple[str, str, str, str]
    actor: Actor
    seconds: int
    text: str  # canonical time, "" when undated
    pointer: Pointer
    ips: tuple[str, ...]
    agent: str
    target: Target
    action: str
    denied: str  # "" when allowed, else the reason (e.g. "403 Forbidden")
    grant: str  # the authorizer's reason that allowed it, "" when none
    impersonated: Target | None
    change: str  # the Change id the request made, "" when none
    change_items: tuple[Any, ...]  # the Change node and its TARGETS edge, written only if the request counts


@dataclass(slots=True, eq=False)  # identity: sessions are compared by object, never by value
class Session(SessionBase):
    impersonated: set[str] = field(default_factory=set)
    denied: list[str] = field(default_factory=list)
    changes: list[tuple[str, Pointer]] = field(default_factory=list)
    grants: dict[str, set[str]] = field(default_factory=dict)

    def absorb(self, other: Any) -> None:
        SessionBase.absorb(self, other)  # zero-argument super() does not work with slots dataclasses
        self.impersonated |= other.impersonated
        self.denied = sorted(set(self.denied) | set(other.denied))[:MAX_DENIED]
        self.changes.extend(other.changes)
        for target, reasons in other.grants.items():
            mine = self.grants.setdefault(target, set())
            mine |= set(sorted(reasons)[: max(0, MAX_GRANTS - len(mine))])


class AuditState:
    """Everything one audit load accumulates: sessions, early stages waiting, request keys seen."""

    def __init__(self, gap_seconds: int) -> None:
        self.gap = gap_seconds
        self.index: SessionIndex[Session, Actor] = SessionIndex(gap_seconds, Session)
        self.pending: dict[tuple[str, ...], Observed] = {}
        self.seen: set[tuple[str, ...]] = set()
        self.skipped_stages = 0
        self.seen_overflow = False
        self.actors: dict[tuple[str, str], Actor] = {}
        self.change_items: dict[str, tuple[Any, ...]] = {}
        self.targets: dict[object, tuple[Target, str]] = {}  # target_of's answers, by what it reads

    def offer(self, key: tuple[str, ...] | None, stage: str, observed: Observed) -> None:
        """Count a request once across its stages (module docstring)."""
        if key is None:
            self.fold(observed)
            return
        if stage in FINAL_STAGES:
            if key in self.seen:
                self.skipped_stages += 1
                return
            if len(self.seen) < MAX_SEEN:
                self.seen.add(key)
            else:
                self.seen_overflow = True
            if self.pending.pop(key, None) is not None:
                self.skipped_stages += 1
            self.fold(observed)
        elif key in self.seen or key in self.pending:
            self.skipped_stages += 1
        else:
            self.pending[key] = observed

    def flush(self) -> None:
        """Requests only an early stage of was read: they count (the log may omit the others)."""
        for observed in self.pending.values():
            self.fold(observed)
        self.pending.clear()

    def fold(self, seen: Observed) -> None:
        session = self.index.session_for(seen.group, seen.seconds, seen.text, seen.actor)
        session.count += 1
        for ip in seen.ips:
            if len(session.ips) < MAX_DISTINCT:
                session.ips.add(ip)
        if seen.agent and len(session.agents) < MAX_DISTINCT:
            session.agents.add(seen.agent)
        session.evidence.append(seen.pointer)
        if len(session.evidence) > TRIM_AT:
            session.evidence = trim_evidence(session.evidence)
        if seen.denied:
            session.errors += 1
            entry = f"{seen.action} {seen.target.name} ({seen.denied})"
            if entry not in session.denied and len(session.denied) < MAX_DENIED:
                session.denied.append(entry)
            return
        self._touch(session, seen.target, seen.action, seen, seen.grant)
        if seen.action.split(" ", 1)[-1].split("/")[-1] in INTERACTIVE:
            session.interactive = True
        if seen.impersonated is not None:
            session.impersonated.add(seen.impersonated.id)
            self._touch(session, seen.impersonated, "impersonate", seen, seen.grant)
        if seen.change:
            session.changes.append((seen.change, seen.pointer))
            self.change_items.setdefault(seen.change, seen.change_items)

    def _touch(self, session: Session, target: Target, action: str, seen: Observed, grant: str) -> None:
        touch = session.touched.get(target.id)
        if touch is None:
            touch = session.touched[target.id] = Touch(target, seen.seconds, seen.text)
        else:
            touch.seen(seen.seconds, seen.text)
        touch.count += 1
        touch.actions.add(action)
        touch.evidence.append(seen.pointer)
        if len(touch.evidence) > TRIM_AT:
            touch.evidence = trim_evidence(touch.evidence)
        if grant:
            reasons = session.grants.setdefault(target.id, set())
            if len(reasons) < MAX_GRANTS:
                reasons.add(grant)
