"""The state a manifests load keeps: what its objects define, and the references between them
that wait for `finish` to say whether their target exists.

A reference (a pod's service account or Secret, a service account's token Secret, a binding's
role or subject) becomes its edge at `finish`. Its target is *dangling* when no file of this
load defines it and the graph did not know it before (`prepare`); the edge and a placeholder
target then carry `dangling: true` — kept, never dropped, so "a binding to a missing role" or "a
pod mounting a missing Secret" is itself a fact an investigator can find.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from graph.model import Edge, Node
from loaders.base import Item
from loaders.kubernetes.rbac import Rule

__all__ = ["Binding", "Reference", "References"]


@dataclass(frozen=True, slots=True)
class Reference:
    edge: Edge
    placeholder: Node  # written (marked dangling) only when the target turns out missing
    always_exists: bool = False  # e.g. a namespace's `default` service account


@dataclass(frozen=True, slots=True)
class Binding:
    cluster: str
    binding_id: str
    label: str  # "RoleBinding default/rb1"
    namespace: str  # "" for a ClusterRoleBinding
    role_id: str
    role_kind: str
    role_name: str
    subjects: tuple[Node, ...]  # Identity nodes (service account, user, group)
    evidence: Edge  # the binding -> role reference edge's evidence carrier


@dataclass(slots=True)
class References:
    defined: set[str] = field(default_factory=set)
    known: set[str] = field(default_factory=set)
    roles: dict[str, tuple[str, list[Rule]]] = field(default_factory=dict)
    refs: list[Reference] = field(default_factory=list)
    bindings: list[Binding] = field(default_factory=list)
    pull_secrets: dict[str, list[Reference]] = field(default_factory=dict)  # service account -> its pull secrets
    runs_as: dict[str, list[tuple[str, Edge]]] = field(default_factory=dict)  # service account -> workloads

    def exists(self, node_id: str) -> bool:
        return node_id in self.defined or node_id in self.known

    def resolve(self, reference: Reference) -> Iterator[Item]:
        """The reference's edge, marked dangling (with its placeholder target) when the target is missing."""
        target = reference.edge.target
        dangling = not reference.always_exists and not self.exists(target)
        yield reference.edge.model_copy(update={"props": {**reference.edge.props, "dangling": dangling}})
        if dangling:
            yield reference.placeholder.model_copy(update={"props": {**reference.placeholder.props, "dangling": True}})
        elif not self.exists(target):
            yield reference.placeholder
