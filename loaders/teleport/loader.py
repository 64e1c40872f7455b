"""Teleport audit events (JSON lines of the file backend or an export) → proxy sessions on hosts
and databases, their commands and queries, and access requests as approvals.

Fields read: loaders/teleport/events.py; aggregation: loaders/teleport/sessions.py; the graph:
loaders/teleport/emit.py. Events keytrail does not read (role.created, lock.created, ...) are
skipped, not errors; a malformed event (a bad `time`, a session event without `sid`) is a
located error and the events around it still load.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from graph.errors import LoadError
from graph.k8s_api import INTERACTIVE
from graph.model import EVIDENCE_LIMIT
from loaders.base import Item, KnownNodes, LoadContext, Loader, Location, Record, Sample, SourceFile
from loaders.formats.json import iter_json_documents
from loaders.sessions import AddressBook, SessionIndex, Touch
from loaders.sessions.hops import epoch, shared_hops
from loaders.teleport.emit import emit, host_sessions
from loaders.teleport.events import REQUEST_EVENTS, SESSION_EVENTS, TeleportEvent, read_event
from loaders.teleport.sessions import Request, RequestReview, TeleportState, TpSession

__all__ = ["NAME", "TeleportLoader"]

NAME = "teleport-audit"
_STATE, _PLACES = "teleport", "teleport.places"
_CODE = re.compile(r'"code"\s*:\s*"T[A-Za-z0-9]{4,6}"')
_EVENT = re.compile(r'"event"\s*:\s*"[a-z_]+(?:\.[a-z_]+)+"')
DEFAULT_CLUSTER = "teleport"


def _state(ctx: LoadContext) -> TeleportState:
    state = ctx.state.get(_STATE)
    if state is None:
        gap = ctx.session_gap_minutes * 60
        state = ctx.state[_STATE] = TeleportState(kube_index=SessionIndex(gap, TpSession))
    return state


class TeleportLoader(Loader[Mapping[str, Any]]):
    name = NAME
    description = "Teleport audit events (JSON lines: sessions, commands, queries, access requests)"

    def sniff(self, sample: Sample) -> bool:
        head = sample.text.lstrip()[:16384]
        return head.startswith("{") and bool(_CODE.search(head)) and bool(_EVENT.search(head)) and '"uid"' in head

    def parse(self, source: SourceFile) -> Iterator[Record[Mapping[str, Any]] | LoadError]:
        for parsed in iter_json_documents(source):
            if isinstance(parsed, LoadError) or isinstance(parsed.value, Mapping):
                yield parsed
            else:
                yield parsed.location.error("a Teleport event must be a JSON object")

    def prepare(self, ctx: LoadContext, known: KnownNodes) -> None:
        shared_hops(ctx.state, known).providers[NAME] = lambda: host_sessions(_state(ctx))
        ctx.state[_PLACES] = AddressBook.from_graph(known)

    def transform(self, record: Record[Mapping[str, Any]], ctx: LoadContext) -> Iterable[Item]:
        try:
            event = read_event(record.value, ctx.cluster or DEFAULT_CLUSTER)
        except ValueError as exc:
            raise record.location.error(str(exc)) from None
        if event is not None:
            _observe(_state(ctx), event, record.location)
        return ()

    def finish(self, ctx: LoadContext) -> Iterable[Item]:
        state = ctx.state.get(_STATE)
        if state is None:
            return ()
        return emit(state, shared_hops(ctx.state), ctx.state.get(_PLACES) or AddressBook(), ctx.notes)


def _observe(state: TeleportState, event: TeleportEvent, where: Location) -> None:
    pointer = (event.at, where.file, where.locator)
    if event.impersonator or (event.cluster, event.user) not in state.users:
        state.users[(event.cluster, event.user)] = event.impersonator
    if event.kind == "user.login":
        if not event.success:
            key = (event.cluster, event.user)
            state.failed_logins[key] = state.failed_logins.get(key, 0) + 1
        return
    if event.kind in REQUEST_EVENTS:
        _request(state, event, pointer)
        return
    if event.kind not in SESSION_EVENTS:
        return
    if event.server_id and event.server_hostname:
        state.servers[(event.cluster, event.server_id)] = (event.server_hostname, event.server_ip)
    if event.sid:
        session = state.index.session_for((event.cluster, event.sid), epoch(event.at), event.at, event.user)
    else:  # a kube.request outside an exec stream: per user and Kubernetes cluster, by time
        group = (event.cluster, event.user, event.kube_cluster)
        session = state.kube_index.session_for(group, epoch(event.at), event.at, event.user)
    _fill(session, event, pointer)
    _targets(session, event, pointer)


def _fill(session: Any, event: TeleportEvent, pointer: Any) -> None:
    for name in ("cluster", "sid", "user", "login", "impersonator", "server_id", "db_service", "db_user"):
        if not getattr(session, name):
            setattr(session, name, getattr(event, name))
    if event.server_hostname and not session.hostname:
        session.hostname = event.server_hostname
    if event.server_ip and not session.server_ip:
        session.server_ip = event.server_ip
    if event.remote_ip:
        session.ips.add(event.remote_ip)
    session.access_requests.update(event.access_requests)
    session.kinds.add(event.kind)
    session.count += 1
    session.evidence.append(pointer)
    if event.kind in ("session.command", "exec") and event.command:
        if event.kube_cluster and event.kube_name:  # `kubectl exec` through Teleport: run in the pod
            key = (event.kube_resource, event.kube_namespace, event.kube_name)
            session.kube_commands.append((key, event.command, pointer))
        else:
            session.commands.append((event.command, pointer))
    if event.kind == "db.session.query" and event.query:
        session.queries.append((event.query, pointer))
        if not event.impersonator and not event.user.startswith("bot-"):
            session.interactive = True  # a person's queries at a database prompt (`tsh db connect`)
    if event.kind == "session.end":
        session.ended = True
        session.interactive = session.interactive or event.interactive
    if event.kind == "session.start" and not event.command:
        session.interactive = True  # a shell with no initial command: a person at a terminal


_HTTP_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch"}


def _kube_verb(event: TeleportEvent) -> str:
    """The Kubernetes verb of a proxied request, as the cluster's audit log would name it."""
    method = event.http_verb or ("POST" if event.kind == "exec" else "GET")
    if method == "GET":
        return "get" if event.kube_name else "list"  # a watch is a GET too: Teleport's event does not tell
    if method == "DELETE":
        return "delete" if event.kube_name else "deletecollection"
    return _HTTP_VERBS.get(method, method.lower())


