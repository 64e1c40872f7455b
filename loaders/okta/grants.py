"""Okta OAuth grants: the scopes each OAuth client holds, from consent and token-grant events.

The event types are Okta's System Log names: admin consent of Okta API scopes to an app
`app.oauth2.admin.consent.grant` / `revoke`, user consent `app.oauth2.as.consent.grant` / `revoke`
(custom authorization server) and `app.oauth2.consent.grant` / `revoke` (org authorization server),
token grants `app.oauth2.as.token.grant*` / `app.oauth2.token.grant*`.

- A consent event is a grant / revoke Change that TARGETS the client (a `PublicClientApp`,
  `ServiceApp` or `Client` target, else an `AppInstance` target: an OAuth app's instance id is its
  client id) and its other targets, and for an admin consent the client's credentials
  (`okta:client:<id>:credentials`, HAS_CREDENTIAL); the scopes (`debugData.grantedScopes` /
  `scopes`, and targets of a `*Scope*` type) are in `detail`.
- What the client itself holds — admin consent, and a successful `client_credentials` token grant
  (`grantedScopes`, else `requestedScopes`: a successful grant grants what it asked) — is recorded
  per (client, scope), the latest event deciding; `finish` writes the scopes still granted on the
  client credentials' `scopes`. User consent delegates a user's own access and is not the app's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graph import ids
from graph.model import Evidence, Node
from graph.schema import EdgeKind, NodeKind
from loaders.base import Item, evidenced_edge
from loaders.okta.event import Actor, Event, Target, mapping, text

__all__ = ["CONSENT_EVENTS", "ClientScopes", "consent_clients", "consent_edges", "event_scopes", "is_token_grant"]

NAME = "okta-system-log"
CONSENT_EVENTS = {
    "app.oauth2.admin.consent.grant": "grant",
    "app.oauth2.admin.consent.revoke": "revoke",
    "app.oauth2.as.consent.grant": "grant",
    "app.oauth2.as.consent.revoke": "revoke",
    "app.oauth2.consent.grant": "grant",
    "app.oauth2.consent.revoke": "revoke",
}
_ADMIN_CONSENT = ("app.oauth2.admin.consent.grant", "app.oauth2.admin.consent.revoke")


def _debug(event: Event) -> dict[str, object]:
    return dict(mapping(mapping(event.value.get("debugContext")).get("debugData")))


def _split(value: object) -> set[str]:
    if isinstance(value, list):
        return {text(v) for v in value if text(v)}
    return {s.strip() for s in text(value).replace(" ", ",").split(",") if s.strip()}


def is_token_grant(event: Event) -> bool:
    return event.event_type.startswith(("app.oauth2.as.token.grant", "app.oauth2.token.grant"))


def event_scopes(event: Event, targets: list[Target]) -> set[str]:
    """The scopes an event granted (or a revocation took back)."""
    debug = _debug(event)
    scopes = _split(debug.get("grantedScopes")) or _split(debug.get("scopes"))
    if not scopes and is_token_grant(event):
        scopes = _split(debug.get("requestedScopes"))
    return scopes | {t.name for t in targets if "scope" in t.object_type.lower() and t.name}


def consent_clients(targets: list[Target]) -> list[Target]:
    """The client a consent names: a client target, else an app instance (its id is the client id)."""
    clients = [t for t in targets if t.subtype == "okta.oauth_client"]
    if clients:
        return clients
    return [
        Target(
            ids.okta_client(t.object_id), NodeKind.IDENTITY, "okta.oauth_client", t.name, t.object_type, "", t.object_id
        )
        for t in targets
        if t.object_type == "AppInstance"
    ]


@dataclass(slots=True)
class ClientScopes:
    """Per (client id, scope): the latest (time, granted) the load saw, and the client's name."""

    latest: dict[tuple[str, str], tuple[str, bool]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def see(self, event: Event, actor: Actor, targets: list[Target]) -> None:
        """Fold in what this event says the client itself holds (module docstring)."""
        if event.failed:
            return
        if event.event_type in _ADMIN_CONSENT:
            clients = [(c.object_id, c.name) for c in consent_clients(targets)]
            granted = event.event_type.endswith(".grant")
        elif is_token_grant(event) and text(_debug(event).get("grantType")) == "client_credentials":
            clients = [(actor.principal, actor.name)] if actor.subtype == "okta.oauth_client" else []
            granted = True
        else:
            return
        scopes = event_scopes(event, targets)
        for client, name in clients:
            self.names.setdefault(client, name)
            for scope in scopes:
                known = self.latest.get((client, scope))
                if known is None or event.time >= known[0]:
                    self.latest[(client, scope)] = (event.time, granted)

    def credentials(self) -> list[Item]:
        held: dict[str, set[str]] = {}
        for (client, scope), (_time, granted) in self.latest.items():
            scopes = held.setdefault(client, set())
            if granted:
                scopes.add(scope)
        return [
            Node.make(
                id=ids.okta_client_credentials(client),
                kind=NodeKind.CREDENTIAL,
                subtype="okta.client_credentials",
                name=f"{self.names.get(client) or client} client credentials",
                props={
                    "platform": "okta",
                    "credential_type": "api_key",
                    "public_id": client,
                    "scopes": sorted(held[client]),
                },
                sources=(NAME,),
            )
            for client in sorted(held)
        ]


def consent_edges(event: Event, change: str, clients: list[Target], evidence: Evidence) -> list[Item]:
    """A consent Change TARGETS the client; an admin consent (the app's own grant) also its client
    credentials, which the client HAS_CREDENTIAL."""
    props = {"platform": "okta", "nature": "machine", "nature_reason": "Okta OAuth client"}
    items: list[Item] = []
    for client in clients:
        items += [
            Node.make(id=client.id, kind=NodeKind.IDENTITY, subtype="okta.oauth_client", name=client.name, props=props,
                      sources=(NAME,)),
            evidenced_edge(NAME, change, NodeKind.CHANGE, EdgeKind.TARGETS, client.id, NodeKind.IDENTITY, evidence,
                           field="client"),
        ]  # fmt: skip
        if event.event_type not in _ADMIN_CONSENT:
            continue
        credential = ids.okta_client_credentials(client.object_id)
        items += [
            evidenced_edge(NAME, change, NodeKind.CHANGE, EdgeKind.TARGETS, credential, NodeKind.CREDENTIAL, evidence,
                           field="client_credentials"),
            evidenced_edge(NAME, client.id, NodeKind.IDENTITY, EdgeKind.HAS_CREDENTIAL, credential, NodeKind.CREDENTIAL,
                           evidence),
        ]  # fmt: skip
    return items
