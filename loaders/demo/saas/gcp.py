"""The GCP project's Cloud Audit Logs: `LogEntry` JSON lines as a Cloud Logging sink writes them.

Planted (loaders/demo/saas/plan.py): a user-managed key of `payments-deployer` created by a person
long ago and used from two deploy runners' addresses; a person impersonating `ci-builder`, which
impersonates `terraform` (the `serviceAccountDelegationInfo` chain) to change the project's policy;
a workload identity pool whose GitHub provider has no attribute condition, its principal set granted
Workload Identity User on the deployer, and a federated principal calling storage. Background: a few
keyless service accounts of workloads, every day, from the workload hosts. Entries are written in
time order (a sink appends as entries arrive), planted and background merged as streams.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from loaders.demo.derive import DAY, Derive, format_iso
from loaders.demo.org import HOSTED_PUBLIC, OFFICE_IP, Organisation, ip_from_int
from loaders.demo.saas.plan import SaasPlan

__all__ = ["GCP_AGENT", "write_gcp"]

GCP_AGENT = "google-cloud-sdk gcloud/458.0.1 command/gcloud.run.deploy invocation-id/0 environment/None"
_BROWSER = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2"
_GO = "google-api-go-client/0.5 gke-metadata-server"
_BACKGROUND = ("ledger-export", "search-indexer", "mailer", "metrics-relay")

Entry = dict[str, Any]


class _Writer:
    def __init__(self, derive: Derive, plan: SaasPlan) -> None:
        self.derive, self.plan, self.gcp = derive, plan, plan.gcp
        self.marks: dict[str, str] = {}

    def entry(
        self,
        at: int,
        tag: str,
        caller: str,
        method: str,
        service: str,
        resource: str,
        ip: str,
        agent: str,
        *,
        subject: str = "",
        key: str = "",
        chain: tuple[str, ...] = (),
        labels: dict[str, str] | None = None,
        resource_type: str = "project",
        log: str = "activity",
        **payload: Any,
    ) -> Entry:
        auth: dict[str, Any] = {"principalEmail": caller} if caller else {}
        if subject:
            auth["principalSubject"] = subject
        if key:
            auth["serviceAccountKeyName"] = (
                f"//iam.googleapis.com/projects/{self.gcp.project}/serviceAccounts/{caller}/keys/{key}"
            )
        if chain:
            auth["serviceAccountDelegationInfo"] = [{"firstPartyPrincipal": {"principalEmail": c}} for c in chain]
        insert = self.derive.hex(12, "gcp-insert", tag, at)
        self.marks.setdefault(tag, insert)
        stamp = format_iso(at).replace("Z", f".{self.derive.below(1_000_000, 'gcp-us', tag, at):06d}Z")
        return {
            "protoPayload": {
                "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
                "status": {},
                "authenticationInfo": auth,
                "requestMetadata": {
                    "callerIp": ip,
                    "callerSuppliedUserAgent": agent,
                    "requestAttributes": {"time": stamp, "auth": {}},
                    "destinationAttributes": {},
                },
                "serviceName": service,
                "methodName": method,
                "authorizationInfo": [{"resource": resource, "permission": _permission(method), "granted": True}],
                "resourceName": resource,
                **payload,
            },
            "insertId": insert,
            "resource": {"type": resource_type, "labels": {"project_id": self.gcp.project, **(labels or {})}},
            "timestamp": stamp,
            "severity": "NOTICE",
            "logName": f"projects/{self.gcp.project}/logs/cloudaudit.googleapis.com%2F{log}",
            "receiveTimestamp": stamp,
        }

    def sa_labels(self, email: str) -> dict[str, str]:
        return {"email_id": email, "unique_id": str(100000000000000000000 + self.derive.below(10**19, "sa", email))}


def _permission(method: str) -> str:
    last = method.rsplit(".", 1)[-1]
    return {
        "CreateServiceAccountKey": "iam.serviceAccountKeys.create",
        "SetIamPolicy": "iam.serviceAccounts.setIamPolicy",
        "GenerateAccessToken": "iam.serviceAccounts.getAccessToken",
    }.get(last, method.removeprefix("storage.").replace("v1.compute.", "compute."))


def _key_and_runners(w: _Writer) -> Iterator[Entry]:
    g, p = w.gcp, w.plan
    sa = f"projects/-/serviceAccounts/{g.deployer}"
    yield w.entry(
        p.key_created_at,
        "create_key",
        g.key_creator.email,
        "google.iam.admin.v1.CreateServiceAccountKey",
        "iam.googleapis.com",
        sa,
        OFFICE_IP,
        _BROWSER,
        subject=f"user:{g.key_creator.email}",
        labels=w.sa_labels(g.deployer),
        resource_type="service_account",
        request={
            "@type": "type.googleapis.com/google.iam.admin.v1.CreateServiceAccountKeyRequest",
            "name": sa,
            "private_key_type": 2,
        },
        response={
            "@type": "type.googleapis.com/google.iam.admin.v1.ServiceAccountKey",
            "name": f"projects/{g.project}/serviceAccounts/{g.deployer}/keys/{g.deploy_key}",
            "key_algorithm": 2,
            "key_origin": 2,
            "key_type": 1,
            "valid_after_time": {"seconds": p.key_created_at},
            "valid_before_time": {"seconds": 253402300799},
        },
    )
    bucket = f"projects/_/buckets/{g.project}-releases"
    for day in range(14, 0, -1):
        runner = g.runners[day % len(g.runners)]
        at = p.base - day * DAY + 15 * 3600 + 60 * (day % 7)
        for n, (method, service, resource) in enumerate(
            (
                ("storage.objects.create", "storage.googleapis.com", f"{bucket}/objects/payments-{day}.tar.gz"),
                (
                    "google.cloud.run.v1.Services.ReplaceService",
                    "run.googleapis.com",
                    f"namespaces/{g.project}/services/payments",
                ),
            )
        ):
            yield w.entry(
                at + 40 * n,
                f"deploy_key_use_{day}_{n}",
                g.deployer,
                method,
                service,
                resource,
                runner.public_ip,
                GCP_AGENT,
                subject=f"serviceAccount:{g.deployer}",
                key=g.deploy_key,
                log="data_access" if n == 0 else "activity",
            )


def _policy(w: _Writer, at: int, tag: str, caller: str, resource: str, role: str, member: str, **extra: Any) -> Entry:
    service = "iam.googleapis.com" if "/serviceAccounts/" in resource else "cloudresourcemanager.googleapis.com"
    return w.entry(
        at,
        tag,
        caller,
        "SetIamPolicy",
        service,
        resource,
        extra.pop("ip"),
        extra.pop("agent"),
        request={
            "@type": "type.googleapis.com/google.iam.v1.SetIamPolicyRequest",
            "resource": resource,
            "policy": {"bindings": [{"role": role, "members": [member]}]},
        },
        serviceData={
            "@type": "type.googleapis.com/google.iam.v1.logging.AuditData",
            "policyDelta": {"bindingDeltas": [{"action": "ADD", "role": role, "member": member}]},
        },
        **extra,
    )


def _federation(w: _Writer) -> Iterator[Entry]:
    g, p, person = w.gcp, w.plan, w.gcp.chain_person.email
    at = p.base - 60 * DAY + 10 * 3600
    yield w.entry(
        at,
        "create_pool",
        person,
        "google.iam.v1.WorkloadIdentityPools.CreateWorkloadIdentityPool",
        "iam.googleapis.com",
        f"projects/{g.number}/locations/global",
        OFFICE_IP,
        _BROWSER,
        subject=f"user:{person}",
        request={
            "@type": "type.googleapis.com/google.iam.v1.CreateWorkloadIdentityPoolRequest",
            "parent": f"projects/{g.number}/locations/global",
            "workloadIdentityPoolId": "github-actions",
            "workloadIdentityPool": {"displayName": "GitHub Actions"},
        },
    )
    yield w.entry(
        at + 120,
        "create_provider",
        person,
        "google.iam.v1.WorkloadIdentityPools.CreateWorkloadIdentityPoolProvider",
        "iam.googleapis.com",
        g.pool,
        OFFICE_IP,
        _BROWSER,
        subject=f"user:{person}",
        request={  # no attributeCondition: every token GitHub signs, for any repository, is admitted
            "@type": "type.googleapis.com/google.iam.v1.CreateWorkloadIdentityPoolProviderRequest",
            "parent": g.pool,
            "workloadIdentityPoolProviderId": g.provider,
            "workloadIdentityPoolProvider": {
                "displayName": "GitHub",
                "attributeMapping": {"google.subject": "assertion.sub", "attribute.repository": "assertion.repository"},
                "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"},
            },
        },
    )
    yield _policy(
        w,
        at + 300,
        "grant_wif_user",
        person,
        f"projects/{g.project}/serviceAccounts/{g.deployer}",
        "roles/iam.workloadIdentityUser",
        g.wif_principal_set,
        ip=OFFICE_IP,
        agent=_BROWSER,
        subject=f"user:{person}",
        labels=w.sa_labels(g.deployer),
        resource_type="service_account",
    )
    yield _policy(
        w,
        at + 400,
        "grant_token_creator",
        person,
        f"projects/{g.project}/serviceAccounts/{g.terraform}",
        "roles/iam.serviceAccountTokenCreator",
        f"serviceAccount:{g.ci_builder}",
        ip=OFFICE_IP,
        agent=_BROWSER,
        subject=f"user:{person}",
        labels=w.sa_labels(g.terraform),
        resource_type="service_account",
    )
    hosted = ip_from_int(HOSTED_PUBLIC, 77)
    for day in (6, 3, 1):
        yield w.entry(
            p.base - day * DAY + 16 * 3600,
            f"wif_use_{day}",
            "",
            "storage.objects.list",
            "storage.googleapis.com",
            f"projects/_/buckets/{g.project}-releases",
            hosted,
            "google-cloud-sdk gcloud/458.0.1 command/gcloud.storage.ls",
            subject=g.wif_principal,
            resource_type="gcs_bucket",
            labels={"bucket_name": f"{g.project}-releases"},
            log="data_access",
        )


def _chain(w: _Writer) -> Iterator[Entry]:
    """person → ci-builder → terraform, then terraform changes the project's policy."""
    g, p, person = w.gcp, w.plan, w.gcp.chain_person.email
    at = p.base - 2 * DAY + 11 * 3600
    yield w.entry(
        at,
        "chain_mint",
        person,
        "GenerateAccessToken",
        "iamcredentials.googleapis.com",
        f"projects/-/serviceAccounts/{g.ci_builder}",
        OFFICE_IP,
        "google-cloud-sdk gcloud/458.0.1 command/gcloud.auth.print-access-token",
        subject=f"user:{person}",
        labels=w.sa_labels(g.ci_builder),
        resource_type="service_account",
        log="data_access",
        request={
            "@type": "type.googleapis.com/google.iam.credentials.v1.GenerateAccessTokenRequest",
            "name": f"projects/-/serviceAccounts/{g.ci_builder}",
        },
    )
    yield _policy(
        w,
        at + 60,
        "chain_set_policy",
        g.terraform,
        f"projects/{g.project}",
        "roles/storage.admin",
        f"serviceAccount:{g.deployer}",
        ip=OFFICE_IP,
        agent="google-api-go-client/0.5 Terraform/1.6.0 (+https://www.terraform.io) terraform-provider-google/5.10.0",
        subject=f"serviceAccount:{g.terraform}",
        chain=(person, g.ci_builder),
    )


