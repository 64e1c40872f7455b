"""The change-management queue's export: tickets as CSV in keytrail's import format (docs/tickets.md).

Planted (situations.py): lorna's ticket to add a column to the orders database (`orders-pg`, the
name Teleport registers it under, which is how a ticket names a database: docs/tickets.md), approved by
hector for one morning — her Teleport database session falls inside it; farid's ticket to drop
the 2023 archive table, rejected — his session that dropped it anyway has no approval on record.
Background: routine approved tickets for the app hosts and the deploy account.
"""

from __future__ import annotations

import csv
from pathlib import Path

from loaders.demo.derive import format_iso
from loaders.demo.infra.plan import DAYS, HOSTS, InfraPlan

__all__ = ["write_tickets"]

_COLUMNS = ("ticket_id", "status", "requester", "approvers", "scope_kind", "scope", "valid_from", "valid_until",
            "summary", "priority")  # fmt: skip


def write_tickets(out: Path, plan: InfraPlan) -> int:
    """Rows written to `out` (tickets/changes.csv)."""
    people = plan.people
    lorna, farid, hector, jules = (people[k].email for k in ("lorna", "farid", "hector", "jules"))
    rows = [
        (plan.ticket, "approved", lorna, hector, "resource", "orders-pg", plan.at(4, 9, 30), plan.at(4, 12),
         "Add refund_reason to orders (checkout refunds, release 4.12)", "normal"),
        (plan.rejected_ticket, "rejected", farid, jules, "resource", "orders-pg", plan.at(1, 14), plan.at(1, 18),
         "Drop orders_archive_2023 to free space", "low"),
    ]  # fmt: skip
    for n, day in enumerate(range(DAYS, 0, -7)):
        for kind, value in (("host", HOSTS["app1"].name), ("identity", f"deploy@{HOSTS['app1'].name}")):
            rows.append((f"CHG-{1980 + n}", "approved", people["kwame"].email, f"{hector};{jules}", kind, value,
                         plan.at(day, 20), plan.at(day, 23), "Weekly OS patching of app-01 (standard change)",
                         "low"))  # fmt: skip
    path = out / "changes.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(_COLUMNS)
        for ticket, status, requester, approvers, kind, scope, start, end, summary, priority in rows:
            writer.writerow((ticket, status, requester, approvers, kind, scope, format_iso(start), format_iso(end),
                             summary, priority))  # fmt: skip
    return len(rows)
