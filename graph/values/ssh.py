"""SSH subtypes: keys known by fingerprint (graph/ids/ssh.py)."""

from __future__ import annotations

from enum import StrEnum

from graph.schema import NodeKind
from graph.values._registry import Subtype

__all__ = ["SUBTYPES", "SshSubtype"]


class SshSubtype(StrEnum):
    KEY = "ssh.key"


SUBTYPES = (Subtype(SshSubtype.KEY, (NodeKind.CREDENTIAL,), "an SSH key, by fingerprint"),)
