"""No query runs unbounded: cycles and dense hubs (5k edges) end within the caps, saying `truncated`."""

from __future__ import annotations

import time

import pytest

from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from queries import explore
from queries.accountability import REACH_CAP, accountability
from queries.blast import blast_radius
from queries.findings import findings
from queries.gaps import ownership_gaps
from queries.shared import shared_credentials
from queries.story import access_story
from tests.fixtures.queries.scenario import GraphBuilder

HUB = 5000


@pytest.fixture
def adversarial(store: GraphStore) -> GraphStore:
    g = GraphBuilder()
    ring = [g.node(f"aws:arn:aws:iam::111111111111:role/r{i}", NodeKind.IDENTITY, nature="machine") for i in range(50)]
    for here, there in zip(ring, ring[1:] + ring[:1], strict=True):
        g.edge(here, EdgeKind.CAN_ASSUME, there)  # a trust cycle
    g.edge(ring[0], EdgeKind.CAN_ASSUME, ring[0])  # and a self-loop
    key = g.node("aws:key:AKIAHUB0000000000001", NodeKind.CREDENTIAL, credential_type="aws_access_key", status="active")
    g.edge(ring[0], EdgeKind.HAS_CREDENTIAL, key)
    for i in range(HUB):  # a dense hub: one key used by 5000 runners, one role reaching 5000 resources
        runner = g.node(f"github:acme:runner:hub{i:05d}", NodeKind.RUNNER, environment=f"env{i % 7}")
        g.edge(runner, EdgeKind.USES, key, mode="declared")
        resource = g.node(f"aws:res:111111111111:s3:b{i:05d}", NodeKind.RESOURCE)
        g.edge(ring[1], EdgeKind.CAN_ACCESS, resource, level="admin")
    people = [g.node(f"person:p{i}@acme.io", NodeKind.PERSON, status="offboarded") for i in range(20)]
    for boss, worker in zip(people, people[1:] + people[:1], strict=True):
        g.edge(boss, EdgeKind.MANAGES, worker)  # a manager cycle, everyone gone
    g.edge(people[0], EdgeKind.OWNS, ring[0])
    sessions = [g.node(f"aws:session:loop{i}", NodeKind.SESSION) for i in range(30)]
    for child, parent in zip(sessions, sessions[1:] + sessions[:1], strict=True):
        g.edge(child, EdgeKind.FROM, parent)  # an assume-role chain that loops
        g.edge(child, EdgeKind.AUTHENTICATED_WITH, key)
    return g.write(store)


def test_blast_radius_is_capped(adversarial: GraphStore) -> None:
    started = time.monotonic()
    result = blast_radius(adversarial, "aws:key:AKIAHUB0000000000001", max_depth=8, max_nodes=1000)
    assert result.truncated and len(result.nodes) <= 1000
    assert max(n.depth for n in result.nodes) <= 8
    assert time.monotonic() - started < 60


def test_accountability_survives_cycles_and_hubs(adversarial: GraphStore) -> None:
    result = accountability(adversarial, "aws:key:AKIAHUB0000000000001")
    assert result.truncated  # 5000 consumers exceed the reach cap
    assert len(result.chains) <= 50 and len(result.owners) <= REACH_CAP
    assert result.verdict == "owner_offboarded"
    assert "no active manager on record" in result.action


def test_shared_story_gaps_findings_bounded(adversarial: GraphStore) -> None:
    shared = shared_credentials(adversarial, by="runner", limit=5)
    assert shared.credentials[0].consumer_count == HUB and len(shared.credentials[0].consumers) <= 100
    story = access_story(adversarial, credential_id="aws:key:AKIAHUB0000000000001")
    assert story.truncated is False and len(story.sessions) == 30  # the loop ends: each session once
    gaps = ownership_gaps(adversarial, limit=10)
    assert gaps.truncated and len(gaps.gaps) == 10
    assert all(len(g.subjects) <= 200 for g in gaps.gaps)
    hits = findings(adversarial, rule="NHI9", now="2024-06-01T00:00:00Z")
    assert hits.findings[0].message.startswith(f"used by {HUB} runners")
    role = "aws:arn:aws:iam::111111111111:role/r"
    assert explore.path(adversarial, f"{role}0", f"{role}25", max_depth=6).paths == []  # 25 hops away
    near = explore.path(adversarial, f"{role}0", f"{role}3", edge_kinds=["CAN_ASSUME"], direction="out")
    assert [len(p) for p in near.paths] == [3]
