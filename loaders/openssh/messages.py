"""What one sshd, sudo or useradd message says, as a small typed event.

sshd (auth.c `auth_log`, OpenSSH 7 to 9.x wording):
`Accepted <method> for <user> from <ip> port <n> ssh2[: <KEYTYPE> <fingerprint>[ ID <key id>
(serial <n>) CA <type> <fingerprint>]]`, `Failed <method> for [invalid user ]<user> from …`,
`Invalid user <user> from <ip>[ port <n>]`, `pam_unix(sshd:session): session opened|closed
for user <user>`, `Disconnected from [user|invalid user|authenticating user <user> ]<ip> port <n>`,
`Received disconnect from <ip> port <n>:…`, and at LogLevel VERBOSE `Connection from <ip> port <n>
on <host's ip> port <n>` (the host's own address: where a hop from it is recognised).
sudo: `<user> : TTY=… ; PWD=… ; USER=<as> ; COMMAND=<cmd>` and its refusals (`user NOT in sudoers`,
`N incorrect password attempts`).
useradd: `new user: name=<n>, UID=<uid>, …`. Other messages of these programs are not events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Event", "classify"]

_ACCEPTED = re.compile(
    r"^Accepted (?P<method>[a-z-]+)(?:/\S+)? for (?P<user>\S+) from (?P<ip>\S+) port (?P<port>\d+)(?: ssh2)?"
    r"(?:: (?P<ktype>[A-Z0-9-]+) (?P<fp>\S+)(?: ID (?P<keyid>.*?) \(serial \d+\) CA \S+ (?P<cafp>\S+))?)?\s*$"
)
_FAILED = re.compile(
    r"^Failed (?P<method>[a-z-]+)(?:/\S+)? for (?:invalid user )?(?P<user>\S*) from (?P<ip>\S+) port (?P<port>\d+)"
)
_INVALID = re.compile(r"^Invalid user (?P<user>\S*) from (?P<ip>\S+)")
_PAM = re.compile(r"^pam_unix\(sshd:session\): session (?P<what>opened|closed) for user (?P<user>[^\s(]+)")
_DISCONNECT = re.compile(
    r"^(?:Disconnected from|Received disconnect from|Connection closed by)"
    r"(?: (?:user|invalid user|authenticating user) (?P<user>\S+))? (?P<ip>\S+) port (?P<port>\d+)"
)
_CONNECTION = re.compile(r"^Connection from (?P<ip>\S+) port \d+ on (?P<local>\S+) port \d+")
_SUDO = re.compile(r"^\s*(?P<user>\S+) : (?P<rest>.*)$")
_USERADD = re.compile(r"^new user: name=(?P<user>[^,]+), UID=(?P<uid>\d+)")


@dataclass(frozen=True, slots=True)
class Event:
    """`kind`: accepted | failed | opened | closed | disconnected | connection | sudo | useradd."""

    kind: str
    user: str = ""
    ip: str = ""
    method: str = ""
    key_type: str = ""
    fingerprint: str = ""
    key_id: str = ""  # a certificate's key id (public: the CA wrote it into the certificate)
    ca_fingerprint: str = ""
    tty: str = ""
    run_as: str = ""
    command: str = ""
    denied: str = ""  # why sudo refused, or why a login failed
    uid: int = -1
    local_ip: str = ""  # the host's own address a connection arrived on (`Connection from … on <ip> port …`)


def _sudo(user: str, rest: str) -> Event:
    fields = dict(
        (part.split("=", 1)[0].strip(), part.split("=", 1)[1].strip()) for part in rest.split(" ; ") if "=" in part
    )
    reasons = [part.strip() for part in rest.split(" ; ") if "=" not in part]
    return Event("sudo", user=user, tty=fields.get("TTY", ""), run_as=fields.get("USER", ""),
                 command=fields.get("COMMAND", ""), denied="; ".join(reasons))  # fmt: skip


def classify(program: str, message: str) -> Event | None:
    if program == "sudo":
        match = _SUDO.match(message)
        return _sudo(match["user"], match["rest"]) if match and "COMMAND=" in match["rest"] else None
    if program == "useradd":
        match = _USERADD.match(message)
        return Event("useradd", user=match["user"], uid=int(match["uid"])) if match else None
    if match := _ACCEPTED.match(message):
        return Event("accepted", user=match["user"], ip=match["ip"], method=match["method"],
                     key_type=match["ktype"] or "", fingerprint=match["fp"] or "",
                     key_id=(match["keyid"] or "").strip('"'), ca_fingerprint=match["cafp"] or "")  # fmt: skip
    if match := _FAILED.match(message):
        return Event(
            "failed", user=match["user"], ip=match["ip"], method=match["method"], denied="failed " + match["method"]
        )
    if match := _INVALID.match(message):
        return Event("failed", user=match["user"], ip=match["ip"], denied="invalid user")
    if match := _PAM.match(message):
        return Event(match["what"], user=match["user"])
    if match := _CONNECTION.match(message):
        return Event("connection", ip=match["ip"], local_ip=match["local"])
    if match := _DISCONNECT.match(message):
        return Event("disconnected", user=match["user"] or "", ip=match["ip"])
    return None
