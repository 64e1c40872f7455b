"""Kubernetes audit files for the ingest benchmark (bench/ingest.py): generated, and their raw parse.

The actors are those of a cluster: people (`first.last@acme.example`, kubectl from office
addresses, no credential id, so their sessions go by source IP and agent) and, three in four,
service accounts (`system:serviceaccount:<ns>:<name>` from a pod IP, with the bound token's
`authentication.kubernetes.io/credential-id` — a new JTI every hour, as the kubelet refreshes
projected tokens — and the pod and node it runs on in `user.extra`). Each has a small job — two to
four weighted requests (controllers: leases, configmaps, secrets, events; people: pods, logs,
deployments, an exec, a forbidden secret, a rare RoleBinding) — so sessions touch a handful of
targets. Every request is written as the apiserver's log backend writes it under a `Metadata`
policy without `omitStages`: a `RequestReceived` event, then the `ResponseComplete` event of the
same auditID with its status and the authorizer's annotations, one JSON object per line, in files
rotated by size (`audit-<time>.log`, 2,000 events each) over one day. Deterministic by seed,
reused when present. The raw parse reads each file's lines and decodes each with orjson.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import orjson

from bench.ingest_common import Source, raw_parse_lines

__all__ = ["K8S_AUDIT", "generate", "raw_parse"]

EVENTS_PER_FILE = 2000
BASE = 1_735_689_600  # 2025-01-01T00:00:00Z
SPAN = 86_400
NAMESPACES = ("payments", "shop", "search", "ingest", "monitoring", "kube-system")
FIRST = ("ines", "tomas", "amara", "kenji", "lucia", "oskar", "priya", "david", "mei", "sven")
LAST = ("okafor", "berg", "silva", "tanaka", "moreau", "novak", "rao", "cohen", "lin", "holm")
# (verb, group/version, resource, subresource, named, code, weight); named: the request names an object
SA_CALLS = (
    ("update", "coordination.k8s.io/v1", "leases", "", True, 200, 6.0),
    ("get", "coordination.k8s.io/v1", "leases", "", True, 200, 6.0),
    ("get", "v1", "secrets", "", True, 200, 2.0),
    ("list", "v1", "configmaps", "", False, 200, 2.0),
    ("get", "v1", "configmaps", "", True, 200, 2.0),
    ("list", "v1", "pods", "", False, 200, 1.0),
    ("create", "v1", "events", "", False, 201, 1.0),
    ("list", "v1", "endpoints", "", False, 200, 1.0),
    ("create", "authentication.k8s.io/v1", "tokenreviews", "", False, 201, 0.5),
)
USER_CALLS = (
    ("get", "v1", "pods", "", True, 200, 4.0),
    ("list", "v1", "pods", "", False, 200, 4.0),
    ("get", "v1", "pods", "log", True, 200, 2.0),
    ("get", "apps/v1", "deployments", "", True, 200, 2.0),
    ("patch", "apps/v1", "deployments", "", True, 200, 1.0),
    ("create", "v1", "pods", "exec", True, 101, 0.5),
    ("get", "v1", "secrets", "", True, 403, 0.5),
    ("list", "v1", "events", "", False, 200, 1.0),
    ("create", "rbac.authorization.k8s.io/v1", "rolebindings", "", True, 201, 0.05),
)
_SINGULAR = {"leases": "lease", "secrets": "secret", "configmaps": "config", "pods": "pod", "deployments": "deploy",
             "rolebindings": "binding"}  # fmt: skip


@dataclass(frozen=True)
class Call:
    verb: str
    api: str
    resource: str
    sub: str
    namespace: str
    name: str
    code: int
    reason: str  # the authorizer's reason ("" when it forbids)
    weight: float  # how often the actor makes this request, relative to its others


@dataclass(frozen=True)
class Actor:
    number: int
    user: dict[str, object]  # without the credential id (it changes every hour)
    bound_token: bool
    ip: str
    agent: str
    job: tuple[Call, ...]
    weights: tuple[float, ...]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _job(rng: random.Random, calls: tuple[tuple[object, ...], ...], namespace: str, subject: str) -> list[Call]:
    picked = rng.sample(range(len(calls)), 2 + rng.randrange(3))
    job = []
    for index in picked:
        verb, api, resource, sub, named, code, weight = calls[index]
        name = f"{namespace}-{_SINGULAR.get(str(resource), 'obj')}-{rng.randrange(40)}" if named else ""
        if code == 403:
            reason = ""
        elif resource == "rolebindings":
            reason = 'RBAC: allowed by ClusterRoleBinding "sre-admins" of ClusterRole "cluster-admin" to Group "sre"'
        else:
            reason = f'RBAC: allowed by RoleBinding "{namespace}-runtime/{namespace}" of Role "runtime" to {subject}'
        job.append(Call(str(verb), str(api), str(resource), str(sub), namespace, name, int(str(code)), reason,
                        float(str(weight))))  # fmt: skip
    return job


def _actors(rng: random.Random, count: int) -> list[Actor]:
    actors = []
    for n in range(count):
        namespace = NAMESPACES[n % len(NAMESPACES)]
        if n % 4 == 0:
            email = f"{FIRST[n % 10]}.{LAST[(n // 10) % 10]}{n // 100 or ''}@acme.example"
            user: dict[str, object] = {"username": email, "groups": ["sre" if n % 8 == 0 else "dev",
                                                                     "system:authenticated"]}  # fmt: skip
            job = _job(rng, USER_CALLS, namespace, f'User "{email}"')
            ip, agent, bound = f"203.0.113.{n % 250}", "kubectl/v1.30.2 (linux/amd64) kubernetes/3a2c1e4", False
        else:
            name = f"svc-{n:04d}"
            pod = f"{name}-{rng.getrandbits(32):08x}-{rng.getrandbits(20):05x}"
            node = f"ip-10-0-{n % 8}-{10 + n % 200}.ec2.internal"
            user = {
                "username": f"system:serviceaccount:{namespace}:{name}",
                "uid": _uuid(rng),
                "groups": ["system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated"],
                "extra": {
                    "authentication.kubernetes.io/node-name": [node],
                    "authentication.kubernetes.io/node-uid": [_uuid(rng)],
                    "authentication.kubernetes.io/pod-name": [pod],
                    "authentication.kubernetes.io/pod-uid": [_uuid(rng)],
                },
            }
            job = _job(rng, SA_CALLS, namespace, f'ServiceAccount "{name}/{namespace}"')
            ip = f"10.1.{n % 250}.{1 + (n // 250) % 250}"
            agent, bound = f"{name}/v0.{n % 10}.1 (linux/amd64) kubernetes/$Format", True
        actors.append(Actor(n, user, bound, ip, agent, tuple(job), tuple(call.weight for call in job)))
    return actors


def _stamp(seconds: float) -> str:
    whole = int(seconds)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{int((seconds - whole) * 1e6):06d}Z"


def _uri(call: Call) -> str:
    base = "/api/v1" if call.api == "v1" else f"/apis/{call.api}"
    path = f"{base}/namespaces/{call.namespace}/{call.resource}"
    if call.name:
        path += f"/{call.name}"
    if call.sub:
        path += f"/{call.sub}" + (
            "?command=sh&container=app&stdin=true&stdout=true&tty=true" if call.sub == "exec" else ""
        )
    elif not call.name and call.verb == "list":
        path += "?limit=500&resourceVersion=0"
    return path


def _request(rng: random.Random, actor: Actor, at: float, credential: str) -> list[tuple[float, dict[str, object]]]:
    """The RequestReceived and ResponseComplete events of one request."""
    call = actor.job[rng.choices(range(len(actor.job)), actor.weights)[0]]
    user = actor.user
    if credential:
        extra = dict(user["extra"])  # type: ignore[call-overload]
        extra["authentication.kubernetes.io/credential-id"] = [credential]
        user = {**user, "extra": extra}
    group, _, version = call.api.rpartition("/")
    ref: dict[str, object] = {"resource": call.resource, "namespace": call.namespace, "apiVersion": version}
    if group:
        ref["apiGroup"] = group
    if call.name:
        ref["name"] = call.name
    if call.sub:
        ref["subresource"] = call.sub
    received, done = _stamp(at), _stamp(at + 0.002 + rng.random() * 0.05)
    common = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata", "auditID": _uuid(rng)}
    head = {**common, "stage": "RequestReceived", "requestURI": _uri(call), "verb": call.verb, "user": user,
            "sourceIPs": [actor.ip], "userAgent": actor.agent, "objectRef": ref}  # fmt: skip
    first = {**head, "requestReceivedTimestamp": received, "stageTimestamp": received}
    status: dict[str, object] = {"metadata": {}, "code": call.code}
    if call.code == 403:
        status.update(status="Failure", reason="Forbidden", message=f"{call.resource} is forbidden")
    annotations = {"authorization.k8s.io/decision": "forbid" if call.code == 403 else "allow",
                   "authorization.k8s.io/reason": call.reason}  # fmt: skip
    last = {**head, "stage": "ResponseComplete", "responseStatus": status, "requestReceivedTimestamp": received,
            "stageTimestamp": done, "annotations": annotations}  # fmt: skip
    return [(at, first), (at + 0.001, last)]


def generate(out: Path, events: int, seed: int, actors: int) -> int:
    marker = out.parent / f"{out.name}.generated"  # beside the tree, so loads never see it
    if marker.exists():
        return int(marker.read_text())
    rng = random.Random(seed)
    pool = _actors(rng, actors)
    files = max(1, events // EVENTS_PER_FILE)
    out.mkdir(parents=True, exist_ok=True)
    total = 0
    for index in range(files):
        start, end = BASE + index * SPAN / files, BASE + (index + 1) * SPAN / files
        lines: list[tuple[float, dict[str, object]]] = []
        for _ in range(EVENTS_PER_FILE // 2):
            actor = pool[rng.randrange(len(pool))]
            at = start + rng.random() * (end - start - 0.1)
            hour = int(at) // 3600  # a bound token lives an hour
            credential = (
                f"JTI={uuid.uuid5(uuid.NAMESPACE_URL, f'{seed}/{actor.number}/{hour}')}" if actor.bound_token else ""
            )
            lines.extend(_request(rng, actor, at, credential))
        lines.sort(key=lambda pair: pair[0])
        name = f"audit-{time.strftime('%Y-%m-%dT%H-%M-%S', time.gmtime(int(start)))}.{index % 1000:03d}.log"
        (out / name).write_bytes(b"".join(orjson.dumps(event) + b"\n" for _at, event in lines))
        total += len(lines)
    marker.write_text(str(total))
    return total


def log_files(root: Path) -> list[Path]:
    return sorted(root.glob("audit-*.log"))


def raw_parse(root: Path) -> tuple[int, float]:
    return raw_parse_lines(log_files(root))


K8S_AUDIT = Source(
    name="k8s-audit",
    unit="events",
    default_events=200_000,
    default_actors=200,
    generate=generate,
    files=log_files,
    raw_parse=raw_parse,
    cluster="bench",
    describe="orjson per line",
)
