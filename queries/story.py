"""access_story(): the whole story of a session (or of a credential's sessions in a time window).

In time order: which person started it, as which identity, with which credential, from which
runner/host/IP, under which approval, what it touched (actions, commands where captured),
which permission changes it made (PERFORMED -> Change -> TARGETS), and the chain upwards (the
parent session it came FROM when a role was assumed, the pipelines that RUNS_AS its identity),
and where an interactive session into a workload leads (`reached`: a Kubernetes exec → the pod's
service account → the Secrets that account's sessions read from then on; the Secrets the pod
mounts are reachable, not read, unless the audit log says read).
A link the evidence does not give is named in `missing` ("no person linked", "no approval on
record", "source IP 10.0.0.9 matches no runner", "no session on record on host:bastion that this
session came from" — a hop between hosts whose first half no log shows) — an absent answer is an answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from graph.errors import QueryError
from graph.model import Node, StoredEdge
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore, Step
from graph.values.ssh import SshSubtype
from queries.common import (
    EvidenceRef,
    NodeRef,
    Result,
    check_time,
    expand_visible,
    hop,
    node_ref,
    prop_list,
    prop_str,
    require_node,
    visible_nodes,
)
from queries.story_reach import Reach, gather_inside, interactive, reach_of, reach_steps

__all__ = ["AccessStoryResult", "ChangeMade", "Reach", "SessionStory", "StoryStep", "Touch", "access_story"]

SESSION_CAP: Final = 50
_HOST: Final = SshSubtype.HOST.value  # a host by name (OpenSSH, Teleport): hops from it are sessions on it
CHAIN_DEPTH: Final = 8
_OUT: tuple[Step, ...] = tuple(
    (k, "out")
    for k in (EdgeKind.ACTED_AS, EdgeKind.AUTHENTICATED_WITH, EdgeKind.FROM, EdgeKind.TOUCHED, EdgeKind.PERFORMED)
)
_IN: tuple[Step, ...] = ((EdgeKind.STARTED, "in"), (EdgeKind.APPROVED, "in"))


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
    pipelines: list[NodeRef] = []
    approvals: list[NodeRef] = []
    approved_by: list[str] = []
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
    steps: list[StoryStep]
    missing: list[str]
    truncated: bool = False


@dataclass(slots=True)
class _Facts:
    """Every edge and node the story needs, read in a few batched expands."""

    sessions: dict[str, Node] = field(default_factory=dict)
    out: dict[str, list[StoredEdge]] = field(default_factory=dict)
    inbound: dict[str, list[StoredEdge]] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    extra: dict[str, list[StoredEdge]] = field(default_factory=dict)
    inside: dict[str, list[StoredEdge]] = field(default_factory=dict)
    """Workload -> its RUNS_AS and USES edges, and its identities' ACTED_AS sessions' TOUCHED reads."""


def _gather(store: GraphStore, roots: list[Node], as_of: str | None) -> _Facts:
    facts = _Facts(sessions={s.id: s for s in roots})
    frontier = sorted(facts.sessions)
    for _ in range(CHAIN_DEPTH):
        parents: set[str] = set()
        for edge in expand_visible(store, frontier, _OUT, as_of):
            facts.out.setdefault(edge.source, []).append(edge)
            if (
                edge.kind == EdgeKind.FROM
                and edge.target_kind == NodeKind.SESSION
                and edge.target not in facts.sessions
            ):
                parents.add(edge.target)
        for edge in expand_visible(store, frontier, _IN, as_of):
            facts.inbound.setdefault(edge.target, []).append(edge)
        found = visible_nodes(store, sorted(parents), as_of)
        facts.sessions.update(found)
        frontier = sorted(found)
        if not frontier:
            break
    linked = {e.target for es in facts.out.values() for e in es} | {
        e.source for es in facts.inbound.values() for e in es
    }
    facts.nodes = visible_nodes(store, sorted(linked), as_of)
    identities = sorted(i for i, n in facts.nodes.items() if n.kind == NodeKind.IDENTITY)
    approvals = sorted(i for i, n in facts.nodes.items() if n.kind == NodeKind.APPROVAL)
    changes = sorted(i for i, n in facts.nodes.items() if n.kind == NodeKind.CHANGE)
    more = (
        expand_visible(store, identities, ((EdgeKind.RUNS_AS, "in"),), as_of)
        + expand_visible(store, approvals, ((EdgeKind.APPROVED_BY, "out"),), as_of)
        + expand_visible(store, changes, ((EdgeKind.TARGETS, "out"),), as_of)
    )
    for edge in more:
        key = edge.target if edge.kind == EdgeKind.RUNS_AS else edge.source
        facts.extra.setdefault(key, []).append(edge)
    facts.nodes.update(visible_nodes(store, sorted({e.source for e in more if e.kind == EdgeKind.RUNS_AS}), as_of))
    facts.inside = gather_inside(store, facts.out, facts.nodes, as_of)
    return facts


def _refs(facts: _Facts, edges: list[StoredEdge], kinds: set[NodeKind], end: str = "target") -> list[NodeRef]:
    ids = sorted({getattr(e, end) for e in edges})
    return [node_ref(facts.nodes[i]) for i in ids if i in facts.nodes and facts.nodes[i].kind in kinds]


def _story(facts: _Facts, session: Node, as_of: str | None) -> SessionStory:
    out = facts.out.get(session.id, [])
    inbound = facts.inbound.get(session.id, [])
    by_kind = {k: [e for e in out + inbound if e.kind == k] for k in EdgeKind}
    identities = _refs(facts, by_kind[EdgeKind.ACTED_AS], {NodeKind.IDENTITY})
    origins = _refs(facts, by_kind[EdgeKind.FROM], {NodeKind.RUNNER, NodeKind.WORKLOAD})
    approvals = _refs(facts, by_kind[EdgeKind.APPROVED], {NodeKind.APPROVAL}, end="source")
    people = _refs(facts, by_kind[EdgeKind.STARTED], {NodeKind.PERSON}, end="source")
    changes = []
    for edge in by_kind[EdgeKind.PERFORMED]:
        change = facts.nodes.get(edge.target)
        at = prop_str(change, "at") if change else ""
        if change is None or (as_of and at and at > as_of):
            continue
        targets = sorted(e.target for e in facts.extra.get(change.id, []))
        changes.append(
            ChangeMade(
                change=node_ref(change),
                at=at or None,
                change_type=prop_str(change, "change_type"),
                action=prop_str(change, "action"),
                targets=targets,
            )
        )
    touched = [
        Touch(
            target=node_ref(facts.nodes[e.target]),
            actions=prop_list(e, "actions"),
            commands=prop_list(e, "commands"),
            count=e.count,
            first_seen=e.first_seen,
            last_seen=e.last_seen,
        )
        for e in by_kind[EdgeKind.TOUCHED]
        if e.target in facts.nodes
    ]
    reached = [
        reach_of(facts.inside, facts.nodes, session, e)
        for e in by_kind[EdgeKind.TOUCHED]
        if interactive(e) and e.target in facts.nodes
    ]
    return SessionStory(
        session=node_ref(session),
        started_at=prop_str(session, "started_at") or session.first_seen,
        ended_at=prop_str(session, "ended_at") or None,
        person=people[0] if people else None,
        identities=identities,
        credentials=_refs(facts, by_kind[EdgeKind.AUTHENTICATED_WITH], {NodeKind.CREDENTIAL}),
        origins=origins,
        source_ips=prop_list(session, "source_ips"),
        parents=sorted(e.target for e in by_kind[EdgeKind.FROM] if e.target_kind == NodeKind.SESSION),
        pipelines=_pipelines(facts, identities),
        approvals=approvals,
        approved_by=sorted({e.target for a in approvals for e in facts.extra.get(a.id, [])}),
        touched=touched,
        changes=sorted(changes, key=lambda c: (c.at or "", c.change.id)),
        reached=reached,
    )


def _pipelines(facts: _Facts, identities: list[NodeRef]) -> list[NodeRef]:
    ids = sorted(
        {e.source for i in identities for e in facts.extra.get(i.id, []) if e.source_kind == NodeKind.PIPELINE}
    )
    return [node_ref(facts.nodes[i]) for i in ids if i in facts.nodes]


def _with_missing(story: SessionStory, stories: dict[str, SessionStory]) -> SessionStory:
    """Inherit the person from an ancestor session, then name every link that is still missing."""
    person, via, seen = story.person, "", {story.session.id}
    pending = list(story.parents)
    while person is None and pending:
        parent = stories.get(pending.pop(0))
        if parent is None or parent.session.id in seen:
            continue
        seen.add(parent.session.id)
        person, via = parent.person, parent.session.id
        pending += parent.parents
    missing = []
    if person is None:
        missing.append("no person linked")
    if not story.identities:
        missing.append("no identity linked")
    if not story.credentials and not story.parents:
        missing.append("no credential linked")
    if not story.approvals:
        inherited = _ancestor_approval(story, stories)
        missing.append(f"no approval on record (the session it came from, {inherited[0]}, has {inherited[1]})"
                       if inherited else "no approval on record")  # fmt: skip
    if not story.parents:
        # a login from a host's address with no session on record there: the hop before it is missing
        missing += [f"no session on record on {o.id} that this session came from" for o in story.origins
                    if o.subtype == _HOST]  # fmt: skip
    if not story.origins and not story.parents:
        ips = ", ".join(story.source_ips)
        missing.append(f"source IP {ips} matches no runner" if ips else "no source runner, host or IP on record")
    for reach in story.reached:
        if not reach.identities:
            missing.append(f"{reach.workload.id}: runs as no known service account")
    return story.model_copy(update={"person": person, "person_via": via, "missing": missing})


def _ancestor_approval(story: SessionStory, stories: dict[str, SessionStory]) -> tuple[str, str] | None:
    """(ancestor session, its approval) of the nearest session up the FROM chain that has one."""
    seen, pending = {story.session.id}, list(story.parents)
    while pending:
        parent = stories.get(pending.pop(0))
        if parent is None or parent.session.id in seen:
            continue
        seen.add(parent.session.id)
        if parent.approvals:
            return parent.session.id, parent.approvals[0].id
        pending += parent.parents
    return None


def _names(ids: list[str]) -> str:
    return ", ".join(ids) or "unknown target"


def _evidence(edges: list[StoredEdge]) -> list[EvidenceRef]:
    return [ev for e in edges for ev in hop(e).evidence][:10]


def _steps(facts: _Facts, story: SessionStory) -> list[StoryStep]:
    sid = story.session.id
    edges = facts.out.get(sid, []) + facts.inbound.get(sid, [])
    opening = [
        e for e in edges if e.kind in (EdgeKind.STARTED, EdgeKind.ACTED_AS, EdgeKind.AUTHENTICATED_WITH, EdgeKind.FROM)
    ]
    who = story.person.id if story.person else "unknown person"
    as_ = ", ".join(i.id for i in story.identities) or "unknown identity"
    origin = ", ".join([o.id for o in story.origins] + story.parents + story.source_ips) or "unknown origin"
    refs = [who, *(i.id for i in story.identities), *(c.id for c in story.credentials), *(o.id for o in story.origins)]
    steps = [
        StoryStep(
            at=story.started_at,
            session=sid,
            step="session_started",
            summary=f"{who} as {as_} from {origin}",
            refs=refs,
            evidence=_evidence(opening),
        )
    ]
    for edge in (e for e in edges if e.kind == EdgeKind.APPROVED):
        approval = facts.nodes.get(edge.source)
        at = (prop_str(approval, "at") if approval else "") or edge.first_seen
        by = sorted(e.target for e in facts.extra.get(edge.source, []))
        steps.append(
            StoryStep(
                at=at,
                session=sid,
                step="approval",
                summary=f"approved by {', '.join(by) or 'unknown'}",
                refs=[edge.source, *by],
                evidence=_evidence([edge]),
            )
        )
    for edge in (e for e in edges if e.kind == EdgeKind.TOUCHED and e.target in facts.nodes):
        actions = ", ".join(prop_list(edge, "actions"))
        steps.append(
            StoryStep(
                at=edge.first_seen,
                session=sid,
                step="touched",
                summary=f"touched {edge.target}: {actions or 'no actions recorded'} ({edge.count}x)",
                refs=[edge.target],
                evidence=_evidence([edge]),
            )
        )
    performed = {e.target: e for e in edges if e.kind == EdgeKind.PERFORMED}
    for change in story.changes:
        steps.append(
            StoryStep(
                at=change.at,
                session=sid,
                step="change",
                summary=f"{change.change_type or 'change'} {change.action} on {_names(change.targets)}",
                refs=[change.change.id, *change.targets],
                evidence=_evidence([performed[change.change.id]]),
            )
        )
    for at, summary, refs, evidence in reach_steps(facts.inside, story.reached, edges):
        steps.append(StoryStep(at=at, session=sid, step="reached", summary=summary, refs=refs, evidence=evidence))
    if story.ended_at:
        steps.append(StoryStep(at=story.ended_at, session=sid, step="session_ended", summary="session ended"))
    return steps


SUBJECT_KINDS: Final = (NodeKind.SESSION, NodeKind.CREDENTIAL)
"""What an access story can be told of: one session, or the sessions that used a credential."""
_STEP_ORDER: Final = {"session_started": 0, "approval": 1, "change": 2, "touched": 3, "reached": 4, "session_ended": 5}


def _roots(
    store: GraphStore,
    session_id: str | None,
    credential_id: str | None,
    window: tuple[str | None, str | None],
    as_of: str | None,
) -> tuple[Node, list[Node], bool]:
    if (session_id is None) == (credential_id is None):
        raise QueryError("access_story needs exactly one subject: a session id or a credential id")
    if session_id is not None:
        session = require_node(store, session_id, as_of, (NodeKind.SESSION,))
        return session, [session], False
    credential = require_node(store, str(credential_id), as_of, (NodeKind.CREDENTIAL,))
    edges = expand_visible(store, [credential.id], ((EdgeKind.AUTHENTICATED_WITH, "in"),), as_of)
    sessions = visible_nodes(store, sorted({e.source for e in edges}), as_of).values()
    start, end = window
    chosen = []
    for session in sessions:
        at = prop_str(session, "started_at") or session.first_seen or ""
        if (start is None or at >= start) and (end is None or at <= end):
            chosen.append((at, session.id, session))
    chosen.sort(key=lambda row: (row[0], row[1]))
    return credential, [row[2] for row in chosen[:SESSION_CAP]], len(chosen) > SESSION_CAP


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
    """The time-ordered story of one session, or of a credential's sessions started in [start, end].
    `subject` is either, told apart by the node's kind (the CLI's positional subject)."""
    as_of = check_time(as_of)
    if subject is not None:
        if session_id is not None or credential_id is not None:
            raise QueryError("access_story needs exactly one subject: a session id or a credential id")
        node = require_node(store, subject, as_of, SUBJECT_KINDS)
        session_id, credential_id = (subject, None) if node.kind == NodeKind.SESSION else (None, subject)
    window = (check_time(start, "start"), check_time(end, "end"))
    if window[0] and window[1] and window[0] > window[1]:
        raise QueryError(f"start {window[0]} is after end {window[1]}")
    root, roots, truncated = _roots(store, session_id, credential_id, window, as_of)
    facts = _gather(store, roots, as_of)
    raw = {sid: _story(facts, node, as_of) for sid, node in facts.sessions.items()}
    stories = {sid: _with_missing(story, raw) for sid, story in raw.items()}
    ordered = sorted(stories.values(), key=lambda s: (s.started_at or "", s.session.id))
    steps = [step for story in ordered for step in _steps(facts, story)]
    steps.sort(key=lambda s: (s.at or "", s.session, _STEP_ORDER[s.step], s.summary))
    missing = sorted({f"{s.session.id}: {m}" for s in ordered for m in s.missing})
    return AccessStoryResult(
        subject=node_ref(root),
        window_start=window[0],
        window_end=window[1],
        sessions=ordered,
        steps=steps,
        missing=missing,
        truncated=truncated,
    )
