"""Okta ids: users, OAuth clients, API tokens, apps and other System Log targets, and unmatched logins.

Correlation rules (tested with real System Log events, tests/loaders/okta/):

- An Okta user is the Identity `okta:user:<okta id>` (ids such as `00u…` are unique across Okta);
  the Person behind it is `person:<login>` when the login (`alternateId`) is an email — so an HR
  roster, a SCIM export or a CloudTrail session name meets it — else the Person whose `usernames`
  holds the login, else `okta-user:<login lower-case>`: a login no roster names stays a named gap.
- An API token (`target[].type: Token`) is the Credential `okta:token:<id>`: the token's id, never
  its value (the System Log never carries it).
- An OAuth client (`PublicClientApp`, service apps using client credentials) is the Identity
  `okta:client:<client id>`, and its client credentials the Credential `okta:client:<client id>:credentials`.
- Any other target is `okta:<type lower-case>:<id>` (`okta:appinstance:0oa…`, `okta:usergroup:00g…`).
"""

from __future__ import annotations

from graph.ids._base import require, slug

__all__ = ["okta_api_token", "okta_client", "okta_client_credentials", "okta_login", "okta_object", "okta_user"]


def okta_user(user_id: str) -> str:
    return f"okta:user:{require(user_id, 'Okta user id')}"


def okta_api_token(token_id: str) -> str:
    return f"okta:token:{require(token_id, 'Okta API token id')}"


def okta_client(client_id: str) -> str:
    return f"okta:client:{require(client_id, 'Okta OAuth client id')}"


def okta_client_credentials(client_id: str) -> str:
    return f"{okta_client(client_id)}:credentials"


def okta_object(object_type: str, object_id: str) -> str:
    return f"okta:{slug(object_type, 'Okta object type')}:{require(object_id, 'Okta object id')}"


def okta_login(login: str) -> str:
    """A Person known only by an Okta login that is no email and no roster's username."""
    return f"okta-user:{slug(login, 'Okta login')}"
