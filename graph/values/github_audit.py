"""GitHub audit-log subtypes: accounts, organisations, enterprises, tokens and keys, sessions and changes."""

from __future__ import annotations

from enum import StrEnum

from graph.schema import NodeKind
from graph.values._registry import Subtype

__all__ = ["SUBTYPES", "GithubAuditSubtype"]


class GithubAuditSubtype(StrEnum):
    ACCOUNT = "github.account"
    ORGANIZATION = "github.organization"
    ENTERPRISE = "github.enterprise"
    PERSONAL_ACCESS_TOKEN = "github.personal_access_token"
    OAUTH_TOKEN = "github.oauth_token"
    APP_TOKEN = "github.app_token"
    DEPLOY_KEY = "github.deploy_key"
    SSH_KEY = "github.ssh_key"
    AUDIT_SESSION = "github.audit.session"
    AUDIT_CHANGE = "github.audit.change"
    ENVIRONMENT = "github.environment"
    DEPLOYMENT_REVIEW = "github.deployment_review"


_N, _S = NodeKind, GithubAuditSubtype
SUBTYPES = (
    Subtype(_S.ACCOUNT, (_N.IDENTITY,), "a GitHub account (user or bot) as an audit log's actor"),
    Subtype(_S.ORGANIZATION, (_N.RESOURCE,), "a GitHub organisation"),
    Subtype(_S.ENTERPRISE, (_N.RESOURCE,), "a GitHub enterprise account"),
    Subtype(
        _S.PERSONAL_ACCESS_TOKEN, (_N.CREDENTIAL,), "a personal access token (classic or fine-grained), by id or hash"
    ),
    Subtype(_S.OAUTH_TOKEN, (_N.CREDENTIAL,), "an OAuth app's access token, by id or hash"),
    Subtype(_S.APP_TOKEN, (_N.CREDENTIAL,), "a GitHub App installation or user-to-server token, by id or hash"),
    Subtype(_S.DEPLOY_KEY, (_N.CREDENTIAL,), "a repository deploy key"),
    Subtype(_S.SSH_KEY, (_N.CREDENTIAL,), "an account's SSH key (public_key.*)"),
    Subtype(_S.AUDIT_SESSION, (_N.SESSION,), "one account's (and token's) activity in the audit log"),
    Subtype(_S.AUDIT_CHANGE, (_N.CHANGE,), "a membership, token, key, secret, runner or environment event"),
    Subtype(_S.ENVIRONMENT, (_N.RESOURCE,), "a repository's deployment environment and its protection rules"),
    Subtype(_S.DEPLOYMENT_REVIEW, (_N.APPROVAL,), "a reviewer's approval or rejection of a deployment job"),
)
