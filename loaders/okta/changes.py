"""Okta System Log lifecycle, privilege and token events → Changes, API tokens and people's status.

A successful event (outcome not FAILURE / DENY) of these types becomes the Change
`change:okta:<digest>` (`okta.change`; the digest covers the whole event: hand-made logs reuse
one uuid for different events) that TARGETS its targets:

- `system.api_token.create`: the token becomes a Credential (`okta.api_token`, by id, `status:
  active`, `created`) of the creating user's account (HAS_CREDENTIAL — an Okta API token acts
  with its creator's permissions), and the creator's Person OWNS it (`provenance: inferred`):
  its creator is its accountable person. `system.api_token.revoke` marks it `deleted` (`revoked_at`).
- `user.lifecycle.deactivate` / `suspend`: offboarding evidence — the target's Person becomes
  `status: offboarded` with `offboarded_at` = the event time, its account `deleted` for a
  deactivation; `activate` / `reactivate` / `unsuspend` make the Person active again. Within
  a load the latest event per person decides (`LifecycleNote`, applied in `finish`).
- `user.account.privilege.grant` / `revoke`, `group.privilege.grant` / `revoke`: grant / revoke
  Changes, the privileges named (`debugData.privilegeGranted`) in `detail`.
- `user.session.impersonation.*`: grant / revoke Changes; `initiate` is the actor CAN_ASSUME the
  impersonated user (`via: impersonation`).
- `app.oauth2.*lifecycle.<create|activate|deactivate|delete>`: a Change on the OAuth client,
  whose client credentials (`okta:client:<id>:credentials`) take the matching status.
- `app.oauth2.admin.consent.*`, `app.oauth2.as.consent.*`, `app.oauth2.consent.*`: grant / revoke
  Changes on the client and its credentials, the scopes in `detail` (loaders/okta/grants.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import orjson

from graph import ids
from graph.model import Evidence, Node
from graph.schema import EdgeKind, NodeKind
from loaders.base import Item, evidenced_edge
from loaders.okta.event import Actor, Event, Target, mapping, text
from loaders.okta.grants import CONSENT_EVENTS, consent_clients, consent_edges, event_scopes

__all__ = ["ChangeResult", "LifecycleNote", "change_items"]

NAME = "okta-system-log"
_edge = partial(evidenced_edge, NAME)
_OFFBOARDING = {"user.lifecycle.deactivate": "deactivate", "user.lifecycle.suspend": "deactivate"}
_RETURNING = {
    "user.lifecycle.activate": "activate",
    "user.lifecycle.reactivate": "activate",
    "user.lifecycle.unsuspend": "activate",
}
_PRIVILEGE = {
    "user.account.privilege.grant": "grant",
    "user.account.privilege.revoke": "revoke",
    "group.privilege.grant": "grant",
    "group.privilege.revoke": "revoke",
}
_IMPERSONATION = {
    "user.session.impersonation.grant": "grant",
    "user.session.impersonation.extend": "grant",
    "user.session.impersonation.revoke": "revoke",
    "user.session.impersonation.initiate": "login",
    "user.session.impersonation.end": "login",
}
_CLIENT_STATUS = {"create": "active", "activate": "active", "deactivate": "inactive", "delete": "deleted"}


@dataclass(frozen=True, slots=True)
class LifecycleNote:
    """A person's status as one event says it: applied in `finish`, the latest event winning."""

    person: str
    login: str
    status: str
    time: str
    identity: str
    deactivated: bool


@dataclass(slots=True)
class ChangeResult:
    change: str
    items: list[Item] = field(default_factory=list)
    lifecycle: list[LifecycleNote] = field(default_factory=list)


