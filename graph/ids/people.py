"""People, teams and catalog entities: the ids an accountable owner ends on.

Correlation rules (each tested with two real files that must meet, tests/loaders/test_correlation.py):

- People: an email anywhere (SCIM `userName`/`emails`, Backstage `spec.profile.email`, a
  role-session name, an SSO principal, an `owner` tag) is `person:<email lower-case>`.
- Teams: a Backstage group, a SCIM group and a `team` tag with the same slug are
  `team:<slug>` (lower case, spaces to dashes, `group:` / `default/` prefixes dropped).
- Catalog: a Backstage entity that names a repository (`github.com/project-slug`), an AWS
  account (`aws.amazon.com/account-id`) or an IAM role/user ARN is owned on that canonical id;
  the entity itself is `backstage:<kind>:<namespace>/<name>`.
"""

from __future__ import annotations

import re

from graph.errors import ModelError, quoted
from graph.ids._base import is_email, require, slug

__all__ = ["catalog_entity", "person", "team"]


def person(email: str) -> str:
    text = email.strip().lower()
    if not is_email(text):
        raise ModelError(f"malformed email {quoted(email)}")
    return f"person:{text}"


def team(name: str) -> str:
    text = name.strip().lower()
    for prefix in ("group:default/", "group:", "default/"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    dashed = re.sub(r"[\s_]+", "-", text)
    return f"team:{require(dashed, 'team name')}"


def catalog_entity(kind: str, namespace: str, name: str) -> str:
    """A Backstage catalog entity with no canonical id of its own (a Component, System or API that
    names no repository / account / role): `backstage:<kind>:<namespace>/<name>`, lower case."""
    parts = (slug(kind, "entity kind"), slug(namespace or "default", "namespace"), slug(name, "entity name"))
    return f"backstage:{parts[0]}:{parts[1]}/{parts[2]}"
