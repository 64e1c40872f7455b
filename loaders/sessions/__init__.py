"""Session aggregation that every audit-log source shares.

An audit log is a stream of events; keytrail never keeps one node per event. Events of one
actor — a group key chosen by the source (credential + principal for CloudTrail; user or
service account, credential id or source address for Kubernetes; token accessor for Vault) —
form a session while they come within a gap of each other (`SessionIndex`). Per session only
aggregates are kept (`SessionBase`: counts, distinct addresses and agents — capped —, the
targets touched with exact counts and their own first/last times in `Touch`, bounded evidence), so memory grows with the
number of sessions and targets, not with the number of events. Grouping is by intervals, so
the result does not depend on the order files are read in, and the sessions that worker
processes found merge exactly (`SessionIndex.merge`).
"""

from loaders.sessions.aggregate import (
    MAX_DISTINCT,
    MAX_PAIRS,
    Pointer,
    SessionBase,
    Touch,
    pointer_evidence,
    trim_evidence,
)
from loaders.sessions.hops import Arrival, HopIndex, HostSessions, Visit
from loaders.sessions.intervals import SessionIndex
from loaders.sessions.places import AddressBook, Place, all_nodes

__all__ = [
    "MAX_DISTINCT",
    "MAX_PAIRS",
    "AddressBook",
    "Arrival",
    "HopIndex",
    "HostSessions",
    "Place",
    "Pointer",
    "SessionBase",
    "SessionIndex",
    "Touch",
    "Visit",
    "all_nodes",
    "pointer_evidence",
    "trim_evidence",
]
