"""Teleport ids: users, databases and their users, and access requests, per cluster.

Correlation rules:

- A Teleport user is `teleport:<cluster>:user:<name>`; when the name is an email (SSO users)
  the person behind it is also `person:<email>` (graph/ids/people.py), so a session a Teleport
  user started meets the HR roster and the catalogue.
- The node a session ran on is the host `host:<server_hostname>` (graph/ids/ssh.py), the same
  node the host's own sshd log names, and its `server_addr` IP is that host's address.
- A database is `teleport:<cluster>:db:<db_service>`; a database user is an identity of that
  database, `teleport:<cluster>:db:<db_service>:user:<db_user>`.
- An application is `teleport:<cluster>:app:<app_name>`.
- An access request is the approval `approval:teleport:<cluster>:<request id>`: the id every
  session's `access_requests` names, so a session meets the approval it ran under.
"""

from __future__ import annotations

from graph.ids._base import require

__all__ = ["teleport_app", "teleport_approval", "teleport_database", "teleport_db_user", "teleport_user"]


def _clean(value: str, what: str) -> str:
    text = require(value, what)
    return "_".join(text.split())


def teleport_user(cluster: str, name: str) -> str:
    return f"teleport:{_clean(cluster, 'cluster')}:user:{_clean(name, 'user name')}"


def teleport_database(cluster: str, service: str) -> str:
    return f"teleport:{_clean(cluster, 'cluster')}:db:{_clean(service, 'database service')}"


def teleport_db_user(cluster: str, service: str, user: str) -> str:
    return f"{teleport_database(cluster, service)}:user:{_clean(user, 'database user')}"


def teleport_app(cluster: str, app: str) -> str:
    return f"teleport:{_clean(cluster, 'cluster')}:app:{_clean(app, 'app name')}"


def teleport_approval(cluster: str, request_id: str) -> str:
    return f"approval:teleport:{_clean(cluster, 'cluster')}:{_clean(request_id, 'request id')}"
