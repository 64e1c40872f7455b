"""SSH subtypes: keys known by fingerprint, the hosts sshd runs on, their local accounts and the
sessions an sshd auth log records (graph/ids/ssh.py, loaders/openssh/)."""

from __future__ import annotations

from enum import StrEnum

from graph.schema import NodeKind
from graph.values._registry import Subtype

__all__ = ["SUBTYPES", "SshSubtype"]


class SshSubtype(StrEnum):
    KEY = "ssh.key"
    SESSION = "ssh.session"
    HOST = "unix.host"
    ACCOUNT = "unix.account"


SUBTYPES = (
    Subtype(SshSubtype.KEY, (NodeKind.CREDENTIAL,), "an SSH key, by fingerprint"),
    Subtype(SshSubtype.SESSION, (NodeKind.SESSION,), "one sshd connection: accepted login to close"),
    Subtype(SshSubtype.HOST, (NodeKind.WORKLOAD,), "a machine by host name, as its logs or a proxy name it"),
    Subtype(SshSubtype.ACCOUNT, (NodeKind.IDENTITY,), "a local (unix) account of one host"),
)
