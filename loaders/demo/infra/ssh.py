"""The app and database hosts' OpenSSH auth logs (`/var/log/auth.log` with RFC 3339 timestamps,
as rsyslog writes them on current Debian and Ubuntu), one file per host.

Planted (plan.py, situations.py): the deploy runner logs in as `deploy` to app-01 and app-02
every morning with one key, and to db-01 once for a migration — one key accepted on three hosts;
hector, inside his approved Teleport session on bastion-01, logs in to app-01 as `deploy` with
that key and restarts the service (the hop the access story must cross); the backup server logs
in to db-01 as `svc_backup` with a password every night; strangers' password guesses fail. app-02
runs OpenSSH 9.8, whose per-connection process is `sshd-session`.
"""

from __future__ import annotations

import time
from pathlib import Path

from loaders.demo.infra.plan import BACKUP_IP, DAYS, HOSTS, Host, InfraPlan

__all__ = ["MIGRATION_DAY", "write_ssh"]

MIGRATION_DAY = 5
Line = tuple[int, int, str]  # (epoch, order within the second, text after the host name)


def _stamp(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + ".000000+00:00"


class _Host:
    def __init__(self, plan: InfraPlan, host: Host, process: str = "sshd") -> None:
        self.plan, self.host, self.process = plan, host, process
        self.lines: list[Line] = []

    def add(self, at: int, text: str) -> None:
        self.lines.append((at, len(self.lines), text))

    def login(
        self, at: int, user: str, uid: int, source: str, method: str, commands: tuple[str, ...], lasts: int,
        pid: int = 0,
    ) -> int:  # fmt: skip
        pid = pid or 2000 + self.plan.derive.below(60000, "ssh-pid", self.host.name, at, user)
        port = 32768 + self.plan.derive.below(28000, "ssh-port", self.host.name, at)
        listener = f"sshd[{pid}]"
        session = f"{self.process}[{pid}]"
        self.add(at, f'{listener}: Connection from {source} port {port} on {self.host.ip} port 22 rdomain ""')
        how = f"publickey for {user} from {source} port {port} ssh2: ED25519 {self.plan.deploy_key}"
        if method == "password":
            how = f"password for {user} from {source} port {port} ssh2"
        self.add(at, f"{session}: Accepted {how}")
        self.add(at, f"{session}: pam_unix(sshd:session): session opened for user {user}(uid={uid}) by (uid=0)")
        for k, command in enumerate(commands):
            self.add(
                at + 20 + 30 * k, f"sudo:   {user} : TTY=pts/0 ; PWD=/srv/payments ; USER=root ; COMMAND={command}"
            )
        self.add(at + lasts, f"{session}: pam_unix(sshd:session): session closed for user {user}")
        self.add(at + lasts, f"{session}: Disconnected from user {user} {source} port {port}")
        return pid

    def guess(self, at: int, source: str, user: str) -> None:
        pid = 2000 + self.plan.derive.below(60000, "ssh-guess", self.host.name, at)
        port = 32768 + self.plan.derive.below(28000, "ssh-guess-port", at)
        self.add(at, f"sshd[{pid}]: Invalid user {user} from {source} port {port}")
        self.add(at + 2, f"sshd[{pid}]: Failed password for invalid user {user} from {source} port {port} ssh2")

    def write(self, path: Path) -> int:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as handle:
            for at, _order, text in sorted(self.lines):
                handle.write(f"{_stamp(at)} {self.host.name} {text}\n")
        return len(self.lines)


_RESTART = ("/usr/bin/systemctl restart payments-api",)


def write_ssh(out: Path, plan: InfraPlan) -> tuple[int, int]:
    """(lines, accepted logins) written under `out` (hosts/<host>/auth.log)."""
    runner = plan.deploy_runner.private_ip
    app1, app2 = _Host(plan, HOSTS["app1"]), _Host(plan, HOSTS["app2"], "sshd-session")
    db = _Host(plan, HOSTS["db"])
    logins = 0
    for day in range(DAYS, 0, -1):
        for k, host in enumerate((app1, app2)):
            host.login(plan.at(day, 9, 10 + 3 * k), "deploy", 1001, runner, "publickey", _RESTART, 95)
            logins += 1
        db.login(plan.at(day, 2, 15), "svc_backup", 998, BACKUP_IP, "password", (), 1260)
        logins += 1
        app1.guess(plan.at(day, 3, 41, 7), f"203.0.113.{40 + day}", "admin")
        if day == MIGRATION_DAY:
            migrate = ("/usr/local/bin/payments-migrate --apply",)
            db.login(plan.at(day, 9, 20), "deploy", 1001, runner, "publickey", migrate, 240)
            logins += 1
    bastion = HOSTS["bastion"].ip
    app1.login(plan.hop_at, "deploy", 1001, bastion, "publickey", _RESTART, 8 * 60, pid=plan.hop_pid)
    logins += 1
    lines = sum(host.write(out / host.host.name / "auth.log") for host in (app1, app2, db))
    return lines, logins
