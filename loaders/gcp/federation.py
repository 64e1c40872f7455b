"""Workload identity federation entries → pools, their providers, and the condition each provider sets.

`Create` / `Update` / `Delete` / `UndeleteWorkloadIdentityPoolProvider` and `Create` / `Delete` /
`UndeleteWorkloadIdentityPool` (iam.googleapis.com) each become a Change (`change_type: federate`,
or `delete`) that TARGETS the pool and the provider. The provider is the Identity
`gcp:wif:<pool>:provider:<id>` (`gcp.iam.workload_identity_provider`; `description` names its
issuer: an OIDC issuer URI, a SAML identity provider or an AWS account), and it CAN_ASSUME its pool
(`via: workload_identity`) with `condition` = its `attributeCondition` — empty when the provider
admits every token its issuer signs (any repository of a GitHub issuer, any role of an AWS
account). The pool (`gcp.iam.workload_identity_pool`) carries `account` = its project.

An Update changes only the fields its `updateMask` names, and entries reach the loader in any
order (Panther's and sink exports are newest first), so a provider's state is kept per field with
the time of the entry that set it (`ProviderState`): the latest entry wins each field, and the
provider is written once, in `finish`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from graph import ids
from graph.model import Edge, Evidence, Node
from graph.schema import EdgeKind, NodeKind
from loaders.base import Item, evidenced_edge
from loaders.gcp.entry import Entry, mapping, text

__all__ = [
    "FederationResult",
    "ProviderState",
    "federation_items",
    "is_federation_method",
    "merge_provider",
    "provider_items",
]

NAME = "gcp-audit"
_edge = partial(evidenced_edge, NAME)
_PROVIDER_METHODS = frozenset(
    {
        "CreateWorkloadIdentityPoolProvider",
        "UpdateWorkloadIdentityPoolProvider",
        "DeleteWorkloadIdentityPoolProvider",
        "UndeleteWorkloadIdentityPoolProvider",
    }
)
_POOL_METHODS = frozenset({"CreateWorkloadIdentityPool", "DeleteWorkloadIdentityPool", "UndeleteWorkloadIdentityPool"})
_POOL_NAME = re.compile(r"(projects/[^/\s]+/locations/[^/\s]+/workloadIdentityPools/[^/\s]+)")
_PROVIDER_NAME = re.compile(r"(projects/[^/\s]+/locations/[^/\s]+/workloadIdentityPools/[^/\s]+)/providers/([^/\s]+)")


def is_federation_method(method: str) -> bool:
    last = method.rsplit(".", 1)[-1]
    return last in _PROVIDER_METHODS or last in _POOL_METHODS


@dataclass(slots=True)
class ProviderState:
    """One provider as the entries of a load set it: each field with the time of the entry that did."""

    pool: str
    provider: str
    project: str
    fields: dict[str, tuple[str, Any]] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)

    def set(self, name: str, at: str, value: Any) -> None:
        known = self.fields.get(name)
        if known is None or at >= known[0]:
            self.fields[name] = (at, value)

    def value(self, name: str, default: Any = None) -> Any:
        known = self.fields.get(name)
        return default if known is None else known[1]


@dataclass(slots=True)
class FederationResult:
    change: str
    items: list[Item]
    provider: ProviderState | None = None


def _mask(request: Mapping[str, Any]) -> set[str] | None:
    """The fields an Update names (`updateMask`: "a,b" or {"paths": [...]}), or None: every field."""
    mask = request.get("updateMask")
    if isinstance(mask, Mapping):
        mask = ",".join(str(p) for p in mask.get("paths") or [])
    if not isinstance(mask, str) or not mask.strip():
        return None
    return {part.strip().split(".", 1)[0] for part in mask.split(",") if part.strip()}


def _issuer(body: Mapping[str, Any]) -> str:
    oidc, aws, saml = mapping(body.get("oidc")), mapping(body.get("aws")), mapping(body.get("saml"))
    if text(oidc.get("issuerUri")):
        return f"OIDC issuer {text(oidc.get('issuerUri'))}"
    if text(aws.get("accountId")):
        return f"AWS account {text(aws.get('accountId'))}"
    if saml:
        return "SAML identity provider"
    return ""


def _names(entry: Entry) -> tuple[str, str]:
    """(pool, provider id) an entry names: its request's provider `name`, `parent` + provider id,
    or its resource name; ("", "") when it names none."""
    request = mapping(entry.payload.get("request"))
    body = mapping(request.get("workloadIdentityPoolProvider"))
    for candidate in (text(body.get("name")), text(request.get("name")), entry.resource_name):
        found = _PROVIDER_NAME.search(candidate)
        if found is not None:
            return found.group(1), found.group(2)
    provider_id = text(request.get("workloadIdentityPoolProviderId"))
    for candidate in (text(request.get("parent")), entry.resource_name):
        found = _POOL_NAME.search(candidate)
        if found is not None:
            return found.group(1), provider_id
    parent, pool_id = text(request.get("parent")), text(request.get("workloadIdentityPoolId"))
    if parent.startswith("projects/") and pool_id:
        return f"{parent}/workloadIdentityPools/{pool_id}", ""
    return "", ""


def _project(entry: Entry, pool: str) -> str:
    return entry.project or pool.split("/")[1]


def federation_items(entry: Entry, change: Node, evidence: Evidence) -> FederationResult | None:
    """The pool and provider a federation entry names, the Change TARGETING them, and the provider's
    fields it set (applied in `finish`); None when the entry names no pool."""
    pool, provider_id = _names(entry)
    last = entry.method.rsplit(".", 1)[-1]
    if not pool or (last in _PROVIDER_METHODS and not provider_id):
        return None
    pool_id = ids.gcp_wif_pool(pool)
    project = _project(entry, pool)
    pool_props: dict[str, Any] = {"platform": "gcp", "nature": "machine", "account": project}
    pool_props["nature_reason"] = "workload identity pool"
    if last == "DeleteWorkloadIdentityPool":
        pool_props |= {"deleted": True, "deleted_at": entry.time}
    elif last == "UndeleteWorkloadIdentityPool":
        pool_props |= {"deleted": False, "deleted_at": None}
    pool_node = Node.make(
        id=pool_id, kind=NodeKind.IDENTITY, subtype="gcp.iam.workload_identity_pool", name=pool, props=pool_props,
        sources=(NAME,),
    )  # fmt: skip
    items: list[Item] = [change, pool_node, _targets(change.id, pool_id, evidence, "pool")]
    if last not in _PROVIDER_METHODS:
        return FederationResult(change.id, items)
    state = ProviderState(pool, provider_id, project, evidence=[evidence])
    _read_provider(state, entry, last)
    items.append(_targets(change.id, ids.gcp_wif_provider(pool, provider_id), evidence, "provider"))
    return FederationResult(change.id, items, state)


def _read_provider(state: ProviderState, entry: Entry, method: str) -> None:
    at = entry.time
    if method == "DeleteWorkloadIdentityPoolProvider":
        state.set("deleted", at, True)
        return
    if method == "UndeleteWorkloadIdentityPoolProvider":
        state.set("deleted", at, False)
        return
    request = mapping(entry.payload.get("request"))
    body = mapping(request.get("workloadIdentityPoolProvider"))
    mask = _mask(request) if method == "UpdateWorkloadIdentityPoolProvider" else None
    if method == "CreateWorkloadIdentityPoolProvider":
        state.set("deleted", at, False)

    def named(*names: str) -> bool:
        return mask is None or any(n in mask for n in names)

    if named("attributeCondition", "attribute_condition"):
        # an absent condition in a Create (or a masked Update) is no condition: every token is admitted
        state.set("condition", at, text(body.get("attributeCondition") or body.get("attribute_condition")))
    if named("displayName", "display_name") and text(body.get("displayName")):
        state.set("name", at, text(body.get("displayName")))
    if named("disabled") and isinstance(body.get("disabled"), bool):
        state.set("disabled", at, body["disabled"])
    if named("oidc", "aws", "saml") and _issuer(body):
        state.set("issuer", at, _issuer(body))


def merge_provider(known: dict[tuple[str, str], ProviderState], state: ProviderState) -> None:
    """Fold one entry's provider fields into the load's, the latest entry winning each field."""
    held = known.setdefault((state.pool, state.provider), ProviderState(state.pool, state.provider, state.project))
    for name, (at, value) in state.fields.items():
        held.set(name, at, value)
    held.evidence = sorted({*held.evidence, *state.evidence}, key=lambda e: (e.at or "", e.source, e.locator))[-5:]


def provider_items(providers: dict[tuple[str, str], ProviderState]) -> Iterator[Item]:
    """Each provider's Identity and its CAN_ASSUME of the pool, as the latest entries left them."""
    for key in sorted(providers):
        state = providers[key]
        provider, pool = ids.gcp_wif_provider(state.pool, state.provider), ids.gcp_wif_pool(state.pool)
        deleted = bool(state.value("deleted", False))
        yield Node.make(
            id=provider,
            kind=NodeKind.IDENTITY,
            subtype="gcp.iam.workload_identity_provider",
            name=state.value("name") or state.provider,
            props={
                "platform": "gcp",
                "nature": "machine",
                "nature_reason": "workload identity pool provider",
                "account": state.project,
                "description": state.value("issuer"),
                "disabled": state.value("disabled"),
                "deleted": deleted,
                "deleted_at": state.fields["deleted"][0] if deleted else None,
            },
            sources=(NAME,),
        )
        if "condition" not in state.fields:
            continue  # no entry of this load said what the provider admits
        times = sorted(e.at for e in state.evidence if e.at)
        yield Edge.make(
            source=provider,
            source_kind=NodeKind.IDENTITY,
            kind=EdgeKind.CAN_ASSUME,
            target=pool,
            target_kind=NodeKind.IDENTITY,
            # "" (not absent) when there is none: a reload must overwrite a condition an older load stored
            props={"via": "workload_identity", "condition": state.value("condition") or ""},
            first_seen=times[0] if times else None,
            last_seen=times[-1] if times else None,
            sources=(NAME,),
            evidence=tuple(state.evidence),
        )


def _targets(change: str, target: str, evidence: Evidence, what: str) -> Item:
    return _edge(change, NodeKind.CHANGE, EdgeKind.TARGETS, target, NodeKind.IDENTITY, evidence, field=what)
