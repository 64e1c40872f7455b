"""Canonical ids, and the correlation rules that make two sources meet on one node.

Every loader builds ids only through these helpers, so the same thing seen by two sources
becomes one node. The rules, each tested with two real files that must meet
(tests/loaders/test_correlation.py):

- AWS principals: an ARN in CloudTrail `userIdentity` (or `sessionContext.sessionIssuer`),
  the IAM export's `Arn` and a workflow's `role-to-assume` are the same `aws:arn:...` id. An
  assumed-role ARN (`arn:aws:sts::A:assumed-role/R/S`) names the role `arn:aws:iam::A:role/R`.
  IAM users, roles and groups are named in their account without their path
  (`role/aws-reserved/sso.amazonaws.com/R` is `role/R`): IAM names are unique per account
  whatever the path, and CloudTrail prints the path in `sessionIssuer` but never in an
  assumed-role ARN, so an id that kept the path would split one role in two. The path stays a
  property. ARNs are case-sensitive except the service and partition. Malformed assumed-role
  ARNs seen in real test data are normalised when they still name one role — no session name
  (`assumed-role/R`), or the `iam` service in place of `sts` — and `aws_arn_repair` says why,
  so loaders can count them; any other malformed ARN raises.
- AWS access keys: the key id from the credential report, CloudTrail `accessKeyId`,
  `responseElements.accessKey.accessKeyId` and a scanner finding is `aws:key:<KEY ID>`
  (upper case).
- People: an email anywhere (SCIM `userName`/`emails`, Backstage `spec.profile.email`, a
  role-session name, an SSO principal, an `owner` tag) is `person:<email lower-case>`.
- Teams: a Backstage group, a SCIM group and a `team` tag with the same slug are
  `team:<slug>` (lower case, spaces to dashes, `group:` / `default/` prefixes dropped).
- GitHub: repositories are `github:<org>/<repo>` (lower case, as GitHub resolves names);
  secrets `github:<org>/<repo>:secret:<NAME>` (repository), `github:<org>:secret:<NAME>`
  (organisation), `github:<org>/<repo>:env:<env>:secret:<NAME>` (environment).
- GitHub users: a CODEOWNERS `@login` is the Person whose `usernames` (Backstage
  `metadata.name` / `github.com/user-login`, SCIM `userName`) hold that login; with none, the
  Person `github-user:<login lower-case>`.
- Runners: a self-hosted runner is `github:<org>:runner:<name>` whether it comes from the
  runner inventory, an EC2 instance tagged with its runner name, or a CloudTrail source IP
  that falls in its addresses; a runs-on label is the pool `github:<org>:runner-label:<label>`
  and runners carrying that label are MEMBER_OF it; a runner group is the pool
  `github:<org>:runner-group:<name lower-case>` its runners are MEMBER_OF.
- Catalog: a Backstage entity that names a repository (`github.com/project-slug`), an AWS
  account (`aws.amazon.com/account-id`) or an IAM role/user ARN is owned on that canonical id;
  the entity itself is `backstage:<kind>:<namespace>/<name>`.
- SSH keys: `ssh:SHA256:<base64 without padding>` or `ssh:MD5:<hex pairs lower-case>`.
- Kubernetes: `k8s:<cluster>:sa:<namespace>/<name>` for a ServiceAccount object, a binding's
  `ServiceAccount` subject, a pod's `serviceAccountName` and `system:serviceaccount:<namespace>:<name>`
  in an audit event (`k8s_audit_user`). Every other object is `k8s:<cluster>:<kind>:<namespace>/<name>`
  (`k8s:<cluster>:<kind>:<name>` when cluster-scoped) with the kind's short lower-case name
  (`pod`, `deployment`, `secret`, `role`, `clusterrolebinding`, ...), so a Secret a pod mounts, the
  Secret object and the `secrets` name in an audit event's objectRef meet. What RBAC grants is a
  resource type in a scope, `k8s:<cluster>:res:<namespace>/<resource>` (`*` = every namespace;
  no namespace for cluster-scoped resources; `/<name>` when a rule names resourceNames): the
  Secrets of a namespace are STORED_IN it, so a grant reaches them. Users and groups that are
  not service accounts are `k8s:<cluster>:user:<name>` / `k8s:<cluster>:group:<name>`.
- Secrets without a public id: `secret:hmac:<hex>` — a keyed HMAC-SHA256 of the value, so a
  leaked value found twice meets itself without ever being stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from graph.errors import ModelError

__all__ = [
    "aws_account",
    "aws_arn",
    "aws_arn_account",
    "aws_arn_repair",
    "aws_key",
    "aws_key_slot",
    "aws_principal",
    "aws_resource",
    "aws_role_by_name",
    "aws_service",
    "catalog_entity",
    "change",
    "ec2_instance",
    "github_job",
    "github_repo",
    "github_runner",
    "github_runner_group",
    "github_runner_label",
    "github_secret",
    "github_user",
    "github_workflow",
    "ip",
    "is_email",
    "k8s_audit_user",
    "k8s_credential",
    "k8s_group",
    "k8s_object",
    "k8s_resource",
    "k8s_service_account",
    "k8s_user",
    "person",
    "secret_hmac",
    "session",
    "ssh_key",
    "team",
]

_WHITESPACE = re.compile(r"\s")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_ACCESS_KEY = re.compile(r"^(AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{12,124}$")
_ACCOUNT = re.compile(r"^\d{12}$")
_ARN = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):([a-z0-9-]+):([a-z0-9-]*):(\d{12}|aws|)?:(.+)$", re.I)
_ASSUMED = re.compile(r"^arn:([^:]+):sts::(\d{12}):assumed-role/([^/]+)/(.+)$")
# assumed-role ARNs written by hand that still name one role: no session, or `iam` for `sts`
_ASSUMED_LOOSE = re.compile(r"^arn:([^:]+):(?:sts|iam)::(\d{12}):assumed-role/([^/]+)(?:/(.*))?$", re.I)
_NAMED_IN_ACCOUNT = re.compile(r"^(user|role|group)/(?:.*/)?([^/]+)$")


def _require(value: str, what: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text or _WHITESPACE.search(text):  # same as any(ch.isspace()), in C: ids are built per event
        raise ModelError(f"malformed {what} {value!r}")
    return text


def is_email(value: str) -> bool:
    return bool(_EMAIL.match(value.strip()))


def person(email: str) -> str:
    text = email.strip().lower()
    if not _EMAIL.match(text):
        raise ModelError(f"malformed email {email!r}")
    return f"person:{text}"


def team(name: str) -> str:
    text = name.strip().lower()
    for prefix in ("group:default/", "group:", "default/"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    slug = re.sub(r"[\s_]+", "-", text)
    return f"team:{_require(slug, 'team name')}"


def aws_account(account_id: str) -> str:
    text = str(account_id).strip()
    if not _ACCOUNT.match(text):
        raise ModelError(f"malformed AWS account id {account_id!r}")
    return f"aws:account:{text}"


def aws_key(key_id: str) -> str:
    text = key_id.strip().upper()
    if not _ACCESS_KEY.match(text):
        raise ModelError(f"malformed AWS access key id {key_id!r}")
    return f"aws:key:{text}"


def aws_key_slot(user_arn: str, slot: int) -> str:
    """An access-key slot (1 or 2) of an IAM user as the credential report lists it: the report
    names no key id, so a slot only meets its key id through `same_as` (see loaders/aws/cloudtrail/)."""
    if slot not in (1, 2):
        raise ModelError(f"malformed access-key slot {slot!r}")
    return f"aws:keyslot:{aws_arn(user_arn).removeprefix('aws:arn:')}#{slot}"


def aws_service(principal: str) -> str:
    """An AWS service principal of a trust policy or `invokedBy`, e.g. `aws:service:ec2.amazonaws.com`."""
    return f"aws:service:{_require(principal, 'service principal').lower()}"


def aws_arn(arn: str) -> str:
    """An ARN as an id; assumed-role session ARNs collapse to their role, IAM users, roles and
    groups drop their path (see the module rules)."""
    text = _require(arn, "ARN")
    assumed = _ASSUMED.match(text) or _ASSUMED_LOOSE.match(text)
    if assumed:
        partition, account, role = assumed.group(1).lower(), assumed.group(2), assumed.group(3)
        return f"aws:arn:arn:{partition}:iam::{account}:role/{role}"
    match = _ARN.match(text)
    if not match:
        raise ModelError(f"malformed ARN {arn!r}")
    partition, service = match.group(1).lower(), match.group(2).lower()
    rest = text.split(":", 3)[3]
    if service == "iam":
        account, resource = rest.split(":", 2)[1:]
        named = _NAMED_IN_ACCOUNT.match(resource)
        if named:
            rest = f":{account}:{named.group(1)}/{named.group(2)}"
    return f"aws:arn:arn:{partition}:{service}:{rest}"


def aws_arn_repair(arn: str) -> str:
    """Why `aws_arn` had to normalise a malformed ARN ('' when it was well formed): loaders count
    these in the load summary rather than let a hand-written ARN pass unnoticed."""
    text = arn.strip()
    if _ASSUMED.match(text) or not _ASSUMED_LOOSE.match(text):
        return ""
    if text.split(":")[2].lower() != "sts":
        return "assumed-role ARN under the iam service (read as sts)"
    return "assumed-role ARN without a session name (read as the role)"


def aws_arn_account(node_id: str) -> str:
    """The 12-digit account an `aws:arn:` id names, '' when it names none (an AWS-managed policy,
    an S3 bucket): a node's `account` property is always this, so it never contradicts its id."""
    parts = node_id.removeprefix("aws:arn:").split(":")
    account = parts[4] if len(parts) > 5 else ""
    return account if _ACCOUNT.match(account) else ""