def _background(w: _Writer, org: Organisation) -> Iterator[Entry]:
    """Keyless workload service accounts, a few calls a day each, in time order."""
    g, per_day = w.gcp, len(_BACKGROUND) * org.sizes.scale
    for day in range(14, 0, -1):
        for n in range(per_day):
            name = _BACKGROUND[n % len(_BACKGROUND)] + ("" if n < len(_BACKGROUND) else f"-{n // len(_BACKGROUND)}")
            email = w.gcp.account_email(name)
            at = w.plan.base - day * DAY + 3600 + n * (20 * 3600 // per_day)  # increasing: merged as a sorted stream
            host = org.host_ips("production", n % org.sizes.hosts_per_account)
            yield w.entry(
                at,
                f"bg_{name}_{day}",
                email,
                "storage.objects.get",
                "storage.googleapis.com",
                f"projects/_/buckets/{g.project}-{name}/objects/state.json",
                host[1],
                _GO,
                subject=f"serviceAccount:{email}",
                resource_type="gcs_bucket",
                labels={"bucket_name": f"{g.project}-{name}"},
                log="data_access",
            )


def write_gcp(folder: Path, derive: Derive, org: Organisation, plan: SaasPlan) -> tuple[int, dict[str, str]]:
    """The project's sink file; returns (entries written, the planted entries' insertIds by tag)."""
    w = _Writer(derive, plan)
    planted = sorted([*_key_and_runners(w), *_federation(w), *_chain(w)], key=lambda e: str(e["timestamp"]))
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    with (folder / "cloudaudit.googleapis.com.jsonl").open("wb") as handle:
        for entry in heapq.merge(planted, _background(w, org), key=lambda e: str(e["timestamp"])):
            handle.write(orjson.dumps(entry) + b"\n")
            count += 1
    return count, dict(w.marks)
