"""Values keytrail itself writes: review decisions recorded through the API.

A review is a Change (`change_type: review`) with one of these decisions; findings read the
latest one per node (queries/rules_base.py).
"""

from __future__ import annotations

from enum import StrEnum

from graph.schema import NodeKind
from graph.values._registry import Subtype, Vocabulary

__all__ = ["SUBTYPES", "VOCABULARIES", "ReviewDecision", "ReviewSubtype"]


class ReviewSubtype(StrEnum):
    DECISION = "review.decision"


class ReviewDecision(StrEnum):
    KEEP = "keep"
    ROTATE = "rotate"
    REVOKE = "revoke"
    ASSIGN_OWNER = "assign_owner"


SUBTYPES = (Subtype(ReviewSubtype.DECISION, (NodeKind.CHANGE,), "a recorded review decision"),)
VOCABULARIES = (Vocabulary(NodeKind.CHANGE, "decision", ReviewDecision, "what the reviewer decided"),)
