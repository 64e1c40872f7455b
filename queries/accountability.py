"""accountability(node): every chain from a node to the people accountable for it, and a verdict.

The walk is the schema's ownership plan (`edge_kinds_for("ownership")`), split by category:
the non-ownership steps (credential -> its identity, -> its consumers; identity -> what runs
as it) *reach* nodes whose owners count for the subject, one tier further away per hop; the
ownership-category steps *resolve* an owner to living people: OWNS names the owner, a team's
members (MEMBER_OF) answer for a team, and an offboarded person's manager chain (MANAGES)
answers for them. Owners at the smallest distance decide the verdict:

Distance counts a hop to an identity as 1 and a hop to a consumer (workload, pipeline, runner)
as 2, so the owner of a key's identity outranks the owner of a pipeline that merely uses it.

- `owned`: one owner (or owners that agree: a person and a team they belong to) is alive;
- `owner_offboarded`: every nearest owner is offboarded, or a team with no active member;
- `ambiguous`: several living owners at the same distance disagree (different people/teams),
  or a credential that belongs to exactly one identity (an AWS access key) is claimed by
  several (queries/holders.py): the claimants are named in `notes` and no owner is chosen;
- `orphaned`: no OWNS anywhere within reach;
- `provider_owned`: an identity its provider owns (`managed_by`: an AWS service-linked role) and
  nobody in the estate does: no owner is to be assigned, and the notes say who owns it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from graph.model import Node, StoredEdge
from graph.schema import EDGE_SPECS, Category, EdgeKind, NodeKind, edge_kinds_for
from graph.store import Expansion, GraphStore, Step
from graph.values import PersonStatus
from queries.common import (
    Hop,
    NodeRef,
    Result,
    check_id,
    check_time,
    expand_visible,
    hop,
    node_ref,
    node_visible,
    prop_str,
    require_node,
    visible_nodes,
)
from queries.holders import single_holder

__all__ = ["AccountabilityResult", "Chain", "OwnerEntry", "Verdict", "accountability"]

# Registry values bound once as plain text: an enum member looked up per row costs several times a literal
# (bench/README.md).
_ACTIVE: Final = PersonStatus.ACTIVE.value
_OFFBOARDED: Final = PersonStatus.OFFBOARDED.value

REACH_DEPTH: Final = 3
REACH_CAP: Final = 200
MANAGER_DEPTH: Final = 4
CHAIN_CAP: Final = 50
MEMBER_CAP: Final = 50

_OWNERSHIP = edge_kinds_for("ownership")
_REACH: tuple[Step, ...] = tuple(s for s in _OWNERSHIP if EDGE_SPECS[s[0]].category != Category.OWNERSHIP)
_OWNER_STEP: tuple[Step, ...] = tuple(s for s in _OWNERSHIP if s[0] == EdgeKind.OWNS)
_MEMBER_STEP: tuple[Step, ...] = tuple(s for s in _OWNERSHIP if s[0] == EdgeKind.MEMBER_OF)
_MANAGER_STEP: tuple[Step, ...] = tuple(s for s in _OWNERSHIP if s[0] == EdgeKind.MANAGES)


class Verdict(StrEnum):
    OWNED = "owned"
    ORPHANED = "orphaned"
    OWNER_OFFBOARDED = "owner_offboarded"
    AMBIGUOUS = "ambiguous"
    PROVIDER_OWNED = "provider_owned"


class OwnerEntry(Result):
    """An OWNS edge within reach: who owns which node, how far from the subject, and who answers."""

    id: str
    kind: str
    name: str = ""
    status: str
    """Person: active | offboarded | unknown; Team: active (has an active member) | no_active_member."""
    distance: int
    owns: str
    """The node this owner owns (the subject itself at distance 0)."""
    provenance: str = ""
    accountable: list[str] = []
    """Living people who answer for this owner: the owner, its active members, or the manager."""
    also_owns: list[str] = []
    """Other reached nodes this owner owns, further away or later by id: an owner is listed once."""


class Chain(Result):
    """Hops from the subject to one accountable person, each with its evidence."""

    person: str
    person_status: str
    role: str
    """owner | team_member | manager | consumer"""
    distance: int
    hops: list[Hop]


class AccountabilityResult(Result):
    subject: NodeRef
    verdict: Verdict
    owners: list[OwnerEntry]
    chains: list[Chain]
    action: str
    notes: list[str] = []
    truncated: bool = False


@dataclass(slots=True)
class _Walk:
    """The reach walk: the nodes whose owners count, their distance and the edge that led there."""

    distance: dict[str, int] = field(default_factory=dict)
    parent: dict[str, StoredEdge] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    owns: list[StoredEdge] = field(default_factory=list)
    consumers: list[StoredEdge] = field(default_factory=list)
    truncated: bool = False
    read: dict[str, Node] = field(default_factory=dict)
    """Every far-end node the walk's reads returned (owners among them), visible or not."""

    def path(self, node_id: str) -> list[StoredEdge]:
        chain: list[StoredEdge] = []
        while node_id in self.parent:
            edge = self.parent[node_id]
            chain.append(edge)
            node_id = edge.source if edge.target == node_id else edge.target
        return list(reversed(chain))


