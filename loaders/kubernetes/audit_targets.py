"""What an audit event touched, as the node other sources name it, and whether it is a Change.

objectRef → target: a named Secret is its Credential (`k8s:<c>:secret:<ns>/<name>`); a named pod
or controller its Workload (exec, attach and port-forward land on the pod the manifests
declared); a named ServiceAccount its Identity; a role or binding its Resource; anything else
the resource scope RBAC grants (`k8s:<c>:res:<ns>/<resource>[/<name>]`, `*` when the request
spans namespaces). A request with no objectRef touches its non-resource URL path.

Writes to RBAC objects and Secrets are Changes: a binding created is a `grant`, deleted a
`revoke`; a role created `create`, updated `expand` (it may now grant more), deleted
`delete`; a Secret created `create`, updated `rotate`, deleted `delete`. A binding's detail
names its role and subjects (read from the request object); a Secret's request object is never
read — it holds the values.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, NamedTuple

from graph import ids
from graph.schema import NodeKind

__all__ = ["INTERACTIVE", "READ_VERBS", "Target", "binding_detail", "change_id", "change_type", "target_of"]

INTERACTIVE = frozenset({"exec", "attach", "portforward"})
READ_VERBS = frozenset({"get", "list", "watch"})
_WORKLOADS = {
    "pods": "pod", "deployments": "deployment", "daemonsets": "daemonset", "statefulsets": "statefulset",
    "replicasets": "replicaset", "jobs": "job", "cronjobs": "cronjob",
}  # fmt: skip
_RBAC = {"roles": "role", "clusterroles": "clusterrole", "rolebindings": "rolebinding",
         "clusterrolebindings": "clusterrolebinding"}  # fmt: skip
_CLUSTER_SCOPED_RBAC = frozenset({"clusterroles", "clusterrolebindings"})
_WRITES = frozenset({"create", "update", "patch", "delete", "deletecollection"})


class Target(NamedTuple):
    id: str
    kind: NodeKind
    subtype: str
    name: str
    namespace: str


_SPACE = re.compile(r"\s")


def _text(ref: dict[str, Any], key: str) -> str:
    value = ref.get(key)
    return value if type(value) is str and value and not _SPACE.search(value) else ""


def target_of(cluster: str, event: dict[str, Any]) -> tuple[Target, str]:
    """(target, action text such as `create pods/exec`) of an event."""
    verb = str(event.get("verb", "")).lower()
    ref = event.get("objectRef")
    if not isinstance(ref, dict) or not _text(ref, "resource"):
        uri = event.get("requestURI")
        path = uri.split("?", 1)[0].strip() if isinstance(uri, str) and uri.strip() else "/"
        path = "".join(path.split())[:200] or "/"
        return Target(ids.k8s_resource(cluster, "nonresource:" + path), NodeKind.RESOURCE, "k8s.nonresource", path,
                      ""), f"{verb} {path}"  # fmt: skip
    resource, sub = _text(ref, "resource").lower(), _text(ref, "subresource").lower()
    name, namespace = _text(ref, "name"), _text(ref, "namespace")
    action = f"{verb} {resource}" + (f"/{sub}" if sub else "")
    if name and resource == "secrets" and namespace:
        return Target(ids.k8s_object(cluster, "secret", namespace, name), NodeKind.CREDENTIAL, "k8s.secret",
                      f"{namespace}/{name}", namespace), action  # fmt: skip
    if name and resource in _WORKLOADS and namespace:
        short = _WORKLOADS[resource]
        return Target(ids.k8s_object(cluster, short, namespace, name), NodeKind.WORKLOAD, f"k8s.{short}",
                      f"{namespace}/{name}", namespace), action  # fmt: skip
    if name and resource == "serviceaccounts" and namespace:
        return Target(ids.k8s_service_account(cluster, namespace, name), NodeKind.IDENTITY, "k8s.serviceaccount",
                      f"{namespace}/{name}", namespace), action  # fmt: skip
    if name and resource in _RBAC:
        space = "" if resource in _CLUSTER_SCOPED_RBAC else (namespace or "default")
        return Target(ids.k8s_object(cluster, _RBAC[resource], space, name), NodeKind.RESOURCE,
                      f"k8s.{_RBAC[resource]}", f"{space}/{name}" if space else name, space), action  # fmt: skip
    space = namespace or ("" if resource in _CLUSTER_SCOPED_RBAC else "*")
    label = f"{resource}{' ' + name if name else ''} in {space or 'the cluster'}"
    return Target(ids.k8s_resource(cluster, resource, space, name), NodeKind.RESOURCE, "k8s.resource", label,
                  space if space != "*" else ""), action  # fmt: skip


def change_type(verb: str, event: dict[str, Any]) -> str | None:
    """The Change an event is, or None: successful writes to RBAC objects and Secrets."""
    ref = event.get("objectRef")
    if verb not in _WRITES or not isinstance(ref, dict) or _text(ref, "subresource"):
        return None  # a subresource write (pods/exec, serviceaccounts/token) changes no permission
    resource = _text(ref, "resource").lower()
    status = event.get("responseStatus")
    code = status.get("code") if isinstance(status, dict) else None
    if isinstance(code, int) and code >= 400:
        return None
    removing = verb in ("delete", "deletecollection")
    if resource in ("rolebindings", "clusterrolebindings"):
        return "revoke" if removing else "grant"
    if resource in ("roles", "clusterroles"):
        return "delete" if removing else ("create" if verb == "create" else "expand")
    if resource == "secrets":
        return "delete" if removing else ("create" if verb == "create" else "rotate")
    return None


def binding_detail(event: dict[str, Any]) -> str:
    """`ClusterRole/cluster-admin to ServiceAccount kube-system/x, User bob` from a binding's request."""
    body = event.get("requestObject")
    if not isinstance(body, dict):
        return ""
    role = body.get("roleRef") if isinstance(body.get("roleRef"), dict) else {}
    subjects = []
    for subject in body.get("subjects") or []:
        if isinstance(subject, dict) and isinstance(subject.get("name"), str):
            space = f"{subject['namespace']}/" if isinstance(subject.get("namespace"), str) else ""
            subjects.append(f"{subject.get('kind', '?')} {space}{subject['name']}")
    text = f"{role.get('kind', '?')}/{role.get('name', '?')}" if role else ""
    return (text + (" to " + ", ".join(subjects) if subjects else ""))[:500]


def change_id(cluster: str, event: dict[str, Any], file: str, locator: str) -> str:
    """`change:k8s:<cluster>:<digest>`: of the auditID with what was done (fixtures reuse ids), else
    of the file and line — the same event always gives the same id."""
    found = event.get("objectRef")
    ref: dict[str, Any] = found if isinstance(found, dict) else {}
    user = event.get("user")
    username = user.get("username") if isinstance(user, dict) else None
    audit_id = event.get("auditID")
    base = str(audit_id) if isinstance(audit_id, str) and audit_id else f"{file}#{locator}"
    key = "|".join((base, str(event.get("verb")), str(username),
                    str(ref.get("resource")), str(ref.get("namespace")), str(ref.get("name"))))  # fmt: skip
    return ids.change("k8s", f"{cluster}:{hashlib.sha256(key.encode()).hexdigest()[:20]}")
