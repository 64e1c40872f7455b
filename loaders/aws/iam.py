"""AWS IAM `get-account-authorization-details` JSON → identities, groups, trust and access.

One record per user, group and role of the export (located as `UserDetailList[i]` etc.).
Users, roles and groups become Identities (`aws.iam.user` / `aws.iam.role` / `aws.iam.group`);
users are MEMBER_OF their groups; trust policies give CAN_ASSUME (loaders/aws/iam_trust.py);
attached managed, inline and group policies give CAN_ACCESS per target with a level
(loaders/aws/policy.py) — a user's edges include what its groups grant, named
`group:<group>/<policy>` in `policies`. Managed policies are read from the export's
`Policies` list (default version); AWS-managed ones absent from it are known by name.

Nature: roles are `machine` ("IAM role"), except the ones people sign in through — IAM
Identity Center permission-set roles (`AWSReservedSSO_*`) and roles trusted only by SAML
providers — which are `human`, so NHI findings do not fire on people's SSO sessions. The
export cannot tell whether a person signs in as a user (console passwords and MFA are in the
credential report, which sets nature there), so a user's nature is left unset here unless its
name is an email (`human`, "user name is an email").
Ownership tags become OWNS (loaders/aws/tags.py).

The account of an identity is its ARN's; exports that write `aws` in place of the account (seen
in real test data) fall back to the account most ARNs of the file name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from graph import ids
from graph.errors import LoadError
from graph.model import Edge, Evidence, Node
from graph.schema import EdgeKind, NodeKind
from loaders.aws.iam_trust import trusted_principals
from loaders.aws.nature import SERVICE_LINKED_PROPS, SSO_REASON, service_linked_role, sso_role
from loaders.aws.policy import AWS_MANAGED_POLICIES, Grant, analyse_policy, merge_grants
from loaders.aws.tags import owner_edges, tag_pairs, tag_texts
from loaders.base import Item, LoadContext, Loader, Location, Record, Sample, SourceFile, evidenced_edge
from loaders.formats.fields import Fields, json_type
from loaders.formats.json import iter_json_documents

__all__ = ["IamEntity", "IamExportLoader"]

NAME = "aws-iam"
_LISTS = (("UserDetailList", "user"), ("GroupDetailList", "group"), ("RoleDetailList", "role"))
_REQUIRED = {"user": ("Arn", "UserName"), "group": ("Arn", "GroupName"), "role": ("Arn", "RoleName")}
_ODD_ACCOUNTS = "aws-iam.odd-accounts"
_IAM_ARN = re.compile(r"arn:aws[a-z-]*:iam::[^:\s]*:\S+")  # real demo exports write `aws` as the account
_INLINE = {"user": "UserPolicyList", "group": "GroupPolicyList", "role": "RolePolicyList"}


def _check_entity(kind: str, item: object, where: Location, locator: str) -> None:
    """The boundary of one user, group or role: each field this loader reads has its type, or
    the entity is rejected naming the field (`UserDetailList[3].Tags[0].Key`)."""
    if not isinstance(item, Mapping):
        raise where.error(f"field '{locator}': expected an object, got {json_type(item)}")
    fields = Fields(item, where, locator)
    arn_key, name_key = _REQUIRED[kind]
    fields.text(arn_key, required=True, pattern=_IAM_ARN, expected="an IAM ARN (arn:aws:iam::<account>:…)")
    fields.text(name_key, required=True)
    fields.text("Path")
    fields.text("CreateDate")
    for attached in fields.objects("AttachedManagedPolicies"):
        attached.text("PolicyArn", required=True)
    for inline in fields.objects(_INLINE[kind]):
        inline.text("PolicyName")
    for tag in fields.objects("Tags"):
        tag.text("Key", required=True)
        tag.text("Value")
    if kind == "user":
        fields.texts("GroupList")
    if kind == "role":
        document = item.get("AssumeRolePolicyDocument")
        if document is not None and not isinstance(document, Mapping | str):
            raise fields.error("AssumeRolePolicyDocument", "an object or URL-encoded JSON text", document)
        fields.objects("InstanceProfileList")
        fields.mapping("RoleLastUsed")


@dataclass(slots=True)
class ExportIndex:
    """What every record of one export file may refer to: policies, groups, the main account."""

    account: str
    policies: dict[str, object] = field(default_factory=dict)
    groups: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    group_grants: dict[str, list[Grant]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IamEntity:
    kind: str  # user | group | role
    data: Mapping[str, Any]
    locator: str
    index: ExportIndex


def _listed(document: Mapping[str, Any], key: str) -> list[Any]:
    """document[key] when it is a list, else empty (the entity loop reports a wrong type, named)."""
    value = document.get(key)
    return value if isinstance(value, list) else []


def _main_account(document: Mapping[str, Any]) -> str:
    accounts: Counter[str] = Counter()
    for list_name, _kind in _LISTS:
        for item in _listed(document, list_name):
            arn = item.get("Arn") if isinstance(item, Mapping) else None
            if isinstance(arn, str) and arn.count(":") >= 5 and arn.split(":")[4].isdigit():
                accounts[arn.split(":")[4]] += 1
    return accounts.most_common(1)[0][0] if accounts else ""


def _default_documents(document: Mapping[str, Any]) -> dict[str, object]:
    documents: dict[str, object] = {}
    for policy in _listed(document, "Policies"):
        if not isinstance(policy, Mapping) or not isinstance(policy.get("Arn"), str):
            continue
        default = policy.get("DefaultVersionId")
        for version in _listed(policy, "PolicyVersionList"):
            if isinstance(version, Mapping) and (
                version.get("IsDefaultVersion") or version.get("VersionId") == default
            ):
                documents[policy["Arn"]] = version.get("Document")
    return documents


def _account_of(arn: str, index: ExportIndex) -> str:
    part = arn.split(":")[4] if arn.count(":") >= 5 else ""
    return part if part.isdigit() and len(part) == 12 else index.account


def _policy_document(attached: Mapping[str, Any], index: ExportIndex) -> object:
    arn = attached.get("PolicyArn", "")
    if arn in index.policies:
        return index.policies[arn]
    return AWS_MANAGED_POLICIES.get(str(attached.get("PolicyName", "")))


def entity_grants(entity: Mapping[str, Any], inline_key: str, account: str, index: ExportIndex) -> list[Grant]:
    """CAN_ACCESS grants of one identity's own attached and inline policies."""
    groups: list[list[Grant]] = []
    for attached in entity.get("AttachedManagedPolicies") or []:
        if isinstance(attached, Mapping):
            document = _policy_document(attached, index)
            if document is not None:
                groups.append(analyse_policy(document, str(attached.get("PolicyName", "")), account))
    for inline in entity.get(inline_key) or []:
        if isinstance(inline, Mapping):
            groups.append(analyse_policy(inline.get("PolicyDocument"), str(inline.get("PolicyName", "")), account))
    return merge_grants(groups)


