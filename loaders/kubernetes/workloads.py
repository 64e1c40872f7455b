"""What a pod spec says about identity and secrets: the service account it runs as and every
Secret it references, wherever the reference sits.

A Secret reaches a container through a `secret` volume, a `projected` volume's `secret` source,
an `env[].valueFrom.secretKeyRef`, an `envFrom[].secretRef`, or the pod's `imagePullSecrets`
(for the kubelet, not the container). Controllers (Deployment, DaemonSet, StatefulSet,
ReplicaSet, Job) hold the spec under `spec.template.spec`, a CronJob under
`spec.jobTemplate.spec.template.spec`. Only names are read: a pod spec holds no secret value.

A workload's controller (`controller_of`) is the object that made it, from the controlling
`metadata.ownerReferences` entry: a pod's ReplicaSet is its Deployment's when the ReplicaSet's
name is `<deployment>-<pod-template-hash>` (the pod's label), as the Deployment controller names
it; otherwise the owner itself (a Job's pod: the Job — a Job's own name does not prove which
CronJob made it, its ownerReferences do, and a Job object carries those itself). A pod and the
Deployment that made it are one consumer of the Secrets they name, not two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "SERVICE_ACCOUNT_TOKEN_PATH",
    "WORKLOAD_KINDS",
    "PodSpec",
    "SecretRef",
    "controller_of",
    "pod_spec",
    "read_pod_spec",
]

WORKLOAD_KINDS = {
    "Pod": "pod",
    "Deployment": "deployment",
    "DaemonSet": "daemonset",
    "StatefulSet": "statefulset",
    "ReplicaSet": "replicaset",
    "Job": "job",
    "CronJob": "cronjob",
}
SERVICE_ACCOUNT_TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


@dataclass(frozen=True, slots=True)
class SecretRef:
    name: str
    via: str  # "volume <v> at <path>", "env <NAME>", "envFrom <container>", "imagePullSecrets"
    token_mount: bool = False  # mounted where a service-account token goes (a legacy token Secret)


@dataclass(slots=True)
class PodSpec:
    service_account: str
    secrets: list[SecretRef] = field(default_factory=list)
    automount_token: bool | None = None


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _name(value: object, key: str = "name") -> str:
    found = value.get(key) if isinstance(value, dict) else None
    return found.strip() if isinstance(found, str) else ""


def pod_spec(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The pod spec inside a workload object, wherever its kind keeps it."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return None
    if obj.get("kind") == "Pod":
        return spec
    if obj.get("kind") == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") if isinstance(spec.get("jobTemplate"), dict) else None
        if not isinstance(spec, dict):
            return None
    template = spec.get("template")
    inner = template.get("spec") if isinstance(template, dict) else None
    return inner if isinstance(inner, dict) else None


def _mount_paths(spec: dict[str, Any]) -> dict[str, str]:
    """Volume name -> the first path a container mounts it at."""
    paths: dict[str, str] = {}
    for key in _CONTAINER_LISTS:
        for container in _dicts(spec.get(key)):
            for mount in _dicts(container.get("volumeMounts")):
                if _name(mount) and isinstance(mount.get("mountPath"), str):
                    paths.setdefault(_name(mount), mount["mountPath"])
    return paths


def _volume_refs(spec: dict[str, Any]) -> list[SecretRef]:
    refs: list[SecretRef] = []
    paths = _mount_paths(spec)
    for volume in _dicts(spec.get("volumes")):
        path = paths.get(_name(volume), "")
        via = f"volume {_name(volume)}" + (f" at {path}" if path else "")
        token = path.rstrip("/") == SERVICE_ACCOUNT_TOKEN_PATH
        if _name(volume.get("secret"), "secretName"):
            refs.append(SecretRef(_name(volume["secret"], "secretName"), via, token))
        projected = volume.get("projected")
        for source in _dicts(projected.get("sources")) if isinstance(projected, dict) else []:
            if _name(source.get("secret")):
                refs.append(SecretRef(_name(source["secret"]), f"projected {via}"))
    return refs


def _env_refs(spec: dict[str, Any]) -> list[SecretRef]:
    refs: list[SecretRef] = []
    for key in _CONTAINER_LISTS:
        for container in _dicts(spec.get(key)):
            for env in _dicts(container.get("env")):
                source = env.get("valueFrom")
                ref = source.get("secretKeyRef") if isinstance(source, dict) else None
                if _name(ref):
                    refs.append(SecretRef(_name(ref), f"env {_name(env)}"))
            for env_from in _dicts(container.get("envFrom")):
                if _name(env_from.get("secretRef")):
                    refs.append(SecretRef(_name(env_from["secretRef"]), f"envFrom in container {_name(container)}"))
    return refs


def read_pod_spec(spec: dict[str, Any]) -> PodSpec:
    account = _name(spec, "serviceAccountName") or _name(spec, "serviceAccount") or "default"
    refs = _volume_refs(spec) + _env_refs(spec)
    refs += [SecretRef(_name(s), "imagePullSecrets") for s in _dicts(spec.get("imagePullSecrets")) if _name(s)]
    automount = spec.get("automountServiceAccountToken")
    return PodSpec(account, refs, automount if isinstance(automount, bool) else None)


def controller_of(metadata: dict[str, Any]) -> tuple[str, str] | None:
    """(short kind, name) of the workload that controls this one, or None (see the module doc)."""
    owners = [o for o in _dicts(metadata.get("ownerReferences")) if WORKLOAD_KINDS.get(_name(o, "kind"))]
    owner = next((o for o in owners if o.get("controller") is True), owners[0] if owners else None)
    if owner is None or not _name(owner):
        return None
    kind, name = _name(owner, "kind"), _name(owner)
    labels = metadata.get("labels")
    template = _name(labels, "pod-template-hash") if isinstance(labels, dict) else ""
    if kind == "ReplicaSet" and template and name.endswith(f"-{template}") and len(name) > len(template) + 1:
        return "deployment", name[: -len(template) - 1]
    return WORKLOAD_KINDS[kind], name
