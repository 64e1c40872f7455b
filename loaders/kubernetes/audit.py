"""Kubernetes audit logs (`audit.k8s.io/v1` / `v1beta1` events) → sessions, touches and Changes.

Framings (JSON lines, EventList, the EKS CloudWatch export, AKS diagnostics) and the checks at
the boundary are loaders/kubernetes/audit_event.py; what an event touched and which Change it is,
loaders/kubernetes/audit_targets.py; the sessions and how stages count once,
loaders/kubernetes/audit_sessions.py; what is written, loaders/kubernetes/audit_emit.py.

`transform` reduces an event to an `Observed` and hands it to the session state; nothing is
written per event. `finish` counts the requests only an early stage was read of, then writes
the sessions and the Changes they made. `prepare` reads from the graph what matching needs:
pod, workload and runner addresses (FROM by source IP) and the people (STARTED when a user
name is a person's email or known user name).

Secret values: a Secret's request and response objects hold its `data`; neither is ever read
(loaders/kubernetes/audit_targets.py reads a binding's request object only).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from graph import ids
from graph.errors import LoadError, ModelError
from graph.model import Node, validate_id
from graph.schema import EdgeKind, NodeKind
from loaders.base import Item, KnownNodes, LoadContext, Loader, Record, Sample, SourceFile, evidenced_edge
from loaders.kubernetes.audit_emit import NAME, Emitter, People, arrivals, evidence_of
from loaders.kubernetes.audit_event import AuditRecord, check_event, event_time, read_audit
from loaders.kubernetes.audit_sessions import Actor, AuditState, Observed
from loaders.kubernetes.audit_targets import Target, binding_detail, change_id, change_type, target_of
from loaders.sessions import AddressBook, all_nodes
from loaders.sessions.hops import shared_hops

__all__ = ["AuditLoader", "sniff_audit"]

STATE = "k8s_audit"
_CREDENTIAL_ID = "authentication.kubernetes.io/credential-id"
_edge = functools.partial(evidenced_edge, NAME)
_SPACE = re.compile(r"\s")
_REF_KEYS = ("resource", "subresource", "name", "namespace")


def sniff_audit(text: str) -> bool:
    """An audit event, an EventList, or an EKS / AKS export of them, judged by the file's head."""
    if '"audit.k8s.io/v1' in text or "Amazon.EKS.Audit" in text:
        return True
    if '"kube-apiserver-audit' in text or ('"/aws/eks/' in text and '"logEvents"' in text):
        return True
    if '"category": "kube-audit"' in text or '"category":"kube-audit"' in text:
        return True
    return '"auditID"' in text and '"verb"' in text and '"user"' in text


def _denied(event: dict[str, Any]) -> str:
    status = event.get("responseStatus")
    code = status.get("code") if isinstance(status, dict) else None
    if isinstance(code, int) and not isinstance(code, bool) and code >= 400:
        reason = status.get("reason") if isinstance(status, dict) else None
        return f"{code} {reason}" if isinstance(reason, str) and reason.isalnum() else str(code)
    annotations = event.get("annotations")
    if isinstance(annotations, dict) and annotations.get("authorization.k8s.io/decision") == "forbid":
        return "forbidden by the authorizer"
    return ""


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if type(v) is str and v and not _SPACE.search(v))


def _credential_id(user: dict[str, Any]) -> str:
    extra = user.get("extra")
    found = _strings(extra.get(_CREDENTIAL_ID)) if isinstance(extra, dict) else ()
    return found[0][:200] if found else ""


