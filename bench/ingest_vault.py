"""Vault audit-device files for the ingest benchmark (bench/ingest.py): generated, and their raw parse.

The actors are those of a Vault serving a cluster: services logging in with Kubernetes auth
(seven in ten: `auth/kubernetes/login`, metadata naming the service account and role), batch jobs
with AppRole (two in ten) and people through OIDC (one in ten). Each has a small job — two to
four operations (kv-v2 reads of its own secrets, dynamic database credentials, transit, token
renew and lookup; a denied read for some; a rare `sys/policy` write by a person) — and logs in
again every hour, when its token's TTL ends, so each actor has a new token (a new HMAC'd accessor,
a new session) an hour. Every operation is written as the file device writes it: a `request`
entry, then the `response` entry repeating its auth and request, with every token, accessor and
secret value HMAC'd (`hmac-sha256:<64 hex>`), one JSON object per line, in files rotated at
2,000 entries over one day. Deterministic by seed, reused when present. The raw parse reads each
file's lines and decodes each with orjson.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import orjson

from bench.ingest_common import Source, raw_parse_lines

__all__ = ["VAULT_AUDIT", "generate", "raw_parse"]

ENTRIES_PER_FILE = 2000
BASE = 1_735_689_600  # 2025-01-01T00:00:00Z
SPAN = 86_400
TTL = 3600
NAMESPACES = ("payments", "shop", "search", "ingest", "monitoring", "platform")
DENIED = "1 error occurred:\n\t* permission denied\n\n"
# (operation, mount point, mount type, path template, weight, writes data); {ns} / {n}: the actor's
SERVICE_OPS = (
    ("read", "secret/", "kv", "secret/data/{ns}/app-{n}", 6.0, False),
    ("read", "secret/", "kv", "secret/data/{ns}/db", 4.0, False),
    ("read", "database/", "database", "database/creds/{ns}-ro", 2.0, False),
    ("update", "transit/", "transit", "transit/encrypt/{ns}", 3.0, True),
    ("update", "auth/token/", "token", "auth/token/renew-self", 1.0, True),
    ("read", "auth/token/", "token", "auth/token/lookup-self", 1.0, False),
    ("read", "secret/", "kv", "secret/data/platform/root-ca-key", 0.3, False),  # denied but for platform
)
PERSON_OPS = (
    ("read", "secret/", "kv", "secret/data/{ns}/app-{n}", 3.0, False),
    ("list", "secret/", "kv", "secret/metadata/{ns}", 2.0, False),
    ("read", "sys/", "system", "sys/mounts", 1.0, False),
    ("update", "sys/", "system", "sys/policy/{ns}-read", 0.1, True),
)


@dataclass(frozen=True)
class Actor:
    number: int
    method: str  # kubernetes, approle, oidc
    display_name: str
    metadata: dict[str, str]
    policies: tuple[str, ...]
    entity_id: str
    ip: str
    job: tuple[tuple[str, str, str, str, bool, bool], ...]  # (operation, mount point, type, path, writes, denied)
    weights: tuple[float, ...]


def _hmac(*parts: object) -> str:
    return "hmac-sha256:" + hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _actors(rng: random.Random, count: int) -> list[Actor]:
    actors = []
    for n in range(count):
        ns = NAMESPACES[n % len(NAMESPACES)]
        if n % 10 < 7:
            method, display = "kubernetes", f"kubernetes-{ns}-svc-{n:04d}"
            metadata = {"role": f"{ns}-app", "service_account_name": f"svc-{n:04d}",
                        "service_account_namespace": ns, "service_account_secret_name": "",
                        "service_account_uid": _uuid(rng)}  # fmt: skip
            ops, ip = SERVICE_OPS, f"10.1.{n % 250}.{1 + (n // 250) % 250}"
        elif n % 10 < 9:
            method, display = "approle", "approle"
            metadata = {"role_name": f"batch-{ns}-{n:04d}"}
            ops, ip = SERVICE_OPS, f"10.3.{n % 250}.{1 + (n // 250) % 250}"
        else:
            method, display = "oidc", f"oidc-person{n:04d}@acme.example"
            metadata = {"role": "default"}
            ops, ip = PERSON_OPS, f"203.0.113.{n % 250}"
        picked = rng.sample(range(len(ops)), 2 + rng.randrange(3))
        job = []
        for index in picked:
            operation, mount, kind, path, _weight, writes = ops[index]
            concrete = path.format(ns=ns, n=n % 7)
            job.append((operation, mount, kind, concrete, writes, ns != "platform" and "platform/" in concrete))
        policies = ("default", f"{ns}-read") + (("admin-lite",) if method == "oidc" else ())
        weights = tuple(ops[index][4] for index in picked)
        actors.append(Actor(n, method, display, metadata, policies, _uuid(rng), ip, tuple(job), weights))
    return actors


def _stamp(seconds: float) -> str:
    whole = int(seconds)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{int((seconds - whole) * 1e6):06d}Z"


def _auth(actor: Actor, token: tuple[str, str], issued: int) -> dict[str, object]:
    return {
        "client_token": token[0], "accessor": token[1], "display_name": actor.display_name,
        "policies": list(actor.policies), "token_policies": list(actor.policies), "identity_policies": [],
        "metadata": actor.metadata, "entity_id": actor.entity_id, "token_type": "service", "token_ttl": TTL,
        "token_issue_time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(issued)),
    }  # fmt: skip


def _pair(at: float, auth: dict[str, object], request: dict[str, object], response: dict[str, object],
          error: str = "") -> list[tuple[float, dict[str, object]]]:  # fmt: skip
    """The request entry and its response entry (which repeats the auth and the request)."""
    first = {"time": _stamp(at), "type": "request", "auth": auth, "request": request}
    last = {"time": _stamp(at + 0.004), "type": "response", "auth": auth, "request": request, "response": response}
    if error:
        first["error"] = last["error"] = error
    return [(at, first), (at + 0.004, last)]


def _request(
    rng: random.Random, actor: Actor, token: tuple[str, str], op: tuple[str, ...], path: str
) -> dict[str, object]:
    operation, mount, kind = op[0], op[1], op[2]
    request: dict[str, object] = {
        "id": _uuid(rng), "client_id": actor.entity_id, "operation": operation, "mount_point": mount,
        "mount_type": kind, "mount_accessor": f"{kind}_{hashlib.sha256(mount.encode()).hexdigest()[:8]}",
        "mount_running_version": "v1.18.1+builtin.vault", "mount_class": "secret" if kind != "token" else "auth",
        "client_token": token[0], "client_token_accessor": token[1], "namespace": {"id": "root"}, "path": path,
        "remote_address": actor.ip, "remote_port": 30000 + rng.randrange(30000),
    }  # fmt: skip
    return request


def _login(
    rng: random.Random, actor: Actor, at: float, token: tuple[str, str]
) -> list[tuple[float, dict[str, object]]]:
    path = {"kubernetes": "auth/kubernetes/login", "approle": "auth/approle/login"}.get(
        actor.method, "auth/oidc/oidc/callback"
    )
    anonymous = ("", "")
    request = _request(rng, actor, anonymous, ("update", f"auth/{actor.method}/", actor.method), path)
    del request["client_id"]
    if actor.method == "kubernetes":
        request["data"] = {"jwt": _hmac("jwt", token[0]), "role": _hmac("role", actor.metadata["role"])}
    elif actor.method == "approle":
        request["data"] = {"role_id": _hmac("role_id", actor.number), "secret_id": _hmac("secret_id", token[0])}
    response = {"mount_type": actor.method, "auth": _auth(actor, token, int(at))}
    return _pair(at, {"token_type": "default"}, request, response)


def _operation(
    rng: random.Random, actor: Actor, at: float, token: tuple[str, str], issued: int
) -> list[tuple[float, dict[str, object]]]:
    operation, mount, kind, path, writes, denied = actor.job[rng.choices(range(len(actor.job)), actor.weights)[0]]
    request = _request(rng, actor, token, (operation, mount, kind), path)
    if writes:
        request["data"] = (
            {"plaintext": _hmac("plain", request["id"])}
            if kind == "transit"
            else {"policy": _hmac("policy", request["id"])}
        )
    auth = _auth(actor, token, issued)
    if denied:
        return _pair(at, auth, request, {"mount_type": kind}, DENIED)
    if kind == "kv" and operation == "read":
        data: dict[str, object] = {"data": {"password": _hmac("value", path, issued), "username": _hmac("user", path)},
                                   "metadata": {"version": 3, "created_time": "2024-12-01T10:00:00Z"}}  # fmt: skip
    elif kind == "database":
        data = {"username": _hmac("dbuser", token[1]), "password": _hmac("dbpass", token[1])}
    elif kind == "transit":
        data = {"ciphertext": _hmac("cipher", request["id"])}
    else:
        data = {"accessor": token[1], "ttl": TTL}
    return _pair(at, auth, request, {"mount_type": kind, "data": data})


def generate(out: Path, events: int, seed: int, actors: int) -> int:
    marker = out.parent / f"{out.name}.generated"  # beside the tree, so loads never see it
    if marker.exists():
        return int(marker.read_text())
    rng = random.Random(seed)
    pool = _actors(rng, actors)
    files = max(1, events // ENTRIES_PER_FILE)
    out.mkdir(parents=True, exist_ok=True)
    logged_in: set[tuple[int, int]] = set()
    total = 0
    for index in range(files):
        start, end = BASE + index * SPAN / files, BASE + (index + 1) * SPAN / files
        entries: list[tuple[float, dict[str, object]]] = []
        while len(entries) < ENTRIES_PER_FILE:
            actor = pool[rng.randrange(len(pool))]
            at = start + 0.1 + rng.random() * (end - start - 0.2)
            hour = int(at) // TTL
            token = (_hmac("token", seed, actor.number, hour), _hmac("accessor", seed, actor.number, hour))
            if (actor.number, hour) not in logged_in:  # the token's first use: its login, just before
                logged_in.add((actor.number, hour))
                entries.extend(_login(rng, actor, at - 0.05, token))
            entries.extend(_operation(rng, actor, at, token, hour * TTL))
        entries.sort(key=lambda pair: pair[0])
        name = f"vault-audit-{time.strftime('%Y%m%dT%H%M%S', time.gmtime(int(start)))}-{index:04d}.log"
        (out / name).write_bytes(b"".join(orjson.dumps(entry) + b"\n" for _at, entry in entries))
        total += len(entries)
    marker.write_text(str(total))
    return total


def log_files(root: Path) -> list[Path]:
    return sorted(root.glob("vault-audit-*.log"))


def raw_parse(root: Path) -> tuple[int, float]:
    return raw_parse_lines(log_files(root))


VAULT_AUDIT = Source(
    name="vault-audit",
    unit="entries",
    default_events=200_000,
    default_actors=200,
    generate=generate,
    files=log_files,
    raw_parse=raw_parse,
    cluster="bench",
    describe="orjson per line",
)
