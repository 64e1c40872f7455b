"""RBAC rules as grants: which verbs on which resource types, at what level, and what to flag.

Levels: get/list/watch are `read`; create/update/patch/delete/deletecollection `write`; `*`,
`escalate`, `bind` and `impersonate` `admin` (each lets the holder exceed its own grant).
Flags name what an investigator looks for first: `cluster-admin` (the role, or `*` verbs on `*`
resources), `wildcard-verbs`, `wildcard-resources`, `secrets-read` (get/list/watch on secrets:
the values come back in the response), `impersonate`, `escalate`, `bind`, `pods-exec`.

A rule's scope comes from its binding: a RoleBinding grants in its own namespace (even for a
ClusterRole), a ClusterRoleBinding in every namespace (`*`) and on cluster-scoped resources.
API groups are not part of the target (resource names are read as unique across groups) and
`nonResourceURLs` rules grant no resource; both are said here because they are simplifications.
Referenced built-in ClusterRoles (`cluster-admin`, `admin`, `edit`, `view`) are known without
their objects, from their documented defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["BUILTIN_ROLES", "CLUSTER_SCOPED", "Grant", "Rule", "flags_of", "level_of", "parse_rules", "rule_text"]

READ = frozenset({"get", "list", "watch"})
WRITE = frozenset({"create", "update", "patch", "delete", "deletecollection"})
ADMIN = frozenset({"*", "escalate", "bind", "impersonate"})
_RANK = {"read": 0, "write": 1, "admin": 2}
CLUSTER_SCOPED = frozenset(
    {
        "nodes", "namespaces", "persistentvolumes", "clusterroles", "clusterrolebindings",
        "customresourcedefinitions", "storageclasses", "certificatesigningrequests", "priorityclasses",
        "mutatingwebhookconfigurations", "validatingwebhookconfigurations", "apiservices", "csidrivers",
        "csinodes", "runtimeclasses", "ingressclasses", "volumeattachments", "componentstatuses",
        "tokenreviews", "subjectaccessreviews", "selfsubjectaccessreviews", "selfsubjectrulesreviews",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Rule:
    verbs: tuple[str, ...]
    resources: tuple[str, ...]
    names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Grant:
    """What one binding gives one subject on one target."""

    target: str
    verbs: frozenset[str]
    level: str
    flags: frozenset[str]
    wildcard: bool


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(sorted({str(v).strip() for v in value if isinstance(v, str | int) and str(v).strip()}))


def parse_rules(value: object) -> list[Rule]:
    """A Role's `rules` (nonResourceURLs-only rules carry no resource and are left out)."""
    rules = []
    for raw in value if isinstance(value, list) else []:
        if isinstance(raw, dict):
            verbs, resources = _strings(raw.get("verbs")), _strings(raw.get("resources"))
            if verbs and resources:
                rules.append(Rule(verbs, resources, _strings(raw.get("resourceNames"))))
    return rules


def rule_text(rule: Rule) -> str:
    """`get,list secrets,configmaps [names a,b]` — kept on the role node, and read back by
    `parse_rule_text` when the role loaded in an earlier run."""
    names = f" names {','.join(rule.names)}" if rule.names else ""
    return f"{','.join(rule.verbs)} {','.join(rule.resources)}{names}"


def parse_rule_text(text: str) -> Rule | None:
    parts = text.split(" ")
    if len(parts) not in (2, 4) or (len(parts) == 4 and parts[2] != "names"):
        return None
    names = tuple(parts[3].split(",")) if len(parts) == 4 else ()
    return Rule(tuple(parts[0].split(",")), tuple(parts[1].split(",")), names)


def level_of(verbs: frozenset[str]) -> str:
    if verbs & ADMIN:
        return "admin"
    return "write" if verbs & WRITE else "read"


def flags_of(role_name: str, verbs: frozenset[str], resource: str) -> set[str]:
    flags = {verb for verb in verbs & {"impersonate", "escalate", "bind"}}
    if "*" in verbs:
        flags.add("wildcard-verbs")
    if resource == "*":
        flags.add("wildcard-resources")
    if role_name == "cluster-admin" or ("*" in verbs and resource == "*"):
        flags.add("cluster-admin")
    if resource in ("secrets", "*") and verbs & (READ | {"*"}):
        flags.add("secrets-read")
    if resource in ("pods/exec", "pods/*", "*") and verbs & {"create", "get", "*"}:
        flags.add("pods-exec")
    return flags


def higher(first: str, second: str) -> str:
    return first if _RANK.get(first, -1) >= _RANK.get(second, -1) else second


_EDIT_RESOURCES = (
    "pods", "pods/exec", "pods/attach", "pods/portforward", "deployments", "statefulsets", "daemonsets",
    "replicasets", "jobs", "cronjobs", "services", "configmaps", "secrets", "serviceaccounts",
    "persistentvolumeclaims", "ingresses",
)  # fmt: skip
_VIEW_RESOURCES = tuple(r for r in _EDIT_RESOURCES if r != "secrets" and "/" not in r)
_RW = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
BUILTIN_ROLES: dict[str, list[Rule]] = {
    "cluster-admin": [Rule(("*",), ("*",))],
    "admin": [Rule(_RW, _EDIT_RESOURCES), Rule(_RW, ("roles", "rolebindings"))],
    "edit": [Rule(_RW, _EDIT_RESOURCES)],
    "view": [Rule(("get", "list", "watch"), _VIEW_RESOURCES)],
}
"""The user-facing default ClusterRoles, as documented (their aggregated extras left out)."""


def merge_verbs(rules: list[Rule]) -> dict[tuple[str, str], set[str]]:
    """(resource, resource name or "") -> verbs, over every rule of a role."""
    merged: dict[tuple[str, str], set[str]] = {}
    for rule in rules:
        for resource in rule.resources:
            for name in rule.names or ("",):
                merged.setdefault((resource.lower(), name), set()).update(v.lower() for v in rule.verbs)
    return merged


def describe(value: Any) -> str:
    return str(value)[:200]
