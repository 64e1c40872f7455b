"""access_story across systems, both stores: the SSH login on app1 came FROM alice's approved
Teleport session on the bastion, so the story reaches the person, the approval and what was done
on both hosts; a login from the bastion with no session on record there names the missing hop."""

from __future__ import annotations

from graph.store import GraphStore
from queries.story import access_story
from tests.conftest import FIXTURES
from tests.loader_helpers import load

STORY = FIXTURES / "teleport" / "access-story.jsonl"
APP1 = FIXTURES / "openssh" / "app1.auth.log"
BASTION = "session:teleport:teleport.example.com:7c9e1a52-8b3f-4d6a-a0e2-91f4b6c3d8e7"
APPROVAL = "approval:teleport:teleport.example.com:5b1f0c9e-3d2a-4e7b-9a61-0c8d2f4e7a10"
HOP = "session:ssh:app1:2301:2024-11-12T22:01:00Z"
UNSEEN = "session:ssh:app1:2201:2024-11-12T21:40:15Z"


def test_story_of_the_app_login_reaches_the_person_and_approval_through_the_bastion(store: GraphStore) -> None:
    load(store, STORY, APP1)
    result = access_story(store, session_id=HOP)
    stories = {s.session.id: s for s in result.sessions}
    assert set(stories) == {HOP, BASTION}
    login = stories[HOP]
    assert login.parents == [BASTION]
    assert login.person is not None and login.person.id == "person:alice@example.com"
    assert login.person_via == BASTION
    assert [i.id for i in login.identities] == ["unix:app1:deploy"]
    bastion = stories[BASTION]
    assert [a.id for a in bastion.approvals] == [APPROVAL] and bastion.approved_by == ["person:bob@example.com"]
    assert f"{HOP}: no approval on record (the session it came from, {BASTION}, has {APPROVAL})" in result.missing
    commands = {t.target.id: t.commands for s in result.sessions for t in s.touched}
    assert commands["host:bastion"] == ["/usr/bin/ssh deploy@app1"]
    assert commands["unix:app1:root"] == ["/usr/bin/systemctl restart app"]
    ordered = [s.session for s in result.steps if s.step == "session_started"]
    assert ordered == [BASTION, HOP]  # time order across the two systems


def test_story_names_the_missing_hop(store: GraphStore) -> None:
    load(store, STORY, APP1)
    result = access_story(store, session_id=UNSEEN)
    assert f"{UNSEEN}: no session on record on host:bastion that this session came from" in result.missing
    assert f"{UNSEEN}: no person linked" in result.missing
