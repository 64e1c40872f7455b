"""OpenSSH sessions: one sshd connection (host + sshd pid) from its accepted login to its close.

The group is (host, pid, n): sshd logs a connection's accept, PAM session open/close and
disconnect under one pid, and `n` counts the logins that pid made, so a pid the kernel reuses
after its session closed starts a new session instead of stretching the old one. Lines of one
file are read in order (an auth log is written in order); a close or disconnect with no accepted
login on record for its pid is not a session. The interval gap is a day: one connection's lines
may be hours apart (login, close), while a reused pid is told apart by `n`, not by the gap.

Failed attempts are counted, not sessions (issue 19): per (host, user, address, reason) for the
load summary, and into the `error_count` of the session when the same pid then logged in.
sudo commands become commands of the session of that user on that host open at that moment
(auth logs do not name the TTY a session opened, so the open session of the user is the rule;
with no such session the command is counted as unattributed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loaders.sessions import Pointer, SessionBase, SessionIndex

__all__ = ["GAP_SECONDS", "SshSession", "SshState"]

GAP_SECONDS = 24 * 3600


@dataclass(slots=True, eq=False)  # identity: sessions are compared by object, never by value
class SshSession(SessionBase):
    host: str = ""
    user: str = ""
    method: str = ""
    key: str = ""  # credential id (ssh:SHA256:… / ssh:MD5:…), never key material
    key_type: str = ""
    key_id: str = ""
    ca_key: str = ""
    port: str = ""
    closed: bool = False
    accepted: bool = False
    commands: list[tuple[str, str, Pointer]] = field(default_factory=list)  # (run as, command, pointer)
    denied_commands: int = 0

    def absorb(self, other: Any) -> None:
        SessionBase.absorb(self, other)  # zero-argument super() does not work with slots dataclasses
        for name in ("host", "user", "method", "key", "key_type", "key_id", "ca_key", "port"):
            if not getattr(self, name):
                setattr(self, name, getattr(other, name))
        self.closed = self.closed or other.closed
        self.accepted = self.accepted or other.accepted
        self.commands.extend(other.commands)
        self.denied_commands += other.denied_commands


@dataclass(slots=True)
class SshState:
    index: SessionIndex[SshSession, str] = field(default_factory=lambda: SessionIndex(GAP_SECONDS, SshSession))
    current: dict[tuple[str, str], tuple[str, str, str]] = field(default_factory=dict)  # (host, pid) -> group
    logins: dict[tuple[str, str], int] = field(default_factory=dict)  # (host, pid) -> logins seen
    failures: dict[tuple[str, str], int] = field(default_factory=dict)  # (host, pid) -> failures before a login
    denied: dict[tuple[str, str, str, str], list[Any]] = field(default_factory=dict)  # -> [count, first, last]
    by_account: dict[tuple[str, str], list[tuple[str, str, str]]] = field(default_factory=dict)
    uids: dict[tuple[str, str], int] = field(default_factory=dict)
    hosts: dict[str, str] = field(default_factory=dict)  # host id -> name as logged
    addresses: dict[str, set[str]] = field(default_factory=dict)  # host id -> its own IPs (Connection … on <ip>)
    years: dict[str, str] = field(default_factory=dict)  # file -> where its classic lines' year came from
    unattributed: list[tuple[str, str, str]] = field(default_factory=list)  # (host, user, command) sudo

    def open_group(self, host: str, pid: str) -> tuple[str, str, str]:
        """A new login of `pid`: its own group, after any earlier one of the same pid."""
        count = self.logins.get((host, pid), 0) + 1
        self.logins[(host, pid)] = count
        group = (host, pid, str(count))
        self.current[(host, pid)] = group
        return group

    def session_of_account(self, host: str, user: str, seconds: int) -> tuple[tuple[str, str, str], SshSession] | None:
        """The session of `user` on `host` open at `seconds` (the latest-starting one)."""
        found: tuple[tuple[str, str, str], SshSession] | None = None
        for group in self.by_account.get((host, user), ()):
            session = self.index.containing(group, seconds) or self.index.last.get(group)
            if session is None or session.start > seconds:
                continue
            if session.closed and session.end < seconds:
                continue
            if seconds - session.start > GAP_SECONDS:
                continue
            if found is None or session.start > found[1].start:
                found = (group, session)
        return found
