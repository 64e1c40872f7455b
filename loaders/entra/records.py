"""The two shapes Entra ID logs come in, read as one: Azure Monitor diagnostic records and Graph objects.

Diagnostic settings (Log Analytics, Event Hubs, storage exports, SIEM pipelines such as
Panther's) write `{"time", "category", "operationName", "tenantId", "resourceId",
"callerIpAddress", "correlationId", "properties": {…}}` — pipelines often lower-case the
top-level keys, so they are read case-insensitively. Microsoft Graph (`GET
/auditLogs/signIns`, `/auditLogs/directoryAudits`) answers the `properties` object alone, in a
`{"value": […]}` page, with `signInEventTypes` saying what kind of sign-in it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

__all__ = ["SIGN_IN_CATEGORIES", "EntraRecord", "read_record"]

SIGN_IN_CATEGORIES: Final = {
    "serviceprincipalsigninlogs": "servicePrincipal",
    "managedidentitysigninlogs": "managedIdentity",
    "signinlogs": "interactiveUser",
    "noninteractiveusersigninlogs": "nonInteractiveUser",
}
"""Diagnostic categories of sign-in logs → the Graph `signInEventTypes` value they hold."""

_TENANT_IN_RESOURCE = re.compile(r"^/tenants/([^/]+)/", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class EntraRecord:
    kind: str
    """`sign-in` or `audit`."""
    event_type: str
    """A sign-in's event type (servicePrincipal, managedIdentity, interactiveUser, nonInteractiveUser),
    or an audit record's category (ApplicationManagement, RoleManagement, ...)."""
    tenant: str
    time: object
    properties: Mapping[str, Any]
    caller_ip: str


def _lower_keys(value: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in value.items()}


def read_record(value: Mapping[str, Any]) -> EntraRecord | str:
    """The record, or the reason it is not one keytrail reads (a located rejection)."""
    top = _lower_keys(value)
    properties = top.get("properties")
    if isinstance(properties, Mapping):  # a diagnostic record
        category = str(top.get("category") or "")
        tenant = str(top.get("tenantid") or "") or _tenant_of(top.get("resourceid"), properties)
        when = top.get("time") or properties.get("createdDateTime") or properties.get("activityDateTime")
        caller = str(top.get("calleripaddress") or properties.get("ipAddress") or "")
        event_type = SIGN_IN_CATEGORIES.get(category.lower())
        if event_type is not None:
            return EntraRecord("sign-in", event_type, tenant, when, properties, caller)
        return EntraRecord("audit", category, tenant, when, properties, caller)
    types = value.get("signInEventTypes")
    if types is not None and not isinstance(types, list):  # a damaged value: named, not a TypeError below
        return f"field 'signInEventTypes': expected a list, got {type(types).__name__}"
    if isinstance(types, list) or ("servicePrincipalId" in value and "createdDateTime" in value):  # a Graph signIn
        event_type = next((str(t) for t in types or [] if t), "") or (
            "servicePrincipal" if value.get("servicePrincipalId") else "interactiveUser"
        )
        tenant = str(value.get("resourceTenantId") or value.get("homeTenantId") or "")
        return EntraRecord(
            "sign-in", event_type, tenant, value.get("createdDateTime"), value, str(value.get("ipAddress") or "")
        )
    if "activityDisplayName" in value and "activityDateTime" in value:  # a Graph directoryAudit
        tenant = str(value.get("tenantId") or "")
        return EntraRecord("audit", str(value.get("category") or ""), tenant, value.get("activityDateTime"), value, "")
    return "not an Entra ID sign-in or audit record (no properties, signInEventTypes or activityDisplayName)"


def _tenant_of(resource_id: object, properties: Mapping[str, Any]) -> str:
    match = _TENANT_IN_RESOURCE.match(resource_id) if isinstance(resource_id, str) else None
    if match:
        return match.group(1)
    return str(properties.get("resourceTenantId") or properties.get("homeTenantId") or "")
