"""The graph model, declared once as data.

Every node kind, edge kind, the endpoint kinds an edge allows, its category and the
direction in which ownership and blast-radius traversals follow it live here. Everything
else — validation, Neo4j labels and constraints, GraphQL enums, the frontend legend — is
derived from these tables, never retyped.

Typed properties are declared per kind as well: a loader that writes a property nobody
declared gets a validation error instead of a silent, misspelt column.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

__all__ = [
    "EDGE_SPECS",
    "NODE_SPECS",
    "Category",
    "Direction",
    "EdgeKind",
    "EdgeSpec",
    "NodeKind",
    "NodeSpec",
    "PropertyType",
    "edge_kinds_for",
]


class NodeKind(StrEnum):
    PERSON = "Person"
    TEAM = "Team"
    IDENTITY = "Identity"
    CREDENTIAL = "Credential"
    WORKLOAD = "Workload"
    PIPELINE = "Pipeline"
    RUNNER = "Runner"
    SESSION = "Session"
    RESOURCE = "Resource"
    CHANGE = "Change"
    APPROVAL = "Approval"
    REPOSITORY = "Repository"


class EdgeKind(StrEnum):
    OWNS = "OWNS"
    MEMBER_OF = "MEMBER_OF"
    MANAGES = "MANAGES"
    HAS_CREDENTIAL = "HAS_CREDENTIAL"
    USES = "USES"
    RUNS_ON = "RUNS_ON"
    RUNS_AS = "RUNS_AS"
    CAN_ASSUME = "CAN_ASSUME"
    CAN_ACCESS = "CAN_ACCESS"
    STARTED = "STARTED"
    ACTED_AS = "ACTED_AS"
    AUTHENTICATED_WITH = "AUTHENTICATED_WITH"
    FROM = "FROM"
    TOUCHED = "TOUCHED"
    PERFORMED = "PERFORMED"
    TARGETS = "TARGETS"
    APPROVED = "APPROVED"
    APPROVED_BY = "APPROVED_BY"
    COVERS = "COVERS"
    EXPOSED_IN = "EXPOSED_IN"
    STORED_IN = "STORED_IN"


class Category(StrEnum):
    OWNERSHIP = "ownership"
    CREDENTIAL = "credential"
    ACCESS = "access"
    ACTIVITY = "activity"
    CHANGE = "change"
    PROVENANCE = "provenance"


Direction = Literal["out", "in"]
"""How a traversal walks an edge from the node it stands on: along it or against it."""

PropertyType = Literal["str", "int", "float", "bool", "timestamp", "list[str]"]


@dataclass(frozen=True, slots=True)
class NodeSpec:
    kind: NodeKind
    description: str
    properties: MappingProxyType[str, PropertyType]


@dataclass(frozen=True, slots=True)
class EdgeSpec:
    kind: EdgeKind
    sources: frozenset[NodeKind]
    targets: frozenset[NodeKind]
    category: Category
    description: str
    ownership: Direction | None
    """Direction an ownership walk (subject -> accountable person) follows, or None."""
    blast: Direction | None
    """Direction a blast-radius walk (compromised node -> what it reaches) follows, or None."""
    properties: MappingProxyType[str, PropertyType]


def _props(**types: PropertyType) -> MappingProxyType[str, PropertyType]:
    return MappingProxyType(dict(types))


# Properties any node may carry, whatever its kind.
_COMMON_NODE = {
    "platform": "str",  # aws, k8s, gcp, github, unix, vault, okta, scim, backstage, ...
    "environment": "str",  # production, staging, ... where the evidence says so
    "tags": "list[str]",  # "key=value" as read from the source
    "description": "str",
    "url": "str",
    "dangling": "bool",  # a placeholder for an object some file references and none defines (k8s)
}

_N = NodeKind
NODE_SPECS: MappingProxyType[NodeKind, NodeSpec] = MappingProxyType(
    {
        spec.kind: spec
        for spec in (
            NodeSpec(
                _N.PERSON,
                "a human",
                _props(
                    email="str",
                    status="str",  # active | offboarded | unknown
                    offboarded_at="timestamp",
                    department="str",
                    title="str",
                    employee_id="str",
                    usernames="list[str]",  # other handles that name this person
                    **_COMMON_NODE,  # type: ignore[arg-type]
                ),
            ),
            NodeSpec(
                _N.TEAM,
                "a group of people that can own things",
                _props(email="str", parent="str", **_COMMON_NODE),  # type: ignore[arg-type]
            ),
            NodeSpec(
                _N.IDENTITY,
                "an account in some system, human or not",
                _props(
                    nature="str",  # machine | human | unknown
                    nature_reason="str",
                    managed_by="str",  # the provider that owns it (aws: a service-linked role), needing no owner here
                    account="str",
                    arn="str",
                    path="str",
                    created="timestamp",
                    password_enabled="bool",
                    password_last_used="timestamp",
                    password_last_changed="timestamp",
                    mfa_active="bool",
                    deleted="bool",
                    deleted_at="timestamp",
                    disabled="bool",  # switched off but kept (a GCP pool provider's `disabled`)
                    trust_policy="str",  # JSON text of a trust policy, for review
                    instance_profiles="list[str]",  # instance-profile ARNs that carry an IAM role
                    cluster="str",  # Kubernetes cluster of a service account, user or group
                    namespace="str",
                    automount_token="bool",  # a service account's automountServiceAccountToken
                    policies="list[str]",  # Vault: the ACL policies an entity's tokens were seen holding
                    **_COMMON_NODE,  # type: ignore[arg-type]
                ),
            ),
            NodeSpec(
                _N.CREDENTIAL,
                "something that authenticates; identified by public id or keyed HMAC, never value",
                _props(
                    credential_type="str",  # aws_access_key, ssh_key, ci_secret, token, ...
                    public_id="str",
                    fingerprint="str",
                    hmac="str",
                    status="str",  # active | inactive | deleted | unknown
                    created="timestamp",
                    last_rotated="timestamp",
                    last_used="timestamp",
                    last_used_service="str",
                    last_used_region="str",
                    expires="timestamp",
                    revoked_at="timestamp",
                    deleted_at="timestamp",
                    scope="str",  # repository | organization | environment
                    detector="str",
                    verified="bool",
                    static_cloud_key="bool",
                    legacy="bool",
                    slot="int",  # credential-report access-key slot (1 or 2): the report has no key id
                    same_as="str",  # id of the node that is the same real credential where ids could not meet
                    claimed_by="list[str]",  # identities a single-holder key was seen with, when more than one
                    cluster="str",  # a Kubernetes Secret's cluster and namespace
                    namespace="str",
                    secret_type="str",  # a Kubernetes Secret's `type`, e.g. kubernetes.io/service-account-token
                    key_names="list[str]",  # the keys of a Secret's data — names only, never values
                    # what the id rests on (scanner findings): key_id, public_key, whole_key, value,
                    # scanner_fingerprint or location (the last two name a finding, not a secret)
                    identified_by="str",
                    account="str",  # the cloud account a verifier or inventory puts the credential in
                    # absent = standing; per_job = minted for one CI job and expiring with it (GITHUB_TOKEN,
                    # an Actions OIDC token); session = temporary session credentials. Only standing
                    # credentials can be long-lived, rotated or shared.
                    lifetime="str",
                    scopes="list[str]",  # the OAuth scopes a token was granted (GitHub `token_scopes`)
                    token_kind="str",  # classic | fine_grained: which kind of GitHub personal access token
                    **_COMMON_NODE,  # type: ignore[arg-type]
                ),
            ),
            NodeSpec(
                _N.WORKLOAD,
                "running software",
                _props(
                    cluster="str",
                    namespace="str",
                    instance_id="str",
                    state="str",
                    private_ips="list[str]",
                    public_ips="list[str]",
                    account="str",
                    region="str",
                    controller="str",  # the workload that made this one (a pod's Deployment): one consumer with it
                    **_COMMON_NODE,  # type: ignore[arg-type]
                ),
            ),
            NodeSpec(
                _N.PIPELINE,
                "a CI/CD definition or job",
                _props(
                    repository="str",
                    repository_assumed="str",  # why keytrail assumed the repository (no file or --repository named it)
                    workflow_file="str",
                    job="str",
                    triggers="list[str]",
                    oidc="bool",
                    uses_workflow="str",
                    runs_on="str",  # runs-on text when an expression keeps it from resolving statically
                    assume_role="str",  # role-to-assume text when it is an expression, not an ARN
                    **_COMMON_NODE,  # type: ignore[arg-type]
                ),
            ),
            NodeSpec(
                _N.RUNNER,
                "where pipelines and commands run",
                _props(
                    hosted="str",  # github | self
                    labels="list[str]",
                    group="str",
                    scale_set="str",  # actions-runner-controller scale set of a runner pod
                    os="str",
                    status="str",
                    ip_addresses="list[str]",
                    cidrs="list[str]",
                    instance_id="str",
                    **_COMMON_NODE,  # type: ignore[arg-type]
                ),
            ),
            NodeSpec(
                _N.SESSION,
                "a period of authenticated activity",
                _props(
                    started_at="timestamp",
                    ended_at="timestamp",
                    session_name="str",
                    principal="str",
                    source_ips="list[str]",
                    user_agents="list[str]",
                    event_count="int",
                    error_count="int",
                    mfa="bool",
                    interactive="bool",
                    auth_method="str",  # password | publickey | keyboard-interactive | token | ... where the log says
                    regions="list[str]",
                    cluster="str",  # Kubernetes cluster of an audit-log session
                    impersonated="list[str]",  # identities the session impersonated (k8s impersonatedUser)
                    denied="list[str]",  # attempts the authorizer or server refused (k8s): kept, never touches
                    host="str",  # the host (Workload id) an SSH or proxy session ran on: where its hops start
                    kubernetes_cluster="str",  # the Kubernetes cluster a proxy (Teleport) session reached
                    kubernetes_groups="list[str]",  # the groups the proxy impersonated there
                    network="list[str]",  # ip:port a host session's programs connected to (Teleport enhanced recording)
                    access_requests="list[str]",  # the Teleport access requests the session's certificate named
                    unapproved_requests="list[str]",  # "<request id>: <why>" of those that do not approve it
                    **_COMMON_NODE,  # type: ignore[arg-type]
                ),
            ),
            NodeSpec(
                _N.RESOURCE,
                "a target",
                _props(
                    resource_type="str",
                    account="str",
                    region="str",
                    arn="str",
                    cluster="str",
                    namespace="str",
                    rules="list[str]",  # a role's rules as text: RBAC "verbs on resources", Vault "path: capabilities"
                    app_uri="str",  # where a proxied application really runs (Teleport app_uri)
                    required_reviewers="list[str]",  # who must approve a deployment (GitHub environment rule)
                    **_COMMON_NODE,  # type: ignore[arg-type]
                ),
            ),
            NodeSpec(
                _N.CHANGE,
                "a permission or lifecycle event",
                _props(
                    action="str",  # the source's verb, e.g. CreateAccessKey
                    change_type="str",  # grant | revoke | create | delete | rotate | login | review ...
                    at="timestamp",
                    actor="str",
                    detail="str",
                    source_ip="str",
                    region="str",
                    decision="str",  # review decisions: keep | rotate | revoke | assign_owner
                    reviewer="str",
                    note="str",
                    event_id="str",  # the source's own event id (not unique by itself: see loaders/aws/cloudtrail)
                    **_COMMON_NODE,  # type: ignore[arg-type]
                ),
            ),
            NodeSpec(
                _N.APPROVAL,
                "a recorded approval",
                _props(
                    at="timestamp",
                    ticket="str",
                    status="str",  # approved | rejected | pending | expired | revoked (only approved approves)
                    reason="str",
                    expires="timestamp",
                    requester="str",
                    approvers="list[str]",  # who approved, as the source names them
                    decisions="list[str]",  # "<reviewer>: <decision>" per review, where the source records them
                    reviews="list[str]",  # "<time> <reviewer>: <decision>[ — <reason>]" per review (Teleport)
                    roles="list[str]",  # the roles an access request asked for (Teleport)
                    valid_from="timestamp",  # the window what it approves must start in (graph/window.py)
                    valid_until="timestamp",
                    scope="list[str]",  # "<kind>: <value>" as the ticket wrote each scope
                    scope_unresolved="list[str]",  # the scopes no node id could be computed for
                    **_COMMON_NODE,  # type: ignore[arg-type]
                ),
            ),
            NodeSpec(
                _N.REPOSITORY,
                "a code location",
                # assumed: from what keytrail took a `local/<folder>` repository (nothing named one)
                _props(org="str", visibility="str", assumed="str", **_COMMON_NODE),  # type: ignore[arg-type]
            ),
        )
    }
)

# Properties any edge may carry.
_COMMON_EDGE = {
    "matched_by": "str",  # the correlation rule that produced this edge, when not direct
    "dangling": "bool",  # the target is referenced but defined by no loaded file (k8s)
    "environment": "str",
}

_ALL = frozenset(NodeKind)
_OWNABLE = frozenset(
    {
        _N.IDENTITY,
        _N.CREDENTIAL,
        _N.WORKLOAD,
        _N.PIPELINE,
        _N.RUNNER,
        _N.RESOURCE,
        _N.REPOSITORY,
        _N.TEAM,
    }
)
_C = Category


def _edge(
    kind: EdgeKind,
    sources: set[NodeKind],
    targets: set[NodeKind] | frozenset[NodeKind],
    category: Category,
    description: str,
    *,
    ownership: Direction | None = None,
    blast: Direction | None = None,
    **properties: PropertyType,
) -> EdgeSpec:
    return EdgeSpec(
        kind=kind,
        sources=frozenset(sources),
        targets=frozenset(targets),
        category=category,
        description=description,
        ownership=ownership,
        blast=blast,
        properties=MappingProxyType({**_COMMON_EDGE, **properties}),  # type: ignore[dict-item]
    )


_E = EdgeKind
EDGE_SPECS: MappingProxyType[EdgeKind, EdgeSpec] = MappingProxyType(
    {
        spec.kind: spec
        for spec in (
            _edge(
                _E.OWNS,
                {_N.PERSON, _N.TEAM},
                _OWNABLE,
                _C.OWNERSHIP,
                "accountable owner",
                ownership="in",
                provenance="str",  # catalog | codeowners | tag | inferred | review | scim
                provenance_detail="str",
            ),
            _edge(
                _E.MEMBER_OF,
                {_N.PERSON, _N.IDENTITY, _N.TEAM, _N.RUNNER},
                {_N.TEAM, _N.IDENTITY, _N.RUNNER},
                _C.OWNERSHIP,
                "membership: person in team, identity in group, runner in a labelled pool",
                ownership="in",
                blast="out",
                role="str",
            ),
            _edge(
                _E.MANAGES,
                {_N.PERSON},
                {_N.PERSON},
                _C.OWNERSHIP,
                "manager chain, for owner liveness",
                ownership="in",
            ),
            _edge(
                _E.HAS_CREDENTIAL,
                {_N.IDENTITY},
                {_N.CREDENTIAL},
                _C.CREDENTIAL,
                "the credential authenticates as this identity",
                ownership="in",
                blast="in",
            ),
            _edge(
                _E.USES,
                {_N.WORKLOAD, _N.PIPELINE, _N.RUNNER, _N.PERSON},
                {_N.CREDENTIAL},
                _C.CREDENTIAL,
                "declared or observed consumer of a credential",
                ownership="in",
                blast="out",
                mode="str",  # declared | observed
                via="str",  # env var, input name, mount path, expression text
                static_cloud_key="bool",
            ),
            _edge(
                _E.RUNS_ON,
                {_N.PIPELINE, _N.RUNNER},
                {_N.RUNNER, _N.WORKLOAD},
                _C.ACCESS,
                "where a pipeline runs, or the host (instance, pod) a runner is",
                labels="list[str]",
                expression="str",
                match_strength="str",  # runner -> host: strong | weak (matched_by names the rule)
            ),
            _edge(
                _E.RUNS_AS,
                {_N.WORKLOAD, _N.PIPELINE, _N.RUNNER},
                {_N.IDENTITY},
                _C.ACCESS,
                "the identity it runs as",
                ownership="in",
                blast="out",
                via="str",  # oidc | instance_profile | service_account | static_keys
            ),
            _edge(
                _E.CAN_ASSUME,
                {_N.IDENTITY, _N.PIPELINE, _N.REPOSITORY},
                {_N.IDENTITY},
                _C.ACCESS,
                "trust or impersonation",
                blast="out",
                via="str",  # aws_principal | service | saml | oidc | web_identity
                condition="str",
                external_id="bool",
                subject="str",
            ),
            _edge(
                _E.CAN_ACCESS,
                {_N.IDENTITY},
                {_N.RESOURCE},
                _C.ACCESS,
                "granted permission",
                blast="out",
                level="str",  # read | write | admin
                actions="list[str]",
                policies="list[str]",
                wildcard="bool",
                change="str",  # the Change that granted it, when an audit log shows the grant (not an export)
                flags="list[str]",  # k8s: cluster-admin, wildcard-verbs, secrets-read, impersonate, pods-exec ...
            ),
            _edge(_E.STARTED, {_N.PERSON}, {_N.SESSION}, _C.ACTIVITY, "the human behind a session"),
            _edge(
                _E.ACTED_AS,
                {_N.SESSION},
                {_N.IDENTITY},
                _C.ACTIVITY,
                "the identity a session acted as",
                session_name="str",
            ),
            _edge(
                _E.AUTHENTICATED_WITH,
                {_N.SESSION},
                {_N.CREDENTIAL},
                _C.ACTIVITY,
                "the credential a session used",
            ),
            _edge(
                _E.FROM,
                {_N.SESSION},
                {_N.RUNNER, _N.WORKLOAD, _N.SESSION},
                _C.ACTIVITY,
                "where a session came from: runner, host, or the parent session that assumed it",
                ips="list[str]",
                gap_seconds="int",  # session_on_host: seconds from the host session's start to this login
            ),
            _edge(
                _E.TOUCHED,
                {_N.SESSION},
                {_N.RESOURCE, _N.IDENTITY, _N.CREDENTIAL, _N.WORKLOAD, _N.REPOSITORY},
                _C.ACTIVITY,
                "what a session actually did (a workload: exec, attach, port-forward; a repository: clone, push)",
                actions="list[str]",
                commands="list[str]",
                errors="int",
                grants="list[str]",  # the authorizer's reason that allowed it (k8s authorization.k8s.io/reason)
            ),
            _edge(
                _E.PERFORMED,
                {_N.SESSION, _N.IDENTITY, _N.PERSON},
                {_N.CHANGE},
                _C.CHANGE,
                "who made a change",
            ),
            _edge(_E.TARGETS, {_N.CHANGE}, _ALL, _C.CHANGE, "what a change changed", field="str"),
            _edge(
                _E.APPROVED,
                {_N.APPROVAL},
                {_N.SESSION, _N.CHANGE, _N.CREDENTIAL},
                _C.PROVENANCE,
                "approval on record",
            ),
            _edge(_E.APPROVED_BY, {_N.APPROVAL}, {_N.PERSON}, _C.PROVENANCE, "who approved it"),
            _edge(
                _E.COVERS,
                {_N.APPROVAL},
                {_N.IDENTITY, _N.CREDENTIAL, _N.RESOURCE, _N.WORKLOAD, _N.PERSON},
                _C.PROVENANCE,
                "what an approval's scope names: sessions and changes on it inside its window are approved by it",
                scope_kind="str",  # identity | credential | resource | role | host
                scope="str",  # the value as the ticket wrote it
            ),
            _edge(
                _E.EXPOSED_IN,
                {_N.CREDENTIAL},
                {_N.REPOSITORY},
                _C.PROVENANCE,
                "found by a secret scanner",
                files="list[str]",
                commits="list[str]",
                lines="list[str]",
                authors="list[str]",
                detectors="list[str]",
                verified="bool",
                repository_assumed="str",  # why keytrail assumed the repository (the report did not name it)
            ),
            _edge(
                _E.STORED_IN,
                {_N.CREDENTIAL},
                {_N.RESOURCE, _N.REPOSITORY},
                _C.PROVENANCE,
                "where the secret lives",
                blast="in",
                path="str",
            ),
        )
    }
)


def edge_kinds_for(
    walk: Literal["ownership", "blast"],
) -> tuple[tuple[EdgeKind, Direction], ...]:
    """The edge kinds (with direction) a traversal of the given sort follows, from the table."""
    pairs: list[tuple[EdgeKind, Direction]] = []
    for spec in EDGE_SPECS.values():
        direction = spec.ownership if walk == "ownership" else spec.blast
        if direction is not None:
            pairs.append((spec.kind, direction))
    return tuple(pairs)
