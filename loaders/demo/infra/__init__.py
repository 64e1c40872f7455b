"""The demo estate's infrastructure access story: a Kubernetes cluster, a Vault, bastion, app and
database hosts, a Teleport cluster and a change-ticket queue, each in the format its tool writes.

`write_infra` writes `kubernetes/payments-prod/` (objects and EKS audit export), `vault/` (audit
device log and ACL policy), `hosts/<host>/auth.log` (OpenSSH), `teleport/events.log` and
`tickets/changes.csv`, all joined to the demo's cast and deploy runners (plan.py), and returns
their counts and the plan, which situations.py turns into manifest situations. Like the rest of
the demo, the output is a pure function of (seed, base time); its size does not grow with --scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from loaders.demo.cast import Cast
from loaders.demo.derive import Derive
from loaders.demo.infra.kubernetes import write_kubernetes
from loaders.demo.infra.plan import CLUSTER, InfraPlan, build_plan
from loaders.demo.infra.ssh import write_ssh
from loaders.demo.infra.teleport import write_teleport
from loaders.demo.infra.tickets import write_tickets
from loaders.demo.infra.vault import write_vault

__all__ = ["InfraOutput", "write_infra"]


@dataclass(frozen=True)
class InfraOutput:
    plan: InfraPlan
    counts: dict[str, int]


def write_infra(out: Path, derive: Derive, cast: Cast) -> InfraOutput:
    plan = build_plan(derive, cast)
    objects, audit = write_kubernetes(out / "kubernetes" / CLUSTER, plan)
    vault = write_vault(out / "vault", plan)
    lines, logins = write_ssh(out / "hosts", plan)
    teleport = write_teleport(out / "teleport", plan)
    tickets = write_tickets(out / "tickets", plan)
    counts = {
        "k8s_objects": objects,
        "k8s_audit_events": audit,
        "vault_audit_entries": vault,
        "ssh_log_lines": lines,
        "ssh_logins": logins,
        "teleport_events": teleport,
        "ticket_rows": tickets,
    }
    return InfraOutput(plan, counts)
