"""GitHub audit-log token, key, secret, runner and membership events → Changes and what they changed.

Each event of these actions becomes the Change `change:github:<digest>` (`github.audit.change`;
the digest covers the whole event: a `_document_id` is not always there):

- `personal_access_token.*`, `oauth_authorization.*`, `oauth_access.*`: the token (`token_id`)
  becomes a Credential of its account (`user`, else the actor) — HAS_CREDENTIAL — and, when the
  event creates or grants it, the Person behind that account OWNS it (`provenance: inferred`):
  a token is accountable to its creator. A revocation or destruction marks it `deleted`.
- `public_key.create` / `delete` (an account's SSH key) and `repo.add_deploy_key` /
  `remove_deploy_key` (`deploy_key.*`): the key by `fingerprint`; its creator's Person owns it.
- `{org,repo,environment}.{create,update,remove}_actions_secret`: the Actions secret
  (graph/ids/github.py), `status: deleted` on removal.
- `{org,repo,enterprise}.{register,remove}_self_hosted_runner`: the runner `github:<org>:runner:<name>`.
- `org.add_member` / `remove_member`, `repo.add_member` / `remove_member`, `team.add_member` /
  `remove_member`, `business.add_admin` / `remove_admin`: grant / revoke Changes that TARGET the
  member's account and Person. Removal from an organisation is recorded as evidence, not as the
  person leaving: only an IdP or HR source sets a Person's status.
- `environment.*_protection_rule`, `environment.delete`: the environment's Change
  (loaders/github_audit/environments.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import orjson

from graph import ids
from graph.model import Evidence, Node
from graph.schema import EdgeKind, NodeKind
from loaders.base import Item, evidenced_edge
from loaders.github_audit.event import AuditEvent, scope_list, text, token_kind, token_subtype

ENVIRONMENT_ACTIONS = {
    "environment.add_protection_rule": "create",
    "environment.update_protection_rule": "update",
    "environment.remove_protection_rule": "delete",
    "environment.delete": "delete",
}
"""Environment events and their change types (loaders/github_audit/environments.py makes their Changes)."""

__all__ = ["ENVIRONMENT_ACTIONS", "TOKEN_PREFIXES", "ChangeResult", "change_items", "change_node", "may_change"]

NAME = "github-audit"
_edge = partial(evidenced_edge, NAME)
TOKEN_PREFIXES = ("personal_access_token.", "oauth_authorization.", "oauth_access.")
_CREATING = ("create", "request_created", "access_granted", "auto_approve_token_request", "regenerate")
_ENDING = ("destroy", "delete", "access_revoked", "revoke", "remove", "expired")
_MEMBERSHIP = {
    "org.add_member": "grant",
    "org.remove_member": "revoke",
    "repo.add_member": "grant",
    "repo.remove_member": "revoke",
    "team.add_member": "grant",
    "team.remove_member": "revoke",
    "business.add_admin": "grant",
    "business.remove_admin": "revoke",
}


@dataclass(slots=True)
class ChangeResult:
    change: str
    items: list[Item] = field(default_factory=list)


def _verb(action: str) -> str:
    return action.split(".", 1)[-1]


def change_node(event: AuditEvent, change_type: str, detail: str) -> Node:
    whole = orjson.dumps(event.value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    change = ids.change("github", hashlib.sha256(whole).hexdigest()[:16])
    where = event.repo or event.org or text(event.value.get("business"))
    return Node.make(
        id=change,
        kind=NodeKind.CHANGE,
        subtype="github.audit.change",
        name=f"{event.action} {where}".strip(),
        props={
            "platform": "github",
            "action": event.action,
            "change_type": change_type,
            "at": event.time,
            "actor": event.actor or None,
            "detail": detail[:2000] or None,
            "source_ip": event.ip or None,
            "event_id": event.document_id or None,
        },
        first_seen=event.time,
        last_seen=event.time,
        sources=(NAME,),
    )


def may_change(action: str) -> bool:
    """Whether change_items (or, for an environment action, environments.environment_items) can
    make a Change of this action (it is None for every other)."""
    return (
        action.startswith((*TOKEN_PREFIXES, "public_key.", "deploy_key."))
        or action in ("repo.add_deploy_key", "repo.remove_deploy_key")
        or action.endswith(("_actions_secret", "_self_hosted_runner"))
        or action in _MEMBERSHIP
        or action in ENVIRONMENT_ACTIONS
    )


def change_items(event: AuditEvent, evidence: Evidence, person_of: Callable[[str], str]) -> ChangeResult | None:
    """The Change an event made and what it changed, or None for an action that changes none of these."""
    action = event.action
    if action.startswith(TOKEN_PREFIXES):
        return _token(event, evidence, person_of)
    if (
        action.startswith("public_key.")
        or action in ("repo.add_deploy_key", "repo.remove_deploy_key")
        or (action.startswith("deploy_key."))
    ):
        return _key(event, evidence, person_of)
    if action.endswith("_actions_secret"):
        return _secret(event, evidence)
    if action.endswith("_self_hosted_runner"):
        return _runner(event, evidence)
    if action in _MEMBERSHIP:
        return _membership(event, evidence, person_of)
    return None


def _targets(result: ChangeResult, target: str, kind: NodeKind, evidence: Evidence, what: str) -> None:
    result.items.append(_edge(result.change, NodeKind.CHANGE, EdgeKind.TARGETS, target, kind, evidence, field=what))


def _where(result: ChangeResult, event: AuditEvent, evidence: Evidence) -> None:
    if "/" in event.repo:
        org, name = event.repo.split("/", 1)
        _targets(result, ids.github_repo(org, name), NodeKind.REPOSITORY, evidence, "repository")


def _token(event: AuditEvent, evidence: Evidence, person_of: Callable[[str], str]) -> ChangeResult | None:
    if not event.token_id and not event.hashed_token:
        return None
    verb = _verb(event.action)
    created, ended = verb.startswith(_CREATING), verb.startswith(_ENDING)
    scopes = text(event.value.get("token_scopes"))
    node = change_node(event, "create" if created else ("revoke" if ended else "expand"), scopes)
    result = ChangeResult(node.id, [node])
    token = ids.github_token(event.token_id, event.hashed_token)
    props: dict[str, Any] = {"platform": "github", "credential_type": "token", "public_id": event.token_id or None}
    props |= {"scopes": scope_list(scopes) or None, "token_kind": token_kind(event.access_type) or None}
    if created:
        props |= {"status": "active", "created": event.time}
    elif ended:
        props |= {"status": "deleted", "revoked_at": event.time}
    subtype = "github.oauth_token" if event.action.startswith("oauth_") else token_subtype(event.access_type)
    name = text(event.value.get("token_name")) or text(event.value.get("note"))
    result.items.append(
        Node.make(id=token, kind=NodeKind.CREDENTIAL, subtype=subtype, name=name, props=props, sources=(NAME,))
    )
    _targets(result, token, NodeKind.CREDENTIAL, evidence, "token")
    owner = text(event.value.get("user")) or event.actor
    if owner:
        account = ids.github_account(owner)
        result.items.append(
            _edge(account, NodeKind.IDENTITY, EdgeKind.HAS_CREDENTIAL, token, NodeKind.CREDENTIAL, evidence)
        )
        if created:
            result.items.append(_owns(person_of(owner), token, evidence, node.id))
    return result


def _key(event: AuditEvent, evidence: Evidence, person_of: Callable[[str], str]) -> ChangeResult | None:
    fingerprint = text(event.value.get("fingerprint"))
    if not fingerprint:
        return None
    key = ids.ssh_key(fingerprint)
    verb = _verb(event.action)
    created = verb in ("create", "add_deploy_key")
    deploy = "deploy" in event.action
    node = change_node(event, "create" if created else "delete", text(event.value.get("title")))
    result = ChangeResult(node.id, [node])
    props: dict[str, Any] = {"platform": "github", "credential_type": "ssh_key", "fingerprint": fingerprint}
    props |= {"status": "active", "created": event.time} if created else {"status": "deleted", "deleted_at": event.time}
    result.items.append(
        Node.make(
            id=key,
            kind=NodeKind.CREDENTIAL,
            subtype="github.deploy_key" if deploy else "github.ssh_key",
            name=text(event.value.get("title")),
            props=props,
            sources=(NAME,),
        )
    )
    _targets(result, key, NodeKind.CREDENTIAL, evidence, "key")
    _where(result, event, evidence)
    if not deploy and event.actor:
        result.items.append(
            _edge(
                ids.github_account(event.actor),
                NodeKind.IDENTITY,
                EdgeKind.HAS_CREDENTIAL,
                key,
                NodeKind.CREDENTIAL,
                evidence,
            )
        )
    if created and event.actor:
        result.items.append(_owns(person_of(event.actor), key, evidence, node.id))
    return result


def _secret(event: AuditEvent, evidence: Evidence) -> ChangeResult | None:
    name = text(event.value.get("name")) or text(event.value.get("secret_name"))
    scope = event.action.split(".", 1)[0]
    repo = event.repo.split("/", 1)[1] if "/" in event.repo else ""
    if not name or not event.org or (scope in ("repo", "environment") and not repo):
        return None
    environment = text(event.value.get("environment_name")) if scope == "environment" else None
    secret = ids.github_secret(event.org, repo if scope != "org" else None, name, environment)
    removed = "remove" in _verb(event.action)
    node = change_node(event, "delete" if removed else ("create" if "create" in event.action else "rotate"), name)
    result = ChangeResult(node.id, [node])
    props: dict[str, Any] = {"platform": "github", "credential_type": "ci_secret", "scope": scope}
    props |= {"status": "deleted", "deleted_at": event.time} if removed else {"status": "active"}
    result.items.append(
        Node.make(
            id=secret,
            kind=NodeKind.CREDENTIAL,
            subtype="github.actions.secret",
            name=name,
            props=props,
            sources=(NAME,),
        )
    )
    _targets(result, secret, NodeKind.CREDENTIAL, evidence, "secret")
    _where(result, event, evidence)
    return result


def _runner(event: AuditEvent, evidence: Evidence) -> ChangeResult | None:
    name = text(event.value.get("runner_name"))
    if not name or not event.org:
        return None
    removed = event.action.endswith("remove_self_hosted_runner")
    node = change_node(event, "delete" if removed else "create", name)
    result = ChangeResult(node.id, [node])
    runner = ids.github_runner(event.org, name)
    result.items.append(
        Node.make(
            id=runner,
            kind=NodeKind.RUNNER,
            subtype="github.runner",
            name=name,
            props={"platform": "github", "hosted": "self"},
            sources=(NAME,),
        )
    )
    _targets(result, runner, NodeKind.RUNNER, evidence, "runner")
    return result


def _membership(event: AuditEvent, evidence: Evidence, person_of: Callable[[str], str]) -> ChangeResult | None:
    member = text(event.value.get("user"))
    if not member:
        return None
    node = change_node(event, _MEMBERSHIP[event.action], member)
    result = ChangeResult(node.id, [node])
    _targets(result, ids.github_account(member), NodeKind.IDENTITY, evidence, "member")
    _targets(result, person_of(member), NodeKind.PERSON, evidence, "person")
    _where(result, event, evidence)
    if event.org and "/" not in event.repo:
        _targets(result, ids.github_org(event.org), NodeKind.RESOURCE, evidence, "organization")
    return result


def _owns(person: str, target: str, evidence: Evidence, change: str) -> Item:
    return _edge(
        person,
        NodeKind.PERSON,
        EdgeKind.OWNS,
        target,
        NodeKind.CREDENTIAL,
        evidence,
        provenance="inferred",
        provenance_detail=change,
    )
