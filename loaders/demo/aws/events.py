"""CloudTrail record builders: the real field names and order, one function per userIdentity type.

Shapes follow the CloudTrail userIdentity reference and real records (see
../shared/corpus/cloudtrail): IAMUser, AssumedRole (with sessionContext.sessionIssuer),
AWSService (invokedBy), WebIdentityUser (GitHub OIDC), FederatedUser, AWSAccount
(cross-account caller). Records are plain dicts serialised by orjson in the writer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from loaders.demo.derive import format_cli_date, format_iso

__all__ = [
    "assumed_role_identity",
    "aws_account_identity",
    "aws_service_identity",
    "federated_identity",
    "format_cli_date",
    "iam_user_identity",
    "record",
    "web_identity",
]

Json = dict[str, object]


def iam_user_identity(account_id: str, user_name: str, user_id: str, key_id: str | None, path: str = "/") -> Json:
    identity: Json = {
        "type": "IAMUser",
        "principalId": user_id,
        "arn": f"arn:aws:iam::{account_id}:user{path}{user_name}",
        "accountId": account_id,
    }
    if key_id:
        identity["accessKeyId"] = key_id
    identity["userName"] = user_name
    return identity


def assumed_role_identity(
    account_id: str,
    role_name: str,
    role_id: str,
    session_name: str,
    key_id: str,
    created: int,
    path: str = "/",
    mfa: bool = False,
    web_provider: str | None = None,
) -> Json:
    context: Json = {
        "sessionIssuer": {
            "type": "Role",
            "principalId": role_id,
            "arn": f"arn:aws:iam::{account_id}:role{path}{role_name}",
            "accountId": account_id,
            "userName": role_name,
        },
        "webIdFederationData": {"federatedProvider": web_provider, "attributes": {}} if web_provider else {},
        "attributes": {"creationDate": format_iso(created), "mfaAuthenticated": "true" if mfa else "false"},
    }
    return {
        "type": "AssumedRole",
        "principalId": f"{role_id}:{session_name}",
        "arn": f"arn:aws:sts::{account_id}:assumed-role/{role_name}/{session_name}",
        "accountId": account_id,
        "accessKeyId": key_id,
        "sessionContext": context,
    }


def aws_service_identity(service: str) -> Json:
    return {"type": "AWSService", "invokedBy": service}


def aws_account_identity(account_id: str, principal_id: str) -> Json:
    return {"type": "AWSAccount", "principalId": principal_id, "accountId": account_id}


def web_identity(provider_arn: str, subject: str) -> Json:
    return {
        "type": "WebIdentityUser",
        "principalId": f"{provider_arn}:sts.amazonaws.com:{subject}",
        "userName": subject,
        "identityProvider": provider_arn,
    }


def federated_identity(account_id: str, name: str, key_id: str, issuer_name: str, issuer_id: str, created: int) -> Json:
    return {
        "type": "FederatedUser",
        "principalId": f"{account_id}:{name}",
        "arn": f"arn:aws:sts::{account_id}:federated-user/{name}",
        "accountId": account_id,
        "accessKeyId": key_id,
        "sessionContext": {
            "sessionIssuer": {
                "type": "IAMUser",
                "principalId": issuer_id,
                "arn": f"arn:aws:iam::{account_id}:user/{issuer_name}",
                "accountId": account_id,
                "userName": issuer_name,
            },
            "webIdFederationData": {},
            "attributes": {"creationDate": format_iso(created), "mfaAuthenticated": "false"},
        },
    }


def credentials(key_id: str, token: str, expires: int) -> Json:
    return {"accessKeyId": key_id, "sessionToken": token, "expiration": format_cli_date(expires)}


def record(
    *,
    identity: Json,
    at: int,
    source: str,
    name: str,
    region: str,
    ip: str,
    agent: str,
    request: object,
    response: object,
    event_id: str,
    request_id: str,
    recipient: str,
    read_only: bool,
    resources: Sequence[Mapping[str, object]] | None = None,
    additional: Json | None = None,
    error: tuple[str, str] | None = None,
    category: str = "Management",
    event_type: str = "AwsApiCall",
) -> Json:
    event: Json = {
        "eventVersion": "1.09" if event_type == "AwsApiCall" else "1.08",
        "userIdentity": identity,
        "eventTime": format_iso(at),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": ip,
        "userAgent": agent,
    }
    if error:
        event["errorCode"], event["errorMessage"] = error
    event["requestParameters"] = request
    event["responseElements"] = response
    if additional:
        event["additionalEventData"] = additional
    event["requestID"] = request_id
    event["eventID"] = event_id
    event["readOnly"] = read_only
    if resources:
        event["resources"] = list(resources)
    event["eventType"] = event_type
    event["managementEvent"] = category == "Management"
    event["recipientAccountId"] = recipient
    event["eventCategory"] = category
    if event_type == "AwsApiCall" and "." in source:
        event["tlsDetails"] = {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": _host(source, region),
        }
    return event


def _host(source: str, region: str) -> str:
    service = source.split(".", 1)[0]
    if service in ("iam", "sts") and region == "us-east-1":
        return f"{service}.amazonaws.com"
    return f"{service}.{region}.amazonaws.com"