def _weight(reached: Node) -> int:
    """Identities answer for their credentials more directly than the consumers of either do."""
    return 1 if reached.kind == NodeKind.IDENTITY else 2


def _other(edge: StoredEdge, node_id: str) -> str:
    return edge.target if edge.source == node_id else edge.source


def _reach_steps(depth: int) -> tuple[Step, ...]:
    """What the reach walk expands at `depth`: owners everywhere, and further only within REACH_DEPTH."""
    return _OWNER_STEP + (_REACH if depth < REACH_DEPTH else ())


def _reach(store: GraphStore, subject: Node, as_of: str | None, first: Expansion) -> _Walk:
    """`first`: the subject's own expansion, read with the subject itself (see `accountability`)."""
    walk = _Walk(distance={subject.id: 0}, nodes={subject.id: subject})
    frontier = [subject.id]
    for depth in range(REACH_DEPTH + 1):
        steps = _reach_steps(depth)
        found: dict[str, StoredEdge] = {}
        edges, ends, _ = first if depth == 0 else store.expand(frontier, steps, as_of=as_of)
        walk.read.update(ends)
        for edge in edges:
            if edge.kind == EdgeKind.OWNS:
                walk.owns.append(edge)
            elif edge.source_kind == NodeKind.PERSON:
                walk.consumers.append(edge)  # a person using a key is a lead, not an owner
            elif edge.source not in walk.distance and edge.source not in found:
                found[edge.source] = edge
        new_ids = sorted(found)
        if len(walk.distance) + len(new_ids) > REACH_CAP:
            new_ids = new_ids[: max(REACH_CAP - len(walk.distance), 0)]
            walk.truncated = True
        fetched = {i: ends[i] for i in new_ids if i in ends and node_visible(ends[i], as_of)}
        frontier = [i for i in new_ids if i in fetched]
        for node_id in frontier:
            walk.distance[node_id] = walk.distance[_other(found[node_id], node_id)] + _weight(fetched[node_id])
            walk.parent[node_id] = found[node_id]
            walk.nodes[node_id] = fetched[node_id]
        if not frontier:
            break
    return walk


@dataclass(slots=True)
class _People:
    """Owner resolution: person status, team members, manager chains."""

    nodes: dict[str, Node] = field(default_factory=dict)
    members: dict[str, list[StoredEdge]] = field(default_factory=dict)
    managers: dict[str, list[StoredEdge]] = field(default_factory=dict)

    def status(self, person_id: str) -> str:
        node = self.nodes.get(person_id)
        status = prop_str(node, "status") if node else ""
        return status if status in (_ACTIVE, _OFFBOARDED) else "unknown"


