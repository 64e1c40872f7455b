"""The Kubernetes nodes that both objects and audit events name, built one way (graph/k8s_api.py,
which Teleport's kube requests share), with this source's name as the default source."""

from __future__ import annotations

from functools import partial

from graph import k8s_api

__all__ = ["scope_node", "secret_node", "service_account_node", "user_node"]

NAME = "k8s-manifests"

service_account_node = partial(k8s_api.service_account_node, source=NAME)
user_node = partial(k8s_api.user_node, source=NAME)
secret_node = partial(k8s_api.secret_node, source=NAME)
scope_node = partial(k8s_api.scope_node, source=NAME)
