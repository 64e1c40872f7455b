"""Realistic generated GCP Cloud Audit Log entries and GitHub audit-log events, for bench/ingest_saas.py.

Each actor has a small job — two to four (method, resource) pairs it repeats all day — as service
identities do, so sessions touch a realistic handful of targets, and a day is one session per actor.

GCP actors (`gcp_actors`): service accounts authenticating with a user-managed key
(`serviceAccountKeyName`) from CI runners, attached service accounts of GKE/GCE workloads (no key),
people impersonating a deployer service account (its calls carry `serviceAccountDelegationInfo`;
the person's own `GenerateAccessToken` mints for it), workload identity federation subjects
(`principal://…`, GitHub Actions) minting for a service account, and people at the console or
gcloud; now and then a person makes an Admin Activity write (SetIamPolicy with a binding delta,
CreateServiceAccountKey). GitHub actors (`github_actors`): machine users with classic personal
access tokens, people with fine-grained tokens, GitHub Apps' server-to-server tokens and OAuth apps
— every programmatic event naming its token by `token_id` and `hashed_token` (GitHub's base64
SHA-256) — doing git clone/fetch/push and API-made actions, and people in the web UI (no token);
now and then an Actions secret is updated (a Change).
"""

from __future__ import annotations

import base64
import hashlib
import random
import uuid
from dataclasses import dataclass
from typing import Any

__all__ = ["Actor", "gcp_actors", "gcp_entry", "github_actors", "github_event"]

PROJECTS = ("acme-prod-4821", "acme-data-1190", "acme-ci-7302")
NUMBERS = {"acme-prod-4821": "481290031744", "acme-data-1190": "119033871260", "acme-ci-7302": "730255510938"}
ORG = "acme-corp"
REPOS = tuple(f"{ORG}/{name}" for name in ("api", "web", "billing", "infra", "deploy", "mobile", "data", "docs"))
GCP_JOBS = (  # (service, method, resource name pattern, resource type, log)
    ("storage.googleapis.com", "storage.objects.get", "projects/_/buckets/{b}/objects/{o}", "gcs_bucket", "data"),
    ("storage.googleapis.com", "storage.objects.create", "projects/_/buckets/{b}/objects/{o}", "gcs_bucket", "data"),
    ("storage.googleapis.com", "storage.objects.list", "projects/_/buckets/{b}", "gcs_bucket", "data"),
    (
        "bigquery.googleapis.com",
        "google.cloud.bigquery.v2.JobService.InsertJob",
        "projects/{p}/jobs/{j}",
        "bigquery_project",
        "data",
    ),
    (
        "secretmanager.googleapis.com",
        "google.cloud.secretmanager.v1.SecretManagerService.AccessSecretVersion",
        "projects/{n}/secrets/{s}/versions/latest",
        "secretmanager.googleapis.com/Secret",
        "data",
    ),
    ("pubsub.googleapis.com", "google.pubsub.v1.Publisher.Publish", "projects/{p}/topics/{t}", "pubsub_topic", "data"),
    (
        "container.googleapis.com",
        "google.container.v1.ClusterManager.GetCluster",
        "projects/{p}/locations/us-central1/clusters/{c}",
        "gke_cluster",
        "data",
    ),
    (
        "run.googleapis.com",
        "google.cloud.run.v1.Services.ReplaceService",
        "namespaces/{p}/services/{r}",
        "cloud_run_revision",
        "activity",
    ),
)
KEY_AGENTS = (
    "google-cloud-sdk gcloud/460.0.0 command/gcloud.storage.cp invocation-id/7f3c environment/GitHub_Actions",
    "Terraform/1.6.6 (+https://www.terraform.io) Terraform-Plugin-SDK/2.10.1 terraform-provider-google/5.10.0",
    "gcloud-python/3.14.0 gl-python/3.11.6 grpc/1.60.0 gax/2.15.0",
)
WORKLOAD_AGENTS = ("grpc-go/1.59.0,gzip(gfe)", "google-api-go-client/0.5 gke-metadata-server,gzip(gfe)")
PEOPLE_AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "google-cloud-sdk gcloud/460.0.0 command/gcloud.compute.instances.list invocation-id/91aa environment/None",
)
LOGS = {"data": "data_access", "activity": "activity"}
_IAM_TYPES = "type.googleapis.com/google.iam.credentials.v1"
GITHUB_KINDS = (  # (programmatic_access_type, scopes, user agents)
    ("Personal access token (classic)", "repo,workflow,read:org", ("git/2.43.0", "Go-http-client/2.0")),
    ("Fine-grained personal access token", "", ("git/2.39.3 (Apple Git-145)", "GitHub CLI 2.40.1")),
    ("GitHub App server-to-server token", "", ("octokit-rest.js/20.0.2 octokit-core.js/5.0.2", "git/2.43.0")),
    ("OAuth access token", "repo,read:user", ("Renovate Bot/37.100.0", "git/2.43.0")),
)
GITHUB_JOBS = (
    "git.clone",
    "git.fetch",
    "git.push",
    "pull_request.create",
    "pull_request.merge",
    "workflows.created_workflow_run",
    "repo.download_zip",
)
WEB_JOBS = ("repo.access", "protected_branch.update", "org.update_member", "repo.update")


