"""What a session keeps: aggregates of its events, never the events.

A source's session type subclasses `SessionBase` (a slots dataclass) with its own fields and
extends `absorb` to merge them; the fields here are those every audit log has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from graph.model import EVIDENCE_LIMIT, Evidence, from_store

__all__ = ["MAX_DISTINCT", "MAX_PAIRS", "Pointer", "SessionBase", "Touch", "pointer_evidence", "trim_evidence"]

MAX_DISTINCT = 50  # IPs / user agents kept per session; counts stay exact regardless
MAX_PAIRS = 200  # distinct (IP, user agent) pairs remembered per session, to skip known ones fast
Pointer = tuple[str, str, str]  # (event time, file, locator): sorts by time first, like the stores
T = TypeVar("T")


def trim_evidence(pointers: list[Pointer]) -> list[Pointer]:
    """The EVIDENCE_LIMIT most recent distinct pointers (the stores keep the same ones)."""
    return sorted(set(pointers))[-EVIDENCE_LIMIT:]


def pointer_evidence(pointers: list[Pointer]) -> tuple[Evidence, ...]:
    """The most recent pointers as Evidence. Their times are canonical already (the sources build
    them with canonical_timestamp), so only the lengths Evidence bounds are checked, not every
    field again per pointer: emitting a session's edges is the hot path of an audit-log load."""
    out = []
    for at, file, locator in trim_evidence(pointers):
        if 0 < len(file) <= 1000 and len(locator) <= 500:
            out.append(from_store(Evidence, {"source": file, "locator": locator, "at": at}))
        else:
            out.append(Evidence(source=file, locator=locator[:500], at=at))
    return tuple(out)


class Touch(Generic[T]):
    """One target of one session: exact count, errors, distinct actions, bounded evidence, and the
    times of its own first and last event (a session that touched two targets an hour apart says
    so; the session's start is no target's time). Times are epoch seconds with the event's own
    text, ordered by (seconds, text) so a merge picks the same text whatever order events came in."""

    __slots__ = ("actions", "count", "errors", "evidence", "first", "first_text", "last", "last_text", "target")

    def __init__(self, target: T, seconds: int, text: str) -> None:
        self.target = target
        self.count = 0
        self.errors = 0
        self.actions: set[str] = set()
        self.evidence: list[Pointer] = []
        self.first, self.first_text = seconds, text
        self.last, self.last_text = seconds, text

    def seen(self, seconds: int, text: str) -> None:
        """Widen the times to one more event."""
        if seconds <= self.first and (seconds < self.first or text < self.first_text):
            self.first, self.first_text = seconds, text
        if seconds >= self.last and (seconds > self.last or text > self.last_text):
            self.last, self.last_text = seconds, text

    def absorb(self, other: Touch[T]) -> None:
        self.count += other.count
        self.errors += other.errors
        self.actions |= other.actions
        self.evidence = trim_evidence(self.evidence + other.evidence)
        self.seen(other.first, other.first_text)
        self.seen(other.last, other.last_text)


@dataclass(slots=True, eq=False)  # identity: sessions are compared by object, never by value
class SessionBase:
    """One interval of one group's events. `start`/`end` are epoch seconds; the texts are the
    events' own timestamps (what the graph records)."""

    group: tuple[str, ...]
    start: int
    end: int
    start_text: str
    end_text: str
    count: int = 0
    errors: int = 0
    ips: set[str] = field(default_factory=set)
    agents: set[str] = field(default_factory=set)
    pairs: set[tuple[object, object]] = field(default_factory=set)
    touched: dict[str, Touch[Any]] = field(default_factory=dict)
    evidence: list[Pointer] = field(default_factory=list)
    peers: list[Any] = field(default_factory=list)  # every session of the group (a shared list)
    first: Pointer | None = None
    """The earliest event's pointer: where an error about the whole session is located."""
    interactive: bool = False
    """A person at a keyboard, as the source's own evidence says (a Kubernetes exec/attach/port-forward,
    an SSH pty, a Teleport interactive session); a source that decides it at emission leaves it False."""

    def absorb(self, other: Any) -> None:
        """Merge a neighbouring interval of the same group (found later, or by another worker)."""
        if other.start < self.start:
            self.start, self.start_text = other.start, other.start_text
        if other.end > self.end:
            self.end, self.end_text = other.end, other.end_text
        self.count += other.count
        self.errors += other.errors
        self.interactive = self.interactive or other.interactive
        for mine, theirs in ((self.ips, other.ips), (self.agents, other.agents)):
            for value in theirs:
                if len(mine) < MAX_DISTINCT:
                    mine.add(value)
        self.pairs |= other.pairs
        for target_id, touch in other.touched.items():
            into = self.touched.get(target_id)
            if into is None:
                self.touched[target_id] = touch
            else:
                into.absorb(touch)
        self.evidence = trim_evidence(self.evidence + other.evidence)
        if other.first is not None and (self.first is None or other.first < self.first):
            self.first = other.first
