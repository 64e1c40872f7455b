"""Roles and bindings → who CAN_ACCESS what in a cluster, resolved once every file was read.

A Role / ClusterRole is a Resource (`k8s.role` / `k8s.clusterrole`) that keeps its rules as text
(`rules`), so a binding loaded in a later run still finds them. A RoleBinding /
ClusterRoleBinding is a Resource too (audit events that create or delete it TARGET the same
node). At `finish`, each subject of each binding gets:

- CAN_ACCESS the role itself (`policies` = the binding, `dangling` when the role is neither in
  the load, nor in the graph, nor one of the built-in ClusterRoles), and
- CAN_ACCESS each resource scope the role's rules grant — `k8s:<cluster>:res:<ns>/<resource>`
  (`*` for every namespace under a ClusterRoleBinding; no namespace for cluster-scoped
  resources) — with `level`, `actions` (verbs), `wildcard` and `flags` (loaders/kubernetes/rbac.py).

Grants of several bindings to one subject on one scope are one edge: verbs, flags and policies
are unions, the level the highest, and every binding is evidence. A service account subject
missing from every loaded file is kept and marked dangling, like any other reference.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graph import ids
from graph.model import Edge, Evidence, Node
from graph.schema import EdgeKind, NodeKind
from loaders.base import Item, evidenced_edge
from loaders.kubernetes.nodes import scope_node, service_account_node, user_node
from loaders.kubernetes.rbac import (
    BUILTIN_ROLES,
    CLUSTER_SCOPED,
    flags_of,
    higher,
    level_of,
    merge_verbs,
    parse_rules,
    rule_text,
)
from loaders.kubernetes.references import Binding, References

__all__ = ["binding_of", "grant_items", "role_items"]

NAME = "k8s-manifests"
_edge = functools.partial(evidenced_edge, NAME)


def _role_id(cluster: str, kind: str, namespace: str, name: str) -> str:
    return ids.k8s_object(cluster, kind.lower(), namespace if kind == "Role" else "", name)


def role_items(
    raw: dict[str, Any], cluster: str, namespace: str, evidence: Evidence, refs: References
) -> Iterator[Item]:
    kind, name = str(raw["kind"]), str(raw["metadata"]["name"]).strip()
    rules = parse_rules(raw.get("rules"))
    role_id = _role_id(cluster, kind, namespace, name)
    refs.defined.add(role_id)
    refs.roles[role_id] = (name, rules)
    yield Node.make(
        id=role_id,
        kind=NodeKind.RESOURCE,
        subtype=f"k8s.{kind.lower()}",
        name=f"{namespace}/{name}" if kind == "Role" else name,
        props={"platform": "k8s", "cluster": cluster, "namespace": namespace if kind == "Role" else None,
               "resource_type": kind.lower(), "rules": [rule_text(r) for r in rules], "dangling": False},
        sources=(NAME,),
    )  # fmt: skip


def _subject(cluster: str, namespace: str, subject: object) -> Node | None:
    if not isinstance(subject, dict) or not isinstance(subject.get("name"), str) or not subject["name"].strip():
        return None
    kind, name = subject.get("kind"), subject["name"].strip()
    props = {"platform": "k8s", "cluster": cluster}
    if kind == "ServiceAccount":
        space = subject.get("namespace") if isinstance(subject.get("namespace"), str) else namespace
        return service_account_node(cluster, (space or "default").strip(), name)
    if kind == "Group":
        node_id, subtype = ids.k8s_group(cluster, name), "k8s.group"
        system = name.startswith("system:")
        props["nature"] = "machine" if system else "unknown"
        props["nature_reason"] = "Kubernetes system group" if system else "Kubernetes group"
    elif kind == "User":
        return user_node(cluster, name)
    else:
        return None
    return Node.make(id=node_id, kind=NodeKind.IDENTITY, subtype=subtype, name=name, props=props, sources=(NAME,))


def binding_of(
    raw: dict[str, Any], cluster: str, namespace: str, evidence: Evidence, refs: References
) -> Iterator[Item]:
    kind, name = str(raw["kind"]), str(raw["metadata"]["name"]).strip()
    scoped = kind == "RoleBinding"
    binding_id = ids.k8s_object(cluster, kind.lower(), namespace if scoped else "", name)
    refs.defined.add(binding_id)
    found = raw.get("roleRef")
    ref: dict[str, Any] = found if isinstance(found, dict) else {}
    role_kind = "Role" if ref.get("kind") == "Role" else "ClusterRole"
    role_name = str(ref.get("name") or "").strip()
    subjects = tuple(s for s in (_subject(cluster, namespace, x) for x in raw.get("subjects") or []) if s is not None)
    yield Node.make(
        id=binding_id,
        kind=NodeKind.RESOURCE,
        subtype=f"k8s.{kind.lower()}",
        name=f"{namespace}/{name}" if scoped else name,
        props={"platform": "k8s", "cluster": cluster, "namespace": namespace if scoped else None,
               "resource_type": kind.lower(), "dangling": False,
               "rules": [f"{role_kind} {role_name}"] if role_name else None},
        sources=(NAME,),
    )  # fmt: skip
    if not role_name:
        return
    role_id = _role_id(cluster, role_kind, namespace, role_name)
    label = f"{kind} {namespace + '/' if scoped else ''}{name} -> {role_kind} {role_name}"
    carrier = _edge("k8s:x", NodeKind.IDENTITY, EdgeKind.CAN_ACCESS, role_id, NodeKind.RESOURCE, evidence)
    refs.bindings.append(
        Binding(
            cluster, binding_id, label, namespace if scoped else "", role_id, role_kind, role_name, subjects, carrier
        )
    )


@dataclass(slots=True)
class _Grant:
    verbs: set[str] = field(default_factory=set)
    flags: set[str] = field(default_factory=set)
    policies: set[str] = field(default_factory=set)
    level: str = "read"
    evidence: list[Evidence] = field(default_factory=list)
    dangling: bool = False


def _scope(cluster: str, binding: Binding, resource: str, name: str) -> tuple[str, str, str]:
    base = resource.split("/", 1)[0]
    if base in CLUSTER_SCOPED:
        if binding.namespace:  # a RoleBinding cannot grant cluster-scoped resources
            return "", "", ""
        return ids.k8s_resource(cluster, resource, "", name), "", f"{resource}{' ' + name if name else ''} (cluster)"
    if resource == "*" and not binding.namespace:
        return ids.k8s_resource(cluster, "*", "", name), "", "every resource in the cluster"
    space = binding.namespace or "*"
    where = f"in {space}" if space != "*" else "in every namespace"
    return ids.k8s_resource(cluster, resource, space, name), space, f"{resource}{' ' + name if name else ''} {where}"


def _role_rules(binding: Binding, refs: References) -> tuple[list[Any], bool]:
    """The bound role's rules, and whether the role is missing (dangling)."""
    if binding.role_id in refs.roles:
        return refs.roles[binding.role_id][1], False
    if binding.role_kind == "ClusterRole" and binding.role_name in BUILTIN_ROLES:
        return BUILTIN_ROLES[binding.role_name], False
    return [], True


