"""People and catalog subtypes: SCIM users and groups, Backstage entities."""

from __future__ import annotations

from enum import StrEnum

from graph.schema import NodeKind
from graph.values._registry import Subtype, SubtypeFamily

__all__ = ["SUBTYPES", "PeopleSubtype"]


class PeopleSubtype(StrEnum):
    SCIM_USER = "scim.user"
    SCIM_GROUP = "scim.group"
    BACKSTAGE_USER = "backstage.user"
    BACKSTAGE_GROUP = "backstage.group"


_N, _S = NodeKind, PeopleSubtype
SUBTYPES = (
    Subtype(_S.SCIM_USER, (_N.PERSON,), "a SCIM user"),
    Subtype(_S.SCIM_GROUP, (_N.TEAM,), "a SCIM group"),
    Subtype(_S.BACKSTAGE_USER, (_N.PERSON,), "a Backstage User entity"),
    Subtype(_S.BACKSTAGE_GROUP, (_N.TEAM,), "a Backstage Group entity"),
    SubtypeFamily(
        "backstage.<entity kind>",
        r"backstage\.[a-z]+",
        (_N.WORKLOAD, _N.RESOURCE, _N.REPOSITORY, _N.IDENTITY),
        "a Backstage Component, System, Resource or API (lower-case kind)",
    ),
)
