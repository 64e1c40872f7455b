"""Credentials that authenticate as exactly one identity, and the evidence that says otherwise.

AWS gives a long-lived access key (`AKIA…`, `credential_type: aws_access_key`) to exactly one IAM
user. When the evidence shows one such key with several identities (HAS_CREDENTIAL from each —
hand-made logs reuse AWS's documentation key across 17 users in several accounts), the graph
keeps every claim as evidence, and the queries never blend them: accountability answers
`ambiguous` with the claimants, findings report the conflict as a data-quality finding
(KT-NHI9-003), and neither picks one claimant. Other credentials may legitimately authenticate
as several identities (an SSH key on several unix accounts), so only these types count.
"""

from __future__ import annotations

from typing import Final

from graph.model import Node
from graph.store import NodeRow
from queries.common import prop_str
from queries.stale import is_session_credential

__all__ = ["SINGLE_HOLDER_TYPES", "single_holder"]

SINGLE_HOLDER_TYPES: Final = frozenset({"aws_access_key"})


def single_holder(credential: Node | NodeRow) -> bool:
    """Whether the credential can belong to one identity only (module rules)."""
    return prop_str(credential, "credential_type") in SINGLE_HOLDER_TYPES and not is_session_credential(credential)
