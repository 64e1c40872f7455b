"""Whether a unix account is a machine's: by name, then by uid — shared by the sources that log in
to hosts (OpenSSH's auth log, Teleport's `login`). Rules, in order:

1. `root` and the shared default accounts of cloud and VM images (`ec2-user`, `ubuntu`,
   `centos`, `admin`, `debian`, `vagrant`) and of services (`deploy`, `git`, `jenkins`,
   `ansible`, `backup`, `www-data`, `postgres`, `mysql`, `nobody`) are machine accounts: shared
   by whoever holds the key, so a person's session as one is human use of an NHI (OWASP NHI10).
2. Service-account naming: `svc_*`, `svc-*`, `sa-*`, `*_svc`, `*-svc`, `*bot` are machine accounts.
3. A uid below 1000 (from a `useradd` line of the same host) is a system account: machine.
4. Anything else is `unknown`: an auth log never says whose a personal-looking name is.
"""

from __future__ import annotations

import re

from graph.values import Nature

__all__ = ["account_nature"]

SHARED = frozenset(
    {"root", "ec2-user", "ubuntu", "centos", "admin", "debian", "vagrant", "deploy", "git", "jenkins",
     "ansible", "backup", "www-data", "postgres", "mysql", "nobody"}
)  # fmt: skip
_SERVICE = re.compile(r"^(?:svc[_-]|sa-).+|.+[_-]svc$|.*bot$")
SYSTEM_UID_BELOW = 1000


def account_nature(user: str, uid: int | None) -> tuple[Nature, str]:
    if user in SHARED:
        return Nature.MACHINE, f"shared unix account name {user!r}"
    if _SERVICE.match(user):
        return Nature.MACHINE, "service-account naming (svc_/svc-/sa-/_svc/-svc/bot)"
    if uid is not None and 0 <= uid < SYSTEM_UID_BELOW:
        return Nature.MACHINE, f"system uid {uid} (below {SYSTEM_UID_BELOW})"
    return Nature.UNKNOWN, "a unix account name; the auth log does not say whose it is"
