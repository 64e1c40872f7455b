"""CloudTrail sessions: events aggregated per access key + principal, split on inactivity.

The interval grouping and the common aggregates are the shared session machinery
(loaders/sessions/); this module adds what only CloudTrail records: regions, console sign-in,
MFA, the IPs seen with a CLI or SDK agent, the changes a session made and the ownership it
implies. A session's id is `session:aws:<key or "nokey">:<principal>:<start>` — deterministic,
so loading the same files again rewrites the same sessions (each edge's `origin` is the session
id, so counts are replaced, not added). Loading the halves of one session in two separate runs
makes two sessions; load a trail's files in one run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loaders.aws.cloudtrail.event import Principal
from loaders.sessions import MAX_DISTINCT, MAX_PAIRS, Pointer, SessionBase, SessionIndex, Touch, trim_evidence

__all__ = ["MAX_DISTINCT", "MAX_PAIRS", "Aggregates", "Pointer", "Session", "Touch", "trim_evidence"]


@dataclass(slots=True, eq=False)  # identity: sessions are compared by object, never by value
class Session(SessionBase):
    regions: set[str] = field(default_factory=set)
    cli_ips: set[str] = field(default_factory=set)
    console: bool = False
    mfa: bool = False
    changes: list[tuple[str, Pointer]] = field(default_factory=list)
    inferred_owns: list[tuple[str, Any, str, Pointer]] = field(default_factory=list)

    def absorb(self, other: Any) -> None:
        SessionBase.absorb(self, other)  # zero-argument super() does not work with slots dataclasses
        self.regions |= other.regions
        self.cli_ips |= other.cli_ips
        self.console = self.console or other.console
        self.mfa = self.mfa or other.mfa
        self.changes.extend(other.changes)
        self.inferred_owns.extend(other.inferred_owns)


class Aggregates(SessionIndex[Session, Principal]):
    """Every open CloudTrail session of a load, by (access key, principal)."""

    def __init__(self, gap_seconds: int) -> None:
        super().__init__(gap_seconds, Session)
