"""The node a Kubernetes API request is about, for every source that sees such requests: the
cluster's own audit log (loaders/kubernetes/) and an access proxy's record of the requests it
forwarded (Teleport's `kube.request`, loaders/teleport/). Both must name one object alike, or a
pod exec'd through Teleport and the same exec in the audit log would be two pods.

A named Secret is its Credential (`k8s:<c>:secret:<ns>/<name>`); a named pod or controller its
Workload; a named ServiceAccount its Identity; a role or binding its Resource; anything else the
resource scope RBAC grants (`k8s:<c>:res:<ns>/<resource>[/<name>]`, `*` when the request spans
namespaces) — the ids of graph/ids/kubernetes.py — and the node is built one way whoever names
it (`api_node`, and the builders the objects loader uses for what it declares).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from graph import ids
from graph.errors import ModelError
from graph.model import Node
from graph.schema import NodeKind
from graph.values.kubernetes import KubernetesSubtype

__all__ = [
    "INTERACTIVE", "READ_VERBS", "ApiTarget", "api_node", "api_target", "nonresource_target", "scope_node",
    "secret_node", "service_account_node", "user_node",
]  # fmt: skip

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


def api_node(target: ApiTarget, source: str) -> Node | None:
    """The node a request names, as the objects loader would make it (same id, subtype and
    props); None when a part of the name is malformed."""
    cluster = target.id.split(":", 2)[1]
    space, _, name = target.name.rpartition("/")
    try:
        if target.subtype == KubernetesSubtype.SECRET:
            return secret_node(cluster, space, name, source=source)
        if target.subtype == KubernetesSubtype.SERVICE_ACCOUNT:
            return service_account_node(cluster, space, name, source=source)
        if target.subtype == KubernetesSubtype.USER:
            return user_node(cluster, target.name, source=source)
        if target.subtype == KubernetesSubtype.RESOURCE:
            return scope_node(target.id, cluster, target.namespace, target.name, source=source)
        return Node.make(
            id=target.id, kind=target.kind, subtype=target.subtype, name=target.name,
            props={"platform": "k8s", "cluster": cluster, "namespace": target.namespace or None,
                   **({"resource_type": "nonresource_url"} if target.subtype == "k8s.nonresource" else {})},
            sources=(source,),
        )  # fmt: skip
    except ModelError:
        return None


def service_account_node(cluster: str, namespace: str, name: str, source: str, **props: Any) -> Node:
    return Node.make(
        id=ids.k8s_service_account(cluster, namespace, name),
        kind=NodeKind.IDENTITY,
        subtype="k8s.serviceaccount",
        name=f"{namespace}/{name}",
        props={"platform": "k8s", "cluster": cluster, "namespace": namespace, "nature": "machine",
               "nature_reason": "Kubernetes service account", **props},
        sources=(source,),
    )  # fmt: skip


def user_node(cluster: str, name: str, source: str) -> Node:
    """A user that is not a service account: a person when the name is an email, a component
    when it is a `system:` / `eks:` name, else unknown."""
    human = ids.is_email(name)
    system = name.startswith(("system:", "eks:", "aks:", "gke:"))
    return Node.make(
        id=ids.k8s_user(cluster, name),
        kind=NodeKind.IDENTITY,
        subtype="k8s.user",
        name=name,
        props={"platform": "k8s", "cluster": cluster,
               "nature": "human" if human else ("machine" if system else "unknown"),
               "nature_reason": "user name is an email" if human else (
                   "Kubernetes system component" if system else "Kubernetes user")},
        sources=(source,),
    )  # fmt: skip


def secret_node(cluster: str, namespace: str, name: str, source: str, **props: Any) -> Node:
    return Node.make(
        id=ids.k8s_object(cluster, "secret", namespace, name),
        kind=NodeKind.CREDENTIAL,
        subtype="k8s.secret",
        name=f"{namespace}/{name}",
        props={"platform": "k8s", "cluster": cluster, "namespace": namespace, **props},
        sources=(source,),
    )


def scope_node(resource_id: str, cluster: str, namespace: str, text: str, source: str) -> Node:
    """A Resource that stands for what an RBAC rule grants: a resource type in a scope."""
    return Node.make(
        id=resource_id,
        kind=NodeKind.RESOURCE,
        subtype="k8s.resource",
        name=text,
        props={"platform": "k8s", "cluster": cluster, "namespace": namespace or None, "resource_type": "rbac_scope"},
        sources=(source,),
    )
