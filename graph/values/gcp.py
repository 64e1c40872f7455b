"""GCP subtypes: service accounts and keys, Google user accounts, workload identity federation,
Cloud Audit Log sessions and changes, and resources named after their service.

Resource subtypes follow the entry's service: `gcp.<service>` (`gcp.compute`, `gcp.storage`) from
`serviceName` without `.googleapis.com`, and `gcp.project` / `gcp.organization` for the containers.
"""

from __future__ import annotations

from enum import StrEnum

from graph.schema import NodeKind
from graph.values._registry import Subtype, SubtypeFamily

__all__ = ["SUBTYPES", "GcpSubtype"]


class GcpSubtype(StrEnum):
    SERVICE_ACCOUNT = "gcp.iam.service_account"
    SERVICE_ACCOUNT_KEY = "gcp.iam.service_account_key"
    USER = "gcp.user"
    GROUP = "gcp.group"
    WIF_POOL = "gcp.iam.workload_identity_pool"
    WIF_PROVIDER = "gcp.iam.workload_identity_provider"
    WIF_PRINCIPAL = "gcp.iam.federated_principal"
    WIF_PRINCIPAL_SET = "gcp.iam.federated_principal_set"
    PROJECT = "gcp.project"
    ORGANIZATION = "gcp.organization"
    AUDIT_SESSION = "gcp.audit.session"
    AUDIT_CHANGE = "gcp.audit.change"


_N, _S = NodeKind, GcpSubtype
SUBTYPES = (
    Subtype(_S.SERVICE_ACCOUNT, (_N.IDENTITY,), "a GCP service account (by email)"),
    Subtype(_S.SERVICE_ACCOUNT_KEY, (_N.CREDENTIAL,), "a user-managed service-account key, by key id"),
    Subtype(_S.USER, (_N.IDENTITY,), "a Google user account (human)"),
    Subtype(_S.GROUP, (_N.IDENTITY,), "a Google group named in an IAM policy"),
    Subtype(_S.WIF_POOL, (_N.IDENTITY,), "a workload or workforce identity pool"),
    Subtype(
        _S.WIF_PROVIDER,
        (_N.IDENTITY,),
        "a workload identity pool's provider: the issuer whose tokens the pool accepts (CAN_ASSUME the pool)",
    ),
    Subtype(_S.WIF_PRINCIPAL, (_N.IDENTITY,), "one external subject of an identity pool (principal://)"),
    Subtype(_S.WIF_PRINCIPAL_SET, (_N.IDENTITY,), "a set of an identity pool's subjects (principalSet://)"),
    Subtype(_S.PROJECT, (_N.RESOURCE,), "a GCP project"),
    Subtype(_S.ORGANIZATION, (_N.RESOURCE,), "a GCP organization or folder"),
    Subtype(_S.AUDIT_SESSION, (_N.SESSION,), "one principal's (and key's) activity in Cloud Audit Logs"),
    Subtype(_S.AUDIT_CHANGE, (_N.CHANGE,), "a permission or key lifecycle event in Cloud Audit Logs"),
    SubtypeFamily(
        "gcp.<service>",
        r"gcp\.[a-z0-9-]+",
        (_N.RESOURCE,),
        "a resource of a GCP service, named after the entry's serviceName",
    ),
)
