"""stale_credentials(): active credentials never used, unused for N days, unrotated for N days, or expired.

A credential with no recorded use is `never_used` only when nothing declares it either (a CI
secret referenced by a workflow is in use even if no log shows it). Last use is the latest of
the credential's own `last_used` (e.g. the IAM credential report) and the last time a session
AUTHENTICATED_WITH it or a consumer was observed USING it, so a key the report calls unused but
CloudTrail saw yesterday is not stale. Ages are measured from `now` (default: `as_of`, else the
clock). Deleted and inactive credentials are not stale — they are gone; seeing them used after
revocation is a finding instead. Session credentials (`credential_type: aws_session_key`, any
`aws:key:ASIA…`: STS temporary keys) are never stale either: they expire by themselves within
hours, and an old one is evidence of a session, not a standing secret to rotate or revoke. They
are counted apart (`session_credentials`) so the answer says what it left out.
"""

from __future__ import annotations

from typing import Final

from graph.model import Node
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore, NodeRow
from graph.values import CredentialStatus, UseMode
from queries.common import (
    LIST_CAP,
    NodeRef,
    Result,
    check_limit,
    check_time,
    days_between,
    node_ref,
    prop_str,
    resolve_now,
    scan_edges,
    scan_nodes,
)

__all__ = [
    "EPHEMERAL_LIFETIMES",
    "SESSION_CREDENTIAL_TYPES",
    "StaleCredential",
    "StaleCredentialsResult",
    "is_active",
    "is_session_credential",
    "is_standing",
    "last_use_index",
    "stale_credentials",
]

# Registry values bound once as plain text: an enum member looked up per row costs several times a literal
# (bench/README.md).
_OBSERVED: Final = UseMode.OBSERVED.value
# "revoked" is no registered status (graph/values/common.py); kept as the check always read it.
_ENDED: Final = (CredentialStatus.INACTIVE.value, CredentialStatus.DELETED.value, "revoked")

REASONS: Final = ("never_used", "unused", "unrotated", "expired_active")
SESSION_CREDENTIAL_TYPES: Final = frozenset({"aws_session_key"})
"""Credential types minted for one session that expire by themselves."""
_SESSION_KEY_PREFIX: Final = "aws:key:ASIA"


class StaleCredential(Result):
    credential: NodeRef
    reasons: list[str]
    """never_used | unused | unrotated | expired_active"""
    last_used: str | None = None
    last_rotated: str | None = None
    expires: str | None = None
    days_unused: int | None = None
    days_unrotated: int | None = None
    action: str


class StaleCredentialsResult(Result):
    now: str
    unused_days: int
    unrotated_days: int
    credentials: list[StaleCredential]
    counts: dict[str, int]
    session_credentials: int = 0
    """Active-looking session credentials left out: they expire by themselves (module docstring)."""
    truncated: bool = False


EPHEMERAL_LIFETIMES: Final = frozenset({"per_job", "session"})


def is_standing(credential: Node | NodeRow) -> bool:
    """A credential that lives until someone rotates or revokes it — not one minted per CI job
    (GITHUB_TOKEN, an Actions OIDC token) or per session, which expires by itself."""
    return prop_str(credential, "lifetime") not in EPHEMERAL_LIFETIMES and not is_session_credential(credential)


def is_active(credential: Node | NodeRow) -> bool:
    return prop_str(credential, "status") not in _ENDED and not (
        prop_str(credential, "deleted_at") or prop_str(credential, "revoked_at")
    )


def is_session_credential(credential: Node | NodeRow) -> bool:
    """A temporary credential minted for one session (STS `ASIA…` keys): it expires by itself."""
    return prop_str(credential, "credential_type") in SESSION_CREDENTIAL_TYPES or credential.id.startswith(
        _SESSION_KEY_PREFIX
    )


def last_use_index(store: GraphStore, as_of: str | None) -> tuple[dict[str, str], set[str]]:
    """Credential -> last time a session or observed consumer used it (as of); and the
    credentials some workload, pipeline or runner declares it uses (use unobserved, not none)."""
    seen: dict[str, str] = {}
    uses = list(scan_edges(store, EdgeKind.USES, as_of))
    declared = {e.target for e in uses if prop_str(e, "mode") != _OBSERVED}
    observed = (e for e in uses if prop_str(e, "mode") == _OBSERVED)
    for edge in (*scan_edges(store, EdgeKind.AUTHENTICATED_WITH, as_of), *observed):
        moment = edge.last_seen or edge.first_seen
        if moment and (as_of is None or moment <= as_of) and moment > seen.get(edge.target, ""):
            seen[edge.target] = moment
    return seen, declared


def _judge(
    credential: Node, last_used: str | None, declared: bool, now: str, unused_days: int, unrotated_days: int
) -> StaleCredential | None:
    reasons: list[str] = []
    days_unused = days_between(last_used, now) if last_used else None
    if last_used is None and not declared:
        reasons.append("never_used")
    elif days_unused is not None and days_unused >= unused_days:
        reasons.append("unused")
    rotated = prop_str(credential, "last_rotated") or prop_str(credential, "created") or None
    days_unrotated = days_between(rotated, now) if rotated else None
    if days_unrotated is not None and days_unrotated >= unrotated_days:
        reasons.append("unrotated")
    expires = prop_str(credential, "expires") or None
    if expires and expires < now:
        reasons.append("expired_active")
    if not reasons:
        return None
    action = "revoke (unused)" if {"never_used", "unused"} & set(reasons) else "rotate"
    if "expired_active" in reasons:
        action = "revoke: past its expiry but still active"
    return StaleCredential(
        credential=node_ref(credential),
        reasons=reasons,
        last_used=last_used,
        last_rotated=rotated,
        expires=expires,
        days_unused=days_unused,
        days_unrotated=days_unrotated,
        action=action,
    )


def stale_credentials(
    store: GraphStore,
    *,
    unused_days: int = 90,
    unrotated_days: int = 90,
    now: str | None = None,
    as_of: str | None = None,
    limit: int = LIST_CAP,
) -> StaleCredentialsResult:
    """Active credentials matching any staleness reason, ordered by id."""
    check_limit(unused_days, "unused_days", 1, 36_500)
    check_limit(unrotated_days, "unrotated_days", 1, 36_500)
    check_limit(limit, "limit", 1, 100_000)
    as_of = check_time(as_of)
    moment = resolve_now(now, as_of)
    observed, declared = last_use_index(store, as_of)
    found: list[StaleCredential] = []
    counts = dict.fromkeys(REASONS, 0)
    sessions = 0
    for credential in scan_nodes(store, NodeKind.CREDENTIAL, as_of):
        if not is_active(credential):
            continue
        if is_session_credential(credential):
            sessions += 1
            continue
        used = max(filter(None, (prop_str(credential, "last_used"), observed.get(credential.id, ""))), default=None)
        if used and used > moment:
            used = moment  # a use recorded later than "now" (as-of answers) counts as now
        stale = _judge(credential, used, credential.id in declared, moment, unused_days, unrotated_days)
        if stale is not None:
            for reason in stale.reasons:
                counts[reason] += 1
            found.append(stale)
    return StaleCredentialsResult(
        now=moment,
        unused_days=unused_days,
        unrotated_days=unrotated_days,
        credentials=found[:limit],
        counts=counts,
        session_credentials=sessions,
        truncated=len(found) > limit,
    )
