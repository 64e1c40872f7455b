"""access_story(): the whole story of a subject's sessions in a time window, across systems.

The subject is any node that sessions hang off — a session, a credential, an identity, a
person, a host or other workload, a resource, a runner (queries/story_subjects.py says which
sessions each kind has) — and the story follows FROM chains both ways from those sessions
(queries/story_gather.py): up to the person (the bastion session an SSH login came from) and
down to what was done (the login the bastion session made next, the kubectl exec run from that
host). In time order: which person started each session, as which identity, with which
credential, from which runner/host/IP, under which approval, what it touched (actions, commands
where captured), which permission changes it made (PERFORMED -> Change -> TARGETS), the
pipelines that RUNS_AS its identity, and where an interactive session into a workload leads
(`reached`: a Kubernetes exec → the pod's service account → the Secrets that account's sessions
read from then on; the Secrets the pod mounts are reachable, not read, unless the audit log says
read). A link the evidence does not give is named in `missing` ("no person linked", "no approval
on record", "source IP 10.0.0.9 matches no runner", "no session on record on host:bastion that
this session came from" — a hop between hosts whose first half no log shows; and for the subject,
"no session on record" in the window) — an absent answer is an answer.
"""

from __future__ import annotations

from graph.errors import QueryError
from graph.model import Node
from graph.schema import NodeKind
from graph.store import GraphStore
from queries.common import check_time, node_ref, require_node
from queries.story_gather import CHAIN_DEPTH, STORY_CAP, gather
from queries.story_models import AccessStoryResult, ChangeMade, Reach, SessionStory, StoryStep, Touch
from queries.story_subjects import SESSION_CAP, SUBJECT_KINDS, Window, subject_sessions
from queries.story_tell import STEP_ORDER, children_of, session_steps, tell, with_missing

__all__ = [
    "CHAIN_DEPTH",
    "SESSION_CAP",
    "STORY_CAP",
    "SUBJECT_KINDS",
    "AccessStoryResult",
    "ChangeMade",
    "Reach",
    "SessionStory",
    "StoryStep",
    "Touch",
    "access_story",
]

_ONE_SUBJECT = "access_story needs exactly one subject: a node id (or the older session_id / credential_id)"


def _subject(
    store: GraphStore, as_of: str | None, subject: str | None, session_id: str | None, credential_id: str | None
) -> Node:
    """The subject node, of a kind with a story (only a session for `session_id`, ...)."""
    given = [
        (value, kinds)
        for value, kinds in (
            (subject, SUBJECT_KINDS),
            (session_id, (NodeKind.SESSION,)),
            (credential_id, (NodeKind.CREDENTIAL,)),
        )
        if value is not None
    ]
    if len(given) != 1:
        raise QueryError(_ONE_SUBJECT)
    return require_node(store, given[0][0], as_of, given[0][1])


def _window(start: str | None, end: str | None) -> Window:
    window = (check_time(start, "start"), check_time(end, "end"))
    if window[0] and window[1] and window[0] > window[1]:
        raise QueryError(f"start {window[0]} is after end {window[1]}")
    return window


def access_story(
    store: GraphStore,
    subject: str | None = None,
    *,
    session_id: str | None = None,
    credential_id: str | None = None,
    start: str | None = None,
    end: str | None = None,
    as_of: str | None = None,
) -> AccessStoryResult:
    """The time-ordered story of `subject`'s sessions started in [start, end] (a session: itself),
    and of the sessions their FROM chains lead to. `session_id` / `credential_id` are the older
    spellings of a session or credential subject, kept for existing callers."""
    as_of = check_time(as_of)
    root = _subject(store, as_of, subject, session_id, credential_id)
    window = _window(start, end)
    roots, truncated = subject_sessions(store, root, window, as_of)
    facts = gather(store, roots, as_of)
    children = children_of(facts)
    raw = {sid: tell(facts, node, as_of, children.get(sid, [])) for sid, node in facts.sessions.items()}
    stories = {sid: with_missing(story, raw) for sid, story in raw.items()}
    ordered = sorted(stories.values(), key=lambda s: (s.started_at or "", s.session.id))
    steps = [step for story in ordered for step in session_steps(facts, story)]
    steps.sort(key=lambda s: (s.at or "", s.session, STEP_ORDER[s.step], s.summary))
    missing = sorted({f"{s.session.id}: {m}" for s in ordered for m in s.missing})
    if not roots:
        missing.insert(0, f"{root.id}: no session on record{_between(window)}")
    return AccessStoryResult(
        subject=node_ref(root),
        window_start=window[0],
        window_end=window[1],
        sessions=ordered,
        roots=[r.id for r in roots],
        steps=steps,
        missing=missing,
        truncated=truncated or facts.truncated,
    )


def _between(window: Window) -> str:
    start, end = window
    if start is None and end is None:
        return ""
    return f" between {start or 'the first record'} and {end or 'the last'}"
