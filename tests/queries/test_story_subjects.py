"""access_story of any subject across systems, on both stores: alice's approved Teleport session on
the bastion → the SSH hop to app1 as `deploy` → a kubectl exec into a pod run from app1 (its
source IP is app1's address while the hop was on app1: FROM that session, rule session_on_host)
— one story asked from the host, from the pod and from the person, with every hop and gap.

Real-format fixtures: Teleport audit events, an OpenSSH auth log, Kubernetes objects and an audit
log (tests/fixtures/kubernetes/hop); the corpus test below asks every subject kind of the real
../shared/corpus files and checks each answer is the story of the sessions it names.
"""

from __future__ import annotations

from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from queries.story import SUBJECT_KINDS, access_story
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import edges, load

STORY = FIXTURES / "teleport" / "access-story.jsonl"
APP1 = FIXTURES / "openssh" / "app1.auth.log"
K8S = FIXTURES / "kubernetes"
BASTION = "session:teleport:teleport.example.com:7c9e1a52-8b3f-4d6a-a0e2-91f4b6c3d8e7"
APPROVAL = "approval:teleport:teleport.example.com:5b1f0c9e-3d2a-4e7b-9a61-0c8d2f4e7a10"
HOP = "session:ssh:app1:2301:2024-11-12T22:01:00Z"
CERT = "session:ssh:app1:2302:2024-11-12T22:03:00Z"  # alice's own certificate login to app1, from outside
POD = "k8s:lab:pod:shop/api-7d9f8"
ALICE = "person:alice@example.com"
START, END = "2024-11-12T22:00:00Z", "2024-11-12T22:30:00Z"


def _estate(store: GraphStore) -> str:
    load(store, STORY, APP1, K8S / "manifests", K8S / "hop", cluster="lab")
    [exec_session] = [s for s, t in edges(store, EdgeKind.TOUCHED) if t == POD and s.startswith("session:k8s:")]
    return exec_session


def test_the_exec_run_from_app1_came_from_the_hop_on_app1(store: GraphStore) -> None:
    exec_session = _estate(store)
    # (by IP alone it would be FROM host:app1 only when app1's address was in the graph before this load)
    assert [t for s, t in edges(store, EdgeKind.FROM) if s == exec_session] == [HOP]


def test_one_story_from_the_host_the_pod_and_the_person(store: GraphStore) -> None:
    exec_session = _estate(store)
    host = access_story(store, "host:app1", start=START, end=END)
    pod = access_story(store, POD, start=START, end=END)
    person = access_story(store, ALICE, start=START, end=END)
    assert host.subject.kind == "Workload" and host.roots == [
        HOP,
        CERT,
    ]  # on app1; the exec follows down the hop's chain
    assert pod.roots == [exec_session]
    assert person.roots == [BASTION]  # her 22:40 database session is outside the window
    for story in (host, pod, person):
        told = {s.session.id: s for s in story.sessions}
        assert set(told) - {CERT} == {BASTION, HOP, exec_session}, story.subject.id
        assert told[BASTION].children == [HOP] and told[HOP].parents == [BASTION]
        assert told[HOP].children == [exec_session] and told[exec_session].parents == [HOP]
        kubectl = told[exec_session]
        assert kubectl.person is not None and kubectl.person.id == ALICE and kubectl.person_via == BASTION
        assert [r.workload.id for r in kubectl.reached] == [POD]
        assert f"{exec_session}: no approval on record (the session it came from, {BASTION}, has {APPROVAL})" in (
            story.missing
        )
        assert not any("no session on record on host:app1" in m for m in story.missing)
        started = [s.session for s in story.steps if s.step == "session_started" and s.session != CERT]
        assert started == [BASTION, HOP, exec_session]  # time order across Teleport, OpenSSH, Kubernetes
    chain = {BASTION, HOP, exec_session}
    assert [s for s in host.sessions if s.session.id in chain] == pod.sessions  # the same story from either end
    assert [s for s in person.sessions if s.session.id in chain] == pod.sessions


def test_a_subject_with_no_session_in_the_window_says_so(store: GraphStore) -> None:
    _estate(store)
    story = access_story(store, ALICE, start="2024-11-13T00:00:00Z")
    assert story.sessions == [] and story.missing == [
        f"{ALICE}: no session on record between 2024-11-13T00:00:00Z and the last"
    ]


CORPUS_KINDS = (NodeKind.CREDENTIAL, NodeKind.IDENTITY, NodeKind.PERSON, NodeKind.WORKLOAD, NodeKind.RESOURCE)


def test_every_subject_kind_on_the_real_corpus(store: GraphStore) -> None:
    corpus = need_corpus()
    load(store, corpus / "k8s_audit", corpus / "openssh_auth", corpus / "teleport")
    asked = 0
    for kind in CORPUS_KINDS:
        for node in store.nodes_of_kind(kind, limit=3):
            story = access_story(store, node.id)
            told = {s.session.id for s in story.sessions}
            assert set(story.roots) <= told, node.id
            assert all(s.session.kind == "Session" for s in story.sessions)
            for s in story.sessions:  # a told session is a root or joined to a told one by FROM
                assert s.session.id in story.roots or set(s.parents + s.children) & told, (node.id, s.session.id)
            asked += 1
    assert asked >= len(CORPUS_KINDS)
    assert set(SUBJECT_KINDS) >= set(CORPUS_KINDS)
