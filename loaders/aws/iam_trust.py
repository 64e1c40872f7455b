"""IAM role trust policies → CAN_ASSUME edges from each trusted principal to the role.

Principals and the edge's source:

- `AWS`: an ARN (user, role, account root `arn:aws:iam::X:root`) or a bare account id (= that
  account's root) → that Identity, `via: aws_principal`; `*` → the `aws:principal:*` Identity
  (anyone with AWS credentials). Unique ids (AROA…, left behind when a trusted principal is
  deleted) name nothing that can be resolved and stay visible only in `trust_policy`.
- `Service` → `aws:service:<name>`, `via: service`.
- `Federated`: a SAML provider → that provider Identity (`via: saml`). The GitHub Actions OIDC
  provider (`token.actions.githubusercontent.com`) with a `…:sub` condition naming
  `repo:<org>/<repo>:…` → the Repository, with `subject` = the pattern (`via: oidc`); a sub
  pattern with a wildcard in org/repo, or any other OIDC provider → the provider Identity with
  the subject; no sub condition at all → the provider Identity with `subject: ""` (any repository
  of any organisation can assume the role — findings flag it).

Every edge carries `condition` (JSON text of the statement's Condition) and `external_id`
(true when an `sts:ExternalId` condition is present).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import orjson

from graph import ids
from graph.errors import ModelError
from graph.schema import NodeKind
from loaders.aws.policy import as_list

__all__ = ["GITHUB_OIDC_HOST", "TrustedPrincipal", "any_principal_id", "identity_subtype", "trusted_principals"]

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"


@dataclass(frozen=True, slots=True)
class TrustedPrincipal:
    id: str
    kind: NodeKind
    subtype: str
    name: str
    via: str
    condition: str
    external_id: bool
    subject: str | None = None
    account: str = ""


def any_principal_id() -> str:
    """`Principal: "*"`: anyone holding AWS credentials, in any account — one node for all."""
    return "aws:principal:*"


def identity_subtype(arn: str) -> str:
    """aws.iam.user / role / root / group / saml_provider / oidc_provider from an IAM ARN."""
    resource = arn.split(":", 5)[5] if arn.count(":") >= 5 else ""
    head = resource.split("/", 1)[0]
    return {
        "root": "aws.iam.root",
        "user": "aws.iam.user",
        "role": "aws.iam.role",
        "assumed-role": "aws.iam.role",
        "group": "aws.iam.group",
        "saml-provider": "aws.iam.saml_provider",
        "oidc-provider": "aws.iam.oidc_provider",
        "federated-user": "aws.sts.federated_user",
    }.get(head, "aws.iam.principal")


def _condition_values(condition: Mapping[str, object], key_suffix: str) -> list[str]:
    values: list[str] = []
    for block in condition.values():
        if isinstance(block, Mapping):
            for key, value in block.items():
                if str(key).lower().endswith(key_suffix):
                    values.extend(as_list(value))
    return values


def _aws_principal(value: str, condition: str, external: bool) -> TrustedPrincipal | None:
    if value == "*":
        return TrustedPrincipal(
            any_principal_id(),
            NodeKind.IDENTITY,
            "aws.principal.any",
            "any AWS principal",
            "aws_principal",
            condition,
            external,
        )
    if value.isdigit() and len(value) == 12:
        value = f"arn:aws:iam::{value}:root"
    if not value.startswith("arn:"):
        return None
    account = value.split(":")[4] if value.count(":") >= 4 else ""
    return TrustedPrincipal(
        ids.aws_principal(value),
        NodeKind.IDENTITY,
        identity_subtype(value),
        value.rsplit("/", 1)[-1].rsplit(":", 1)[-1],
        "aws_principal",
        condition,
        external,
        account=account,
    )


def _github_subjects(condition: Mapping[str, object]) -> list[str]:
    return _condition_values(condition, f"{GITHUB_OIDC_HOST}:sub")


def _federated(
    value: str, condition_raw: Mapping[str, object], condition: str, external: bool
) -> Iterator[TrustedPrincipal]:
    subtype = identity_subtype(value) if value.startswith("arn:") else "aws.iam.oidc_provider"
    provider_id = ids.aws_principal(value) if value.startswith("arn:") else ids.aws_service(value)
    provider_name = value.rsplit("/", 1)[-1]
    if subtype == "aws.iam.saml_provider":
        yield TrustedPrincipal(provider_id, NodeKind.IDENTITY, subtype, provider_name, "saml", condition, external)
        return
    host = provider_name if "/" in value else value
    subjects = (
        _github_subjects(condition_raw)
        if host.startswith(GITHUB_OIDC_HOST)
        else _condition_values(condition_raw, ":sub")
    )
    provider = TrustedPrincipal(
        provider_id, NodeKind.IDENTITY, "aws.iam.oidc_provider", host, "oidc", condition, external, subject=""
    )
    if not subjects:
        yield provider
        return
    for subject in subjects:
        repo = _github_repository(subject) if host.startswith(GITHUB_OIDC_HOST) else None
        if repo is None:
            yield TrustedPrincipal(
                provider_id, NodeKind.IDENTITY, provider.subtype, host, "oidc", condition, external, subject=subject
            )
        else:
            yield TrustedPrincipal(
                repo,
                NodeKind.REPOSITORY,
                "github.repository",
                subject.split(":")[1],
                "oidc",
                condition,
                external,
                subject=subject,
            )


def _github_repository(subject: str) -> str | None:
    """`repo:org/repo:…` → the Repository id; None when org or repo is a wildcard pattern."""
    parts = subject.split(":")
    if len(parts) < 2 or parts[0] != "repo" or "/" not in parts[1]:
        return None
    org, repo = parts[1].split("/", 1)
    if any(ch in org + repo for ch in "*?"):
        return None
    try:
        return ids.github_repo(org, repo)
    except ModelError:
        return None


def trusted_principals(document: object) -> Iterator[TrustedPrincipal]:
    """Every principal an Allow statement of a trust policy trusts (see the module rules)."""
    if not isinstance(document, Mapping):
        return
    statements = document.get("Statement")
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        raw_condition = statement.get("Condition")
        condition_map = raw_condition if isinstance(raw_condition, Mapping) else {}
        condition = orjson.dumps(condition_map, option=orjson.OPT_SORT_KEYS).decode() if condition_map else ""
        external = bool(_condition_values(condition_map, "sts:externalid"))
        principal = statement.get("Principal")
        if principal == "*":
            principal = {"AWS": "*"}
        if not isinstance(principal, Mapping):
            continue
        for value in as_list(principal.get("AWS")):
            found = _aws_principal(value, condition, external)
            if found is not None:
                yield found
        for value in as_list(principal.get("Service")):
            yield TrustedPrincipal(
                ids.aws_service(value), NodeKind.IDENTITY, "aws.service", value, "service", condition, external
            )
        for value in as_list(principal.get("Federated")):
            yield from _federated(value, condition_map, condition, external)