class AuditLoader(Loader[AuditRecord]):
    name = NAME
    description = "Kubernetes audit log (audit.k8s.io/v1 JSON lines, EventList, EKS CloudWatch and AKS exports)"

    def sniff(self, sample: Sample) -> bool:
        return sniff_audit(sample.text)

    def parse(self, source: SourceFile) -> Iterator[Record[AuditRecord] | LoadError]:
        return read_audit(source)

    def prepare(self, ctx: LoadContext, known: KnownNodes) -> None:
        people: People = {}
        for node in all_nodes(known, NodeKind.PERSON):
            email = node.props.get("email")
            for name in [email] if isinstance(email, str) else []:
                people[name.lower()] = node.id
            listed = node.props.get("usernames")
            for name in listed if isinstance(listed, list) else []:
                people.setdefault(str(name).lower(), node.id)
            if node.id.startswith("person:"):
                people.setdefault(node.id.removeprefix("person:"), node.id)
        ctx.state[STATE + ".people"] = people
        ctx.state[STATE + ".book"] = AddressBook.from_graph(known)
        # a kubectl run from a host (its source IP a host's address) came FROM the session on that
        # host at the time: this load's sessions are arrivals of the shared hop index (never visits:
        # an API request is not a session on a host), asked for once every transform is done
        shared_hops(ctx.state, known).providers[NAME] = lambda: arrivals(ctx.state.get(STATE))

    def transform(self, record: Record[AuditRecord], ctx: LoadContext) -> Iterable[Item]:
        state: AuditState | None = ctx.state.get(STATE)
        if state is None:
            state = ctx.state[STATE] = AuditState(ctx.session_gap_minutes * 60)
        event, where = record.value.event, record.location
        verb, username = check_event(event, where)
        cluster = ctx.cluster or record.value.cluster or "default"
        moment = event_time(event, record.value.fallback_time, where)
        seconds, text = moment if moment is not None else (0, "")
        actor = self._actor(state, cluster, username, where)
        user = event["user"]
        ips = _strings(event.get("sourceIPs"))
        agent = event.get("userAgent")
        agent = agent.strip()[:300] if isinstance(agent, str) else ""
        # an undated event joins its actor's one undated session; a dated one its credential's, else its place's
        how = "" if moment is None else (_credential_id(user) or f"{ips[0] if ips else '-'}|{agent or '-'}")
        group = (cluster, username, how, "dated" if moment is not None else "undated")
        ref = event.get("objectRef")
        try:  # events repeat their targets: cache by what target_of reads (the URI only without an objectRef)
            memo = (
                (cluster, verb, tuple(ref.get(k) for k in _REF_KEYS))
                if type(ref) is dict and ref.get("resource")
                else None
            )
            hash(memo)
        except TypeError:
            memo = None
        found = state.targets.get(memo) if memo is not None else None
        if found is None:
            try:
                found = target_of(cluster, event)
                validate_id(found[0].id)  # written in finish: a bad one there would fail the whole file
            except ModelError as error:
                raise where.error(f"audit event with an unusable objectRef: {error}") from None
            if memo is not None and len(state.targets) < 100_000:
                state.targets[memo] = found
        target, action = found
        locator = where.locator + (f" item {where.record}" if where.record is not None and where.line else "")
        if moment is None:
            locator += " (event has no timestamp: undated session)"
        pointer = (text, where.file, locator or "record")
        denied = _denied(event)
        annotations = event.get("annotations")
        grant = annotations.get("authorization.k8s.io/reason") if isinstance(annotations, dict) else None
        change, change_items = ("", ()) if denied else self._change(cluster, event, verb, target, pointer, ips)
        observed = Observed(
            group, actor, seconds, text, pointer, ips, agent, target, action, denied,
            grant[:300] if isinstance(grant, str) else "", _impersonated(cluster, event), change, change_items,
        )  # fmt: skip
        stage = event.get("stage")
        audit_id = event.get("auditID")
        key = None
        if isinstance(audit_id, str) and audit_id:
            key = (audit_id, cluster, username, verb, str(event.get("requestURI")), action)
        state.offer(key, stage if isinstance(stage, str) else "", observed)
        return ()

    def _actor(self, state: AuditState, cluster: str, username: str, where: Any) -> Actor:
        found = state.actors.get((cluster, username))
        if found is None:
            try:
                identity = ids.k8s_audit_user(cluster, username)
            except ModelError as error:
                raise where.error(f"audit event with an unusable user: {error}") from None
            parts = username.split(":")
            account = (parts[2], parts[3]) if identity.startswith(f"k8s:{cluster}:sa:") else None
            found = state.actors[(cluster, username)] = Actor(username, identity, account, cluster)
        return found

    def _change(
        self, cluster: str, event: dict[str, Any], verb: str, target: Target, pointer: tuple[str, str, str],
        ips: tuple[str, ...],
    ) -> tuple[str, tuple[Item, ...]]:  # fmt: skip
        kind = change_type(verb, event)
        if kind is None:
            return "", ()
        at, file, locator = pointer
        change = change_id(cluster, event, file, locator)
        audit_id = event.get("auditID")
        node = Node.make(
            id=change, kind=NodeKind.CHANGE, subtype="k8s.audit.change", name=f"{verb} {target.name}",
            props={"platform": "k8s", "action": f"{verb} {target.subtype.removeprefix('k8s.')}", "change_type": kind,
                   "at": at or None, "actor": event["user"]["username"], "detail": binding_detail(event) or None,
                   "source_ip": ips[0] if ips else None,
                   "event_id": audit_id if isinstance(audit_id, str) and audit_id else None},
            first_seen=at or None, last_seen=at or None, sources=(NAME,),
        )  # fmt: skip
        edge = _edge(change, NodeKind.CHANGE, EdgeKind.TARGETS, target.id, target.kind, evidence_of([pointer])[0],
                     field=target.subtype.removeprefix("k8s."))  # fmt: skip
        return change, (node, edge)

    def finish(self, ctx: LoadContext) -> Iterable[Item]:
        state: AuditState | None = ctx.state.pop(STATE, None)
        if state is None:
            return ()
        state.flush()
        emitter = Emitter(
            state,
            ctx.state.get(STATE + ".people") or {},
            ctx.state.get(STATE + ".book") or AddressBook(),
            shared_hops(ctx.state),
        )
        if state.skipped_stages:
            ctx.notes.append(f"{NAME}: {state.skipped_stages} events were further stages of a request already counted")
        if state.seen_overflow:
            ctx.notes.append(f"{NAME}: too many requests to remember every auditID; some stages may count twice")
        changes = state.change_items
        return _chain(emitter.items(), (item for change in sorted(changes) for item in changes[change]))


def _chain(*parts: Iterable[Item]) -> Iterator[Item]:
    for part in parts:
        yield from part


def _impersonated(cluster: str, event: dict[str, Any]) -> Target | None:
    found = event.get("impersonatedUser")
    name = found.get("username") if isinstance(found, dict) else None
    if not isinstance(name, str) or not name.strip() or _SPACE.search(name.strip()):
        return None
    identity = ids.k8s_audit_user(cluster, name.strip())
    if identity.startswith(f"k8s:{cluster}:sa:"):
        _, _, space, account = name.strip().split(":")
        return Target(identity, NodeKind.IDENTITY, "k8s.serviceaccount", f"{space}/{account}", space)
    return Target(identity, NodeKind.IDENTITY, "k8s.user", name.strip(), "")
