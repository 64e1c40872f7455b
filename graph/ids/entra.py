"""Microsoft Entra ID ids: service principals, their credentials, the resources they sign in to.

Correlation rules: a service principal is named by its object id (`servicePrincipalId` in
sign-in logs, a `targetResources[].id` of type ServicePrincipal in audit logs — the same
value) within its tenant, so sign-ins and the audit event that added its secret meet on one
node. A credential is named by its key id (`servicePrincipalCredentialKeyId`, or the
`KeyIdentifier` an audit event's `KeyDescription` gives) under its service principal: key ids
are unique per application, and the value of a secret never appears in either log. A resource
is named by its `resourceId` (the application id of the API signed in to).
"""

from __future__ import annotations

from graph.ids._base import require, slug

__all__ = ["entra_credential", "entra_resource", "entra_service_principal"]


def entra_service_principal(tenant: str, object_id: str) -> str:
    return f"entra:{slug(tenant, 'tenant id')}:sp/{slug(object_id, 'service principal id')}"


def entra_credential(tenant: str, object_id: str, key_id: str) -> str:
    return f"{entra_service_principal(tenant, object_id)}/key/{slug(key_id, 'credential key id')}"


def entra_resource(tenant: str, resource_id: str) -> str:
    return f"entra:{slug(tenant, 'tenant id')}:resource/{require(resource_id, 'resource id')}"
