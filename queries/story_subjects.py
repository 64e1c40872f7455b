"""Which sessions an access story is told of, per kind of subject (queries/story.py).

- Session: itself (the window does not apply: the story of one session is asked by its id).
- Credential: the sessions AUTHENTICATED_WITH it.
- Identity: the sessions that ACTED_AS it, and those that AUTHENTICATED_WITH one of its credentials
  (HAS_CREDENTIAL) while acting as no other identity — an SSH key shared by `deploy@app1` and
  `deploy@app2` is one credential, but a login as `deploy@app2` is not `deploy@app1`'s story.
- Person: the sessions they STARTED, and the sessions of their own accounts: the identities of
  nature `human` those sessions ACTED_AS (a Teleport user, a Kubernetes user by email), less
  the sessions another person STARTED. A shared or machine account (`deploy`, `root`, a database
  user) is not theirs: its other sessions are other people's, so they are not in the story.
- Workload (a host, a pod, an instance): the sessions that TOUCHED it (on the host, exec into the
  pod) and those that came FROM it (logins the host made elsewhere).
- Resource: the sessions that TOUCHED it. Runner: the sessions that came FROM it.

Every other kind (a team, a pipeline, a change …) has no story of its own: a QueryError says
which kinds do. Of the sessions found, those started in [start, end] are kept, the first
SESSION_CAP of them in time order, and `truncated` says when the cap cut more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from graph.model import Node
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore, Step
from graph.values import Nature
from queries.common import expand_visible, prop_str, visible_nodes

__all__ = ["SESSION_CAP", "SUBJECT_KINDS", "Window", "subject_sessions"]

SESSION_CAP: Final = 50
Window = tuple[str | None, str | None]
_Finder = Callable[[GraphStore, Node, str | None], set[str]]


def _ends(store: GraphStore, ids: list[str], steps: tuple[Step, ...], as_of: str | None) -> set[str]:
    """The session ids at the far end of `steps` from `ids`."""
    found = set()
    for edge in expand_visible(store, ids, steps, as_of):
        if edge.source_kind == NodeKind.SESSION and edge.source not in ids:
            found.add(edge.source)
        if edge.target_kind == NodeKind.SESSION and edge.target not in ids:
            found.add(edge.target)
    return found


def _of_credential(store: GraphStore, node: Node, as_of: str | None) -> set[str]:
    return _ends(store, [node.id], ((EdgeKind.AUTHENTICATED_WITH, "in"),), as_of)


def _of_identity(store: GraphStore, node: Node, as_of: str | None) -> set[str]:
    acted = _ends(store, [node.id], ((EdgeKind.ACTED_AS, "in"),), as_of)
    credentials = sorted(e.target for e in expand_visible(store, [node.id], ((EdgeKind.HAS_CREDENTIAL, "out"),), as_of))
    used = _ends(store, credentials, ((EdgeKind.AUTHENTICATED_WITH, "in"),), as_of) - acted
    elsewhere = {
        e.source
        for e in expand_visible(store, sorted(used), ((EdgeKind.ACTED_AS, "out"),), as_of)
        if e.target != node.id
    }
    return acted | (used - elsewhere)


def _of_person(store: GraphStore, node: Node, as_of: str | None) -> set[str]:
    started = _ends(store, [node.id], ((EdgeKind.STARTED, "out"),), as_of)
    acted = sorted({e.target for e in expand_visible(store, sorted(started), ((EdgeKind.ACTED_AS, "out"),), as_of)})
    own = sorted(i for i, n in visible_nodes(store, acted, as_of).items() if prop_str(n, "nature") == Nature.HUMAN)
    theirs = _ends(store, own, ((EdgeKind.ACTED_AS, "in"),), as_of) - started
    others = {
        e.target
        for e in expand_visible(store, sorted(theirs), ((EdgeKind.STARTED, "in"),), as_of)
        if e.source != node.id
    }
    return started | (theirs - others)


def _of_workload(store: GraphStore, node: Node, as_of: str | None) -> set[str]:
    return _ends(store, [node.id], ((EdgeKind.TOUCHED, "in"), (EdgeKind.FROM, "in")), as_of)


def _of_resource(store: GraphStore, node: Node, as_of: str | None) -> set[str]:
    return _ends(store, [node.id], ((EdgeKind.TOUCHED, "in"),), as_of)


def _of_runner(store: GraphStore, node: Node, as_of: str | None) -> set[str]:
    return _ends(store, [node.id], ((EdgeKind.FROM, "in"),), as_of)


_FINDERS: Final[dict[NodeKind, _Finder]] = {
    NodeKind.CREDENTIAL: _of_credential,
    NodeKind.IDENTITY: _of_identity,
    NodeKind.PERSON: _of_person,
    NodeKind.WORKLOAD: _of_workload,
    NodeKind.RESOURCE: _of_resource,
    NodeKind.RUNNER: _of_runner,
}
SUBJECT_KINDS: Final = (NodeKind.SESSION, *_FINDERS)
"""What an access story can be told of (module docstring)."""


def subject_sessions(store: GraphStore, subject: Node, window: Window, as_of: str | None) -> tuple[list[Node], bool]:
    """The subject's sessions started in the window, in time order, capped; and whether the cap cut."""
    if subject.kind == NodeKind.SESSION:
        return [subject], False
    ids = _FINDERS[subject.kind](store, subject, as_of)
    start, end = window
    chosen = []
    for session in visible_nodes(store, sorted(ids), as_of).values():
        if session.kind != NodeKind.SESSION:
            continue
        at = prop_str(session, "started_at") or session.first_seen or ""
        if (start is None or at >= start) and (end is None or at <= end):
            chosen.append((at, session.id, session))
    chosen.sort(key=lambda row: (row[0], row[1]))
    return [row[2] for row in chosen[:SESSION_CAP]], len(chosen) > SESSION_CAP
