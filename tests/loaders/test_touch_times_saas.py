"""Issue 22 item 11 for the GCP, Okta and GitHub audit sources: a TOUCHED edge carries the times
of its own target's events, inside its session's window, not the session's start and end."""

from __future__ import annotations

import pytest

from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from tests.conftest import FIXTURES
from tests.loader_helpers import load


@pytest.mark.parametrize("folder", ["gcp_audit", "okta", "github_audit"])
def test_touched_edges_carry_their_own_times(embedded_store: GraphStore, folder: str) -> None:
    load(embedded_store, FIXTURES / folder)
    sessions = {n.id: n for n in embedded_store.nodes_of_kind(NodeKind.SESSION, limit=10_000)}
    touched = [e for e in embedded_store.edges_of_kind(EdgeKind.TOUCHED, limit=100_000) if e.source in sessions]
    assert touched
    own = 0
    for edge in touched:
        session = sessions[edge.source]
        started, ended = session.props["started_at"], session.props["ended_at"]
        assert edge.first_seen is not None and edge.last_seen is not None
        assert started <= edge.first_seen <= edge.last_seen <= ended, (edge.target, session.id)
        own += (edge.first_seen, edge.last_seen) != (started, ended)
    assert own, "no touch in these fixtures has times of its own: the edge still takes the session's"
