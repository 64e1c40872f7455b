"""SSH key ids by fingerprint, in the two forms OpenSSH prints.

Correlation rule: an SSH fingerprint in an auth log and the key in an inventory are
`ssh:SHA256:<base64 without padding>` or `ssh:MD5:<hex pairs lower-case>`, however the source
writes the prefix and padding.
"""

from __future__ import annotations

import re

from graph.errors import ModelError, quoted
from graph.ids._base import require

__all__ = ["ssh_key"]

_B64_FP = re.compile(r"^[A-Za-z0-9+/]{43}=?$")
_MD5_FP = re.compile(r"^([0-9a-fA-F]{2}:){15}[0-9a-fA-F]{2}$")


def ssh_key(fingerprint: str) -> str:
    text = require(fingerprint, "SSH fingerprint")
    if text.upper().startswith("SHA256:"):
        body = text[7:].rstrip("=")
        if _B64_FP.match(body):
            return f"ssh:SHA256:{body}"
    else:
        body = text[4:] if text.upper().startswith("MD5:") else text
        if _MD5_FP.match(body):
            return f"ssh:MD5:{body.lower()}"
    raise ModelError(f"malformed SSH fingerprint {quoted(fingerprint)}")
