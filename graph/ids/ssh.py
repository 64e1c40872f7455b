"""SSH key ids by fingerprint, in the two forms OpenSSH prints; the hosts SSH reaches and their accounts.

Correlation rules:

- An SSH fingerprint in an auth log and the key in an inventory or a scanner finding are
  `ssh:SHA256:<base64 without padding>` or `ssh:MD5:<hex pairs lower-case>`, however the source
  writes the prefix and padding.
- A host is `host:<hostname lower-case>` as its own logs name it (syslog's host field, journald's
  `_HOSTNAME`) and as an access proxy names it (Teleport's `server_hostname`), so an sshd log and
  a Teleport session on the same machine meet. The host's addresses (Teleport's `server_addr`)
  are its Workload's `private_ips`, where a login's source IP finds it.
- A local account is `unix:<hostname lower-case>:<user>`: the same user name on two hosts is two
  accounts (they share a name, not a password database).
"""

from __future__ import annotations

import re

from graph.errors import ModelError, quoted
from graph.ids._base import require

__all__ = ["ssh_key", "unix_account", "unix_host"]

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


def unix_host(hostname: str) -> str:
    text = require(hostname, "host name").lower()
    if any(c.isspace() for c in text):
        raise ModelError(f"malformed host name {quoted(hostname)}")
    return f"host:{text}"


def unix_account(hostname: str, user: str) -> str:
    name = require(user, "user name")
    if any(c.isspace() for c in name):
        raise ModelError(f"malformed user name {quoted(user)}")
    return f"unix:{unix_host(hostname).removeprefix('host:')}:{name}"
