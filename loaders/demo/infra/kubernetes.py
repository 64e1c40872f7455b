"""The `payments-prod` EKS cluster: its objects as `kubectl get -o yaml` writes them, and its API server audit log.

`objects.yaml` is multi-document YAML whose head comment names the kubectl context (so the
Kubernetes loaders know the cluster without `--cluster`); `audit/eks-audit-<day>.json` are the
CloudWatch Logs subscription payloads EKS ships (logGroup `/aws/eks/payments-prod/cluster`), one a
day, each `message` an `audit.k8s.io/v1` event.

Planted (plan.py, situations.py): the API pod runs as `payments/payments-api`, which may read the
namespace's secrets and mounts `payments-db` and `stripe-api`; a platform engineer execs into
that pod with no approval on record; `ci/ci-deployer` holds cluster-admin but only ever patches
one deployment, from a deploy runner; its legacy token Secret never expires; `payments-worker`
may read the same secrets and never does (it reads its configmap). Secret values are in the
objects, as kubectl prints them, so the tests can prove none reaches the graph.
"""

from __future__ import annotations

import base64
import calendar
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import yaml

from loaders.demo.derive import format_iso
from loaders.demo.infra.plan import CLUSTER, DAYS, InfraPlan
from loaders.demo.org import OFFICE_IP

__all__ = ["secret_values", "write_kubernetes"]

_KUBECTL = "kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46"
Event = dict[str, Any]


def secret_values(plan: InfraPlan) -> dict[str, str]:
    """The Secrets' plain values (the demo's own, of nothing real): the objects hold them base64'd."""
    return {
        "payments-db/password": "demo-pg-" + plan.derive.hex(24, "k8s-secret", "payments-db"),
        "stripe-api/api-key": "sk_live_demo" + plan.derive.hex(20, "k8s-secret", "stripe"),
        "ci-deployer-token/token": "eyJhbGciOiJSUzI1NiJ9.demo" + plan.derive.hex(32, "k8s-secret", "sa-token"),
    }


def _meta(name: str, namespace: str = "", **more: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    return {**meta, **more}


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _objects(plan: InfraPlan) -> list[dict[str, Any]]:
    values = secret_values(plan)
    sa = [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(name, ns)}
        for ns, name in (("payments", "payments-api"), ("payments", "payments-worker"), ("ci", "ci-deployer"))
    ]
    secrets = [
        {"apiVersion": "v1", "kind": "Secret", "metadata": _meta("payments-db", "payments"), "type": "Opaque",
         "data": {"username": _b64("payments_app"), "password": _b64(values["payments-db/password"])}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": _meta("stripe-api", "payments"), "type": "Opaque",
         "data": {"api-key": _b64(values["stripe-api/api-key"])}},
        {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
         "metadata": _meta("ci-deployer-token", "ci",
                           annotations={"kubernetes.io/service-account.name": "ci-deployer"}),
         "data": {"token": _b64(values["ci-deployer-token/token"]), "namespace": _b64("ci")}},
    ]  # fmt: skip
    rbac = [
        _role("secret-reader", "payments", [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}]),
        _role("config-reader", "payments", [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]),
        _binding("payments-api-secrets", "payments", "Role", "secret-reader", ("payments", "payments-api")),
        _binding("payments-worker-secrets", "payments", "Role", "secret-reader", ("payments", "payments-worker")),
        _binding("payments-worker-config", "payments", "Role", "config-reader", ("payments", "payments-worker")),
        _binding("ci-deployer-admin", "", "ClusterRole", "cluster-admin", ("ci", "ci-deployer")),
        _binding("platform-admins", "", "ClusterRole", "cluster-admin", group="platform"),
    ]
    api_env = [{"name": "DATABASE_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "payments-db", "key": "password"}}}]
    api_volumes = [{"name": "stripe", "secret": {"secretName": "stripe-api"}}]
    workloads = [
        _deployment(plan.api_pod.deployment, plan.api_pod.account, api_env, api_volumes),
        _pod(plan, plan.api_pod.name, plan.api_pod.ip, plan.api_pod.account, api_env, api_volumes),
        _deployment(plan.worker_pod.deployment, plan.worker_pod.account, [], []),
        _pod(plan, plan.worker_pod.name, plan.worker_pod.ip, plan.worker_pod.account, [], []),
    ]
    return [*sa, *secrets, *rbac, *workloads]


def _role(name: str, namespace: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": _meta(name, namespace),
            "rules": rules}  # fmt: skip


def _binding(
    name: str, namespace: str, role_kind: str, role: str, account: tuple[str, str] | None = None, group: str = ""
) -> dict[str, Any]:
    subject: dict[str, Any] = (
        {"kind": "ServiceAccount", "name": account[1], "namespace": account[0]}
        if account
        else {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": group}
    )
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding" if namespace else "ClusterRoleBinding",
        "metadata": _meta(name, namespace),
        "subjects": [subject],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
    }


def _container(name: str, env: list[dict[str, Any]], volumes: list[dict[str, Any]]) -> dict[str, Any]:
    container: dict[str, Any] = {"name": name, "image": f"123456789012.dkr.ecr.eu-west-1.amazonaws.com/{name}:3.2.0"}
    if env:
        container["env"] = env
    if volumes:
        container["volumeMounts"] = [{"name": v["name"], "mountPath": f"/etc/{v['name']}", "readOnly": True}
                                     for v in volumes]  # fmt: skip
    return container


def _deployment(name: str, account: str, env: list[dict[str, Any]], volumes: list[dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = {"serviceAccountName": account, "containers": [_container(name, env, volumes)]}
    if volumes:
        spec["volumes"] = volumes
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(name, "payments", labels={"app": name}),
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}}, "spec": spec}},
    }  # fmt: skip


