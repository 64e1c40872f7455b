"""CloudTrail sessions: events aggregated per access key + principal, split on inactivity.

Never one node per event. Events of one (access key id, principal) group form a session while
they come within `ctx.session_gap_minutes` of each other. Grouping is by intervals, so the
result does not depend on the order files are read in (S3 trees list regions before dates):
an event joins the interval it falls within (± the gap), and intervals that come within the
gap of each other merge. That equals sorting every event of the group by time and splitting
where consecutive events are more than the gap apart.

A session's id is `session:aws:<key or "nokey">:<principal>:<start>` — deterministic, so
loading the same files again rewrites the same sessions (each edge's `origin` is the session
id, so counts are replaced, not added). Loading the halves of one session in two separate runs
makes two sessions; load a trail's files in one run.

Per session only aggregates are kept (counts, distinct IPs/agents/regions — capped —, the
targets touched with exact counts, bounded evidence), never the events, so memory grows with
the number of sessions and targets, not with the number of events.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graph.model import EVIDENCE_LIMIT
from loaders.aws_cloudtrail_event import Principal
from loaders.aws_cloudtrail_targets import Target

__all__ = ["Aggregates", "Session", "Touch", "trim_evidence"]

MAX_DISTINCT = 50  # IPs / user agents kept per session; counts stay exact regardless
MAX_PAIRS = 200  # distinct (IP, user agent) pairs remembered per session, to skip known ones fast
Pointer = tuple[str, str, str]  # (event time, file, locator): sorts by time first, like the stores


def trim_evidence(pointers: list[Pointer]) -> list[Pointer]:
    """The EVIDENCE_LIMIT most recent distinct pointers (the stores keep the same ones)."""
    return sorted(set(pointers))[-EVIDENCE_LIMIT:]


class Touch:
    """One target of one session: exact count, errors, distinct actions, bounded evidence."""

    __slots__ = ("actions", "count", "errors", "evidence", "target")

    def __init__(self, target: Target) -> None:
        self.target = target
        self.count = 0
        self.errors = 0
        self.actions: set[str] = set()
        self.evidence: list[Pointer] = []

    def absorb(self, other: Touch) -> None:
        self.count += other.count
        self.errors += other.errors
        self.actions |= other.actions
        self.evidence = trim_evidence(self.evidence + other.evidence)


@dataclass(slots=True, eq=False)  # identity: sessions are compared by object, never by value
class Session:
    group: tuple[str, str]
    start: int
    end: int
    start_text: str
    end_text: str
    count: int = 0
    errors: int = 0
    ips: set[str] = field(default_factory=set)
    agents: set[str] = field(default_factory=set)
    regions: set[str] = field(default_factory=set)
    cli_ips: set[str] = field(default_factory=set)
    pairs: set[tuple[object, object]] = field(default_factory=set)
    console: bool = False
    mfa: bool = False
    touched: dict[str, Touch] = field(default_factory=dict)
    evidence: list[Pointer] = field(default_factory=list)
    changes: list[tuple[str, Pointer]] = field(default_factory=list)
    inferred_owns: list[tuple[str, Any, str, Pointer]] = field(default_factory=list)
    peers: list[Session] = field(default_factory=list)  # every session of the group (shared list)

    def absorb(self, other: Session) -> None:
        """Merge a later-found neighbouring interval of the same group into this one."""
        if other.start < self.start:
            self.start, self.start_text = other.start, other.start_text
        if other.end > self.end:
            self.end, self.end_text = other.end, other.end_text
        self.count += other.count
        self.errors += other.errors
        for mine, theirs in ((self.ips, other.ips), (self.agents, other.agents)):
            for value in theirs:
                if len(mine) < MAX_DISTINCT:
                    mine.add(value)
        self.regions |= other.regions
        self.cli_ips |= other.cli_ips
        self.pairs |= other.pairs
        self.console = self.console or other.console
        self.mfa = self.mfa or other.mfa
        for target_id, touch in other.touched.items():
            into = self.touched.get(target_id)
            if into is None:
                self.touched[target_id] = touch
            else:
                into.absorb(touch)
        self.evidence = trim_evidence(self.evidence + other.evidence)
        self.changes.extend(other.changes)
        self.inferred_owns.extend(other.inferred_owns)


class Aggregates:
    """Every open session of a load, by group; the hot path is `session_for`."""

    def __init__(self, gap_seconds: int) -> None:
        self.gap = gap_seconds
        self.groups: dict[tuple[str, str], list[Session]] = {}
        self.last: dict[tuple[str, str], Session] = {}
        self.principals: dict[tuple[str, str], Principal] = {}

    def session_for(self, group: tuple[str, str], seconds: int, text: str, principal: Principal) -> Session:
        """The session an event at `seconds` belongs to, created or widened (and merged) as needed."""
        session = self.last.get(group)
        gap = self.gap
        if session is not None and session.start - gap <= seconds <= session.end + gap:
            if seconds > session.end:
                session.end, session.end_text = seconds, text
            elif seconds < session.start:
                session.start, session.start_text = seconds, text
                return self.settle(group, session)
            else:
                return session
            return self.settle(group, session) if len(self.groups[group]) > 1 else session
        sessions = self.groups.get(group)
        if sessions is None:
            session = Session(group, seconds, seconds, text, text)
            self.groups[group] = session.peers
            session.peers.append(session)
            self.principals[group] = principal
            self.last[group] = session
            return session
        for candidate in sessions:
            if candidate.start - gap <= seconds <= candidate.end + gap:
                if seconds > candidate.end:
                    candidate.end, candidate.end_text = seconds, text
                elif seconds < candidate.start:
                    candidate.start, candidate.start_text = seconds, text
                self.last[group] = candidate
                return self.settle(group, candidate)
        session = Session(group, seconds, seconds, text, text, peers=sessions)
        sessions.append(session)
        self.last[group] = session
        return session

    def settle(self, group: tuple[str, str], widened: Session) -> Session:
        """Merge every interval of the group that the widened one now reaches."""
        sessions = self.groups[group]
        merged = True
        while merged:  # absorbing widens again, which may reach one more
            merged = False
            for other in sessions:
                if (
                    other is not widened
                    and other.start - self.gap <= widened.end
                    and widened.start <= other.end + self.gap
                ):
                    widened.absorb(other)
                    sessions.remove(other)
                    merged = True
                    break
        self.last[group] = widened
        return widened

    def containing(self, group: tuple[str, str], seconds: int) -> Session | None:
        for session in self.groups.get(group, ()):
            if session.start <= seconds <= session.end:
                return session
        return None

    def all_sessions(self) -> Iterator[tuple[Principal, Session]]:
        """Every session, in a stable order (group, start)."""
        for group in sorted(self.groups):
            principal = self.principals[group]
            for session in sorted(self.groups[group], key=lambda s: s.start):
                yield principal, session
