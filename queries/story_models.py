"""The result models of access_story (queries/story.py): one story per session, the time-ordered
steps of all of them, and the gaps named per session and for the subject as a whole.

Kept apart from the walk so that the modules that gather the facts (queries/story_gather.py),
choose the sessions (queries/story_subjects.py) and tell each story (queries/story_tell.py) share
one declaration; queries/story.py re-exports them as the public surface.
"""

from __future__ import annotations

from queries.common import EvidenceRef, NodeRef, Result
from queries.story_reach import Reach

__all__ = ["AccessStoryResult", "ChangeMade", "Reach", "SessionStory", "StoryStep", "Touch"]


class Touch(Result):
    target: NodeRef
    actions: list[str] = []
    commands: list[str] = []
    count: int = 1
    first_seen: str | None = None
    last_seen: str | None = None


class ChangeMade(Result):
    change: NodeRef
    at: str | None = None
    change_type: str = ""
    action: str = ""
    targets: list[str] = []


class SessionStory(Result):
    session: NodeRef
    started_at: str | None = None
    ended_at: str | None = None
    person: NodeRef | None = None
    person_via: str = ""
    """"" when STARTED links the person to this session; else the ancestor session it came from."""
    identities: list[NodeRef] = []
    credentials: list[NodeRef] = []
    origins: list[NodeRef] = []
    source_ips: list[str] = []
    parents: list[str] = []
    """The sessions this one came FROM (up the chain, towards the person)."""
    children: list[str] = []
    """The sessions that came FROM this one (down the chain, towards what was done)."""
    pipelines: list[NodeRef] = []
    approvals: list[NodeRef] = []
    approved_by: list[str] = []
    unapproved_requests: list[str] = []
    """`<request id>: <why>` of the Teleport access requests it named that do not approve it."""
    touched: list[Touch] = []
    changes: list[ChangeMade] = []
    reached: list[Reach] = []
    missing: list[str] = []


class StoryStep(Result):
    at: str | None
    session: str
    step: str
    """session_started | approval | touched | change | reached | session_ended"""
    summary: str
    refs: list[str] = []
    evidence: list[EvidenceRef] = []


class AccessStoryResult(Result):
    subject: NodeRef
    window_start: str | None = None
    window_end: str | None = None
    sessions: list[SessionStory]
    """Every session told: the subject's own (`roots`) and those their FROM chains lead to."""
    roots: list[str] = []
    """The subject's own sessions in the window (queries/story_subjects.py says which per kind)."""
    steps: list[StoryStep]
    missing: list[str]
    truncated: bool = False
