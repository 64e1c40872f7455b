"""The infrastructure part's planted cast: the cluster, the hosts, the keys, the Teleport requests, the tickets.

Every id, address and time that two writers (kubernetes.py, vault.py, ssh.py, teleport.py,
tickets.py) or the manifest (situations.py) must agree on is derived here once from (seed, base
time). People are the demo's cast (loaders/demo/cast.py); the deploy runners are the cast's
(`cast.runners`, declared by the EC2 and runner inventories), so an SSH login or a Kubernetes
request from a runner's private address meets that Runner as CloudTrail calls do. Infra hosts
live in 10.240.0.0/24 and pods in 10.240.8.0/24, apart from the runners (10.20.0.0/16) and the
background hosts (10.40.0.0/14).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from loaders.demo.cast import Cast, CastPerson
from loaders.demo.derive import DAY, Derive
from loaders.demo.org import Runner

__all__ = ["HOSTS", "Host", "InfraPlan", "build_plan"]

DAYS = 14  # the background spans the CloudTrail trail's window: the 14 days before `base`
CLUSTER = "payments-prod"
TELEPORT = "teleport.acme.example"
BACKUP_IP = "10.240.0.40"  # the backup server: in no inventory, so its logins have no origin


@dataclass(frozen=True)
class Host:
    name: str
    ip: str


HOSTS = {
    "bastion": Host("bastion-01", "10.240.0.5"),
    "app1": Host("app-01", "10.240.0.21"),
    "app2": Host("app-02", "10.240.0.22"),
    "db": Host("db-01", "10.240.0.31"),
}


@dataclass(frozen=True)
class Pod:
    deployment: str
    name: str
    ip: str
    account: str  # the service account it runs as (namespace payments)


@dataclass(frozen=True)
class InfraPlan:
    base: int
    derive: Derive
    people: dict[str, CastPerson]
    deploy_runner: Runner  # SSH deploys to the app hosts
    ci_runner: Runner  # `kubectl apply` as ci/ci-deployer
    deploy_key: str  # SHA256 fingerprint of the one key the deploy account accepts everywhere
    api_pod: Pod
    worker_pod: Pod
    vault_entity: str
    # S1: hector's approved Teleport request, his bastion session and the hop to app-01
    request_id: str
    bastion_sid: str
    hop_at: int
    hop_pid: int
    # S4: kwame's exec into the API pod; S9: the database sessions and the tickets
    exec_at: int
    lorna_sid: str
    farid_sid: str
    ticket: str
    rejected_ticket: str

    def at(self, days_ago: int, hour: int, minute: int = 0, second: int = 0) -> int:
        return self.base - days_ago * DAY + hour * 3600 + minute * 60 + second

    def uuid(self, *parts: object) -> str:
        return self.derive.uuid("infra", *parts)

    def hmac(self, *parts: object) -> str:
        """A Vault audit `hmac-sha256:` value: the device's HMAC of a token or secret (here derived)."""
        return "hmac-sha256:" + self.derive.hex(64, "vault-hmac", *parts)

    @property
    def request_at(self) -> int:
        return self.hop_at - 11 * 60

    @property
    def bastion_at(self) -> int:
        return self.hop_at - 65

    @property
    def lorna_at(self) -> int:
        return self.at(4, 10, 5)

    @property
    def farid_at(self) -> int:
        return self.at(1, 16, 20)


def _fingerprint(derive: Derive, *parts: object) -> str:
    return "SHA256:" + base64.b64encode(derive.digest("ssh-key", *parts)).decode().rstrip("=")


def build_plan(derive: Derive, cast: Cast) -> InfraPlan:
    base = cast.base
    pod_hash = derive.hex(10, "pod", "payments-api")
    return InfraPlan(
        base=base,
        derive=derive,
        people=cast.people,
        deploy_runner=cast.runners[0],
        ci_runner=cast.runners[1],
        deploy_key=_fingerprint(derive, "deploy"),
        api_pod=Pod("payments-api", f"payments-api-{pod_hash[:9]}-{pod_hash[5:10]}", "10.240.8.11", "payments-api"),
        worker_pod=Pod(
            "payments-worker",
            f"payments-worker-{derive.hex(9, 'pod', 'worker')}-x7k2q",
            "10.240.8.12",
            "payments-worker",
        ),
        vault_entity=derive.uuid("vault-entity", "payments-api"),
        request_id=derive.uuid("teleport-request", "hector"),
        bastion_sid=derive.uuid("teleport-session", "hector"),
        hop_at=base - 3 * DAY + 14 * 3600 + 60 + 5,
        hop_pid=40000 + derive.below(20000, "pid", "hop"),
        exec_at=base - 2 * DAY + 11 * 3600 + 7 * 60,
        lorna_sid=derive.uuid("teleport-db", "lorna"),
        farid_sid=derive.uuid("teleport-db", "farid"),
        ticket="CHG-2041",
        rejected_ticket="CHG-2047",
    )
