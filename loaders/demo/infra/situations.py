"""The infrastructure part's planted situations for manifest.json, with the answers the end-to-end tests assert.

Same shape as loaders/demo/manifest.py's situations (id, title, nhi, subject, expected); ids come
from graph/ids/ and the plan (plan.py), never from a load. `expected.rules` are the rules that must
find the situation's subject (or the sessions named), `expected.not_rules` those that must not —
the false findings the estate exists to keep out (a pipeline's SSH session is not a person's, a
pod and its Deployment are one consumer, a ticket in window and scope approves).
"""

from __future__ import annotations

from graph import ids
from loaders.demo.derive import format_iso
from loaders.demo.infra import InfraOutput
from loaders.demo.infra.plan import CLUSTER, DAYS, HOSTS, TELEPORT
from loaders.demo.infra.ssh import MIGRATION_DAY
from loaders.demo.infra.teleport import ALTER, DROP, REQUEST_HOURS
from loaders.demo.infra.vault import DENIED_DAY, POLICY, POLICY_DAY
from loaders.demo.org import ORG

__all__ = ["infra_situations"]


def _situation(
    sid: str, nhi: list[str], title: str, subject: str, expected: dict[str, object], **more: object
) -> dict[str, object]:
    return {"id": sid, "title": title, "nhi": nhi, "subject": subject, "expected": expected, **more}


def _sa(namespace: str, name: str) -> str:
    return ids.k8s_service_account(CLUSTER, namespace, name)


def _secret(namespace: str, name: str) -> str:
    return ids.k8s_object(CLUSTER, "secret", namespace, name)


def infra_situations(infra: InfraOutput) -> list[dict[str, object]]:
    return [*_hosts(infra), *_cluster(infra), *_vault_and_databases(infra)]


def _hosts(infra: InfraOutput) -> list[dict[str, object]]:
    plan = infra.plan
    person = {k: ids.person(plan.people[k].email) for k in ("hector", "jules")}
    bastion = ids.session("teleport", TELEPORT, plan.bastion_sid)
    hop = ids.session("ssh", HOSTS["app1"].name, str(plan.hop_pid), format_iso(plan.hop_at))
    hosts = [HOSTS[k].name for k in ("app1", "app2", "db")]
    return [
        _situation(
            "infra_bastion_hop_reaches_person",
            ["NHI10"],
            "An SSH login to app-01 as the shared deploy account, made from inside hector's approved Teleport "
            "session on bastion-01: the story crosses the hop to the person and the approval",
            hop,
            {
                "person": person["hector"],
                "parents": [bastion],
                "approval": ids.teleport_approval(TELEPORT, plan.request_id),
                "approved_by": [person["jules"]],
                "requested_at": format_iso(plan.request_at),
                "approval_expires": format_iso(plan.request_at + 4 * 60 + REQUEST_HOURS * 3600),
                "identity": ids.unix_account(HOSTS["app1"].name, "deploy"),
                "commands": {
                    ids.unix_host(HOSTS["bastion"].name): ["/usr/bin/ssh deploy@app-01"],
                    ids.unix_account(HOSTS["app1"].name, "root"): ["/usr/bin/systemctl restart payments-api"],
                },
                "rules": {"KT-NHI10-001": [ids.unix_account(HOSTS["app1"].name, "deploy")]},
                # the deploy runner's daily logins are a pipeline's, not a person's
                "not_rules": {
                    "KT-NHI10-001": [ids.unix_account(h, "deploy") for h in hosts[1:]],
                },
            },
        ),
        _situation(
            "infra_ssh_key_on_three_hosts",
            ["NHI9"],
            "One deploy key accepted on app-01, app-02 and db-01, from the deploy runner and from the bastion",
            ids.ssh_key(plan.deploy_key),
            {
                "hosts": hosts,
                "accounts": [ids.unix_account(h, "deploy") for h in hosts],
                "runner": ids.github_runner(ORG, plan.deploy_runner.name),
                "runner_ip": plan.deploy_runner.private_ip,
                "bastion": ids.unix_host(HOSTS["bastion"].name),  # the hop's origin: the host it came from
                "sessions": 2 * DAYS + 2,  # app-01 and app-02 daily, db-01 once, the hop once
                "migration_day": format_iso(plan.at(MIGRATION_DAY, 9, 20)),
                "rules": {"KT-NHI9-004": [ids.ssh_key(plan.deploy_key)]},
                "not_rules": {},
            },
        ),
        _situation(
            "infra_password_login_to_service_account",
            ["NHI4"],
            "The backup server logs in to db-01 as svc_backup with a password every night",
            ids.unix_account(HOSTS["db"].name, "svc_backup"),
            {
                "sessions": DAYS,
                "auth_method": "password",
                "rules": {"KT-NHI4-003": [ids.unix_account(HOSTS["db"].name, "svc_backup")]},
                "not_rules": {},
            },
        ),
    ]


