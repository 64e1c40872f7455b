"""Vault subtypes: entities, tokens (by HMAC'd accessor), secret paths, ACL policies and the sessions
of a token (graph/ids/vault.py, loaders/vault/)."""

from __future__ import annotations

from enum import StrEnum

from graph.schema import NodeKind
from graph.values._registry import Subtype

__all__ = ["SUBTYPES", "VaultSubtype"]


class VaultSubtype(StrEnum):
    ENTITY = "vault.entity"
    TOKEN = "vault.token"
    PATH = "vault.path"
    SESSION = "vault.session"
    CHANGE = "vault.change"
    POLICY = "vault.policy"


SUBTYPES = (
    Subtype(VaultSubtype.ENTITY, (NodeKind.IDENTITY,), "a Vault identity entity"),
    Subtype(VaultSubtype.TOKEN, (NodeKind.CREDENTIAL,), "a Vault token, by the accessor the audit device writes"),
    Subtype(VaultSubtype.PATH, (NodeKind.RESOURCE,), "a Vault path or path pattern: a secret or an endpoint"),
    Subtype(VaultSubtype.POLICY, (NodeKind.RESOURCE,), "a Vault ACL policy, its path rules as text"),
    Subtype(VaultSubtype.SESSION, (NodeKind.SESSION,), "one Vault token's requests, split on inactivity"),
    Subtype(
        VaultSubtype.CHANGE, (NodeKind.CHANGE,), "a policy, auth role or engine config write, or a token revocation"
    ),
)