def _resolve_people(store: GraphStore, owners: list[StoredEdge], as_of: str | None, read: dict[str, Node]) -> _People:
    """`read`: nodes already read (the walk's far ends: the owners). Each expansion here also
    returns its far ends (members, managers), so a node is fetched only when no read held it:
    on Neo4j, one round trip fewer per level."""
    people = _People()
    read = dict(read)
    teams = sorted({e.source for e in owners if e.source_kind == NodeKind.TEAM})
    if teams:
        edges, ends, _ = store.expand(teams, _MEMBER_STEP, as_of=as_of)
        read.update(ends)
        for edge in edges:
            if edge.source_kind == NodeKind.PERSON and edge.target in teams:
                people.members.setdefault(edge.target, []).append(edge)
    persons = {e.source for e in owners if e.source_kind == NodeKind.PERSON}
    persons |= {e.source for edges in people.members.values() for e in edges[:MEMBER_CAP]}
    people.nodes.update(visible_nodes(store, sorted(persons | {e.source for e in owners}), as_of, read=read))
    frontier = sorted(p for p in persons if people.status(p) == _OFFBOARDED)
    for _ in range(MANAGER_DEPTH):
        if not frontier:
            break
        edges, ends, _ = store.expand(frontier, _MANAGER_STEP, as_of=as_of)
        read.update(ends)
        found = [e for e in edges if e.target in frontier]
        for edge in found:
            people.managers.setdefault(edge.target, []).append(edge)
        people.nodes.update(
            visible_nodes(store, sorted({e.source for e in found} - set(people.nodes)), as_of, read=read)
        )
        frontier = sorted({e.source for e in found if people.status(e.source) == _OFFBOARDED})
    return people


def _living_manager(people: _People, person_id: str) -> list[list[StoredEdge]]:
    """Manager chains (up to MANAGER_DEPTH) from an offboarded person to the first living manager."""
    chains: list[list[StoredEdge]] = []
    pending: list[tuple[str, list[StoredEdge]]] = [(person_id, [])]
    while pending:
        here, chain = pending.pop(0)
        for edge in people.managers.get(here, []):
            if edge.source in {e.source for e in chain} or edge.source == person_id:
                continue  # a cycle in the manager chain
            longer = [*chain, edge]
            if people.status(edge.source) != _OFFBOARDED:
                chains.append(longer)
            elif len(longer) < MANAGER_DEPTH:
                pending.append((edge.source, longer))
    return chains


def _owner_entry(edge: StoredEdge, distance: int, owner: Node | None, people: _People) -> OwnerEntry:
    if edge.source_kind == NodeKind.TEAM:
        living = [
            e.source for e in people.members.get(edge.source, [])[:MEMBER_CAP] if people.status(e.source) != _OFFBOARDED
        ]
        status = "active" if living else "no_active_member"
        accountable = sorted(living)
    else:
        status = people.status(edge.source)
        if status == _OFFBOARDED:
            accountable = sorted({c[-1].source for c in _living_manager(people, edge.source)})
        else:
            accountable = [edge.source]
    return OwnerEntry(
        id=edge.source,
        kind=edge.source_kind.value,
        name=owner.name if owner else "",
        status=status,
        distance=distance,
        owns=edge.target,
        provenance=prop_str(edge, "provenance"),
        accountable=accountable,
    )


