"""The approval window rule (docs/tickets.md), one rule for every source of approvals.

An approval approves what started inside its window only when its status is `approved` (a
rejected, denied, pending, expired or revoked one never approves, whatever its window). The
window is `[valid_from, valid_until]`, both ends included: a session that began under the
approval and ran past `valid_until` is still approved by it. An empty `valid_until` is an
approval with no recorded end (a Teleport request whose events carry no expiry: Teleport
itself bounds the certificate that names it), so only its start bounds it. Times are canonical
UTC text (graph/model.py), so they compare as strings.

Queries judge tickets by it when the graph is read (queries/approvals.py); the Teleport loader
judges the sessions that name an access request by it when it writes APPROVED
(loaders/teleport/emit.py).
"""

from __future__ import annotations

from typing import Final

__all__ = ["APPROVED", "inside", "outside_reason"]

APPROVED: Final = "approved"
"""The one Approval `status` that approves."""


def inside(at: str, valid_from: str, valid_until: str) -> bool:
    """Whether a session started at `at` (or a change made at `at`) is inside the window."""
    return bool(at) and valid_from <= at and (not valid_until or at <= valid_until)


def outside_reason(at: str, valid_from: str, valid_until: str) -> str:
    """Why `at` is outside the window, in words; empty when it is inside."""
    if not at:
        return "its start time is unknown"
    if at < valid_from:
        return f"it started at {at}, before the approval at {valid_from}"
    if valid_until and at > valid_until:
        return f"it started at {at}, after the approval expired at {valid_until}"
    return ""
