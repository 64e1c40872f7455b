"""Microsoft Entra ID subtypes (loaders/entra/)."""

from __future__ import annotations

from enum import StrEnum

from graph.schema import NodeKind
from graph.values._registry import Subtype

__all__ = ["SUBTYPES", "EntraSubtype"]


class EntraSubtype(StrEnum):
    SERVICE_PRINCIPAL = "entra.service_principal"
    MANAGED_IDENTITY = "entra.managed_identity"
    CLIENT_SECRET = "entra.client_secret"
    CLIENT_CERTIFICATE = "entra.client_certificate"
    CREDENTIAL = "entra.credential"
    RESOURCE = "entra.resource"
    SIGN_IN = "entra.sign_in"
    AUDIT = "entra.audit"


_N, _S = NodeKind, EntraSubtype
SUBTYPES = (
    Subtype(
        _S.SERVICE_PRINCIPAL, (_N.IDENTITY,), "an Entra ID service principal (an application's identity in a tenant)"
    ),
    Subtype(
        _S.MANAGED_IDENTITY,
        (_N.IDENTITY,),
        "an Entra ID managed identity (a service principal Azure holds the keys of)",
    ),
    Subtype(_S.CLIENT_SECRET, (_N.CREDENTIAL,), "a service principal's client secret, by key id"),
    Subtype(_S.CLIENT_CERTIFICATE, (_N.CREDENTIAL,), "a service principal's certificate credential, by key id"),
    Subtype(_S.CREDENTIAL, (_N.CREDENTIAL,), "a service principal's credential whose type the log does not name"),
    Subtype(_S.SIGN_IN, (_N.SESSION,), "sign-ins of one service principal with one correlation id"),
    Subtype(_S.AUDIT, (_N.CHANGE,), "an Entra ID audit event: a credential added, a role granted or removed"),
    Subtype(
        _S.RESOURCE, (_N.RESOURCE,), "an API a service principal signs in to (Microsoft Graph, Azure Storage, ...)"
    ),
)
