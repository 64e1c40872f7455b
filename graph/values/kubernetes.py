"""Kubernetes subtypes (graph/ids/kubernetes.py): objects and RBAC from manifests, sessions and
changes from the audit log, and the resource scopes RBAC grants."""

from __future__ import annotations

from enum import StrEnum

from graph.schema import NodeKind
from graph.values._registry import Subtype

__all__ = ["SUBTYPES", "KubernetesSubtype"]


class KubernetesSubtype(StrEnum):
    SERVICE_ACCOUNT = "k8s.serviceaccount"
    USER = "k8s.user"
    GROUP = "k8s.group"
    SECRET = "k8s.secret"
    POD = "k8s.pod"
    DEPLOYMENT = "k8s.deployment"
    DAEMONSET = "k8s.daemonset"
    STATEFULSET = "k8s.statefulset"
    REPLICASET = "k8s.replicaset"
    JOB = "k8s.job"
    CRONJOB = "k8s.cronjob"
    ROLE = "k8s.role"
    CLUSTER_ROLE = "k8s.clusterrole"
    ROLE_BINDING = "k8s.rolebinding"
    CLUSTER_ROLE_BINDING = "k8s.clusterrolebinding"
    RESOURCE = "k8s.resource"
    NONRESOURCE = "k8s.nonresource"
    AUDIT_SESSION = "k8s.audit.session"
    AUDIT_CHANGE = "k8s.audit.change"


_S, _N = KubernetesSubtype, NodeKind
SUBTYPES = (
    Subtype(
        _S.SERVICE_ACCOUNT, (_N.IDENTITY,), "a Kubernetes ServiceAccount (also `system:serviceaccount:<ns>:<name>`)"
    ),
    Subtype(_S.USER, (_N.IDENTITY,), "a Kubernetes user that is no service account (a person by email, a component)"),
    Subtype(_S.GROUP, (_N.IDENTITY,), "a Kubernetes group an RBAC binding names"),
    Subtype(_S.SECRET, (_N.CREDENTIAL,), "a Kubernetes Secret: type and key names, never values"),
    Subtype(_S.POD, (_N.WORKLOAD,), "a pod"),
    Subtype(_S.DEPLOYMENT, (_N.WORKLOAD,), "a Deployment"),
    Subtype(_S.DAEMONSET, (_N.WORKLOAD,), "a DaemonSet"),
    Subtype(_S.STATEFULSET, (_N.WORKLOAD,), "a StatefulSet"),
    Subtype(_S.REPLICASET, (_N.WORKLOAD,), "a ReplicaSet"),
    Subtype(_S.JOB, (_N.WORKLOAD,), "a Job"),
    Subtype(_S.CRONJOB, (_N.WORKLOAD,), "a CronJob"),
    Subtype(_S.ROLE, (_N.RESOURCE,), "an RBAC Role, with its rules as text"),
    Subtype(_S.CLUSTER_ROLE, (_N.RESOURCE,), "an RBAC ClusterRole, with its rules as text"),
    Subtype(_S.ROLE_BINDING, (_N.RESOURCE,), "an RBAC RoleBinding"),
    Subtype(_S.CLUSTER_ROLE_BINDING, (_N.RESOURCE,), "an RBAC ClusterRoleBinding"),
    Subtype(_S.RESOURCE, (_N.RESOURCE,), "a resource type in a scope, as RBAC grants it and audit events touch it"),
    Subtype(_S.NONRESOURCE, (_N.RESOURCE,), "a non-resource URL an audit event requested (`/version`, `/healthz`)"),
    Subtype(_S.AUDIT_SESSION, (_N.SESSION,), "one user's or service account's activity in a Kubernetes audit log"),
    Subtype(_S.AUDIT_CHANGE, (_N.CHANGE,), "an RBAC or Secret write in a Kubernetes audit log"),
)
