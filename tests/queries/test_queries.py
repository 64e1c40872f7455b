"""Every query on the planted scenario estate, on both stores (the `store` fixture)."""

from __future__ import annotations

import pytest

from graph.errors import NotFound, QueryError
from graph.store import GraphStore
from queries import explore
from queries.accountability import Verdict, accountability
from queries.blast import blast_radius
from queries.gaps import gap_id, ownership_gaps
from queries.history import permission_history
from queries.shared import shared_credentials
from queries.stale import stale_credentials
from queries.story import access_story
from tests.fixtures.queries.scenario import ACCT, NOW, ROLE, USER, build_scenario

KEY = "aws:key:AKIADEPLOY0000000001"
TOKEN = "k8s:prod:secret:default/app-token"


@pytest.fixture
def estate(store: GraphStore) -> GraphStore:
    return build_scenario().write(store)


def test_accountability_offboarded_identity_owner_goes_to_manager(estate: GraphStore) -> None:
    result = accountability(estate, KEY)
    assert result.verdict == Verdict.OWNER_OFFBOARDED
    assert result.action.startswith(
        "transfer ownership from offboarded person:bob@acme.io to manager person:carol@acme.io"
    )
    bob = next(o for o in result.owners if o.id == "person:bob@acme.io")
    assert (bob.status, bob.distance, bob.owns, bob.accountable) == (
        "offboarded",
        1,
        f"{USER}/deploy",
        ["person:carol@acme.io"],
    )
    manager = next(c for c in result.chains if c.role == "manager")
    assert [h.kind for h in manager.hops] == ["HAS_CREDENTIAL", "OWNS", "MANAGES"]
    assert manager.person == "person:carol@acme.io"
    assert all(h.evidence and h.evidence[0].source == "scenario.jsonl" for h in manager.hops)
    platform = next(o for o in result.owners if o.id == "team:platform")
    assert platform.distance == 2  # via the release pipeline, a consumer: farther than the identity


def test_accountability_verdicts(estate: GraphStore) -> None:
    shared = accountability(estate, f"{ROLE}/shared")
    assert shared.verdict == Verdict.AMBIGUOUS
    assert {o.id for o in shared.owners} == {"person:alice@acme.io", "team:data"}
    assert "split" in shared.action
    orphan = accountability(estate, "k8s:prod:sa:default/app")
    assert (orphan.verdict, orphan.owners, orphan.action) == (
        Verdict.ORPHANED,
        [],
        "assign owner to k8s:prod:sa:default/app",
    )
    ghost = accountability(estate, f"{ROLE}/ghost")
    assert ghost.verdict == Verdict.OWNER_OFFBOARDED
    assert ghost.owners[0].status == "no_active_member"
    owned = accountability(estate, "github:acme/app:workflow:release.yml")
    assert (owned.verdict, owned.action) == (Verdict.OWNED, "confirm owner team:platform")
    assert [(c.person, c.role) for c in owned.chains] == [("person:alice@acme.io", "team_member")]
    laptop = accountability(estate, "ssh:SHA256:laptopkey")
    assert laptop.verdict == Verdict.ORPHANED and "person:frank@acme.io" in laptop.action
    assert laptop.chains[0].role == "consumer"


def test_accountability_inherits_through_consumers(estate: GraphStore) -> None:
    ci_secret = accountability(estate, "github:acme/app:secret:AWS_SECRET_ACCESS_KEY")
    assert ci_secret.verdict == Verdict.OWNED
    assert ci_secret.action.startswith("confirm owner team:platform (owns github:acme/app:workflow:release.yml)")


def test_errors(estate: GraphStore) -> None:
    with pytest.raises(NotFound):
        accountability(estate, "aws:key:NOPE")
    with pytest.raises(QueryError):
        blast_radius(estate, KEY, max_depth=9)
    with pytest.raises(QueryError):
        shared_credentials(estate, by="planet")
    with pytest.raises(QueryError):
        accountability(estate, KEY, as_of="yesterday-ish")
    with pytest.raises(QueryError):
        access_story(estate, session_id="aws:session:s1", credential_id=KEY)
    with pytest.raises(QueryError):
        access_story(estate, session_id=KEY)  # not a session
    with pytest.raises(NotFound):
        accountability(estate, "aws:key:AKIALATE000000000001", as_of="2024-05-01T00:00:00Z")


