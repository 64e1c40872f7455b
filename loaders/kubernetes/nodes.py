"""The Kubernetes nodes that both objects and audit events name, built one way."""

from __future__ import annotations

from typing import Any

from graph import ids
from graph.model import Node
from graph.schema import NodeKind

__all__ = ["scope_node", "secret_node", "service_account_node", "user_node"]

NAME = "k8s-manifests"


def service_account_node(cluster: str, namespace: str, name: str, source: str = NAME, **props: Any) -> Node:
    return Node.make(
        id=ids.k8s_service_account(cluster, namespace, name),
        kind=NodeKind.IDENTITY,
        subtype="k8s.serviceaccount",
        name=f"{namespace}/{name}",
        props={"platform": "k8s", "cluster": cluster, "namespace": namespace, "nature": "machine",
               "nature_reason": "Kubernetes service account", **props},
        sources=(source,),
    )  # fmt: skip


def user_node(cluster: str, name: str, source: str = NAME) -> Node:
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


def secret_node(cluster: str, namespace: str, name: str, source: str = NAME, **props: Any) -> Node:
    return Node.make(
        id=ids.k8s_object(cluster, "secret", namespace, name),
        kind=NodeKind.CREDENTIAL,
        subtype="k8s.secret",
        name=f"{namespace}/{name}",
        props={"platform": "k8s", "cluster": cluster, "namespace": namespace, **props},
        sources=(source,),
    )


def scope_node(resource_id: str, cluster: str, namespace: str, text: str, source: str = NAME) -> Node:
    """A Resource that stands for what an RBAC rule grants: a resource type in a scope."""
    return Node.make(
        id=resource_id,
        kind=NodeKind.RESOURCE,
        subtype="k8s.resource",
        name=text,
        props={"platform": "k8s", "cluster": cluster, "namespace": namespace or None, "resource_type": "rbac_scope"},
        sources=(source,),
    )
