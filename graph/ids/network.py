"""Network addresses seen in logs.

Correlation rule: a source IP is `ip:<address>` as the log writes it; an address inside a
runner's `ip_addresses` / `cidrs` is matched to that Runner by the loader that reads the log
(Session -FROM-> Runner, `matched_by: ip`), not by rewriting the id.
"""

from __future__ import annotations

from graph.ids._base import require

__all__ = ["ip"]


def ip(address: str) -> str:
    return f"ip:{require(address, 'IP address')}"