def aws_principal(arn: str) -> str:
    """Same as aws_arn; named for call sites that read a trust-policy or userIdentity principal."""
    return aws_arn(arn)


def aws_role_by_name(account_id: str, name: str) -> str:
    """A role known only by name (path unknown): the path-less ARN, as CloudTrail reports it."""
    _require(name, "role name")
    return f"aws:arn:arn:aws:iam::{aws_account(account_id).split(':')[-1]}:role/{name.strip()}"


def aws_resource(arn_or_name: str, service: str = "", account: str = "") -> str:
    """A target resource: its ARN when the source gives one, else service + name in the account."""
    text = _require(arn_or_name, "resource")
    if text.startswith("arn:"):
        return aws_arn(text)
    scope = f"{account}:" if account else ""
    return f"aws:res:{scope}{service.lower() or 'unknown'}:{text}"


def ec2_instance(account_id: str, region: str, instance_id: str) -> str:
    return aws_arn(f"arn:aws:ec2:{region}:{account_id}:instance/{_require(instance_id, 'instance id')}")


def _slug(value: str, what: str) -> str:
    return _require(value, what).lower()


def github_repo(org: str, repo: str) -> str:
    return f"github:{_slug(org, 'GitHub org')}/{_slug(repo, 'repository name')}"


def github_secret(org: str, repo: str | None, name: str, environment: str | None = None) -> str:
    """A GitHub Actions secret: organisation-level when repo is None, else repository or environment."""
    secret = _require(name, "secret name")
    if repo is None:
        return f"github:{_slug(org, 'GitHub org')}:secret:{secret}"
    base = github_repo(org, repo)
    if environment:
        return f"{base}:env:{_require(environment, 'environment')}:secret:{secret}"
    return f"{base}:secret:{secret}"


