"""What one Teleport audit event says, read by its documented JSON fields.

Field names are those of Teleport's event types (api/proto/teleport/legacy/types/events/
events.proto, as the file backend and the event handler write them): `event`, `code`, `time`,
`uid`, `cluster_name`; user metadata `user`, `login`, `impersonator`, `access_requests`; session
metadata `sid`; server metadata `server_id`, `server_hostname`, `server_addr`; connection metadata
`addr.remote` (some exporters flatten it to `addr_remote`); `session.command`'s `path`/`argv`;
`exec`'s `command`; database events' `db_service`, `db_name`, `db_user`, `db_query`;
`session.end`'s `session_start`/`session_stop`/`interactive`; access requests' `id`, `state`,
`roles`, `reason`, `reviewer`, `proposed_state` (a review's decision; its `state` is the request's
state after it), `updated_by`, `expires` (the access expiry), `max_duration`; `kube.request`'s
`kubernetes_cluster`, `kubernetes_users`, `kubernetes_groups`, `verb` (the HTTP method),
`request_path`, `resource_kind` (the plural resource), `resource_namespace`, `resource_name`,
`response_code`, and a kube `exec`'s `kubernetes_pod_namespace`/`kubernetes_pod_name`;
`app.session.start`'s `app_name`, `app_uri`, `app_public_addr`; `session.network`'s `dst_addr`,
`dst_port`, `program`.

A `kube.request` needs no `sid` (Teleport's reference example has none): requests outside an
exec stream are grouped per user and Kubernetes cluster by time (loaders/teleport/sessions.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.errors import ModelError
from graph.model import canonical_timestamp
from loaders.base import id_problem

__all__ = ["SESSION_EVENTS", "TeleportEvent", "read_event"]

SESSION_EVENTS = frozenset(
    {"session.start", "session.end", "session.command", "session.network", "session.join", "session.leave",
     "session.data", "exec", "db.session.start", "db.session.query", "db.session.end", "kube.request",
     "app.session.start"}
)  # fmt: skip
REQUEST_EVENTS = frozenset({"access_request.create", "access_request.update", "access_request.review"})
_ID_FIELDS = {
    "cluster": "cluster_name", "user": "user", "sid": "sid", "request_id": "id", "login": "login",
    "server_hostname": "server_hostname", "db_service": "db_service", "db_user": "db_user", "app_name": "app_name",
    "reviewer": "reviewer", "kube_cluster": "kubernetes_cluster",
}  # fmt: skip
"""TeleportEvent attributes that go into graph ids (the event's field each is read from): ids are
built in `finish`, where one bad value would fail the whole file, so they are checked here."""


def _text(event: Mapping[str, Any], name: str) -> str:
    value = event.get(name)
    return value.strip() if isinstance(value, str) else ""


def _strings(value: object) -> list[str]:
    return [str(v) for v in value if isinstance(v, str | int | float)] if isinstance(value, list) else []


def _address(value: str) -> str:
    """The IP of `host:port`, `[v6]:port` or a bare IP."""
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else ""
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


@dataclass(frozen=True, slots=True)
class TeleportEvent:
    kind: str
    code: str
    at: str
    cluster: str
    user: str
    sid: str = ""
    login: str = ""
    impersonator: str = ""
    access_requests: tuple[str, ...] = ()
    server_id: str = ""
    server_hostname: str = ""
    server_ip: str = ""
    remote_ip: str = ""
    command: str = ""
    db_service: str = ""
    db_name: str = ""
    db_user: str = ""
    query: str = ""
    interactive: bool = False
    ended: str = ""
    request_id: str = ""
    state: str = ""
    roles: tuple[str, ...] = ()
    reason: str = ""
    reviewer: str = ""
    proposed_state: str = ""
    updated_by: str = ""
    expires: str = ""
    max_duration: str = ""
    success: bool = True
    kube_cluster: str = ""
    kube_users: tuple[str, ...] = ()
    kube_groups: tuple[str, ...] = ()
    kube_resource: str = ""
    kube_namespace: str = ""
    kube_name: str = ""
    kube_subresource: str = ""
    http_verb: str = ""
    response_code: int = 0
    app_name: str = ""
    app_uri: str = ""
    app_public_addr: str = ""
    dst_addr: str = ""
    dst_port: int = 0
    program: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def _int(event: Mapping[str, Any], name: str) -> int:
    value = event.get(name)
    return value if type(value) is int and 0 <= value < 1 << 32 else 0


def _subresource(path: str, resource: str, name: str) -> str:
    """`exec` of `/api/v1/namespaces/ns/pods/web/exec`: what follows the object's name in the path."""
    parts = path.split("?", 1)[0].strip("/").split("/")
    for at in range(len(parts) - 2):
        if parts[at] == resource and parts[at + 1] == name:
            return parts[at + 2].lower()
    return ""


def _kube(event: Mapping[str, Any]) -> dict[str, Any]:
    """The Kubernetes side of a `kube.request` or kube `exec`: cluster, impersonated users and
    groups, the object (a kube exec names its pod) and the subresource."""
    cluster = _text(event, "kubernetes_cluster")
    if not cluster:
        return {}
    resource = _text(event, "resource_kind").lower()
    namespace = _text(event, "resource_namespace") or _text(event, "kubernetes_pod_namespace")
    name = _text(event, "resource_name")
    if not resource and _text(event, "kubernetes_pod_name"):
        resource, name = "pods", _text(event, "kubernetes_pod_name")
    path = _text(event, "request_path")
    sub = _subresource(path, resource, name) if resource and name and path else ""
    if _text(event, "event") == "exec" and resource == "pods":
        sub = sub or "exec"
    return {
        "kube_cluster": cluster, "kube_users": tuple(_strings(event.get("kubernetes_users"))),
        "kube_groups": tuple(_strings(event.get("kubernetes_groups"))), "kube_resource": resource,
        "kube_namespace": namespace, "kube_name": name, "kube_subresource": sub,
        "http_verb": _text(event, "verb").upper(), "response_code": _int(event, "response_code"),
    }  # fmt: skip


def _time(value: object, what: str) -> str:
    try:
        return canonical_timestamp(value)
    except ModelError:
        raise ValueError(f"field {what!r}: malformed timestamp {value!r}") from None


def _expiry(event: Mapping[str, Any], name: str) -> str:
    value = _text(event, name)
    if not value or value.startswith("0001-01-01"):  # Go's zero time: none recorded
        return ""
    return _time(value, name)


def read_event(event: Mapping[str, Any], default_cluster: str) -> TeleportEvent | None:
    """The event's facts; None for an event keytrail does not read. Raises ValueError with the
    reason when a field it needs is malformed."""
    kind = _text(event, "event")
    if kind not in SESSION_EVENTS and kind not in REQUEST_EVENTS and kind not in ("user.login", "cert.create"):
        return None
    at = _time(event.get("time"), "time")
    identity = event.get("identity") if isinstance(event.get("identity"), Mapping) else {}
    # a review names its reviewer and an update its updater, not always the requester (`user`)
    user = (_text(event, "user") or _text(identity, "user") or _text(event, "reviewer")  # type: ignore[arg-type]
            or _text(event, "updated_by"))  # fmt: skip
    if not user:
        raise ValueError(f"{kind} event without a user")
    cluster = _text(event, "cluster_name") or default_cluster
    remote = _text(event, "addr.remote") or _text(event, "addr_remote")
    argv = " ".join(_strings(event.get("argv")))
    command = " ".join(part for part in (_text(event, "path") or _text(event, "program"), argv) if part)
    sid = _text(event, "sid")
    if kind in SESSION_EVENTS and not sid and kind != "kube.request":
        raise ValueError(f"{kind} event without a session id (sid)")
    request_id = _text(event, "id") if kind in REQUEST_EVENTS else ""
    if kind in REQUEST_EVENTS and not request_id:
        raise ValueError(f"{kind} event without a request id")
    found = TeleportEvent(
        kind=kind, code=_text(event, "code"), at=at, cluster=cluster, user=user, sid=sid,
        login=_text(event, "login"), impersonator=_text(event, "impersonator") or _text(identity, "impersonator"),  # type: ignore[arg-type]
        access_requests=tuple(_strings(event.get("access_requests"))), server_id=_text(event, "server_id"),
        server_hostname=_text(event, "server_hostname"), server_ip=_address(_text(event, "server_addr")),
        remote_ip=_address(remote), command=command or _text(event, "command"),
        db_service=_text(event, "db_service"), db_name=_text(event, "db_name"), db_user=_text(event, "db_user"),
        query=_text(event, "db_query"), interactive=event.get("interactive") is True,
        ended=_time(event["session_stop"], "session_stop") if event.get("session_stop") else "",
        request_id=request_id, state=_text(event, "state"), proposed_state=_text(event, "proposed_state"),
        roles=tuple(_strings(event.get("roles"))), reason=_text(event, "reason"), reviewer=_text(event, "reviewer"),
        updated_by=_text(event, "updated_by"), expires=_expiry(event, "expires"),
        max_duration=_expiry(event, "max_duration"), success=event.get("success") is not False,
        app_name=_text(event, "app_name"), app_uri=_text(event, "app_uri"),
        app_public_addr=_text(event, "app_public_addr") or _text(event, "public_addr"),
        dst_addr=_address(_text(event, "dst_addr")), dst_port=_int(event, "dst_port"), program=_text(event, "program"),
        **_kube(event),
    )  # fmt: skip
    if kind == "kube.request" and not sid and not found.kube_cluster:  # its session is named by the cluster
        raise ValueError("kube.request event without a sid or a kubernetes_cluster")
    _check_ids(found)
    return found


def _check_ids(event: TeleportEvent) -> None:
    for attribute, name in _ID_FIELDS.items():
        problem = id_problem(getattr(event, attribute), name)
        if problem:
            raise ValueError(problem)
    listed = [(r, f"access_requests[{i}]") for i, r in enumerate(event.access_requests)]
    listed += [(u, f"kubernetes_users[{i}]") for i, u in enumerate(event.kube_users)]
    listed += [(event.kube_resource, "resource_kind"), (event.kube_namespace, "resource_namespace")]
    listed += [(event.kube_name, "resource_name")]
    for request, field_name in listed:
        problem = id_problem(request, field_name)
        if problem:
            raise ValueError(problem)