def _chains(walk: _Walk, people: _People) -> list[Chain]:
    """Chains share most of their edges (the subject's own hops start every one of them): each
    edge becomes one Hop, which every chain through it holds (results are immutable)."""
    chains: list[Chain] = []
    made: dict[tuple[str, str, str], Hop] = {}

    def hops(edges: list[StoredEdge]) -> list[Hop]:
        return [made.get(e.key) or made.setdefault(e.key, hop(e)) for e in edges]

    for edge in sorted(walk.owns, key=lambda e: (walk.distance[e.target], e.key)):
        base = [*walk.path(edge.target), edge]
        distance = walk.distance[edge.target]
        tails: list[tuple[str, list[StoredEdge]]] = []
        if edge.source_kind == NodeKind.TEAM:
            for member in people.members.get(edge.source, [])[:MEMBER_CAP]:
                if people.status(member.source) != _OFFBOARDED:
                    tails.append(("team_member", [member]))
        else:
            tails.append(("owner", []))
            if people.status(edge.source) == _OFFBOARDED:
                tails += [("manager", chain) for chain in _living_manager(people, edge.source)]
        for role, tail in tails:
            person = tail[-1].source if tail else edge.source
            edges = base + tail
            chains.append(
                Chain(
                    person=person,
                    person_status=people.status(person),
                    role=role,
                    distance=distance,
                    hops=hops(edges),
                )
            )
    for edge in walk.consumers:
        edges = [*walk.path(edge.target), edge]
        status = people.status(edge.source)
        chains.append(
            Chain(
                person=edge.source,
                person_status=status,
                role="consumer",
                distance=walk.distance[edge.target],
                hops=hops(edges),
            )
        )
    return chains[:CHAIN_CAP]


def _agree(nearest: list[OwnerEntry]) -> bool:
    """Living owners agree when they are one owner, or one team and people who belong to it."""
    ids = {o.id for o in nearest}
    if len(ids) == 1:
        return True
    teams = [o for o in nearest if o.kind == NodeKind.TEAM.value]
    if len({t.id for t in teams}) != 1:
        return False
    members = set(teams[0].accountable)
    return all(o.id in members for o in nearest if o.kind == NodeKind.PERSON.value)


def _offboarded_action(subject: str, nearest: list[OwnerEntry]) -> str:
    parts = []
    for owner in nearest:
        if owner.kind == NodeKind.TEAM.value:
            parts.append(f"team {owner.id} has no active member: assign a new owner to {subject}")
        elif owner.accountable:
            parts.append(f"transfer ownership from offboarded {owner.id} to manager {', '.join(owner.accountable)}")
        else:
            parts.append(f"transfer ownership from offboarded {owner.id} (no active manager on record): assign owner")
    return "; ".join(dict.fromkeys(parts))


def _judge(subject: Node, owners: list[OwnerEntry], consumers: list[str]) -> tuple[Verdict, str, list[str]]:
    provider = subject.props.get("managed_by") if subject.kind == NodeKind.IDENTITY else None
    if not owners and provider:
        why = subject.props.get("nature_reason") or f"managed by {provider}"
        note = f"owned by {provider}, not by anyone in the estate: {why}"
        return Verdict.PROVIDER_OWNED, f"no owner to assign: {provider} owns {subject.id}; review what uses it", [note]
    if not owners:
        lead = f" (candidates: people who use it: {', '.join(consumers)})" if consumers else ""
        return Verdict.ORPHANED, f"assign owner to {subject.id}{lead}", []
    best = min(o.distance for o in owners)
    nearest = [o for o in owners if o.distance == best]
    living = [o for o in nearest if o.status in (_ACTIVE, "unknown")]
    gone = [o for o in nearest if o not in living]
    if not living:
        return Verdict.OWNER_OFFBOARDED, _offboarded_action(subject.id, gone), []
    notes = [f"nearest owner {o.id} is {o.status}" for o in gone]
    if not _agree(living):
        names = ", ".join(sorted({o.id for o in living}))
        return Verdict.AMBIGUOUS, f"split {subject.id} or confirm a single owner among: {names}", notes
    chosen = sorted(living, key=lambda o: (o.kind != NodeKind.TEAM.value, o.id))[0]
    action = f"confirm owner {chosen.id}"
    if best > 0:
        action += f" (owns {chosen.owns}) and record it on {subject.id}"
    if gone:
        action += "; remove offboarded owner " + ", ".join(sorted({o.id for o in gone}))
    return Verdict.OWNED, action, notes


