"""The node a Kubernetes API request is about, for every source that sees such requests: the
cluster's own audit log (loaders/kubernetes/) and an access proxy's record of the requests it
forwarded (Teleport's `kube.request`, loaders/teleport/). Both must name one object alike, or a
pod exec'd through Teleport and the same exec in the audit log would be two pods.

A named Secret is its Credential (`k8s:<c>:secret:<ns>/<name>`); a named pod or controller its
Workload; a named ServiceAccount its Identity; a role or binding its Resource; anything else the
resource scope RBAC grants (`k8s:<c>:res:<ns>/<resource>[/<name>]`, `*` when the request spans
namespaces) — the ids of graph/ids/kubernetes.py.
"""

from __future__ import annotations

from typing import NamedTuple

from graph import ids
from graph.schema import NodeKind
from graph.values.kubernetes import KubernetesSubtype

__all__ = ["INTERACTIVE", "READ_VERBS", "ApiTarget", "api_target", "nonresource_target"]

INTERACTIVE = frozenset({"exec", "attach", "portforward"})
"""Subresources that open a stream into a pod: a person (or a program) at its shell."""
READ_VERBS = frozenset({"get", "list", "watch"})
WORKLOADS = {
    "pods": "pod", "deployments": "deployment", "daemonsets": "daemonset", "statefulsets": "statefulset",
    "replicasets": "replicaset", "jobs": "job", "cronjobs": "cronjob",
}  # fmt: skip
RBAC = {"roles": "role", "clusterroles": "clusterrole", "rolebindings": "rolebinding",
        "clusterrolebindings": "clusterrolebinding"}  # fmt: skip
CLUSTER_SCOPED_RBAC = frozenset({"clusterroles", "clusterrolebindings"})


class ApiTarget(NamedTuple):
    id: str
    kind: NodeKind
    subtype: str
    name: str
    namespace: str


def api_target(cluster: str, resource: str, namespace: str, name: str) -> ApiTarget:
    """The node of a request on `resource` (plural, lower case: `pods`, `secrets`) in `namespace`
    (empty: cluster-scoped or every namespace) named `name` (empty: a collection)."""
    if name and resource == "secrets" and namespace:
        return ApiTarget(ids.k8s_object(cluster, "secret", namespace, name), NodeKind.CREDENTIAL,
                         KubernetesSubtype.SECRET, f"{namespace}/{name}", namespace)  # fmt: skip
    if name and resource in WORKLOADS and namespace:
        short = WORKLOADS[resource]
        return ApiTarget(ids.k8s_object(cluster, short, namespace, name), NodeKind.WORKLOAD, f"k8s.{short}",
                         f"{namespace}/{name}", namespace)  # fmt: skip
    if name and resource == "serviceaccounts" and namespace:
        return ApiTarget(ids.k8s_service_account(cluster, namespace, name), NodeKind.IDENTITY,
                         KubernetesSubtype.SERVICE_ACCOUNT, f"{namespace}/{name}", namespace)  # fmt: skip
    if name and resource in RBAC:
        space = "" if resource in CLUSTER_SCOPED_RBAC else (namespace or "default")
        return ApiTarget(ids.k8s_object(cluster, RBAC[resource], space, name), NodeKind.RESOURCE,
                         f"k8s.{RBAC[resource]}", f"{space}/{name}" if space else name, space)  # fmt: skip
    space = namespace or ("" if resource in CLUSTER_SCOPED_RBAC else "*")
    label = f"{resource}{' ' + name if name else ''} in {space or 'the cluster'}"
    return ApiTarget(ids.k8s_resource(cluster, resource, space, name), NodeKind.RESOURCE,
                     KubernetesSubtype.RESOURCE, label, space if space != "*" else "")  # fmt: skip


def nonresource_target(cluster: str, path: str) -> ApiTarget:
    """A request with no object (`/version`, `/healthz`): the URL path, as RBAC's nonResourceURLs."""
    return ApiTarget(ids.k8s_resource(cluster, "nonresource:" + path), NodeKind.RESOURCE,
                     KubernetesSubtype.NONRESOURCE, path, "")  # fmt: skip
