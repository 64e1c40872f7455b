"""access_story follows a person's kubectl exec into a pod to the pod's service account and the
Secrets it read (and those it only mounts), on both stores."""

from __future__ import annotations

from graph.schema import EdgeKind
from graph.store import GraphStore
from queries.blast import blast_radius
from queries.story import access_story
from tests.conftest import FIXTURES
from tests.loader_helpers import edges, load

K8S = FIXTURES / "kubernetes"
POD = "k8s:lab:pod:shop/api-7d9f8"


def _estate(store: GraphStore) -> str:
    load(store, FIXTURES / "people" / "scim-users.json", K8S / "manifests", K8S / "audit", cluster="lab")
    started = [t for s, t in edges(store, EdgeKind.STARTED) if s == "person:ines.okafor@acme.example"]
    assert len(started) == 1
    return started[0]


def test_exec_into_a_pod_leads_to_its_service_account_and_the_secrets_it_read(store: GraphStore) -> None:
    story = access_story(store, session_id=_estate(store))
    session = story.sessions[0]
    assert session.person is not None and session.person.id == "person:ines.okafor@acme.example"
    [reach] = session.reached
    assert reach.workload.id == POD and reach.actions == ["create pods/exec"]
    assert [i.id for i in reach.identities] == ["k8s:lab:sa:shop/api"]
    assert [s.id for s in reach.secrets_read] == ["k8s:lab:secret:shop/db-creds"]
    assert reach.read_in and reach.read_in[0].startswith("session:k8s:lab:system:serviceaccount:shop:api:")
    assert [s.id for s in reach.secrets_reachable] == ["k8s:lab:secret:shop/stripe-key"]  # mounted, never read
    [step] = [s for s in story.steps if s.step == "reached"]
    assert step.summary == (
        f"inside {POD} (create pods/exec) as k8s:lab:sa:shop/api: secrets read k8s:lab:secret:shop/db-creds; "
        "mounted, not read: k8s:lab:secret:shop/stripe-key"
    )
    assert step.evidence and all(ev.source for ev in step.evidence)
    changes = {c.change_type for c in session.changes}
    assert changes == {"grant", "create"}
    assert any(m.endswith("no approval on record") for m in story.missing)


def test_blast_radius_of_the_pods_service_account_reaches_the_secrets(store: GraphStore) -> None:
    _estate(store)
    blast = blast_radius(store, "k8s:lab:sa:shop/api")
    reached = {r.resource.id: r for r in blast.resources}
    scope = reached["k8s:lab:res:shop/secrets"]
    assert scope.level == "read" and scope.touched is True  # the audit log shows db-creds read through it
    assert scope.actions == ["get secrets"] and scope.sessions == 1
    nodes = {n.id for n in blast.nodes}
    assert {"k8s:lab:secret:shop/db-creds", "k8s:lab:secret:shop/stripe-key"} <= nodes


def test_blast_radius_of_the_person_goes_through_the_exec_to_the_pods_secrets(store: GraphStore) -> None:
    _estate(store)
    blast = blast_radius(store, "k8s:lab:user:ines.okafor@acme.example")
    depth = {n.id: n.depth for n in blast.nodes}
    assert depth[POD] == 2 and depth["k8s:lab:sa:shop/api"] == 3  # session -> pod -> its service account
    assert depth["k8s:lab:secret:shop/db-creds"] == 5 and "k8s:lab:secret:shop/stripe-key" in depth
    kinds = {(e.source, e.kind, e.target) for e in blast.edges}
    assert (POD, "RUNS_AS", "k8s:lab:sa:shop/api") in kinds
    assert any(k == "TOUCHED" and t == POD for _, k, t in kinds)
    scope = {r.resource.id: r for r in blast.resources}["k8s:lab:res:shop/secrets"]
    assert scope.level == "read" and scope.touched is True and scope.granted_by == ["k8s:lab:sa:shop/api"]