def test_shared_credentials(estate: GraphStore) -> None:
    runners = shared_credentials(estate, by="runner")
    assert [c.credential.id for c in runners.credentials] == [KEY]
    entry = runners.credentials[0]
    assert [(c.id, c.modes) for c in entry.consumers] == [
        ("github:acme:runner:r1", ["observed"]),
        ("github:acme:runner:r2", ["observed"]),
        ("github:acme:runner:r3", ["declared"]),
    ]
    assert entry.verdict == Verdict.OWNER_OFFBOARDED
    assert "person:bob@acme.io" in {o.id for o in entry.owners}
    envs = shared_credentials(estate, by="environment")
    assert [c.id for c in envs.credentials[0].consumers] == ["production", "staging"]
    workloads = shared_credentials(estate, by="workload")
    assert [c.credential.id for c in workloads.credentials] == [TOKEN]
    assert shared_credentials(estate, by="runner", min_consumers=4).credentials == []


def test_shared_credentials_as_of_hides_later_sessions(estate: GraphStore) -> None:
    before = shared_credentials(estate, by="runner", min_consumers=1, as_of="2024-05-01T12:00:00Z")
    consumers = {c.id for c in before.credentials[0].consumers}
    assert consumers == {"github:acme:runner:r1", "github:acme:runner:r3"}


def test_blast_radius_granted_vs_touched(estate: GraphStore) -> None:
    result = blast_radius(estate, KEY, max_depth=6)
    rows = {r.resource.id: r for r in result.resources}
    bucket, logs = f"aws:res:{ACCT}:s3:prod-bucket", f"aws:res:{ACCT}:s3:logs"
    assert rows[bucket].level == "write" and rows[bucket].granted_by == [f"{USER}/deploy"]
    assert rows[bucket].touched and rows[bucket].actions == ["s3:PutObject"]
    assert rows[logs].level == "admin" and not rows[logs].touched
    assert result.summary.granted_untouched == 1
    assert {n.id for n in result.nodes} >= {KEY, f"{USER}/deploy", f"{ROLE}/ci"}
    assert all(e.source in {n.id for n in result.nodes} for e in result.edges)
    shallow = blast_radius(estate, KEY, max_depth=1)
    assert {n.id for n in shallow.nodes} == {KEY, f"{USER}/deploy"}


def test_ownership_gaps(estate: GraphStore) -> None:
    result = ownership_gaps(estate)
    by_type = {(g.gap_type, g.owner.id if g.owner else g.subjects[0].id): g for g in result.gaps}
    bob = by_type[("owner_offboarded", "person:bob@acme.io")]
    assert {s.id for s in bob.subjects} == {f"{USER}/deploy", KEY, "aws:key:AKIALATE000000000001"}
    assert bob.id == gap_id("owner_offboarded", "person:bob@acme.io")
    assert ("team_without_active_member", "team:ghost") in by_type
    assert ("no_owner", "k8s:prod:sa:default/app") in by_type
    subjects = {s.id for g in result.gaps for s in g.subjects}
    assert f"{USER}/carol" not in subjects  # a human's own account
    assert "aws:key:AKIADELETED000000001" not in subjects  # gone
    assert f"{ROLE}/ci" not in subjects


def test_review_assign_owner_closes_gap(estate: GraphStore) -> None:
    from graph.schema import EdgeKind, NodeKind
    from tests.fixtures.queries.scenario import GraphBuilder

    g = GraphBuilder()
    g.node("person:dave@acme.io", NodeKind.PERSON)
    g.node("k8s:prod:sa:default/app", NodeKind.IDENTITY)
    g.edge(
        "person:dave@acme.io", EdgeKind.OWNS, "k8s:prod:sa:default/app", at="2024-05-30T00:00:00Z", provenance="review"
    )
    estate.write([], g.edges)
    after = {s.id for gap in ownership_gaps(estate).gaps for s in gap.subjects}
    assert "k8s:prod:sa:default/app" not in after
    before = {s.id for gap in ownership_gaps(estate, as_of="2024-05-29T00:00:00Z").gaps for s in gap.subjects}
    assert "k8s:prod:sa:default/app" in before


