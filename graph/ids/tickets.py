"""Ticket ids: approvals recorded in a ticketing system (a change or access ticket), imported as
CSV or JSON (docs/tickets.md).

Correlation rules:

- A ticket is the approval `approval:ticket:<ticket id>`: every row of one ticket (one row per
  scope in the CSV form) meets on it, and reloading the export meets the same node.
- A ticket's scope values are the natural names people write (an ARN, an access key id,
  `system:serviceaccount:<ns>:<name>`, `user@host`, `SHA256:…`, a Vault path, a database, a
  host, `<namespace>/<kind>/<name>`); each resolves to the id the loader of that platform gives
  the same thing, with that platform's helper (loaders/tickets/scope.py holds the table, and
  docs/tickets.md lists it), so a ticket meets the sessions and changes it approves without the
  loader reading the graph. A value that resolves to no id stays on the approval as text.
"""

from __future__ import annotations

from graph.ids._base import require

__all__ = ["ticket_approval"]


def ticket_approval(ticket_id: str) -> str:
    return f"approval:ticket:{require(ticket_id, 'ticket id')}"
