"""The payments Vault: its audit device's file (JSON lines, one request and one response per
operation, every token and secret HMAC'd as the device writes them) and the ACL policy the API's
Kubernetes-auth role holds (`vault policy read payments-read` saved as HCL).

Planted (plan.py, situations.py): the API pod's service account logs in through the Kubernetes
auth method every morning from the pod's address and reads its database secret; one morning it
also tries the admin path its policy denies (an `error` response, kept as a denied attempt); a
platform engineer, logged in with userpass, rewrites the policy (a Change). The logins name the
service account but not the cluster: the Vault loader joins them to `payments-prod`, the one
loaded cluster holding that account (loaders/vault/clusters.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from loaders.demo.derive import format_iso
from loaders.demo.infra.plan import DAYS, InfraPlan
from loaders.demo.org import OFFICE_IP
from loaders.demo.stream import write_json_lines

__all__ = ["POLICY", "write_vault"]

POLICY = "payments-read"
_POLICY_TEXT = """# vault policy read payments-read (policy of the payments-api Kubernetes auth role)
path "secret/data/payments/*" {
  capabilities = ["read", "list"]
}

path "secret/data/payments/admin" {
  capabilities = ["deny"]
}

path "auth/token/renew-self" {
  capabilities = ["update"]
}
"""
Entry = dict[str, Any]
DENIED_DAY = 6
POLICY_DAY = 9


class _Device:
    def __init__(self, plan: InfraPlan) -> None:
        self.plan = plan

    def auth(self, day: int) -> dict[str, Any]:
        api = self.plan.api_pod
        return {
            "client_token": self.plan.hmac("token", day),
            "accessor": self.plan.hmac("accessor", day),
            "display_name": f"kubernetes-payments-{api.account}",
            "policies": ["default", POLICY],
            "token_policies": ["default", POLICY],
            "identity_policies": [],
            "metadata": {
                "role": "payments-api",
                "service_account_name": api.account,
                "service_account_namespace": "payments",
                "service_account_secret_name": "",
                "service_account_uid": self.plan.uuid("sa-uid", "payments", api.account),
            },
            "entity_id": self.plan.vault_entity,
            "token_type": "service",
            "token_ttl": 3600,
        }

    def pair(
        self, at: int, tag: str, auth: dict[str, Any], request: dict[str, Any], response: dict[str, Any] | None,
        error: str = "",
    ) -> Iterator[Entry]:  # fmt: skip
        request = {"id": self.plan.uuid("vault-request", tag, at), "namespace": {"id": "root"}, **request}
        yield {"time": _milli(at, 101), "type": "request", "auth": auth, "request": request}
        done: Entry = {"time": _milli(at, 152), "type": "response", "auth": auth, "request": request}
        if response is not None:
            done["response"] = response
        if error:
            done["error"] = error
        yield done

    def day(self, day: int) -> Iterator[Entry]:
        plan, api = self.plan, self.plan.api_pod
        login_at = plan.at(day, 6, 0, 30)
        auth = self.auth(day)
        where = {"remote_address": api.ip, "remote_port": 40000 + day}
        issued = {**auth, "token_issue_time": format_iso(login_at)}
        login = {"operation": "update", "mount_type": "kubernetes", "mount_accessor": "auth_kubernetes_5f1c2a3b",
                 "client_token": "", "client_token_accessor": "", "path": "auth/kubernetes/login", **where,
                 "data": {"jwt": plan.hmac("jwt", day), "role": plan.hmac("role", "payments-api")}}  # fmt: skip
        yield from self.pair(
            login_at, "login", {"token_type": "default"}, login, {"mount_type": "kubernetes", "auth": issued}
        )
        used = {"client_token": auth["client_token"], "client_token_accessor": auth["accessor"], **where}
        read = {"operation": "read", "mount_type": "kv", "mount_accessor": "kv_8d2e4f6a", **used,
                "path": "secret/data/payments/db"}  # fmt: skip
        secret = {"data": {"password": plan.hmac("db-password"), "username": plan.hmac("db-user")},
                  "metadata": {"version": plan.hmac("db-version")}}  # fmt: skip
        yield from self.pair(login_at + 1, "read", auth, read, {"mount_type": "kv", "data": secret})
        if day == DENIED_DAY:
            admin = {**read, "path": "secret/data/payments/admin"}
            yield from self.pair(
                login_at + 40, "denied", auth, admin, None, error="1 error occurred:\n\t* permission denied\n\n"
            )
        if day == POLICY_DAY:
            yield from self.policy_write(plan.at(day, 15, 12))

    def policy_write(self, at: int) -> Iterator[Entry]:
        plan, jules = self.plan, self.plan.people["jules"]
        auth = {"client_token": plan.hmac("token", "jules"), "accessor": plan.hmac("accessor", "jules"),
                "display_name": f"userpass-{jules.key}", "policies": ["default", "vault-admin"],
                "token_policies": ["default", "vault-admin"], "identity_policies": [],
                "metadata": {"username": jules.key}, "entity_id": plan.uuid("vault-entity", jules.key),
                "token_type": "service", "token_ttl": 28800}  # fmt: skip
        where = {"remote_address": OFFICE_IP, "remote_port": 51514}
        login = {"operation": "update", "mount_type": "userpass", "mount_accessor": "auth_userpass_0c9d8e7f",
                 "client_token": "", "client_token_accessor": "", "path": f"auth/userpass/login/{jules.key}",
                 **where, "data": {"password": plan.hmac("userpass", jules.key)}}  # fmt: skip
        issued = {**auth, "token_issue_time": format_iso(at)}
        yield from self.pair(at, "login", {"token_type": "default"}, login, {"mount_type": "userpass", "auth": issued})
        write = {"operation": "update", "mount_type": "system", "client_token": auth["client_token"],
                 "client_token_accessor": auth["accessor"], "path": f"sys/policy/{POLICY}", **where,
                 "data": {"policy": plan.hmac("policy-text", POLICY)}}  # fmt: skip
        yield from self.pair(at + 95, "policy", auth, write, {"mount_type": "system"})


def _milli(epoch: int, millis: int) -> str:
    return format_iso(epoch).replace("Z", f".{millis:03d}Z")


def write_vault(out: Path, plan: InfraPlan) -> int:
    """Entries written (requests and responses) under `out` (vault/)."""
    (out / "policies").mkdir(parents=True, exist_ok=True)
    (out / "policies" / f"{POLICY}.hcl").write_text(_POLICY_TEXT, encoding="utf-8")
    device = _Device(plan)
    entries = (entry for day in range(DAYS, 0, -1) for entry in device.day(day))
    return write_json_lines(out / "audit" / "vault-audit.log", entries)