@dataclass(frozen=True)
class Actor:
    number: int
    kind: str
    fields: dict[str, Any]  # the fields of its events that never change
    job: tuple[tuple[Any, ...], ...]


def _hex(rng: random.Random, digits: int) -> str:
    return f"{rng.getrandbits(digits * 4):0{digits}x}"


def _ip(n: int, runner: bool) -> str:
    return f"10.{n % 200}.{(n // 200) % 250}.{1 + n % 250}" if runner else f"198.51.100.{n % 250}"


def gcp_actors(rng: random.Random, count: int) -> list[Actor]:
    actors = []
    for n in range(count):
        project = PROJECTS[n % len(PROJECTS)]
        kind = ("key", "workload", "key", "workload", "delegated", "federated", "person")[n % 7]
        email = f"{('ci', 'app', 'etl')[n % 3]}-{n:05d}@{project}.iam.gserviceaccount.com"
        auth: dict[str, Any] = {"principalEmail": email, "principalSubject": f"serviceAccount:{email}"}
        agents, ip = WORKLOAD_AGENTS, _ip(n, True)
        if kind == "key":
            key = _hex(rng, 40)
            auth["serviceAccountKeyName"] = (
                f"//iam.googleapis.com/projects/{project}/serviceAccounts/{email}/keys/{key}"
            )
            agents = KEY_AGENTS
        elif kind == "delegated":
            person = f"dev{n:05d}@acme.example"
            auth["serviceAccountDelegationInfo"] = [{"firstPartyPrincipal": {"principalEmail": person}}]
            agents, ip = PEOPLE_AGENTS[1:], _ip(n, False)
        elif kind == "federated":
            auth = {"principalSubject": _federated(project, n)}
            agents = ("google-api-go-client/0.5 google-github-actions/auth",)
        elif kind == "person":
            person = f"eng{n:05d}@acme.example"
            auth = {"principalEmail": person}
            agents, ip = PEOPLE_AGENTS, _ip(n, False)
        job = tuple(_gcp_job(rng, project) for _ in range(2 + n % 3))
        if kind in ("delegated", "federated"):  # it mints tokens for the account it acts as, now and then
            minted = email if kind == "delegated" else f"deployer-{n % 40:02d}@{project}.iam.gserviceaccount.com"
            unique = str(10**20 + int(hashlib.sha256(minted.encode()).hexdigest()[:12], 16))
            job = (("mint", minted, unique), *job)
        fields = {"auth": auth, "ip": ip, "agent": agents[n % len(agents)], "project": project}
        actors.append(Actor(n, kind, fields, job))
    return actors


def _federated(project: str, n: int) -> str:
    pool = f"projects/{NUMBERS[project]}/locations/global/workloadIdentityPools/github-actions"
    return f"principal://iam.googleapis.com/{pool}/subject/repo:{REPOS[n % len(REPOS)]}:ref:refs/heads/main"


def _gcp_job(rng: random.Random, project: str) -> tuple[Any, ...]:
    service, method, pattern, resource_type, log = GCP_JOBS[rng.randrange(len(GCP_JOBS))]
    name = pattern.format(
        b=f"{project}-artifacts-{rng.randrange(30)}",
        o=f"builds/{rng.randrange(400)}.tar.gz",
        p=project,
        n=NUMBERS[project],
        j=f"job_{_hex(rng, 12)}",
        s=f"db-password-{rng.randrange(60)}",
        t=f"events-{rng.randrange(20)}",
        c=f"gke-{rng.randrange(4)}",
        r=f"svc-{rng.randrange(50)}",
    )
    return (service, method, name, resource_type, log)


def gcp_entry(rng: random.Random, actor: Actor, at: str) -> dict[str, Any]:
    """One LogEntry of `actor`'s job at `at` (RFC 3339); a person's occasional Admin Activity write."""
    project = actor.fields["project"]
    step = actor.job[rng.randrange(len(actor.job))]
    auth, payload_extra, labels = actor.fields["auth"], {}, {"project_id": project}
    if step[0] == "mint":
        service, method, log = "iamcredentials.googleapis.com", "GenerateAccessToken", "data"
        name, resource_type = f"projects/-/serviceAccounts/{step[2]}", "service_account"  # its unique id
        request = {"@type": f"{_IAM_TYPES}.GenerateAccessTokenRequest", "name": f"projects/-/serviceAccounts/{step[1]}"}
        payload_extra = {"request": {**request, "lifetime": "3600s"}}
        labels = {**labels, "email_id": step[1], "unique_id": step[2]}  # as Logging labels a service_account
        if actor.kind == "delegated":  # the person behind the chain mints the token
            auth = {"principalEmail": auth["serviceAccountDelegationInfo"][0]["firstPartyPrincipal"]["principalEmail"]}
    elif actor.kind == "person" and rng.random() < 0.02:
        service, method, name, resource_type, log, payload_extra = _admin_write(rng, project)
    else:
        service, method, name, resource_type, log = step
    return {
        "protoPayload": {
            "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
            "status": {"code": 7, "message": "PERMISSION_DENIED"} if rng.random() < 0.01 else {},
            "authenticationInfo": auth,
            "requestMetadata": {
                "callerIp": actor.fields["ip"],
                "callerSuppliedUserAgent": actor.fields["agent"],
                "requestAttributes": {"time": at, "auth": {}},
                "destinationAttributes": {},
            },
            "serviceName": service,
            "methodName": method,
            "authorizationInfo": [{"resource": name, "permission": method.rsplit(".", 1)[-1], "granted": True}],
            "resourceName": name,
            **payload_extra,
        },
        "insertId": _hex(rng, 12),
        "resource": {"type": resource_type, "labels": labels},
        "timestamp": at,
        "severity": "NOTICE" if log == "activity" else "INFO",
        "logName": f"projects/{project}/logs/cloudaudit.googleapis.com%2F{LOGS[log]}",
        "receiveTimestamp": at,
    }


