"""The Teleport cluster's audit log: JSON lines as the file backend writes them (`events.log`),
in time order.

Planted (plan.py, situations.py): hector asks for the `prod-ssh` role, jules approves, and inside
the approved session on bastion-01 hector runs `ssh deploy@app-01` (the SSH log of app-01 holds
the other end); lorna alters the orders table as the shared database user `app_rw` under a change
ticket; farid drops an archive table as `app_rw` with no approval (his ticket was rejected).
Background: jules checks the bastion every other day under his standing role.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loaders.demo.derive import DAY, format_iso
from loaders.demo.infra.plan import DAYS, HOSTS, TELEPORT, InfraPlan
from loaders.demo.org import OFFICE_IP
from loaders.demo.stream import write_json_lines

__all__ = ["ALTER", "DROP", "REQUEST_HOURS", "write_teleport"]

REQUEST_HOURS = 8  # how long hector's approved role lasts
ALTER = "ALTER TABLE orders ADD COLUMN refund_reason text"
DROP = "DROP TABLE orders_archive_2023"
Event = dict[str, Any]


class _Log:
    def __init__(self, plan: InfraPlan) -> None:
        self.plan = plan
        self.events: list[tuple[int, int, Event]] = []

    def add(self, at: int, event: str, code: str, **fields: Any) -> None:
        record = {"cluster_name": TELEPORT, "code": code, "ei": fields.pop("ei", 0), "event": event,
                  "time": format_iso(at).replace("Z", ".000Z"), "uid": self.plan.uuid("teleport-uid", event, at),
                  **fields}  # fmt: skip
        self.events.append((at, len(self.events), dict(sorted(record.items()))))

    def session(
        self, sid: str, user: str, start: int, end: int, commands: list[tuple[int, str, list[str]]],
        requests: list[str],
    ) -> None:  # fmt: skip
        host = HOSTS["bastion"]
        where = {"server_addr": f"{host.ip}:3022", "server_hostname": host.name,
                 "server_id": self.plan.uuid("teleport-node", host.name)}  # fmt: skip
        common = {"login": "ops", "namespace": "default", "sid": sid, "user": user,
                  **({"access_requests": requests} if requests else {})}  # fmt: skip
        port = 50000 + self.plan.derive.below(15000, "teleport-port", sid)
        self.add(start, "session.start", "T2000I", **common, **where, proto="ssh", size="120:40",
                 initial_command=[""], session_recording="node", **{"addr.local": f"{host.ip}:3022",
                 "addr.remote": f"{OFFICE_IP}:{port}"})  # fmt: skip
        for k, (at, path, argv) in enumerate(commands, start=1):
            self.add(at, "session.command", "T4000I", **common, ei=10 * k, path=path, program=path.rsplit("/", 1)[1],
                     argv=argv, pid=7000 + k, ppid=6999, return_code=0, cgroup_id=4294967537,
                     server_id=where["server_id"])  # fmt: skip
        self.add(end, "session.end", "T2004I", **common, **where, ei=10 * len(commands) + 10, interactive=True,
                 enhanced_recording=True, participants=[user], session_recording="node",
                 session_start=format_iso(start), session_stop=format_iso(end))  # fmt: skip

    def database(self, sid: str, user: str, start: int, queries: list[str]) -> None:
        db = {"db_service": "orders-pg", "db_name": "orders", "db_protocol": "postgres",
              "db_uri": f"{HOSTS['db'].name}.internal:5432", "db_user": "app_rw", "sid": sid, "user": user}  # fmt: skip
        port = 52000 + self.plan.derive.below(9000, "teleport-db-port", sid)
        self.add(start, "db.session.start", "TDB00I", **db, success=True, **{"addr.remote": f"{OFFICE_IP}:{port}"})
        for k, query in enumerate(queries, start=1):
            self.add(start + 60 * k, "db.session.query", "TDB02I", **db, ei=k, db_query=query, success=True)
        self.add(start + 60 * len(queries) + 120, "db.session.end", "TDB01I", **db, ei=len(queries) + 1)

    def write(self, path: Path) -> int:
        return write_json_lines(path, (event for _at, _k, event in sorted(self.events, key=lambda e: e[:2])))


def _requests(log: _Log, plan: InfraPlan) -> None:
    hector, jules = plan.people["hector"].email, plan.people["jules"].email
    request = plan.request_id
    created, approved = plan.request_at, plan.request_at + 4 * 60
    expires = format_iso(approved + REQUEST_HOURS * 3600)
    reason = "INC-7781: payments-api on app-01 stuck after deploy, restart it"
    log.add(created, "access_request.create", "T5000I", id=request, user=hector, roles=["prod-ssh"], state="PENDING",
            reason=reason, expires=expires)  # fmt: skip
    log.add(approved, "access_request.review", "T5002I", id=request, reviewer=jules, proposed_state="APPROVED",
            reason="go ahead, incident open", roles=["prod-ssh"])  # fmt: skip
    log.add(approved + 1, "access_request.update", "T5001I", id=request, state="APPROVED", updated_by=jules,
            expires=expires)  # fmt: skip


def write_teleport(out: Path, plan: InfraPlan) -> int:
    """Events written to `out` (teleport/events.log)."""
    log = _Log(plan)
    _requests(log, plan)
    hector = plan.people["hector"].email
    start = plan.bastion_at
    hop = [(plan.hop_at - 5, "/usr/bin/ssh", ["deploy@app-01"])]
    log.session(plan.bastion_sid, hector, start, plan.hop_at + 9 * 60, hop, [plan.request_id])
    jules = plan.people["jules"].email
    for day in range(DAYS, 0, -2):
        at = plan.at(day, 8, 45)
        sid = plan.uuid("teleport-session", "jules", day)
        log.session(
            sid, jules, at, at + 6 * 60, [(at + 30, "/usr/bin/uptime", []), (at + 60, "/usr/bin/df", ["-h"])], []
        )
    log.database(plan.lorna_sid, plan.people["lorna"].email, plan.lorna_at,
                 ["SELECT count(*) FROM orders WHERE refund_reason IS NULL", ALTER])  # fmt: skip
    log.database(plan.farid_sid, plan.people["farid"].email, plan.farid_at,
                 ["SELECT min(created_at) FROM orders_archive_2023", DROP])  # fmt: skip
    assert plan.bastion_at - plan.request_at < DAY
    return log.write(out / "events.log")
