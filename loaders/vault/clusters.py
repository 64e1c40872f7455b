"""Which Kubernetes cluster a Vault Kubernetes-auth login's service account belongs to.

A Vault audit entry names the service account (`service_account_namespace`/`service_account_name`
in the login's metadata) but not its cluster: the auth mount knows the cluster's API address,
the audit log does not. The rule, in order:

1. `--cluster` given: that cluster, for every login of the load.
2. Otherwise the graph (read in `prepare`: manifests and audit logs loaded before, or in an
   earlier phase of this load) holds that namespace/name in exactly one cluster: that one, so a
   single-cluster estate joins Vault to Kubernetes with no flag.
3. Otherwise `default` (the Kubernetes loaders' own default), and the summary says how many
   accounts were resolved so, and which were ambiguous (held in several clusters).
"""

from __future__ import annotations

from collections.abc import Mapping

from graph import ids
from graph.schema import NodeKind
from loaders.base import KnownNodes
from loaders.sessions import all_nodes

__all__ = ["DEFAULT_CLUSTER", "ClusterOf", "known_accounts"]

DEFAULT_CLUSTER = "default"
_NOTE_ROWS = 10

Accounts = Mapping[tuple[str, str], frozenset[str]]


def known_accounts(known: KnownNodes) -> dict[tuple[str, str], frozenset[str]]:
    """Every Kubernetes service account the graph holds: (namespace, name) → the clusters holding it."""
    found: dict[tuple[str, str], set[str]] = {}
    prefix = "k8s:"
    for node in all_nodes(known, NodeKind.IDENTITY, prefix):
        cluster, namespace = node.props.get("cluster"), node.props.get("namespace")
        if node.subtype != "k8s.serviceaccount" or not isinstance(cluster, str) or not isinstance(namespace, str):
            continue
        name = node.id.rpartition("/")[2]
        if node.id == ids.k8s_service_account(cluster, namespace, name):
            found.setdefault((namespace, name), set()).add(cluster)
    return {key: frozenset(clusters) for key, clusters in found.items()}


class ClusterOf:
    """The cluster of one service account by the rule above; remembers what it had to default."""

    def __init__(self, given: str, accounts: Accounts) -> None:
        self.given, self.accounts = given, accounts
        self.defaulted: set[tuple[str, str]] = set()
        self.ambiguous: set[tuple[str, str]] = set()

    def __call__(self, namespace: str, name: str) -> str:
        if self.given:
            return self.given
        clusters = self.accounts.get((namespace, name), frozenset())
        if len(clusters) == 1:
            return next(iter(clusters))
        (self.ambiguous if clusters else self.defaulted).add((namespace, name))
        return DEFAULT_CLUSTER

    def note(self, notes: list[str]) -> None:
        if self.ambiguous:
            names = [f"{ns}/{name}" for ns, name in sorted(self.ambiguous)]
            notes.append(
                f"vault-audit: {len(names)} Kubernetes-auth service accounts are held in several clusters, so "
                f"they were put in {DEFAULT_CLUSTER!r} (give --cluster): " + ", ".join(names[:_NOTE_ROWS])
            )
        if self.defaulted:
            names = [f"{ns}/{name}" for ns, name in sorted(self.defaulted)]
            notes.append(
                f"vault-audit: {len(names)} Kubernetes-auth service accounts are in no loaded cluster, so they were "
                f"put in {DEFAULT_CLUSTER!r} (give --cluster, or load the cluster's objects first): "
                + ", ".join(names[:_NOTE_ROWS])
            )
