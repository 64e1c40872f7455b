"""What a Cloud Audit Log entry touched: its `resourceName` as a Resource, or the identity it names.

A resource name that names a service account (`projects/<p>/serviceAccounts/<email or unique id>`,
the id resolved through `resource.labels.email_id`) is that service account's Identity, one that
names a key (`…/keys/<id>`) is the key's Credential — so impersonation and key calls land on the
nodes the rest of the graph has. Anything else is the Resource `gcp:res:<name>`, typed
`gcp.project` / `gcp.organization` for the containers and `gcp.<service>` otherwise. An entry
with no resource name touched its project, when the entry names one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from graph import ids
from graph.errors import ModelError
from graph.schema import NodeKind
from loaders.gcp.entry import Entry, parse_key_name, text

__all__ = ["Target", "entry_target", "service_account_named", "short_service"]

_PROJECT = re.compile(r"^projects/[^/]+$")
_CONTAINER = re.compile(r"^(?:organizations|folders)/[^/]+$")
_ACCOUNT = re.compile(r"(?:^|/)serviceAccounts/([^/]+)$")


@dataclass(frozen=True, slots=True)
class Target:
    id: str
    kind: NodeKind
    subtype: str
    name: str
    project: str = ""


def short_service(service: str) -> str:
    """`compute.googleapis.com` → `compute`, `k8s.io` → `k8s`; an odd service name → `unknown`."""
    short = service.removesuffix(".googleapis.com").split(".")[0].lower() if service else ""
    return short if re.fullmatch(r"[a-z0-9-]+", short) else "unknown"


def service_account_named(name: str, entry: Entry) -> str:
    """The email of the service account a resource name names (through the entry's labels for a
    numeric unique id), or ""."""
    found = _ACCOUNT.search(name)
    if found is None:
        return ""
    account = found.group(1)
    if "@" in account:
        return account.lower()
    email = text(entry.labels.get("email_id"))
    unique = text(entry.labels.get("unique_id"))
    return email.lower() if "@" in email and (not unique or unique == account) else ""


def entry_target(entry: Entry) -> Target | None:
    name = entry.resource_name
    if not name or name == "...":
        return _project(entry.project) if entry.project else None
    try:
        key = parse_key_name(name)
        if key is not None:
            return Target(
                ids.gcp_service_account_key(key[0]), NodeKind.CREDENTIAL, "gcp.iam.service_account_key", key[0]
            )
        account = service_account_named(name, entry)
        if account:
            return Target(ids.gcp_service_account(account), NodeKind.IDENTITY, "gcp.iam.service_account", account)
        stripped = name[2:].split("/", 1)[-1] if name.startswith("//") else name
        if _PROJECT.match(stripped):
            return _project(stripped.split("/", 1)[1])
        if _CONTAINER.match(stripped):
            return Target(ids.gcp_resource(stripped), NodeKind.RESOURCE, "gcp.organization", stripped)
        project = stripped.split("/")[1] if stripped.startswith("projects/") and "/" in stripped else entry.project
        subtype = f"gcp.{short_service(entry.service)}"
        return Target(ids.gcp_resource(stripped), NodeKind.RESOURCE, subtype, stripped.rsplit("/", 1)[-1], project)
    except ModelError:
        return _project(entry.project) if entry.project else None


def _project(project: str) -> Target | None:
    try:
        return Target(ids.gcp_resource(f"projects/{project}"), NodeKind.RESOURCE, "gcp.project", project, project)
    except ModelError:
        return None
