"""A ticket's scope value → the node id the platform's own loader gives the same thing.

The loader cannot read the graph, so it computes ids with the platform helpers (graph/ids/*), as
the loader of that platform would for the same name. The table (documented in docs/tickets.md,
first rule that applies per kind):

- any kind: a value that already is a keytrail id (`aws:key:…`, `aws:arn:…`, `k8s:<cluster>:…`,
  `host:…`, `unix:…`, `vault:path|token|entity:…`, `teleport:<cluster>:…`, `ssh:…`, `person:…`,
  `gcp:sa:…`) is used as written, with the node kind its platform gives it;
- identity: an AWS ARN → `aws_arn`; `system:serviceaccount:<ns>:<name>` → the ServiceAccount; a
  GCP service-account email → `gcp_service_account`; another email → the Person;
  `unix:<user>@<host>` or `<user>@<host>` (host without a dotted top-level domain) → the unix account;
- credential: an AWS access key id → `aws_key`; `SHA256:…` / `MD5:…` → `ssh_key`; a Vault
  accessor `hmac-sha256:…` → `vault_token`; `JTI=…` / `X509SHA256=…` → `k8s_credential`;
- role: an AWS role ARN → `aws_arn`; `<namespace>/role/<name>` or `clusterrole/<name>` → the RBAC
  object;
- resource: an ARN → `aws_arn`; `<namespace>/<kind>/<name>` → the Kubernetes object (pods and
  controllers are Workloads, Secrets Credentials, service accounts Identities, RBAC objects
  Resources, configmaps/services/persistentvolumeclaims the resource scope `k8s_resource`);
  `vault:<path>` or another value with a `/` → the Vault path; a bare name (a database) is
  unresolved: its id needs the Teleport cluster, which the ticket does not name, so the matching
  query finds the database Resource of that name (queries/approvals.py);
- host: a host name → `unix_host`. An IP address is kept unresolved (a host's id is its name;
  its addresses are a property), and the matching query finds the host whose `private_ips`
  hold it (queries/approvals.py).

Everything else is unresolved: kept on the approval as text and counted in the load summary.
"""

from __future__ import annotations

import ipaddress
import re
from typing import NamedTuple

from graph import ids
from graph.errors import ModelError
from graph.model import validate_id
from graph.schema import NodeKind
from graph.values.tickets import ScopeKind

__all__ = ["Resolved", "resolve_scope"]

_N = NodeKind
_ACCESS_KEY = re.compile(r"^(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{12,124}$")
_WORKLOADS = {
    "pod": "pod", "pods": "pod", "deployment": "deployment", "deployments": "deployment",
    "daemonset": "daemonset", "daemonsets": "daemonset", "statefulset": "statefulset",
    "statefulsets": "statefulset", "replicaset": "replicaset", "replicasets": "replicaset",
    "job": "job", "jobs": "job", "cronjob": "cronjob", "cronjobs": "cronjob",
}  # fmt: skip
_RBAC = {"role": "role", "roles": "role", "rolebinding": "rolebinding", "rolebindings": "rolebinding"}
_CLUSTER_RBAC = {
    "clusterrole": "clusterrole", "clusterroles": "clusterrole",
    "clusterrolebinding": "clusterrolebinding", "clusterrolebindings": "clusterrolebinding",
}  # fmt: skip
# other resources a `<namespace>/<kind>/<name>` value may name, by the plural the API (and so the
# audit log's objectRef) uses
_K8S_OTHER = {
    "configmap": "configmaps", "configmaps": "configmaps", "service": "services", "services": "services",
    "persistentvolumeclaim": "persistentvolumeclaims", "persistentvolumeclaims": "persistentvolumeclaims",
}  # fmt: skip
_SECRETS, _ACCOUNTS = ("secret", "secrets"), ("serviceaccount", "serviceaccounts", "sa")
_K8S_KINDS = frozenset({*_WORKLOADS, *_RBAC, *_K8S_OTHER, *_SECRETS, *_ACCOUNTS})
# keytrail ids written as scope values: the prefix and the kind that platform gives the node
_ID_PREFIXES: dict[str, NodeKind] = {
    "aws:key:": _N.CREDENTIAL, "ssh:": _N.CREDENTIAL, "vault:token:": _N.CREDENTIAL,
    "vault:entity:": _N.IDENTITY, "vault:path:": _N.RESOURCE, "host:": _N.WORKLOAD, "unix:": _N.IDENTITY,
    "person:": _N.PERSON, "gcp:sa:": _N.IDENTITY,
}  # fmt: skip

_K8S_ID_KINDS: dict[str, NodeKind] = {
    "sa": _N.IDENTITY, "user": _N.IDENTITY, "group": _N.IDENTITY, "secret": _N.CREDENTIAL,
    "credential": _N.CREDENTIAL, **{short: _N.WORKLOAD for short in _WORKLOADS.values()},
}  # fmt: skip


class Resolved(NamedTuple):
    id: str
    kind: NodeKind


def resolve_scope(kind: ScopeKind, value: str, cluster: str) -> Resolved | None:
    """The node a scope value names, or None when no rule resolves it (it is then kept as text)."""
    text = value.strip()
    try:
        found = _resolve(kind, text, cluster)
        if found is not None:
            validate_id(found.id)  # a part a rule copied (a control character, a huge value) must fit an id
        return found
    except ModelError:
        return None  # a value shaped like a rule's names but malformed: unresolved, not a guess


