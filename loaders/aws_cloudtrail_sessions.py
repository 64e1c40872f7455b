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

import bisect
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


def _start(session: Session) -> int:
    return session.start


class Aggregates:
    """Every open session of a load, by group; the hot path is `session_for`."""

    def __init__(self, gap_seconds: int) -> None:
        self.gap = gap_seconds
        self.groups: dict[tuple[str, str], list[Session]] = {}
        self.last: dict[tuple[str, str], Session] = {}
        self.principals: dict[tuple[str, str], Principal] = {}

    def session_for(self, group: tuple[str, str], seconds: int, text: str, principal: Principal) -> Session:
        """The session an event at `seconds` belongs to, created or widened (and merged) as needed.

        A group's sessions are kept sorted by start and separated by more than the gap, so only
        the two neighbours of the event's time can take it (a bisection, not a scan)."""
        sessions = self.groups.get(group)
        if sessions is None:
            session = Session(group, seconds, seconds, text, text)
            self.groups[group] = session.peers
            session.peers.append(session)
            self.principals[group] = principal
            self.last[group] = session
            return session
        index = bisect.bisect_right(sessions, seconds, key=_start)  # first session starting later
        gap = self.gap
        if index and seconds <= sessions[index - 1].end + gap:
            session = sessions[index - 1]
            if seconds > session.end:
                session.end, session.end_text = seconds, text
        elif index < len(sessions) and sessions[index].start - gap <= seconds:
            session = sessions[index]
            session.start, session.start_text = seconds, text
        else:
            session = Session(group, seconds, seconds, text, text, peers=sessions)
            sessions.insert(index, session)
            self.last[group] = session
            return session
        return self.settle(group, session)

    def settle(self, group: tuple[str, str], widened: Session) -> Session:
        """Merge the neighbours the widened session now reaches (only neighbours can be reached)."""
        sessions = self.groups[group]
        index = bisect.bisect_left(sessions, widened.start, key=_start)
        while index + 1 < len(sessions) and sessions[index + 1].start - self.gap <= widened.end:
            widened.absorb(sessions.pop(index + 1))
        while index > 0 and sessions[index - 1].end + self.gap >= widened.start:
            widened.absorb(sessions.pop(index - 1))
            index -= 1
        self.last[group] = widened
        return widened

    def merge(self, other: Aggregates) -> None:
        """Fold in the sessions another part of the load found (a worker process's files).

        Per group, both interval lists are swept in start order and neighbours within the gap
        merge, as if every event had been read here; the earlier-starting session absorbs the
        later. A group's principal stays the one seen first (this side is the earlier files)."""
        for group, theirs in other.groups.items():
            self.principals.setdefault(group, other.principals[group])
            mine = self.groups.get(group)
            merged: list[Session] = []
            for session in sorted([*(mine or ()), *theirs], key=_start):
                if merged and session.start - self.gap <= merged[-1].end:
                    merged[-1].absorb(session)
                else:
                    merged.append(session)
            if mine is None:
                mine = self.groups[group] = []
            mine[:] = merged
            for session in merged:
                session.peers = mine
            self.last[group] = merged[-1]

    def containing(self, group: tuple[str, str], seconds: int) -> Session | None:
        sessions = self.groups.get(group, [])
        index = bisect.bisect_right(sessions, seconds, key=_start)
        if index and sessions[index - 1].end >= seconds:
            return sessions[index - 1]
        return None

    def all_sessions(self) -> Iterator[tuple[Principal, Session]]:
        """Every session, in a stable order (group, start)."""
        for group in sorted(self.groups):
            principal = self.principals[group]
            for session in self.groups[group]:  # kept sorted by start
                yield principal, session
