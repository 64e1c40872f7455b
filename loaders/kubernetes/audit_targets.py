"""What an audit event touched, as the node other sources name it, and whether it is a Change.

objectRef → target, by the rules every source of Kubernetes API requests shares (graph/k8s_api.py):
a named Secret is its Credential, a named pod or controller its Workload (exec, attach and
port-forward land on the pod the manifests declared), and so on. A request with no objectRef
touches its non-resource URL path.

Writes to RBAC objects and Secrets are Changes: a binding created is a `grant`, deleted a
`revoke`; a role created `create`, updated `expand` (it may now grant more), deleted
`delete`; a Secret created `create`, updated `rotate`, deleted `delete`. A binding's detail
names its role and subjects (read from the request object); a Secret's request object is never
read — it holds the values.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from graph import ids
from graph.k8s_api import INTERACTIVE, READ_VERBS, ApiTarget, api_target, nonresource_target

__all__ = ["INTERACTIVE", "READ_VERBS", "Target", "binding_detail", "change_id", "change_type", "target_of"]

_WRITES = frozenset({"create", "update", "patch", "delete", "deletecollection"})
Target = ApiTarget  # the name the audit modules use

_SPACE = re.compile(r"\s")


def _text(ref: dict[str, Any], key: str) -> str:
    value = ref.get(key)
    return value if type(value) is str and value and not _SPACE.search(value) else ""


def target_of(cluster: str, event: dict[str, Any]) -> tuple[Target, str]:
    """(target, action text such as `create pods/exec`) of an event (the node: graph/k8s_api.py)."""
    verb = str(event.get("verb", "")).lower()
    ref = event.get("objectRef")
    if not isinstance(ref, dict) or not _text(ref, "resource"):
        uri = event.get("requestURI")
        path = uri.split("?", 1)[0].strip() if isinstance(uri, str) and uri.strip() else "/"
        path = "".join(path.split())[:200] or "/"
        return nonresource_target(cluster, path), f"{verb} {path}"
    resource, sub = _text(ref, "resource").lower(), _text(ref, "subresource").lower()
    action = f"{verb} {resource}" + (f"/{sub}" if sub else "")
    return api_target(cluster, resource, _text(ref, "namespace"), _text(ref, "name")), action


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