def _role_nature(data: Mapping[str, Any], principals: list[Any]) -> tuple[str, str]:
    """Roles are machine identities, except those people sign in through (SSO, SAML)."""
    path, name = str(data.get("Path") or ""), str(data.get("RoleName") or "")
    if sso_role(name, path):
        return "human", SSO_REASON
    if service_linked_role(name, path):
        return SERVICE_LINKED_PROPS["nature"], SERVICE_LINKED_PROPS["nature_reason"]
    if principals and all(p.via == "saml" for p in principals):
        return "human", "role assumed only through SAML federation, by people"
    return "machine", "IAM role"


class IamExportLoader(Loader[IamEntity]):
    name = NAME
    description = "AWS IAM get-account-authorization-details JSON"

    def sniff(self, sample: Sample) -> bool:
        head = sample.text.lstrip()[:1] == "{"
        return head and ('"UserDetailList"' in sample.text or '"RoleDetailList"' in sample.text)

    def parse(self, source: SourceFile) -> Iterator[Record[IamEntity] | LoadError]:
        for parsed in iter_json_documents(source):
            if isinstance(parsed, LoadError):
                yield parsed
                continue
            document = parsed.value
            if not isinstance(document, Mapping) or not any(k in document for k, _ in _LISTS):
                yield parsed.location.error(
                    "not an IAM authorization-details export (no UserDetailList/RoleDetailList)"
                )
                continue
            yield from self._entities(source, document)

    def _entities(self, source: SourceFile, document: Mapping[str, Any]) -> Iterator[Record[IamEntity] | LoadError]:
        index = ExportIndex(_main_account(document), _default_documents(document))
        for group in _listed(document, "GroupDetailList"):
            if isinstance(group, Mapping) and isinstance(group.get("GroupName"), str):
                index.groups[group["GroupName"]] = group
        position = 0
        for list_name, kind in _LISTS:
            items = document.get(list_name) or []
            if not isinstance(items, list):
                yield Location(source.display).error(f"field '{list_name}': expected a list, got {json_type(items)}")
                continue
            for i, item in enumerate(items):
                position += 1
                locator = f"{list_name}[{i}]"
                where = Location(source.display, record=position)
                try:
                    _check_entity(kind, item, where, locator)
                except LoadError as exc:
                    yield exc
                    continue
                yield Record(where, IamEntity(kind, item, locator, index))

    def transform(self, record: Record[IamEntity], ctx: LoadContext) -> Iterable[Item]:
        entity = record.value
        evidence = Evidence(source=record.location.file, locator=entity.locator)
        arn = entity.data["Arn"]
        part = arn.split(":")[4] if arn.count(":") >= 5 else ""
        if not (part.isdigit() and len(part) == 12):  # kept as written, and said (issue 17 item 14)
            odd: Counter[tuple[str, str]] = ctx.state.setdefault(_ODD_ACCOUNTS, Counter())
            odd[(record.location.file, part)] += 1
        if entity.kind == "user":
            return list(self._user(entity, evidence, ctx))
        if entity.kind == "group":
            return list(self._group(entity, evidence))
        return list(self._role(entity, evidence, ctx))

    def finish(self, ctx: LoadContext) -> Iterable[Item | LoadError]:
        odd: Counter[tuple[str, str]] | None = ctx.state.pop(_ODD_ACCOUNTS, None)
        for (file, part), count in sorted((odd or Counter()).items()):
            ctx.notes.append(
                f"aws-iam: {file}: {count} identities whose ARN names the account {part!r}, not 12 digits "
                "(as demo exports write it); kept under that ARN, the file's main account (if any) as their account"
            )
        return ()

    def _identity(self, entity: IamEntity, subtype: str, name_key: str, extra: dict[str, Any]) -> Node:
        data = entity.data
        arn = data["Arn"]
        pairs = tag_pairs(data.get("Tags"))
        props: dict[str, Any] = {
            "platform": "aws",
            "arn": arn,
            "account": _account_of(arn, entity.index),
            "path": data.get("Path") or None,
            "created": data.get("CreateDate") or None,
            "tags": tag_texts(pairs) or None,
            **extra,
        }
        return Node(
            id=ids.aws_arn(arn),
            kind=NodeKind.IDENTITY,
            subtype=subtype,
            name=data[name_key],
            props=props,
            sources=(NAME,),
        )

    def _edge(
        self,
        source: str,
        kind: EdgeKind,
        target: str,
        target_kind: NodeKind,
        evidence: Evidence,
        source_kind: NodeKind = NodeKind.IDENTITY,
        **props: Any,
    ) -> Edge:
        return evidenced_edge(NAME, source, source_kind, kind, target, target_kind, evidence, **props)

    def _access(self, identity: str, grants: list[Grant], evidence: Evidence) -> Iterator[Item]:
        for grant in grants:
            target = grant.target
            props = {
                "platform": "aws",
                "account": target.account or None,
                "arn": target.arn or None,
                "resource_type": target.subtype,
            }
            yield Node(
                id=target.id,
                kind=NodeKind.RESOURCE,
                subtype=target.subtype,
                name=target.name,
                props=props,
                sources=(NAME,),
            )
            yield self._edge(
                identity,
                EdgeKind.CAN_ACCESS,
                target.id,
                NodeKind.RESOURCE,
                evidence,
                level=grant.level,
                actions=sorted(grant.actions),
                policies=sorted(grant.policies),
                wildcard=grant.wildcard,
            )

    def _owners(self, entity: IamEntity, identity: str, evidence: Evidence, ctx: LoadContext) -> Iterator[Edge]:
        yield from owner_edges(
            tag_pairs(entity.data.get("Tags")), ctx.owner_tag_names, identity, NodeKind.IDENTITY, evidence, NAME
        )

    def _user(self, entity: IamEntity, evidence: Evidence, ctx: LoadContext) -> Iterator[Item]:
        data, index = entity.data, entity.index
        name = data["UserName"]
        nature = {"nature": "human", "nature_reason": "user name is an email"} if ids.is_email(name) else {}
        node = self._identity(entity, "aws.iam.user", "UserName", nature)
        yield node
        account = str(node.props.get("account", ""))
        grants = [entity_grants(data, "UserPolicyList", account, index)]
        for group_name in data.get("GroupList") or []:
            group = index.groups.get(group_name)
            group_arn = group["Arn"] if group else f"arn:aws:iam::{account}:group/{group_name}"
            yield self._edge(node.id, EdgeKind.MEMBER_OF, ids.aws_arn(group_arn), NodeKind.IDENTITY, evidence)
            if group:
                grants.append(self._group_grants(group, index, account))
        yield from self._access(node.id, merge_grants(grants), evidence)
        yield from self._owners(entity, node.id, evidence, ctx)

    def _group_grants(self, group: Mapping[str, Any], index: ExportIndex, account: str) -> list[Grant]:
        name = group["GroupName"]
        if name not in index.group_grants:
            index.group_grants[name] = entity_grants(
                group, "GroupPolicyList", _account_of(group.get("Arn", ""), index) or account, index
            )
        renamed = []
        for grant in index.group_grants[name]:
            renamed.append(
                Grant(
                    grant.target,
                    grant.level,
                    set(grant.actions),
                    {f"group:{name}/{p}" for p in grant.policies},
                    grant.wildcard,
                )
            )
        return renamed

    def _group(self, entity: IamEntity, evidence: Evidence) -> Iterator[Item]:
        node = self._identity(entity, "aws.iam.group", "GroupName", {})
        yield node
        yield from self._access(
            node.id, self._group_grants(entity.data, entity.index, str(node.props.get("account", ""))), evidence
        )

    def _role(self, entity: IamEntity, evidence: Evidence, ctx: LoadContext) -> Iterator[Item]:
        data = entity.data
        trust = data.get("AssumeRolePolicyDocument")
        profiles = [
            p["Arn"]
            for p in data.get("InstanceProfileList") or []
            if isinstance(p, Mapping) and isinstance(p.get("Arn"), str)
        ]
        nature, reason = _role_nature(data, list(trusted_principals(trust)))
        linked = service_linked_role(str(data.get("RoleName") or ""), str(data.get("Path") or ""))
        extra = {
            "nature": nature,
            "nature_reason": reason,
            "managed_by": SERVICE_LINKED_PROPS["managed_by"] if linked else None,
            "trust_policy": orjson.dumps(trust, option=orjson.OPT_SORT_KEYS).decode() if trust else None,
            "instance_profiles": profiles or None,
        }
        node = self._identity(entity, "aws.iam.role", "RoleName", extra)
        yield node
        for principal in trusted_principals(trust):
            props: dict[str, Any] = {
                "via": principal.via,
                "condition": principal.condition or None,
                "external_id": principal.external_id,
                "subject": principal.subject,
            }
            if principal.kind is NodeKind.IDENTITY:
                node_props = {"platform": "aws", "account": principal.account or None}
                yield Node(
                    id=principal.id,
                    kind=principal.kind,
                    subtype=principal.subtype,
                    name=principal.name,
                    props=node_props,
                    sources=(NAME,),
                )
            else:  # a Repository: named only, its details belong to the GitHub loaders
                yield Node(
                    id=principal.id,
                    kind=principal.kind,
                    name=principal.name,
                    props={"platform": "github"},
                    sources=(NAME,),
                )
            yield self._edge(
                principal.id,
                EdgeKind.CAN_ASSUME,
                node.id,
                NodeKind.IDENTITY,
                evidence,
                source_kind=principal.kind,
                **props,
            )
        yield from self._access(
            node.id, entity_grants(data, "RolePolicyList", str(node.props.get("account", "")), entity.index), evidence
        )
        yield from self._owners(entity, node.id, evidence, ctx)
