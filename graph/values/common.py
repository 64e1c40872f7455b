"""Property values every source shares: natures, statuses, credential types, levels, change types.

These are the vocabulary of the graph's own meaning (DESIGN.md, "The graph"): whichever source
writes an Identity's `nature` or a CAN_ACCESS `level`, it writes one of these, and the queries
compare with these members, never with retyped strings.
"""

from __future__ import annotations

from enum import StrEnum

from graph.schema import EdgeKind, NodeKind
from graph.values._registry import Vocabulary

__all__ = [
    "VOCABULARIES",
    "AccessLevel",
    "AssumeVia",
    "AuthMethod",
    "ChangeType",
    "CredentialStatus",
    "CredentialType",
    "MatchedBy",
    "Nature",
    "PersonStatus",
    "Provenance",
    "RunsAsVia",
    "UseMode",
]


class Nature(StrEnum):
    """Identity.nature: findings about non-human identities never fire on `human` ones."""

    MACHINE = "machine"
    HUMAN = "human"
    UNKNOWN = "unknown"


class PersonStatus(StrEnum):
    """Person.status (absent: unknown)."""

    ACTIVE = "active"
    OFFBOARDED = "offboarded"


class CredentialStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    DELETED = "deleted"


class CredentialType(StrEnum):
    AWS_ACCESS_KEY = "aws_access_key"
    AWS_SESSION_KEY = "aws_session_key"
    SSH_KEY = "ssh_key"
    CI_SECRET = "ci_secret"
    TOKEN = "token"
    PASSWORD = "password"
    PRIVATE_KEY = "private_key"
    API_KEY = "api_key"
    CERTIFICATE = "certificate"
    K8S_TOKEN = "k8s_token"
    GCP_SERVICE_ACCOUNT_KEY = "gcp_service_account_key"
    UNKNOWN = "unknown"


class AuthMethod(StrEnum):
    """Session.auth_method, when the log says how the session authenticated."""

    PASSWORD = "password"
    PUBLICKEY = "publickey"
    KEYBOARD_INTERACTIVE = "keyboard-interactive"
    TOKEN = "token"


class ChangeType(StrEnum):
    CREATE = "create"
    DELETE = "delete"
    ROTATE = "rotate"
    ACTIVATE = "activate"
    DEACTIVATE = "deactivate"
    GRANT = "grant"
    REVOKE = "revoke"
    EXPAND = "expand"
    TRUST = "trust"
    LOGIN = "login"
    FEDERATE = "federate"
    REVIEW = "review"
    UPDATE = "update"  # a setting reconfigured, neither wider nor narrower by itself (a protection rule)


class AccessLevel(StrEnum):
    """CAN_ACCESS.level, weakest first (the order blast radius ranks them in)."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


class Provenance(StrEnum):
    """OWNS.provenance: how the ownership is known."""

    CATALOG = "catalog"
    SCIM = "scim"
    CODEOWNERS = "codeowners"
    TAG = "tag"
    INFERRED = "inferred"
    REVIEW = "review"


class UseMode(StrEnum):
    DECLARED = "declared"
    OBSERVED = "observed"


class RunsAsVia(StrEnum):
    OIDC = "oidc"
    INSTANCE_PROFILE = "instance_profile"
    SERVICE_ACCOUNT = "service_account"
    STATIC_KEYS = "static_keys"
    RUNNER_CREDENTIALS = "runner_credentials"


class AssumeVia(StrEnum):
    AWS_PRINCIPAL = "aws_principal"
    SERVICE = "service"
    SAML = "saml"
    OIDC = "oidc"
    WEB_IDENTITY = "web_identity"
    IMPERSONATION = "impersonation"  # GCP service-account impersonation (token creator, delegation chains)
    WORKLOAD_IDENTITY = "workload_identity"  # a GCP pool provider: tokens its attribute condition admits join the pool


class MatchedBy(StrEnum):
    """`matched_by` of an edge a correlation rule produced (absent: the source said it directly)."""

    IP = "ip"
    ASSUME_ROLE_CREDENTIALS = "assume_role_credentials"
    ASSUME_ROLE_NAME_TIME = "assume_role_name_time"
    ASSUME_ROLE_WITH_WEB_IDENTITY = "assume_role_with_web_identity"
    PROFILE_NAME = "profile_name"
    SCANNER_VERIFICATION = "scanner_verification"
    SESSION_ON_HOST = "session_on_host"
    """A login from a host's address while another session was on that host (an SSH hop from a bastion)."""


_N, _E = NodeKind, EdgeKind
VOCABULARIES = (
    Vocabulary(_N.IDENTITY, "nature", Nature, "machine, human or not known (with `nature_reason`)"),
    Vocabulary(_N.PERSON, "status", PersonStatus, "living or gone (SCIM `active: false`, HR leaver)"),
    Vocabulary(_N.CREDENTIAL, "status", CredentialStatus, "whether the credential still authenticates"),
    Vocabulary(_N.CREDENTIAL, "credential_type", CredentialType, "what sort of secret it is"),
    Vocabulary(_N.SESSION, "auth_method", AuthMethod, "how the session authenticated"),
    Vocabulary(_N.CHANGE, "change_type", ChangeType, "what the change did"),
    Vocabulary(_E.CAN_ACCESS, "level", AccessLevel, "the privilege a grant gives"),
    Vocabulary(_E.OWNS, "provenance", Provenance, "how the ownership is known"),
    Vocabulary(_E.USES, "mode", UseMode, "declared in configuration, or seen in activity"),
    Vocabulary(_E.RUNS_AS, "via", RunsAsVia, "how the workload or pipeline gets the identity"),
    Vocabulary(_E.CAN_ASSUME, "via", AssumeVia, "the kind of trust"),
    *(
        Vocabulary(kind, "matched_by", MatchedBy, "the correlation rule that made the edge")
        for kind in (_E.FROM, _E.RUNS_AS, _E.CAN_ASSUME, _E.HAS_CREDENTIAL)
    ),
)
