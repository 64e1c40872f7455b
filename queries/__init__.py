"""keytrail queries: each a typed function over any GraphStore, returning a pydantic result.

Public surface (see each module for the result fields; queries/output.py renders them):
accountability, shared_credentials, blast_radius, ownership_gaps, stale_credentials,
access_story, permission_history, path, search, neighbors, node, findings.

How they read the graph: only through the `GraphStore` primitives (graph/store.py), never a
store's own language, so the two stores answer identically by construction and the contract
tests compare them. blast_radius and path run a `TraversalPlan` (graph/traverse.py: roots,
steps, depth and node bounds), walked level by level with `expand` on every store — not compiled
into Cypher per store; accountability, access_story, permission_history and neighbors are
bounded walks written out in their modules, for steps that change with depth; findings,
ownership_gaps, shared_credentials and stale_credentials read whole kinds as lean scans. The
only hand-written Cypher is the Neo4j store's, for those primitives (graph/neo4j_cypher.py).
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