def _cluster(infra: InfraOutput) -> list[dict[str, object]]:
    plan = infra.plan
    kwame = ids.person(plan.people["kwame"].email)
    api, worker = _sa("payments", plan.api_pod.account), _sa("payments", plan.worker_pod.account)
    pod = ids.k8s_object(CLUSTER, "pod", "payments", plan.api_pod.name)
    deployer = _sa("ci", "ci-deployer")
    return [
        _situation(
            "infra_exec_into_pod_without_approval",
            ["NHI10", "NHI5"],
            "A platform engineer execs into the payments API pod, whose service account reads the database "
            "secret, with no approval on record",
            ids.k8s_user(CLUSTER, plan.people["kwame"].email),
            {
                "person": kwame,
                "at": format_iso(plan.exec_at),
                "pod": pod,
                "service_account": api,
                "secrets_read": [_secret("payments", "payments-db")],
                "secrets_reachable": [_secret("payments", "stripe-api")],
                "rules": {"KT-NHI10-002": [api]},
                "session_rules": ["KT-NHI5-002"],
                # the pod and the Deployment that made it are one consumer of the secrets, not two
                "not_rules": {"KT-NHI9-002": [_secret("payments", "payments-db"), _secret("payments", "stripe-api")]},
            },
            deployment=ids.k8s_object(CLUSTER, "deployment", "payments", plan.api_pod.deployment),
        ),
        _situation(
            "infra_cluster_admin_never_used_at_that_level",
            ["NHI5"],
            "The CI deployer is bound to cluster-admin and only ever patches one deployment, from a deploy runner",
            deployer,
            {
                "sessions": DAYS,
                "runner": ids.github_runner(ORG, plan.ci_runner.name),
                "actions": ["patch deployments"],
                "rules": {"KT-NHI5-003": [deployer]},
                "not_rules": {},
            },
        ),
        _situation(
            "infra_legacy_token_secret",
            ["NHI4"],
            "A legacy service-account token Secret for the CI deployer: it never expires",
            _secret("ci", "ci-deployer-token"),
            {"holder": deployer, "rules": {"KT-NHI4-002": [_secret("ci", "ci-deployer-token")]}, "not_rules": {}},
        ),
        _situation(
            "infra_secrets_readable_never_read",
            ["NHI5"],
            "The payments worker may read the namespace's secrets and reads only its configmap; the API reads "
            "one of the two it may read",
            worker,
            {
                "unread": {
                    worker: ["payments/payments-db", "payments/stripe-api"],
                    api: ["payments/stripe-api"],
                },
                "rules": {"KT-NHI5-004": [api, worker]},
                "not_rules": {},
            },
        ),
        _situation(
            "infra_secret_values_never_stored",
            [],
            "The cluster's Secret objects hold values as kubectl prints them; none reaches the graph",
            _secret("payments", "payments-db"),
            {"keys": ["password", "username"], "rules": {}, "not_rules": {}},
            objects=f"kubernetes/{CLUSTER}/objects.yaml",  # the values are there, base64'd as kubectl prints them
        ),
    ]


def _vault_and_databases(infra: InfraOutput) -> list[dict[str, object]]:
    plan = infra.plan
    api = _sa("payments", plan.api_pod.account)
    people = {k: ids.person(plan.people[k].email) for k in ("lorna", "farid", "hector", "jules")}
    db_user = ids.teleport_db_user(TELEPORT, "orders-pg", "app_rw")
    lorna = ids.session("teleport", TELEPORT, plan.lorna_sid)
    farid = ids.session("teleport", TELEPORT, plan.farid_sid)
    return [
        _situation(
            "infra_vault_login_joins_service_account",
            [],
            "The API pod's service account logs in to Vault through the Kubernetes auth method every morning "
            "and reads its database secret; Vault names the account, the cluster comes from the loaded objects",
            api,
            {
                "sessions": DAYS,
                "entity": ids.vault_entity(plan.vault_entity),
                "from": ids.k8s_object(CLUSTER, "pod", "payments", plan.api_pod.name),
                "read": ids.vault_path("secret/data/payments/db"),
                "denied": ids.vault_path("secret/data/payments/admin"),
                "denied_on": format_iso(plan.at(DENIED_DAY, 6, 1, 10)),
                "grant": ids.vault_path("secret/data/payments/*"),
                "policy": ids.vault_policy(POLICY),
                "policy_writer": f"userpass-{plan.people['jules'].key}",
                "policy_written_at": format_iso(plan.at(POLICY_DAY, 15, 13, 35)),
                "rules": {},
                "session_rules": [],
                "not_rules": {},
            },
        ),
        _situation(
            "infra_database_changes_with_and_without_ticket",
            ["NHI5", "NHI10"],
            "Two people change the orders database as the shared user app_rw: one inside an approved change "
            "ticket, one after their ticket was rejected",
            db_user,
            {
                "approved_session": lorna,
                "approved_by_ticket": ids.ticket_approval(plan.ticket),
                "ticket_approver": people["hector"],
                "approved_query": ALTER,
                "unapproved_session": farid,
                "unapproved_query": DROP,
                "rejected_ticket": ids.ticket_approval(plan.rejected_ticket),
                "people": [people["lorna"], people["farid"]],
                "rules": {"KT-NHI10-001": [db_user], "KT-NHI5-002": [farid]},
                "not_rules": {"KT-NHI5-002": [lorna]},
            },
        ),
    ]