def github_workflow(org: str, repo: str, path: str) -> str:
    # Drop a leading "./" or "/" only: lstrip('./') would also eat the dot of ".github/".
    relative = re.sub(r"^(?:\./|/)+", "", _require(path, "workflow path"))
    return f"{github_repo(org, repo)}:workflow:{_require(relative, 'workflow path')}"


def github_job(org: str, repo: str, path: str, job: str) -> str:
    return f"{github_workflow(org, repo, path)}:job:{_require(job, 'job id')}"


def github_user(login: str) -> str:
    """A Person known only by GitHub login (a CODEOWNERS `@user` no roster resolves to an email)."""
    return f"github-user:{_slug(login.strip().lstrip('@'), 'GitHub login')}"


def github_runner(org: str, name: str) -> str:
    return f"github:{_slug(org, 'GitHub org')}:runner:{_require(name, 'runner name')}"


def github_runner_group(org: str, name: str) -> str:
    """A runner group (`runs-on: {group: X}`, the runner-groups API): runners are MEMBER_OF it."""
    return f"github:{_slug(org, 'GitHub org')}:runner-group:{_require(name, 'runner group').lower()}"


def github_runner_label(org: str, label: str) -> str:
    return f"github:{_slug(org, 'GitHub org')}:runner-label:{_require(label, 'runner label').lower()}"