def _touch(touches: dict[Any, Touch[Any]], key: Any, event: TeleportEvent, pointer: Any) -> Touch[Any]:
    touch = touches.get(key)
    if touch is None:
        touch = touches[key] = Touch(key, epoch(event.at), event.at)
    else:
        touch.seen(epoch(event.at), event.at)
    touch.count += 1
    if len(touch.evidence) < 2 * EVIDENCE_LIMIT:
        touch.evidence.append(pointer)
    return touch


def _targets(session: TpSession, event: TeleportEvent, pointer: Any) -> None:
    """What a kube request or exec, an app session or a network connection reached."""
    if event.kube_cluster:
        session.kube_cluster = session.kube_cluster or event.kube_cluster
        session.kube_users.update(event.kube_users)
        session.kube_groups.update(event.kube_groups)
        if event.kube_resource:
            key = (event.kube_resource, event.kube_namespace, event.kube_name)
            touch = _touch(session.kube, key, event, pointer)
            sub = f"/{event.kube_subresource}" if event.kube_subresource else ""
            touch.actions.add(f"{_kube_verb(event)} {event.kube_resource}{sub}")
            touch.errors += event.response_code >= 400
            if event.kube_subresource in INTERACTIVE:
                session.interactive = True
    if event.app_name:
        _touch(session.apps, event.app_name, event, pointer).actions.add(event.kind)
        session.app_addresses.setdefault(event.app_name, (event.app_uri, event.app_public_addr))
    if event.kind == "session.network" and event.dst_addr:
        touch = _touch(session.connections, (event.dst_addr, event.dst_port), event, pointer)
        touch.actions.add(event.program or "connect")


def _request(state: TeleportState, event: TeleportEvent, pointer: Any) -> None:
    request = state.requests.setdefault((event.cluster, event.request_id), Request(event.cluster, event.request_id))
    request.evidence.append(pointer)
    request.max_duration = event.max_duration or request.max_duration
    if event.kind == "access_request.create":
        request.requester, request.roles, request.reason = event.user, event.roles, event.reason
        request.created = event.at
        if not request.resolved_at:  # a resolution read first keeps its state
            request.state = (event.state or request.state).upper()
        if event.expires and not (request.resolved_at and request.expires):  # and its expiry
            request.expires = event.expires
    elif event.kind == "access_request.review":
        decision = (event.proposed_state or event.state).upper()
        request.reviews.append(RequestReview(event.at, event.reviewer or event.user, decision, event.reason))
        if event.proposed_state and event.state:  # the request's state after this review
            request.resolve(event.state, event.at, "", event.expires)
    elif event.state:  # access_request.update: the resolution
        request.resolve(event.state, event.at, event.updated_by, event.expires)
