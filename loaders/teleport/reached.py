"""What a Teleport session reached beyond a host or a database: Kubernetes objects through the kube
proxy, applications through the app proxy, and the addresses a host session's programs connected to.

- `kube.request` and a kube `exec`: the session ACTED_AS each Kubernetes user Teleport impersonated
  (`kubernetes_users`; `system:serviceaccount:…` is the ServiceAccount) and TOUCHED each object it
  requested, by the rules the cluster's own audit log uses (graph/k8s_api.py), with actions named
  as that log names them (`get pods`, `create pods/exec`), so a pod exec'd through Teleport is the
  pod of the manifests, and the rules on exec (KT-NHI10-002) and the story's reach see it.
- `app.session.start`: TOUCHED the application (`teleport.app`, with its URI and public address).
- `session.network` (enhanced session recording): TOUCHED the Workload (a host, an instance) at the
  destination address when one is known, with the programs as actions; every destination is on the
  session (`network`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graph import ids
from graph.errors import ModelError
from graph.k8s_api import api_node, api_target, service_account_node, user_node
from graph.model import Edge, Evidence, Node
from graph.schema import EdgeKind, NodeKind
from graph.values.teleport import TeleportSubtype
from loaders.base import Item
from loaders.sessions import AddressBook, Touch, pointer_evidence, trim_evidence
from loaders.sessions.commands import MAX_COMMANDS, mask_command
from loaders.teleport.sessions import TpSession

__all__ = ["MAX_DESTINATIONS", "apps", "connections", "destinations", "kube_requests"]

MAX_DESTINATIONS = 50
_N, _E = NodeKind, EdgeKind


def _touched(sid: str, target: str, kind: NodeKind, touch: Touch[Any], source: str, **props: Any) -> Edge:
    return Edge.make(
        source=sid, source_kind=_N.SESSION, kind=_E.TOUCHED, target=target, target_kind=kind,
        props={"actions": sorted(touch.actions), "errors": touch.errors, **props},
        first_seen=touch.first_text, last_seen=touch.last_text, count=max(touch.count, 1),
        sources=(source,), evidence=pointer_evidence(trim_evidence(touch.evidence)), origin=sid,
    )  # fmt: skip


def kube_requests(sid: str, session: TpSession, evidence: tuple[Evidence, ...], source: str) -> Iterator[Item]:
    cluster = session.kube_cluster
    for user in sorted(session.kube_users):
        try:
            identity = ids.k8s_audit_user(cluster, user)
        except ModelError:
            continue
        parts = user.split(":")
        if identity.startswith(f"k8s:{cluster}:sa:"):
            yield service_account_node(cluster, parts[2], parts[3], source=source)
        else:
            yield user_node(cluster, user, source=source)
        yield Edge.make(
            source=sid, source_kind=_N.SESSION, kind=_E.ACTED_AS, target=identity, target_kind=_N.IDENTITY,
            props={"session_name": user, "matched_by": "kubernetes_users"}, first_seen=session.start_text,
            last_seen=session.end_text, count=1, sources=(source,), evidence=evidence, origin=sid,
        )  # fmt: skip
    for key in sorted(session.kube):
        resource, namespace, name = key
        try:
            target = api_target(cluster, resource, namespace, name)
        except ModelError:
            continue
        node = api_node(target, source)
        if node is None:
            continue
        yield node
        commands = sorted({mask_command(c) for k, c, _p in session.kube_commands if k == key})[:MAX_COMMANDS]
        yield _touched(sid, target.id, target.kind, session.kube[key], source, commands=commands or None)


def apps(sid: str, session: TpSession, source: str) -> Iterator[Item]:
    for app in sorted(session.apps):
        try:
            app_id = ids.teleport_app(session.cluster, app)
        except ModelError:
            continue
        uri, public = session.app_addresses.get(app, ("", ""))
        yield Node.make(
            id=app_id, kind=_N.RESOURCE, subtype=TeleportSubtype.APP, name=app,
            props={"platform": "teleport", "resource_type": "application", "cluster": session.cluster,
                   "app_uri": uri or None, "url": f"https://{public}" if public else None},
            sources=(source,),
        )  # fmt: skip
        yield _touched(sid, app_id, _N.RESOURCE, session.apps[app], source)


def destinations(session: TpSession) -> list[str]:
    """`ip:port` of every connection the session's programs made (the first MAX_DESTINATIONS)."""
    return [f"{ip}:{port}" if port else ip for ip, port in sorted(session.connections)][:MAX_DESTINATIONS]


def connections(sid: str, session: TpSession, places: AddressBook, source: str) -> Iterator[Item]:
    by_place: dict[tuple[str, NodeKind], list[Touch[Any]]] = {}
    for (ip, _port), touch in sorted(session.connections.items()):
        place = places.place(ip)
        if place is not None and place[1] == _N.WORKLOAD:  # a runner is where sessions come from, not a target
            by_place.setdefault(place, []).append(touch)
    for (place_id, kind), touches in sorted(by_place.items()):
        merged = Touch(touches[0].target, touches[0].first, touches[0].first_text)
        for touch in touches:
            merged.absorb(touch)
        yield _touched(sid, place_id, kind, merged, source)
