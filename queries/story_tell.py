"""Tell each session's story from the gathered facts (queries/story.py): the chain person →
identity → credential → origin → approval, what it touched and changed, where an exec into a
workload led, and every link the evidence does not give, named in `missing`.

A session with no person of its own inherits the nearest one up its FROM chain (`person_via`);
a session with no approval of its own names the nearest ancestor's, so a hop from an approved
bastion session reads "no approval on record (the session it came from, …, has …)"; one that
named a Teleport access request that does not approve it says which and why ("no approval on
record (access request …: denied by … at …)").
"""

from __future__ import annotations

from typing import Final

from graph.model import Node, StoredEdge
from graph.schema import EdgeKind, NodeKind
from graph.values.ssh import SshSubtype
from queries.common import EvidenceRef, NodeRef, hop, node_ref, prop_list, prop_str
from queries.story_gather import Facts
from queries.story_models import ChangeMade, SessionStory, StoryStep, Touch
from queries.story_reach import interactive, reach_of, reach_steps

__all__ = ["STEP_ORDER", "children_of", "session_steps", "tell", "with_missing"]

_HOST: Final = SshSubtype.HOST.value  # a host by name (OpenSSH, Teleport): hops from it are sessions on it
STEP_ORDER: Final = {"session_started": 0, "approval": 1, "change": 2, "touched": 3, "reached": 4, "session_ended": 5}


def children_of(facts: Facts) -> dict[str, list[str]]:
    """Told session -> the told sessions that came FROM it."""
    found: dict[str, set[str]] = {}
    for source, edges in facts.out.items():
        for edge in edges:
            if edge.kind == EdgeKind.FROM and edge.target in facts.sessions and source in facts.sessions:
                found.setdefault(edge.target, set()).add(source)
    return {parent: sorted(ids) for parent, ids in found.items()}


def _refs(facts: Facts, edges: list[StoredEdge], kinds: set[NodeKind], end: str = "target") -> list[NodeRef]:
    ids = sorted({getattr(e, end) for e in edges})
    return [node_ref(facts.nodes[i]) for i in ids if i in facts.nodes and facts.nodes[i].kind in kinds]


def tell(facts: Facts, session: Node, as_of: str | None, children: list[str]) -> SessionStory:
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
        children=children,
        pipelines=_pipelines(facts, identities),
        approvals=approvals,
        approved_by=sorted({e.target for a in approvals for e in facts.extra.get(a.id, [])}),
        unapproved_requests=prop_list(session, "unapproved_requests"),
        touched=touched,
        changes=sorted(changes, key=lambda c: (c.at or "", c.change.id)),
        reached=reached,
    )


def _pipelines(facts: Facts, identities: list[NodeRef]) -> list[NodeRef]:
    ids = sorted(
        {e.source for i in identities for e in facts.extra.get(i.id, []) if e.source_kind == NodeKind.PIPELINE}
    )
    return [node_ref(facts.nodes[i]) for i in ids if i in facts.nodes]


def with_missing(story: SessionStory, stories: dict[str, SessionStory]) -> SessionStory:
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
        refused = "; ".join(story.unapproved_requests[:3])
        missing.append(f"no approval on record (access request {refused})" if refused
                       else f"no approval on record (the session it came from, {inherited[0]}, has {inherited[1]})"
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


def session_steps(facts: Facts, story: SessionStory) -> list[StoryStep]:
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
