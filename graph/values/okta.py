"""Okta subtypes: users and OAuth clients, API tokens and client credentials, System Log sessions and changes."""

from __future__ import annotations

from enum import StrEnum

from graph.schema import NodeKind
from graph.values._registry import Subtype, SubtypeFamily

__all__ = ["SUBTYPES", "OktaSubtype"]


class OktaSubtype(StrEnum):
    USER = "okta.user"
    OAUTH_CLIENT = "okta.oauth_client"
    API_TOKEN = "okta.api_token"
    CLIENT_CREDENTIALS = "okta.client_credentials"
    LOGIN = "okta.login"
    SESSION = "okta.session"
    CHANGE = "okta.change"


_N, _S = NodeKind, OktaSubtype
SUBTYPES = (
    Subtype(_S.USER, (_N.IDENTITY,), "an Okta user account (human)"),
    Subtype(_S.OAUTH_CLIENT, (_N.IDENTITY,), "an Okta OAuth client (service app, client credentials)"),
    Subtype(_S.API_TOKEN, (_N.CREDENTIAL,), "an Okta API token (SSWS), by token id; acts as its creator"),
    Subtype(_S.CLIENT_CREDENTIALS, (_N.CREDENTIAL,), "an OAuth client's secret or key, by client id"),
    Subtype(_S.LOGIN, (_N.PERSON,), "a person known only by an Okta login no roster names"),
    Subtype(_S.SESSION, (_N.SESSION,), "one Okta session (externalSessionId), or one actor's events"),
    Subtype(_S.CHANGE, (_N.CHANGE,), "a lifecycle, privilege or token event in the Okta System Log"),
    SubtypeFamily(
        "okta.<target type>",
        r"okta\.[a-z0-9_]+",
        (_N.RESOURCE,),
        "a System Log target of another type (app instance, group, policy), lower case",
    ),
)
