"""Teleport subtypes: proxy sessions, Teleport users, databases and their users, applications and
access requests (graph/ids/teleport.py, loaders/teleport/)."""

from __future__ import annotations

from enum import StrEnum

from graph.schema import NodeKind
from graph.values._registry import Subtype

__all__ = ["SUBTYPES", "TeleportSubtype"]


class TeleportSubtype(StrEnum):
    SESSION = "teleport.session"
    USER = "teleport.user"
    DATABASE = "teleport.database"
    DB_USER = "teleport.db_user"
    ACCESS_REQUEST = "teleport.access_request"
    APP = "teleport.app"


SUBTYPES = (
    Subtype(TeleportSubtype.SESSION, (NodeKind.SESSION,), "one Teleport session (sid): SSH, exec or database"),
    Subtype(TeleportSubtype.USER, (NodeKind.IDENTITY,), "a Teleport user (a person's, or a bot's)"),
    Subtype(TeleportSubtype.DATABASE, (NodeKind.RESOURCE,), "a database Teleport proxies, by its service name"),
    Subtype(TeleportSubtype.DB_USER, (NodeKind.IDENTITY,), "a database user Teleport sessions log in as"),
    Subtype(TeleportSubtype.APP, (NodeKind.RESOURCE,), "an application Teleport proxies, by its app name"),
    Subtype(TeleportSubtype.ACCESS_REQUEST, (NodeKind.APPROVAL,), "a Teleport access request and its reviews"),
)