_B64_FP = re.compile(r"^[A-Za-z0-9+/]{43}=?$")
_MD5_FP = re.compile(r"^([0-9a-fA-F]{2}:){15}[0-9a-fA-F]{2}$")


def ssh_key(fingerprint: str) -> str:
    text = _require(fingerprint, "SSH fingerprint")
    if text.upper().startswith("SHA256:"):
        body = text[7:].rstrip("=")
        if _B64_FP.match(body):
            return f"ssh:SHA256:{body}"
    else:
        body = text[4:] if text.upper().startswith("MD5:") else text
        if _MD5_FP.match(body):
            return f"ssh:MD5:{body.lower()}"
    raise ModelError(f"malformed SSH fingerprint {fingerprint!r}")


def k8s_service_account(cluster: str, namespace: str, name: str) -> str:
    return f"k8s:{_require(cluster, 'cluster')}:sa:{_require(namespace, 'namespace')}/{_require(name, 'name')}"


def k8s_object(cluster: str, kind: str, namespace: str, name: str) -> str:
    """Any Kubernetes object by its short kind (`pod`, `secret`, `clusterrole`); `namespace` empty
    for cluster-scoped objects."""
    scope = f"{_require(namespace, 'namespace')}/" if namespace else ""
    return f"k8s:{_require(cluster, 'cluster')}:{_require(kind, 'kind').lower()}:{scope}{_require(name, 'name')}"


def k8s_resource(cluster: str, resource: str, namespace: str = "", name: str = "") -> str:
    """A resource type in a scope, as an RBAC rule grants it: `namespace` "*" for every namespace,
    empty for a cluster-scoped resource; `name` when the rule is limited to resourceNames."""
    scope = f"{_require(namespace, 'namespace')}/" if namespace else ""
    suffix = f"/{_require(name, 'resource name')}" if name else ""
    return f"k8s:{_require(cluster, 'cluster')}:res:{scope}{_require(resource, 'resource').lower()}{suffix}"


def k8s_user(cluster: str, name: str) -> str:
    return f"k8s:{_require(cluster, 'cluster')}:user:{_require(name, 'user name')}"


def k8s_group(cluster: str, name: str) -> str:
    return f"k8s:{_require(cluster, 'cluster')}:group:{_require(name, 'group name')}"


def k8s_audit_user(cluster: str, username: str) -> str:
    """The identity an audit event's `user.username` names: `system:serviceaccount:<ns>:<name>` is
    that ServiceAccount (the same id as the object), anything else a user."""
    text = _require(username, "user name")
    if text.startswith("system:serviceaccount:"):
        parts = text.split(":")
        if len(parts) == 4 and parts[2] and parts[3]:
            return k8s_service_account(cluster, parts[2], parts[3])
    return k8s_user(cluster, text)


def k8s_credential(cluster: str, credential_id: str) -> str:
    """The credential an audit event names in `authentication.kubernetes.io/credential-id`
    (`JTI=<token id>` of a bound service-account token, `X509SHA256=<fingerprint>`): public ids."""
    return f"k8s:{_require(cluster, 'cluster')}:credential:{_require(credential_id, 'credential id')}"


def ip(address: str) -> str:
    return f"ip:{_require(address, 'IP address')}"


def secret_hmac(value: str, key: bytes) -> str:
    """A keyed HMAC of a secret value: matchable, never reversible, never the value itself."""
    if not key:
        raise ModelError("an HMAC key is required to fingerprint secret values")
    digest = hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"secret:hmac:{digest[:40]}"


def session(platform: str, *parts: str) -> str:
    return f"session:{platform}:" + ":".join(_require(p, "session part") for p in parts)


def catalog_entity(kind: str, namespace: str, name: str) -> str:
    """A Backstage catalog entity with no canonical id of its own (a Component, System or API that
    names no repository / account / role): `backstage:<kind>:<namespace>/<name>`, lower case."""
    parts = (_slug(kind, "entity kind"), _slug(namespace or "default", "namespace"), _slug(name, "entity name"))
    return f"backstage:{parts[0]}:{parts[1]}/{parts[2]}"


def change(platform: str, event_id: str) -> str:
    return f"change:{platform}:{_require(event_id, 'event id')}"
