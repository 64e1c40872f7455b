"""Kubernetes ids: service accounts, objects, RBAC scopes, users, groups and credentials per cluster.

Correlation rules:

- `k8s:<cluster>:sa:<namespace>/<name>` for a ServiceAccount object, a binding's
  `ServiceAccount` subject, a pod's `serviceAccountName` and `system:serviceaccount:<namespace>:<name>`
  in an audit event (`k8s_audit_user`).
- Every other object is `k8s:<cluster>:<kind>:<namespace>/<name>` (`k8s:<cluster>:<kind>:<name>`
  when cluster-scoped) with the kind's short lower-case name (`pod`, `deployment`, `secret`,
  `role`, `clusterrolebinding`, ...), so a Secret a pod mounts, the Secret object and the
  `secrets` name in an audit event's objectRef meet.
- What RBAC grants is a resource type in a scope, `k8s:<cluster>:res:<namespace>/<resource>`
  (`*` = every namespace; no namespace for cluster-scoped resources; `/<name>` when a rule names
  resourceNames): the Secrets of a namespace are STORED_IN it, so a grant reaches them.
- Users and groups that are not service accounts are `k8s:<cluster>:user:<name>` /
  `k8s:<cluster>:group:<name>`.
"""

from __future__ import annotations

from graph.ids._base import require

__all__ = [
    "k8s_audit_user",
    "k8s_credential",
    "k8s_group",
    "k8s_object",
    "k8s_resource",
    "k8s_service_account",
    "k8s_user",
]


def k8s_service_account(cluster: str, namespace: str, name: str) -> str:
    return f"k8s:{require(cluster, 'cluster')}:sa:{require(namespace, 'namespace')}/{require(name, 'name')}"


def k8s_object(cluster: str, kind: str, namespace: str, name: str) -> str:
    """Any Kubernetes object by its short kind (`pod`, `secret`, `clusterrole`); `namespace` empty
    for cluster-scoped objects."""
    scope = f"{require(namespace, 'namespace')}/" if namespace else ""
    return f"k8s:{require(cluster, 'cluster')}:{require(kind, 'kind').lower()}:{scope}{require(name, 'name')}"


def k8s_resource(cluster: str, resource: str, namespace: str = "", name: str = "") -> str:
    """A resource type in a scope, as an RBAC rule grants it: `namespace` "*" for every namespace,
    empty for a cluster-scoped resource; `name` when the rule is limited to resourceNames."""
    scope = f"{require(namespace, 'namespace')}/" if namespace else ""
    suffix = f"/{require(name, 'resource name')}" if name else ""
    return f"k8s:{require(cluster, 'cluster')}:res:{scope}{require(resource, 'resource').lower()}{suffix}"


def k8s_user(cluster: str, name: str) -> str:
    return f"k8s:{require(cluster, 'cluster')}:user:{require(name, 'user name')}"


def k8s_group(cluster: str, name: str) -> str:
    return f"k8s:{require(cluster, 'cluster')}:group:{require(name, 'group name')}"


def k8s_audit_user(cluster: str, username: str) -> str:
    """The identity an audit event's `user.username` names: `system:serviceaccount:<ns>:<name>` is
    that ServiceAccount (the same id as the object), anything else a user."""
    text = require(username, "user name")
    if text.startswith("system:serviceaccount:"):
        parts = text.split(":")
        if len(parts) == 4 and parts[2] and parts[3]:
            return k8s_service_account(cluster, parts[2], parts[3])
    return k8s_user(cluster, text)


def k8s_credential(cluster: str, credential_id: str) -> str:
    """The credential an audit event names in `authentication.kubernetes.io/credential-id`
    (`JTI=<token id>` of a bound service-account token, `X509SHA256=<fingerprint>`): public ids."""
    return f"k8s:{require(cluster, 'cluster')}:credential:{require(credential_id, 'credential id')}"
