"""keytrail queries: each a typed function over any GraphStore, returning a pydantic result.

Public surface (see each module for the result fields; queries/output.py renders them):
accountability, shared_credentials, blast_radius, ownership_gaps, stale_credentials,
access_story, permission_history, path, search, neighbors, node, findings.
"""

from queries.accountability import accountability
from queries.blast import blast_radius
from queries.explore import neighbors, node, path, search
from queries.findings import findings
from queries.gaps import ownership_gaps
from queries.history import permission_history
from queries.shared import shared_credentials
from queries.stale import stale_credentials
from queries.story import access_story

__all__ = [
    "access_story",
    "accountability",
    "blast_radius",
    "findings",
    "neighbors",
    "node",
    "ownership_gaps",
    "path",
    "permission_history",
    "search",
    "shared_credentials",
    "stale_credentials",
]
