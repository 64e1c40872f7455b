"""Ids of what happened rather than what exists: sessions and changes, per platform.

Each audit-log source names its own platform (`aws`, later `k8s`, `vault`, ...) and the parts
that make one session or one event unique in it (for CloudTrail, the account and the
credential's session; for a change, the event id), so re-reading a log meets the same nodes.
"""

from __future__ import annotations

from graph.ids._base import require

__all__ = ["change", "session"]


def session(platform: str, *parts: str) -> str:
    return f"session:{platform}:" + ":".join(require(p, "session part") for p in parts)


def change(platform: str, event_id: str) -> str:
    return f"change:{platform}:{require(event_id, 'event id')}"
