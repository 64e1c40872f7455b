"""Kubernetes ids: service accounts per cluster.

Correlation rule: a ServiceAccount object and `system:serviceaccount:<namespace>:<name>` in an
audit event of the same cluster are `k8s:<cluster>:sa:<namespace>/<name>`.
"""

from __future__ import annotations

from graph.ids._base import require

__all__ = ["k8s_service_account"]


def k8s_service_account(cluster: str, namespace: str, name: str) -> str:
    return f"k8s:{require(cluster, 'cluster')}:sa:{require(namespace, 'namespace')}/{require(name, 'name')}"
