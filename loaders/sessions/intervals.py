"""Events of one group into sessions split on inactivity, independent of reading order.

An event joins the interval it falls within (± the gap), and intervals that come within the gap
of each other merge. That equals sorting every event of the group by time and splitting where
consecutive events are more than the gap apart — but needs neither the events kept nor files
read in time order (S3 trees list regions before dates). A group's intervals are kept sorted by
start and separated by more than the gap, so only the two neighbours of an event's time can
take it: a bisection, not a scan.
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Iterator
from typing import Generic, TypeVar

from loaders.sessions.aggregate import SessionBase

__all__ = ["SessionIndex"]

S = TypeVar("S", bound=SessionBase)
P = TypeVar("P")


def _start(session: SessionBase) -> int:
    return session.start


class SessionIndex(Generic[S, P]):
    """Every session of a load, by group, each group with the actor (`P`) it was first seen as.
    The hot path is `session_for`; `last` is each group's most recently used session."""

    def __init__(self, gap_seconds: int, session_type: type[S]) -> None:
        self.gap = gap_seconds
        self.session_type = session_type
        self.groups: dict[Hashable, list[S]] = {}
        self.last: dict[Hashable, S] = {}
        self.principals: dict[Hashable, P] = {}

    def session_for(self, group: Hashable, seconds: int, text: str, principal: P) -> S:
        """The session an event at `seconds` belongs to, created or widened (and merged) as needed."""
        sessions = self.groups.get(group)
        if sessions is None:
            session = self.session_type(group, seconds, seconds, text, text)  # type: ignore[arg-type]
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
            session = self.session_type(group, seconds, seconds, text, text, peers=sessions)  # type: ignore[arg-type]
            sessions.insert(index, session)
            self.last[group] = session
            return session
        return self.settle(group, session)

    def settle(self, group: Hashable, widened: S) -> S:
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

    def merge(self, other: SessionIndex[S, P]) -> None:
        """Fold in the sessions another part of the load found (a worker process's files).

        Per group, both interval lists are swept in start order and neighbours within the gap
        merge, as if every event had been read here; the earlier-starting session absorbs the
        later. A group's actor stays the one seen first (this side is the earlier files)."""
        for group, theirs in other.groups.items():
            self.principals.setdefault(group, other.principals[group])
            mine = self.groups.get(group)
            merged: list[S] = []
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

    def containing(self, group: Hashable, seconds: int) -> S | None:
        sessions = self.groups.get(group, [])
        index = bisect.bisect_right(sessions, seconds, key=_start)
        if index and sessions[index - 1].end >= seconds:
            return sessions[index - 1]
        return None

    def all_sessions(self) -> Iterator[tuple[P, S]]:
        """Every session, in a stable order (group, start)."""
        for group in sorted(self.groups):  # type: ignore[type-var]  # groups are tuples of str
            principal = self.principals[group]
            for session in self.groups[group]:  # kept sorted by start
                yield principal, session