def test_stale_credentials(estate: GraphStore) -> None:
    result = stale_credentials(estate, unused_days=30, unrotated_days=90, now=NOW)
    reasons = {c.credential.id: c.reasons for c in result.credentials}
    assert reasons[KEY] == ["unrotated"]
    assert reasons["aws:key:AKIANEVERUSED0000001"] == ["never_used"]
    assert "aws:key:AKIADELETED000000001" not in reasons
    assert TOKEN not in reasons  # declared by two workloads: in use
    assert "github:acme/app:secret:AWS_SECRET_ACCESS_KEY" not in reasons
    expired = stale_credentials(estate, now="2030-01-01T00:00:00Z")
    assert result.counts["never_used"] >= 1 and expired.now == "2030-01-01T00:00:00Z"


def test_access_story_chain_and_missing_links(estate: GraphStore) -> None:
    story = access_story(estate, session_id="aws:session:s3")
    assert [s.session.id for s in story.sessions] == ["aws:session:s2", "aws:session:s3"]
    s3 = story.sessions[1]
    assert s3.person and s3.person.id == "person:alice@acme.io" and s3.person_via == "aws:session:s2"
    assert s3.changes[0].targets == [f"{ROLE}/shared"]
    assert [st.step for st in story.steps] == ["session_started", "session_started", "change"]
    assert "aws:session:s3: no approval on record" in story.missing
    s4 = access_story(estate, session_id="aws:session:s4").sessions[0]
    assert s4.missing == ["no person linked", "no identity linked", "source IP 203.0.113.9 matches no runner"]
    assert s4.approved_by == ["person:carol@acme.io"]


def test_access_story_for_credential_window(estate: GraphStore) -> None:
    story = access_story(estate, credential_id=KEY, start="2024-05-02T00:00:00Z", end="2024-05-03T00:00:00Z")
    assert story.roots == ["aws:session:s2"]
    # s3 assumed a role FROM s2: the story follows the chain down to what was done with the key
    assert [s.session.id for s in story.sessions] == ["aws:session:s2", "aws:session:s3"]
    assert story.sessions[0].children == ["aws:session:s3"] and story.sessions[1].parents == ["aws:session:s2"]
    everything = access_story(estate, credential_id=KEY)
    assert everything.roots == ["aws:session:s1", "aws:session:s2"]
    assert [s.session.id for s in everything.sessions] == ["aws:session:s1", "aws:session:s2", "aws:session:s3"]
    touched = [st for st in everything.steps if st.step == "touched"]
    assert touched[0].refs == [f"aws:res:{ACCT}:s3:prod-bucket"] and touched[0].evidence


def test_permission_history(estate: GraphStore) -> None:
    history = permission_history(estate, f"{ROLE}/shared")
    assert [(e.change.id, e.change_type) for e in history.entries] == [
        ("aws:change:c1", "grant"),
        ("review:keep-shared", "review"),
    ]
    assert history.entries[0].actors[0].id == "aws:session:s3"
    early = permission_history(estate, f"{ROLE}/shared", as_of="2024-05-05T00:00:00Z")
    assert [e.change.id for e in early.entries] == ["aws:change:c1"]


def test_explore(estate: GraphStore) -> None:
    found = explore.path(estate, "person:alice@acme.io", KEY, max_depth=4)
    assert found.paths and found.paths[0][0].source == "person:alice@acme.io"
    assert [h.kind for h in found.paths[0]][-1] in ("AUTHENTICATED_WITH", "USES", "HAS_CREDENTIAL")
    hits = explore.search(estate, "deploy", kinds=["identity"])
    assert [n.id for n in hits.nodes] == [f"{USER}/deploy"]
    near = explore.neighbors(estate, KEY, edge_kinds=["HAS_CREDENTIAL"], direction="in")
    assert [n.node.id for n in near.neighbors] == [f"{USER}/deploy"]
    assert explore.node(estate, KEY).props["status"] == "active"
    with pytest.raises(QueryError):
        explore.neighbors(estate, KEY, edge_kinds=["LIKES"])
    with pytest.raises(QueryError):
        explore.search(estate, "  ")
