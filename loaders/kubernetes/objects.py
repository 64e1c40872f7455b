"""Kubernetes objects (`kubectl get -o json|yaml`) → service accounts, Secrets, workloads and RBAC.

- ServiceAccount → Identity `k8s.serviceaccount` (nature machine), HAS_CREDENTIAL the token
  Secrets its `secrets:` list names.
- Secret → Credential `k8s.secret` with its `type` and the *names* of its keys — never a value
  of `data` / `stringData`, and never an annotation (`last-applied-configuration` repeats the
  data) — STORED_IN the resource scopes RBAC grants (its namespace's `secrets`, every
  namespace's, the namespace's `*`, the cluster's `*`, and itself by name), so a grant reaches
  the Secrets it covers. A `kubernetes.io/service-account-token` Secret is a legacy,
  non-expiring token (`legacy: true`, `credential_type: k8s_token`) HAS_CREDENTIAL of the
  service account its annotation names.
- Pod, Deployment, DaemonSet, StatefulSet, ReplicaSet, Job, CronJob → Workload `k8s.<kind>`,
  RUNS_AS its service account, USES (`mode: declared`) every Secret its pod spec references
  (loaders/kubernetes/workloads.py) and those its service account lists as imagePullSecrets;
  pod IPs become `private_ips`, so audit events from them meet the pod; `controller` is the id
  of the workload that made it (its Deployment, through the ReplicaSet: `controller_of`). An
  actions-runner-controller runner pod is also the GitHub Runner it registers as
  (loaders/kubernetes/runners.py).
- Role, ClusterRole, RoleBinding, ClusterRoleBinding → Resources `k8s.<kind>`; bindings grant
  their subjects CAN_ACCESS at `finish` (loaders/kubernetes/grants.py).

References wait for `finish` (loaders/kubernetes/references.py): a missing target is kept and
marked `dangling`. Other kinds (ConfigMap, Service, ...) are accepted and carry nothing here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any

from graph import ids
from graph.errors import LoadError, ModelError
from graph.model import Evidence, Node, canonical_timestamp
from graph.schema import EdgeKind, NodeKind
from loaders.base import Item, KnownNodes, LoadContext, Loader, Record, Sample, SourceFile, evidenced_edge
from loaders.kubernetes.audit import sniff_audit
from loaders.kubernetes.documents import KubeObject, read_objects
from loaders.kubernetes.grants import binding_of, grant_items, role_items
from loaders.kubernetes.nodes import scope_node, secret_node, service_account_node
from loaders.kubernetes.rbac import parse_rule_text
from loaders.kubernetes.references import Reference, References
from loaders.kubernetes.runners import arc_runner_items
from loaders.kubernetes.workloads import WORKLOAD_KINDS, controller_of, pod_spec, read_pod_spec
from loaders.sessions import all_nodes

__all__ = ["ManifestLoader", "secret_scopes"]

NAME = "k8s-manifests"
STATE = "k8s_manifests"
_API_VERSIONS = ('"apiVersion": "v1"', "apiVersion: v1", '"apiVersion":"v1"')
_KINDS = (
    "ServiceAccount",
    "Secret",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "List",
    *WORKLOAD_KINDS,
)
_RBAC = ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding")
_SECRET_TYPES = {
    "kubernetes.io/service-account-token": "k8s_token",
    "kubernetes.io/tls": "certificate",
    "kubernetes.io/basic-auth": "password",
    "kubernetes.io/ssh-auth": "private_key",
    "kubernetes.io/dockerconfigjson": "token",
    "kubernetes.io/dockercfg": "token",
    "bootstrap.kubernetes.io/token": "token",
}
_edge = functools.partial(evidenced_edge, NAME)


def _sniff_kinds(text: str) -> bool:
    for kind in _KINDS:
        if f'"kind": "{kind}"' in text or f'"kind":"{kind}"' in text or f"kind: {kind}\n" in text:
            return True
    return False


def secret_scopes(cluster: str, namespace: str, name: str) -> list[tuple[str, str, str]]:
    """(Resource id, namespace, scope text) of every RBAC target that covers a Secret."""
    return [
        (ids.k8s_resource(cluster, "secrets", namespace, name), namespace, f"secrets {name} in {namespace}"),
        (ids.k8s_resource(cluster, "secrets", namespace), namespace, f"secrets in {namespace}"),
        (ids.k8s_resource(cluster, "secrets", "*"), "*", "secrets in every namespace"),
        (ids.k8s_resource(cluster, "*", namespace), namespace, f"every resource in {namespace}"),
        (ids.k8s_resource(cluster, "*"), "", "every resource in the cluster"),
    ]


class _Object:
    """One object being transformed: its cluster, names and evidence."""

    def __init__(self, record: Record[KubeObject], ctx: LoadContext) -> None:
        self.raw = record.value.value
        self.cluster = ctx.cluster or record.value.cluster or "default"
        kind, metadata = self.raw.get("kind"), self.raw.get("metadata")
        if not isinstance(kind, str) or not kind:
            raise record.location.error("not a Kubernetes object: no kind")
        if not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str) or not metadata["name"]:
            raise record.location.error(f"{kind} without metadata.name")
        self.kind, self.metadata, self.name = kind, metadata, metadata["name"].strip()
        namespace = metadata.get("namespace")
        self.namespace = namespace.strip() if isinstance(namespace, str) and namespace.strip() else "default"
        created = metadata.get("creationTimestamp")
        try:
            self.created = canonical_timestamp(created) if created else None
        except ModelError:
            self.created = None
        where = record.location
        locator = where.locator + (f" item {where.record}" if where.record is not None else "")
        self.evidence = Evidence(source=where.file, locator=f"{locator} {kind} {self.namespace}/{self.name}"[:500],
                                 at=self.created)  # fmt: skip


class ManifestLoader(Loader[KubeObject]):
    name = NAME
    description = "Kubernetes objects (kubectl get -o json|yaml, kind: List, multi-document YAML)"

    def sniff(self, sample: Sample) -> bool:
        text = sample.text
        if sniff_audit(text):  # audit events quote the objects they touched
            return False
        if '"protoPayload"' in text and '"logName"' in text:  # a Cloud Logging entry (GKE audit) quotes them too
            return False
        versioned = (
            any(v in text for v in _API_VERSIONS)
            or "rbac.authorization.k8s.io/" in text
            or ("apps/v1" in text or "batch/v1" in text)
        )
        return versioned and _sniff_kinds(text)

    def parse(self, source: SourceFile) -> Iterator[Record[KubeObject] | LoadError]:
        return read_objects(source)

    def prepare(self, ctx: LoadContext, known: KnownNodes) -> None:
        refs = References()
        for kind in (NodeKind.IDENTITY, NodeKind.CREDENTIAL, NodeKind.RESOURCE, NodeKind.WORKLOAD):
            for node in all_nodes(known, kind, "k8s:"):
                if node.props.get("dangling") is True:
                    continue
                refs.known.add(node.id)
                if node.subtype in ("k8s.role", "k8s.clusterrole"):
                    texts = node.props.get("rules")
                    listed = texts if isinstance(texts, list) else []
                    rules = [parse_rule_text(t) for t in listed]
                    refs.roles[node.id] = (node.name.rsplit("/", 1)[-1], [r for r in rules if r is not None])
        ctx.state[STATE] = refs

    def transform(self, record: Record[KubeObject], ctx: LoadContext) -> Iterable[Item]:
        refs: References = ctx.state.setdefault(STATE, References())
        obj = _Object(record, ctx)
        if obj.kind == "ServiceAccount":
            return list(self._service_account(obj, refs))
        if obj.kind == "Secret":
            return list(self._secret(obj, refs))
        if obj.kind in WORKLOAD_KINDS:
            items = list(self._workload(obj, refs))
            if obj.kind == "Pod":  # an actions-runner-controller runner pod is also a GitHub runner
                workload = ids.k8s_object(obj.cluster, "pod", obj.namespace, obj.name)
                items.extend(arc_runner_items(obj.metadata, obj.name, workload, ctx.runner_org, obj.evidence))
            return items
        if obj.kind in ("Role", "ClusterRole"):
            return list(role_items(obj.raw, obj.cluster, obj.namespace, obj.evidence, refs))
        if obj.kind in ("RoleBinding", "ClusterRoleBinding"):
            return list(binding_of(obj.raw, obj.cluster, obj.namespace, obj.evidence, refs))
        return ()

    def _service_account(self, obj: _Object, refs: References) -> Iterator[Item]:
        automount = obj.raw.get("automountServiceAccountToken")
        node = service_account_node(
            obj.cluster, obj.namespace, obj.name, dangling=False, created=obj.created,
            automount_token=automount if isinstance(automount, bool) else None,
        )  # fmt: skip
        refs.defined.add(node.id)
        yield node
        for entry in obj.raw.get("secrets") or []:
            name = entry.get("name") if isinstance(entry, dict) else None
            if isinstance(name, str) and name.strip():
                secret = secret_node(obj.cluster, obj.namespace, name.strip(), **_token_guess(obj.name, name))
                edge = _edge(node.id, NodeKind.IDENTITY, EdgeKind.HAS_CREDENTIAL, secret.id, NodeKind.CREDENTIAL,
                             obj.evidence)  # fmt: skip
                refs.refs.append(Reference(edge, secret))
        for entry in obj.raw.get("imagePullSecrets") or []:
            name = entry.get("name") if isinstance(entry, dict) else None
            if isinstance(name, str) and name.strip():
                secret = secret_node(obj.cluster, obj.namespace, name.strip())
                edge = _edge(node.id, NodeKind.IDENTITY, EdgeKind.HAS_CREDENTIAL, secret.id, NodeKind.CREDENTIAL,
                             obj.evidence)  # fmt: skip
                refs.pull_secrets.setdefault(node.id, []).append(Reference(edge, secret))

    def _secret(self, obj: _Object, refs: References) -> Iterator[Item]:
        raw_type = obj.raw.get("type")
        secret_type = raw_type if isinstance(raw_type, str) else "Opaque"
        keys = sorted({str(k) for field in ("data", "stringData") if isinstance(obj.raw.get(field), dict)
                       for k in obj.raw[field]})  # fmt: skip
        legacy = secret_type == "kubernetes.io/service-account-token"
        node = secret_node(
            obj.cluster, obj.namespace, obj.name, dangling=False, created=obj.created, secret_type=secret_type,
            key_names=keys, credential_type=_SECRET_TYPES.get(secret_type, "unknown"), legacy=legacy or None,
            status="active",
        )  # fmt: skip
        refs.defined.add(node.id)
        yield node
        for scope, namespace, text in secret_scopes(obj.cluster, obj.namespace, obj.name):
            yield scope_node(scope, obj.cluster, namespace, text)
            yield _edge(node.id, NodeKind.CREDENTIAL, EdgeKind.STORED_IN, scope, NodeKind.RESOURCE, obj.evidence,
                        path=text)  # fmt: skip
        annotations = obj.metadata.get("annotations")
        owner = annotations.get("kubernetes.io/service-account.name") if isinstance(annotations, dict) else None
        if legacy and isinstance(owner, str) and owner.strip():
            account = service_account_node(obj.cluster, obj.namespace, owner.strip())
            edge = _edge(account.id, NodeKind.IDENTITY, EdgeKind.HAS_CREDENTIAL, node.id, NodeKind.CREDENTIAL,
                         obj.evidence)  # fmt: skip
            refs.refs.append(Reference(edge, account, always_exists=owner.strip() == "default"))

    def _workload(self, obj: _Object, refs: References) -> Iterator[Item]:
        short = WORKLOAD_KINDS[obj.kind]
        spec = pod_spec(obj.raw)
        found = obj.raw.get("status")
        status: dict[str, Any] = found if isinstance(found, dict) else {}
        ips = {status.get("podIP")} | {p.get("ip") for p in status.get("podIPs") or [] if isinstance(p, dict)}
        owner = controller_of(obj.metadata)
        controller = ids.k8s_object(obj.cluster, owner[0], obj.namespace, owner[1]) if owner else None
        node = Node.make(
            id=ids.k8s_object(obj.cluster, short, obj.namespace, obj.name),
            kind=NodeKind.WORKLOAD,
            subtype=f"k8s.{short}",
            name=f"{obj.namespace}/{obj.name}",
            props={"platform": "k8s", "cluster": obj.cluster, "namespace": obj.namespace, "dangling": False,
                   "state": status.get("phase") if isinstance(status.get("phase"), str) else None,
                   "private_ips": sorted(ip for ip in ips if isinstance(ip, str) and ip) or None,
                   "controller": controller},
            sources=(NAME,),
        )  # fmt: skip
        refs.defined.add(node.id)
        yield node
        if spec is None:
            return
        pod = read_pod_spec(spec)
        account = service_account_node(obj.cluster, obj.namespace, pod.service_account)
        runs_as = _edge(node.id, NodeKind.WORKLOAD, EdgeKind.RUNS_AS, account.id, NodeKind.IDENTITY, obj.evidence,
                        via="service_account")  # fmt: skip
        refs.refs.append(Reference(runs_as, account, always_exists=pod.service_account == "default"))
        refs.runs_as.setdefault(account.id, []).append((node.id, runs_as))
        vias: dict[str, list[str]] = {}
        for ref in pod.secrets:
            vias.setdefault(ref.name, []).append(ref.via)
        for ref in {ref.name: ref for ref in reversed(pod.secrets)}.values():
            extra = {"legacy": True, "credential_type": "k8s_token"} if ref.token_mount else {}
            secret = secret_node(
                obj.cluster, obj.namespace, ref.name, **(extra or _token_guess(pod.service_account, ref.name))
            )
            edge = _edge(node.id, NodeKind.WORKLOAD, EdgeKind.USES, secret.id, NodeKind.CREDENTIAL, obj.evidence,
                         mode="declared", via="; ".join(vias[ref.name]))  # fmt: skip
            refs.refs.append(Reference(edge, secret))

    def finish(self, ctx: LoadContext) -> Iterable[Item]:
        refs: References | None = ctx.state.pop(STATE, None)
        if refs is None:
            return ()
        return _finish(refs)


def _finish(refs: References) -> Iterator[Item]:
    for reference in refs.refs:
        yield from refs.resolve(reference)
    for account, pulls in sorted(refs.pull_secrets.items()):
        for reference in pulls:
            yield from refs.resolve(reference)
            for workload, runs_as in refs.runs_as.get(account, []):
                yield _edge(workload, NodeKind.WORKLOAD, EdgeKind.USES, reference.edge.target, NodeKind.CREDENTIAL,
                            runs_as.evidence[0], mode="declared", via=f"imagePullSecrets of service account {account}",
                            dangling=not refs.exists(reference.edge.target))  # fmt: skip
    yield from grant_items(refs)


def _token_guess(account: str, secret: str) -> dict[str, Any]:
    """A `<account>-token-<5>` Secret is the legacy token Kubernetes < 1.24 generated for it."""
    tail = secret.removeprefix(f"{account}-token-")
    return {"legacy": True, "credential_type": "k8s_token"} if tail != secret and len(tail) == 5 else {}