def _pod(
    plan: InfraPlan, name: str, ip: str, account: str, env: list[dict[str, Any]], volumes: list[dict[str, Any]]
) -> dict[str, Any]:
    app, template = name.rsplit("-", 2)[:2]
    spec: dict[str, Any] = {"serviceAccountName": account, "containers": [_container(app, env, volumes)]}
    if volumes:
        spec["volumes"] = volumes
    owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"{app}-{template}", "controller": True,
             "blockOwnerDeletion": True, "uid": plan.uuid("replicaset-uid", app)}  # fmt: skip
    labels = {"app": app, "pod-template-hash": template}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": _meta(name, "payments", labels=labels, uid=plan.uuid("pod-uid", name), ownerReferences=[owner]),
        "spec": spec,
        "status": {"phase": "Running", "podIP": ip, "startTime": format_iso(plan.at(DAYS + 1, 8))},
    }


class _Audit:
    def __init__(self, plan: InfraPlan) -> None:
        self.plan = plan

    def event(
        self, at: int, user: dict[str, Any], ip: str, agent: str, verb: str, obj: dict[str, str], uri: str,
        code: int, reason: str, stage: str = "ResponseComplete", ends: int = 0,
    ) -> Event:  # fmt: skip
        return {
            "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata",
            "auditID": self.plan.uuid("k8s-audit", at, user["username"], verb, uri), "stage": stage,
            "requestURI": uri, "verb": verb, "user": user, "sourceIPs": [ip], "userAgent": agent,
            "objectRef": {**obj, "apiVersion": "apps/v1" if obj.get("resource") == "deployments" else "v1"},
            **({"responseStatus": {"metadata": {}, "code": code}} if stage == "ResponseComplete" else {}),
            "requestReceivedTimestamp": _micro(at), "stageTimestamp": _micro(ends or at, 4200 if not ends else 0),
            "annotations": {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": reason},
        }  # fmt: skip

    def account(self, namespace: str, name: str, day: int, pod: str = "") -> dict[str, Any]:
        extra = {"authentication.kubernetes.io/credential-id": [f"JTI={self.plan.uuid('jti', name, day)}"]}
        if pod:
            extra["authentication.kubernetes.io/pod-name"] = [pod]
        return {
            "username": f"system:serviceaccount:{namespace}:{name}",
            "uid": self.plan.uuid("sa-uid", namespace, name),
            "groups": ["system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated"],
            "extra": extra,
        }

    def day(self, days_ago: int) -> Iterator[Event]:
        plan = self.plan
        api, worker = plan.api_pod, plan.worker_pod
        for hour in (6, 18):  # the API pod reads its database secret at start and on each refresh
            yield self.event(
                plan.at(days_ago, hour, 2, 11), self.account("payments", api.account, days_ago, api.name), api.ip,
                "payments-api/3.2.0", "get", {"resource": "secrets", "namespace": "payments", "name": "payments-db"},
                "/api/v1/namespaces/payments/secrets/payments-db", 200,
                _rbac("RoleBinding", "payments-api-secrets/payments", "Role", "secret-reader",
                      f"ServiceAccount \"{api.account}/payments\""),
            )  # fmt: skip
        yield self.event(
            plan.at(days_ago, 6, 4, 40), self.account("payments", worker.account, days_ago, worker.name), worker.ip,
            "payments-worker/1.8.4", "get",
            {"resource": "configmaps", "namespace": "payments", "name": "worker-config"},
            "/api/v1/namespaces/payments/configmaps/worker-config", 200,
            _rbac("RoleBinding", "payments-worker-config/payments", "Role", "config-reader",
                  f"ServiceAccount \"{worker.account}/payments\""),
        )  # fmt: skip
        runner = plan.ci_runner
        yield self.event(
            plan.at(days_ago, 9, 31, 5), self.account("ci", "ci-deployer", days_ago), runner.private_ip, _KUBECTL,
            "patch", {"resource": "deployments", "namespace": "payments", "name": api.deployment},
            f"/apis/apps/v1/namespaces/payments/deployments/{api.deployment}?fieldManager=kubectl-client-side-apply",
            200, _rbac("ClusterRoleBinding", "ci-deployer-admin", "ClusterRole", "cluster-admin",
                       "ServiceAccount \"ci-deployer/ci\""),
        )  # fmt: skip
        if plan.at(days_ago, 0) <= plan.exec_at < plan.at(days_ago - 1, 0):
            yield from self.exec()

    def exec(self) -> Iterator[Event]:
        plan, api = self.plan, self.plan.api_pod
        kwame = plan.people["kwame"].email
        user = {"username": kwame, "uid": f"aws-iam-authenticator:123456789012:{plan.uuid('iam-uid', kwame)}",
                "groups": ["platform", "system:authenticated"]}  # fmt: skip
        query = "command=sh&container=payments-api&stdin=true&stdout=true&tty=true"
        uri = f"/api/v1/namespaces/payments/pods/{api.name}/exec?{query}"
        obj = {"resource": "pods", "namespace": "payments", "name": api.name, "subresource": "exec"}
        reason = _rbac("ClusterRoleBinding", "platform-admins", "ClusterRole", "cluster-admin", 'Group "platform"')
        at = plan.exec_at
        yield self.event(at, user, OFFICE_IP, _KUBECTL, "create", obj, uri, 0, reason, stage="RequestReceived")
        yield self.event(at, user, OFFICE_IP, _KUBECTL, "create", obj, uri, 101, reason, ends=at + 14 * 60 + 20)


def _rbac(binding_kind: str, binding: str, role_kind: str, role: str, subject: str) -> str:
    return f'RBAC: allowed by {binding_kind} "{binding}" of {role_kind} "{role}" to {subject}'


def _micro(epoch: int, micros: int = 0) -> str:
    return format_iso(epoch).replace("Z", f".{micros:06d}Z")


def write_kubernetes(out: Path, plan: InfraPlan) -> tuple[int, int]:
    """(objects, audit events) written under `out` (kubernetes/<cluster>)."""
    out.mkdir(parents=True, exist_ok=True)
    objects = _objects(plan)
    text = f"# context: {CLUSTER}\n# kubectl get serviceaccounts,secrets,roles,rolebindings,clusterrolebindings," \
           "deployments,pods -A -o yaml (split per object)\n"  # fmt: skip
    text += "---\n".join(yaml.safe_dump(o, sort_keys=False, default_flow_style=False) for o in objects)
    (out / "objects.yaml").write_text(text, encoding="utf-8")
    audit = _Audit(plan)
    events = 0
    for days_ago in range(DAYS, 0, -1):
        day = list(audit.day(days_ago))
        events += len(day)
        payload = {
            "messageType": "DATA_MESSAGE",
            "owner": "123456789012",
            "logGroup": f"/aws/eks/{CLUSTER}/cluster",
            "logStream": "kube-apiserver-audit-" + plan.derive.hex(32, "log-stream", CLUSTER),
            "subscriptionFilters": ["eks-audit-to-firehose"],
            "logEvents": [
                {"id": plan.derive.hex(56, "log-event", days_ago, k).translate(_DIGITS),
                 "timestamp": _millis(e["stageTimestamp"]), "message": orjson.dumps(e).decode()}
                for k, e in enumerate(day)
            ],
        }  # fmt: skip
        name = format_iso(plan.at(days_ago, 0))[:10]
        (out / "audit").mkdir(exist_ok=True)
        (out / "audit" / f"eks-audit-{name}.json").write_bytes(orjson.dumps(payload, option=orjson.OPT_INDENT_2))
    return len(objects), events


_DIGITS = str.maketrans("abcdef", "123456")  # CloudWatch event ids are decimal


def _millis(stamp: str) -> int:
    whole, _, frac = stamp.rstrip("Z").partition(".")
    return calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")) * 1000 + int(frac[:3] or 0)