def _team_itself(store: GraphStore, team: Node, as_of: str | None) -> tuple[list[OwnerEntry], list[Chain]]:
    """A team nobody owns answers for itself through its members: its own owner at distance 0
    (so a team whose members have all left is owner_offboarded, not orphaned)."""
    members = [
        e
        for e in expand_visible(store, [team.id], _MEMBER_STEP, as_of)
        if e.source_kind == NodeKind.PERSON and e.target == team.id
    ][:MEMBER_CAP]
    people = _People(nodes=visible_nodes(store, sorted({e.source for e in members}), as_of))
    living = [e for e in members if people.status(e.source) != _OFFBOARDED]
    entry = OwnerEntry(
        id=team.id,
        kind=NodeKind.TEAM.value,
        name=team.name,
        status="active" if living else "no_active_member",
        distance=0,
        owns=team.id,
        accountable=sorted(e.source for e in living),
    )
    chains = [
        Chain(person=e.source, person_status=people.status(e.source), role="team_member", distance=0, hops=[hop(e)])
        for e in living
    ]
    return [entry], chains


def _once_per_owner(entries: list[OwnerEntry]) -> list[OwnerEntry]:
    """The nearest entry of each owner (entries come sorted by distance), with the other nodes it
    owns in `also_owns`: a person who owns a key and its IAM user was listed twice."""
    first: dict[str, OwnerEntry] = {}
    others: dict[str, list[str]] = {}
    for entry in entries:
        if entry.id in first:
            others.setdefault(entry.id, []).append(entry.owns)
        else:
            first[entry.id] = entry
    return [e.model_copy(update={"also_owns": sorted(others[e.id])}) if e.id in others else e for e in first.values()]


def _claimants(walk: _Walk, subject: Node) -> list[str]:
    """The identities a single-holder credential is claimed by, when more than one (else [])."""
    if subject.kind != NodeKind.CREDENTIAL or not single_holder(subject):
        return []
    holders = sorted(
        {
            e.source
            for e in walk.parent.values()
            if e.kind == EdgeKind.HAS_CREDENTIAL and e.target == subject.id and e.source_kind == NodeKind.IDENTITY
        }
    )
    return holders if len(holders) > 1 else []


def accountability(store: GraphStore, node_id: str, *, as_of: str | None = None) -> AccountabilityResult:
    """Chains from a node to its accountable people, owner liveness, a verdict and an action."""
    as_of = check_time(as_of)
    check_id(node_id)
    # the subject and its first level in one read (on Neo4j, one round trip fewer)
    first = store.expand([node_id], _reach_steps(0), as_of=as_of)
    subject = require_node(store, node_id, as_of, read=first.starts)
    walk = _reach(store, subject, as_of, first)
    people = _resolve_people(store, walk.owns, as_of, walk.read)
    owner_nodes = {e.source: people.nodes[e.source] for e in walk.owns if e.source in people.nodes}
    walk.owns = [e for e in walk.owns if e.source in owner_nodes]
    entries = {
        (e.source, e.target): _owner_entry(e, walk.distance[e.target], owner_nodes.get(e.source), people)
        for e in walk.owns
    }
    owners = _once_per_owner(sorted(entries.values(), key=lambda o: (o.distance, o.id, o.owns)))
    consumers = sorted({e.source for e in walk.consumers})
    chains = _chains(walk, people)
    if not owners and subject.kind == NodeKind.TEAM:
        owners, chains = _team_itself(store, subject, as_of)
    verdict, action, notes = _judge(subject, owners, consumers)
    claimants = _claimants(walk, subject)
    if claimants:
        verdict = Verdict.AMBIGUOUS
        notes = [f"claimed by {len(claimants)} identities: {', '.join(claimants)}", *notes]
        action = (
            f"find which identity really holds {subject.id} (an access key belongs to one IAM user; "
            f"the evidence shows {len(claimants)}), then revoke it or correct the records"
        )
    return AccountabilityResult(
        subject=node_ref(subject),
        verdict=verdict,
        owners=owners,
        chains=chains,
        action=action,
        notes=notes,
        truncated=walk.truncated or len(chains) >= CHAIN_CAP,
    )