def grant_items(refs: References) -> Iterator[Item]:
    grants: dict[tuple[str, str], _Grant] = {}
    subjects: dict[str, Node] = {}
    scopes: dict[str, Node] = {}
    missing_roles: set[str] = set()
    for binding in sorted(refs.bindings, key=lambda b: b.label):
        rules, missing = _role_rules(binding, refs)
        evidence = binding.evidence.evidence[0]
        if missing and binding.role_id not in missing_roles:
            missing_roles.add(binding.role_id)
            yield Node.make(id=binding.role_id, kind=NodeKind.RESOURCE, subtype=f"k8s.{binding.role_kind.lower()}",
                            name=binding.role_name, props={"platform": "k8s", "cluster": binding.cluster,
                            "resource_type": binding.role_kind.lower(), "dangling": True}, sources=(NAME,))  # fmt: skip
        for subject in binding.subjects:
            subjects.setdefault(subject.id, subject)
            role_grant = grants.setdefault((subject.id, binding.role_id), _Grant())
            role_grant.policies.add(binding.label)
            role_grant.evidence.append(evidence)
            role_grant.dangling = missing
            for (resource, name), verbs in merge_verbs(rules).items():
                target, namespace, text = _scope(binding.cluster, binding, resource, name)
                if not target:
                    continue
                scopes.setdefault(target, scope_node(target, binding.cluster, namespace, text))
                grant = grants.setdefault((subject.id, target), _Grant())
                grant.verbs |= verbs
                grant.flags |= flags_of(binding.role_name, frozenset(verbs), resource)
                grant.policies.add(binding.label)
                grant.level = higher(grant.level, level_of(frozenset(verbs)))
                grant.evidence.append(evidence)
                role_grant.level = higher(role_grant.level, grant.level)
                role_grant.flags |= grant.flags
    yield from scopes.values()
    for subject in subjects.values():
        if refs.exists(subject.id):
            continue  # written by its own object
        missing = subject.subtype == "k8s.serviceaccount" and not subject.name.endswith("/default")
        yield subject.model_copy(update={"props": {**subject.props, "dangling": True}}) if missing else subject
    for (subject_id, target), grant in sorted(grants.items()):
        yield _grant_edge(subject_id, target, grant)


def _grant_edge(subject_id: str, target: str, grant: _Grant) -> Edge:
    unique = sorted({(e.source, e.locator): e for e in grant.evidence}.items())
    props = {
        "level": None if grant.dangling else grant.level,
        "actions": sorted(grant.verbs) or None,
        "policies": sorted(grant.policies),
        "flags": sorted(grant.flags) or None,
        "dangling": grant.dangling or None,
        "wildcard": bool({"wildcard-verbs", "wildcard-resources"} & grant.flags),
    }
    return Edge.make(
        source=subject_id,
        source_kind=NodeKind.IDENTITY,
        kind=EdgeKind.CAN_ACCESS,
        target=target,
        target_kind=NodeKind.RESOURCE,
        props=props,
        sources=(NAME,),
        evidence=tuple(e for _, e in unique[-10:]),
    )