def _admin_write(rng: random.Random, project: str) -> tuple[Any, ...]:
    account = f"ci-{rng.randrange(3000):05d}@{project}.iam.gserviceaccount.com"
    if rng.random() < 0.5:
        binding = {"action": "ADD", "role": "roles/storage.objectViewer", "member": f"serviceAccount:{account}"}
        data = {
            "@type": "type.googleapis.com/google.iam.v1.logging.AuditData",
            "policyDelta": {"bindingDeltas": [binding]},
        }
        manager = "cloudresourcemanager.googleapis.com"
        return (manager, "SetIamPolicy", f"projects/{project}", "project", "activity", {"serviceData": data})
    key = _hex(rng, 40)
    name = f"projects/{project}/serviceAccounts/{account}"
    response = {"name": f"{name}/keys/{key}", "keyType": "USER_MANAGED", "validBeforeTime": "9999-12-31T23:59:59Z"}
    method = "google.iam.admin.v1.CreateServiceAccountKey"
    return ("iam.googleapis.com", method, name, "service_account", "activity", {"response": response})


def github_actors(rng: random.Random, count: int) -> list[Actor]:
    actors = []
    for n in range(count):
        fields: dict[str, Any] = {"actor_id": 1_000_000 + n, "org": ORG, "org_id": 8_100_204, "business": "acme"}
        fields["actor_location"] = {"country_code": "US"}
        if n % 6 == 5:  # a person in the web UI
            kind, login, ip = "web", f"eng-{n:05d}", _ip(n, False)
            fields["user_agent"] = PEOPLE_AGENTS[0]
            job = tuple((WEB_JOBS[rng.randrange(len(WEB_JOBS))], REPOS[rng.randrange(len(REPOS))]) for _ in range(2))
        else:
            access, scopes, agents = GITHUB_KINDS[n % 4]
            kind = access
            login = (f"deploy-bot-{n:05d}", f"dev-{n:05d}", f"release-app-{n % 50:02d}[bot]", f"renovate-{n:05d}")[
                n % 4
            ]
            ip = _ip(n, n % 4 != 1)
            digest = hashlib.sha256(f"bench-token-{n}".encode()).digest()  # a hash of no real token
            fields |= {"hashed_token": base64.b64encode(digest).decode(), "token_id": 90_000_000 + n}
            fields |= {"programmatic_access_type": access, "user_agent": agents[n % len(agents)]}
            if scopes:
                fields["token_scopes"] = scopes
            if login.endswith("[bot]"):
                fields["actor_is_bot"] = True
            job = tuple(
                (GITHUB_JOBS[rng.randrange(len(GITHUB_JOBS))], REPOS[rng.randrange(len(REPOS))])
                for _ in range(2 + n % 3)
            )
        fields |= {"actor": login, "actor_ip": ip}
        actors.append(Actor(n, kind, fields, job))
    return actors


def github_event(rng: random.Random, actor: Actor, millis: int) -> dict[str, Any]:
    """One streamed audit-log event of `actor`'s job at `millis` (epoch milliseconds)."""
    action, repo = actor.job[rng.randrange(len(actor.job))]
    document = base64.b64encode(rng.randbytes(16)).decode()
    event: dict[str, Any] = {"@timestamp": millis, "_document_id": document, "action": action, **actor.fields}
    event |= {"created_at": millis, "operation_type": "access"}
    if actor.kind != "web" and rng.random() < 0.005:  # a CI token rotating a repository's Actions secret
        event |= {"action": "repo.update_actions_secret", "operation_type": "modify", "secret_name": "DEPLOY_KEY"}
    event |= {"repo": repo, "repository": repo, "repository_public": False, "repo_id": 7_000_000 + REPOS.index(repo)}
    if action.startswith("git."):
        event |= {"transport_protocol": 1, "transport_protocol_name": "http", "repository_id": event["repo_id"]}
    if action == "workflows.created_workflow_run":
        event |= {"workflow_id": 51_000 + REPOS.index(repo), "workflow_run_id": rng.getrandbits(33)}
    event["request_id"] = str(uuid.UUID(int=rng.getrandbits(128)))
    return event