def _resolve(kind: ScopeKind, text: str, cluster: str) -> Resolved | None:
    known = _keytrail_id(text)
    if known is not None:
        return known
    if kind is ScopeKind.IDENTITY:
        return _identity(text, cluster)
    if kind is ScopeKind.CREDENTIAL:
        return _credential(text, cluster)
    if kind is ScopeKind.ROLE:
        return _role(text, cluster)
    if kind is ScopeKind.RESOURCE:
        return _resource(text, cluster)
    return _host(text)


def _keytrail_id(text: str) -> Resolved | None:
    for prefix, node_kind in _ID_PREFIXES.items():
        if text.startswith(prefix) and len(text) > len(prefix):
            return Resolved(text, node_kind)
    parts = text.split(":")
    if text.startswith("aws:arn:arn:") and len(parts) > 7:
        return Resolved(text, _N.IDENTITY if parts[4] in ("iam", "sts") else _N.RESOURCE)
    if text.startswith("k8s:") and len(parts) >= 4 and all(parts):
        return Resolved(text, _K8S_ID_KINDS.get(parts[2], _N.RESOURCE))
    if text.startswith("teleport:") and len(parts) >= 4 and all(parts):
        return Resolved(text, _N.IDENTITY if parts[-2] == "user" else _N.RESOURCE)
    return None


def _identity(text: str, cluster: str) -> Resolved | None:
    if text.startswith("arn:"):
        return Resolved(ids.aws_arn(text), _N.IDENTITY)
    if text.startswith("system:serviceaccount:"):
        parts = text.split(":")
        if len(parts) == 4:
            return Resolved(ids.k8s_service_account(cluster, parts[2], parts[3]), _N.IDENTITY)
        return None
    if text.endswith(".gserviceaccount.com") and ids.is_email(text):
        return Resolved(ids.gcp_service_account(text), _N.IDENTITY)
    if text.startswith("unix:") and "@" in text:
        return _unix_account(text.removeprefix("unix:"))
    if ids.is_email(text):
        return Resolved(ids.person(text), _N.PERSON)
    if text.count("@") == 1:
        return _unix_account(text)
    return None


def _unix_account(text: str) -> Resolved | None:
    user, _at, host = text.partition("@")
    if not user or not host:
        return None
    return Resolved(ids.unix_account(host, user), _N.IDENTITY)


def _credential(text: str, cluster: str) -> Resolved | None:
    if _ACCESS_KEY.match(text.upper()):
        return Resolved(ids.aws_key(text), _N.CREDENTIAL)
    if text.upper().startswith(("SHA256:", "MD5:")):
        return Resolved(ids.ssh_key(text), _N.CREDENTIAL)
    if text.startswith("hmac-sha256:"):
        return Resolved(ids.vault_token(text), _N.CREDENTIAL)
    if text.startswith(("JTI=", "X509SHA256=")):
        return Resolved(ids.k8s_credential(cluster, text), _N.CREDENTIAL)
    return None


def _role(text: str, cluster: str) -> Resolved | None:
    if text.startswith("arn:"):
        return Resolved(ids.aws_arn(text), _N.IDENTITY)
    parts = text.split("/")
    if len(parts) == 2 and parts[0].lower() in _CLUSTER_RBAC:
        return Resolved(ids.k8s_object(cluster, _CLUSTER_RBAC[parts[0].lower()], "", parts[1]), _N.RESOURCE)
    if len(parts) == 3 and parts[1].lower() in _RBAC:
        return Resolved(ids.k8s_object(cluster, _RBAC[parts[1].lower()], parts[0], parts[2]), _N.RESOURCE)
    return None


def _resource(text: str, cluster: str) -> Resolved | None:
    if text.startswith("arn:"):
        return Resolved(ids.aws_arn(text), _N.RESOURCE)
    parts = text.split("/")
    if len(parts) == 3 and all(parts) and parts[1].lower() in _K8S_KINDS:
        return _kubernetes(cluster, parts[0], parts[1].lower(), parts[2])
    if len(parts) == 2 and parts[0].lower() in _CLUSTER_RBAC and parts[1]:
        return Resolved(ids.k8s_object(cluster, _CLUSTER_RBAC[parts[0].lower()], "", parts[1]), _N.RESOURCE)
    if text.startswith("vault:") or "/" in text:
        return Resolved(ids.vault_path(text.removeprefix("vault:")), _N.RESOURCE)
    # a bare name (a database) or an IP: the id needs what the ticket does not say (the Teleport
    # cluster, the host's name), so the query matches it by name or address (queries/approvals.py)
    return None


def _kubernetes(cluster: str, namespace: str, kind: str, name: str) -> Resolved:
    if kind in _WORKLOADS:
        return Resolved(ids.k8s_object(cluster, _WORKLOADS[kind], namespace, name), _N.WORKLOAD)
    if kind in _SECRETS:
        return Resolved(ids.k8s_object(cluster, "secret", namespace, name), _N.CREDENTIAL)
    if kind in _ACCOUNTS:
        return Resolved(ids.k8s_service_account(cluster, namespace, name), _N.IDENTITY)
    if kind in _RBAC:
        return Resolved(ids.k8s_object(cluster, _RBAC[kind], namespace, name), _N.RESOURCE)
    # configmaps, services, ...: the resource scope an audit event's objectRef names
    return Resolved(ids.k8s_resource(cluster, _K8S_OTHER[kind], namespace, name), _N.RESOURCE)


def _host(text: str) -> Resolved | None:
    if _is_ip(text):
        return None
    return Resolved(ids.unix_host(text), _N.WORKLOAD)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