def _change_node(event: Event, actor: Actor, targets: list[Target], change_type: str, detail: str) -> Node:
    # The whole event: hand-made logs reuse one uuid for different events, and a real event
    # delivered twice (API export and log shipper) is the same document.
    whole = orjson.dumps(event.value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    change = ids.change("okta", hashlib.sha256(whole).hexdigest()[:16])
    display = text(event.value.get("displayMessage")) or event.event_type
    return Node.make(
        id=change,
        kind=NodeKind.CHANGE,
        subtype="okta.change",
        name=f"{display} ({', '.join(t.name for t in targets[:3])})" if targets else display,
        props={
            "platform": "okta",
            "action": event.event_type,
            "change_type": change_type,
            "at": event.time,
            "actor": actor.login or actor.name or actor.principal,
            "detail": detail[:2000] or None,
            "source_ip": event.ip or None,
            "event_id": event.uuid or None,
        },
        first_seen=event.time,
        last_seen=event.time,
        sources=(NAME,),
    )


def change_items(
    event: Event, actor: Actor, targets: list[Target], evidence: Evidence, person_of: Callable[[str], str]
) -> ChangeResult | None:
    """The Change an event made and what it changed, or None when it changed nothing."""
    if event.failed:
        return None
    kind = event.event_type
    if kind in ("system.api_token.create", "system.api_token.revoke"):
        return _token(event, actor, targets, evidence, kind.endswith(".create"))
    if kind in _OFFBOARDING or kind in _RETURNING:
        return _lifecycle(event, actor, targets, evidence, person_of)
    if kind in _PRIVILEGE:
        debug = mapping(mapping(event.value.get("debugContext")).get("debugData"))
        granted = text(debug.get("privilegeGranted") or debug.get("privilegeRevoked"))
        return _plain(event, actor, targets, evidence, _PRIVILEGE[kind], granted)
    if kind in _IMPERSONATION:
        result = _plain(event, actor, targets, evidence, _IMPERSONATION[kind], "")
        if kind.endswith(".initiate") and actor.identity:
            for target in targets:
                if target.subtype == "okta.user" and target.id != actor.identity:
                    result.items.append(
                        _edge(
                            actor.identity,
                            NodeKind.IDENTITY,
                            EdgeKind.CAN_ASSUME,
                            target.id,
                            NodeKind.IDENTITY,
                            evidence,
                            via="impersonation",
                        )
                    )
        return result
    if kind.startswith("app.oauth2.") and ".lifecycle." in kind:
        return _client(event, actor, targets, evidence)
    if kind in CONSENT_EVENTS:
        return _consent(event, actor, targets, evidence)
    return None


def _consent(event: Event, actor: Actor, targets: list[Target], evidence: Evidence) -> ChangeResult | None:
    clients = consent_clients(targets)
    if not clients:
        return None
    scopes = ", ".join(sorted(event_scopes(event, targets)))
    others = [t for t in targets if t.subtype != "okta.oauth_client" and t.object_type != "AppInstance"]
    result = _plain(
        event, actor, others, evidence, CONSENT_EVENTS[event.event_type], f"scopes {scopes}" if scopes else ""
    )
    result.items += consent_edges(event, result.change, clients, evidence)
    return result


def _plain(
    event: Event, actor: Actor, targets: list[Target], evidence: Evidence, change_type: str, detail: str
) -> ChangeResult:
    node = _change_node(event, actor, targets, change_type, detail)
    result = ChangeResult(node.id, [node])
    for target in targets:
        result.items.append(
            _edge(
                node.id, NodeKind.CHANGE, EdgeKind.TARGETS, target.id, target.kind, evidence, field=target.object_type
            )
        )
    return result


def _token(event: Event, actor: Actor, targets: list[Target], evidence: Evidence, created: bool) -> ChangeResult | None:
    tokens = [t for t in targets if t.subtype == "okta.api_token"]
    if not tokens:
        return None
    result = _plain(event, actor, tokens, evidence, "create" if created else "revoke", "")
    for token in tokens:
        props = {"platform": "okta", "credential_type": "token", "public_id": token.object_id}
        props |= (
            {"status": "active", "created": event.time} if created else {"status": "deleted", "revoked_at": event.time}
        )
        name = token.name if token.name != token.object_id else ""
        result.items.append(
            Node.make(
                id=token.id, kind=NodeKind.CREDENTIAL, subtype="okta.api_token", name=name, props=props, sources=(NAME,)
            )
        )
        if created and actor.identity:
            result.items.append(
                _edge(
                    actor.identity, NodeKind.IDENTITY, EdgeKind.HAS_CREDENTIAL, token.id, NodeKind.CREDENTIAL, evidence
                )
            )
        if created and actor.person:
            result.items.append(
                _edge(
                    actor.person,
                    NodeKind.PERSON,
                    EdgeKind.OWNS,
                    token.id,
                    NodeKind.CREDENTIAL,
                    evidence,
                    provenance="inferred",
                    provenance_detail=result.change,
                )
            )
    return result


def _lifecycle(
    event: Event, actor: Actor, targets: list[Target], evidence: Evidence, person_of: Callable[[str], str]
) -> ChangeResult | None:
    users = [t for t in targets if t.subtype == "okta.user"]
    if not users:
        return None
    leaving = event.event_type in _OFFBOARDING
    change_type = _OFFBOARDING.get(event.event_type) or _RETURNING[event.event_type]
    result = _plain(event, actor, users, evidence, change_type, event.event_type.rsplit(".", 1)[-1])
    for user in users:
        person = person_of(user.login)
        if not person:
            continue
        result.items.append(
            _edge(result.change, NodeKind.CHANGE, EdgeKind.TARGETS, person, NodeKind.PERSON, evidence, field="person")
        )
        status = "offboarded" if leaving else "active"
        deactivated = event.event_type == "user.lifecycle.deactivate"
        result.lifecycle.append(LifecycleNote(person, user.login, status, event.time, user.id, deactivated))
    return result


def _client(event: Event, actor: Actor, targets: list[Target], evidence: Evidence) -> ChangeResult | None:
    verb = event.event_type.rsplit(".", 1)[-1]
    clients = [t for t in targets if t.subtype == "okta.oauth_client"]
    if verb not in _CLIENT_STATUS or not clients:
        return None
    change_type = {"create": "create", "activate": "activate", "deactivate": "deactivate", "delete": "delete"}[verb]
    result = _plain(event, actor, clients, evidence, change_type, "")
    for client in clients:
        credential = ids.okta_client_credentials(client.object_id)
        props = {
            "platform": "okta",
            "credential_type": "api_key",
            "public_id": client.object_id,
            "status": _CLIENT_STATUS[verb],
        }
        result.items += [
            Node.make(
                id=credential,
                kind=NodeKind.CREDENTIAL,
                subtype="okta.client_credentials",
                name=f"{client.name} client credentials",
                props=props,
                sources=(NAME,),
            ),
            _edge(client.id, NodeKind.IDENTITY, EdgeKind.HAS_CREDENTIAL, credential, NodeKind.CREDENTIAL, evidence),
        ]
        if verb == "create" and actor.person:
            result.items.append(
                _edge(
                    actor.person,
                    NodeKind.PERSON,
                    EdgeKind.OWNS,
                    client.id,
                    NodeKind.IDENTITY,
                    evidence,
                    provenance="inferred",
                    provenance_detail=result.change,
                )
            )
    return result
