"""Secrets without a public id, as secret scanners and secret stores report them.

Correlation rule: a secret value with no public id (no access key id, no fingerprint, no name)
is `secret:hmac:<hex>` — a keyed HMAC-SHA256 of the value, so a leaked value found twice (two
scanner reports, a scanner and a secret store) meets itself without ever being stored.
"""

from __future__ import annotations

import hashlib
import hmac

from graph.errors import ModelError

__all__ = ["secret_hmac"]


def secret_hmac(value: str, key: bytes) -> str:
    """A keyed HMAC of a secret value: matchable, never reversible, never the value itself."""
    if not key:
        raise ModelError("an HMAC key is required to fingerprint secret values")
    digest = hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"secret:hmac:{digest[:40]}"
