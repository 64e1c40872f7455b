"""What one GitHub Actions job declares, read statically: secrets, runners, roles, environment.

Pure functions over the parsed YAML of one job (plus its workflow's permissions and env), used
by loaders/github/workflows.py. Nothing here resolves an expression at run time: what cannot be
known from the file (a `fromJSON` matrix, a role ARN held in a secret) is returned as its
expression text.

- Secret references: every `secrets.NAME` / `secrets['NAME']` (and `github.token`, the
  automatic GITHUB_TOKEN) inside `${{ }}` anywhere in the job; `via` is the key that holds it
  (env var, `with:` input, reusable-workflow secret name).
- Static cloud keys: a reference passed as `aws-access-key-id` / `aws-secret-access-key` or
  into env `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`.
- runs-on: labels (string or list), `{group, labels}`, or `${{ matrix.X }}` expanded over a
  static matrix (values and `include:` entries); any other expression is kept as text.
- Role: `aws-actions/configure-aws-credentials` with `role-to-assume`; OIDC when the effective
  permissions (job level, else workflow level) grant `id-token: write` or are `write-all`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "DEFAULT_LABELS",
    "GITHUB_HOSTED",
    "JobFacts",
    "RoleUse",
    "SecretRef",
    "read_job",
]

_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
_SECRET = re.compile(r"\bsecrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_-]*)|\[\s*['\"]([^'\"]+)['\"]\s*\])")
_GITHUB_TOKEN = re.compile(r"\bgithub\s*\.\s*token\b")
"""`${{ github.token }}` is the same automatic token as `secrets.GITHUB_TOKEN`."""
_MATRIX = re.compile(r"^\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}$")
GITHUB_HOSTED = re.compile(r"^(ubuntu|windows|macos)-[a-z0-9.-]+$", re.I)
DEFAULT_LABELS = frozenset({"self-hosted", "linux", "windows", "macos", "x64", "arm", "arm64"})
STATIC_KEY_NAMES = frozenset(
    {"aws-access-key-id", "aws-secret-access-key", "aws-session-token"}
    | {"aws_access_key_id", "aws_secret_access_key", "aws_session_token"}
)
_CONFIGURE_AWS = "aws-actions/configure-aws-credentials"


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


@dataclass(frozen=True, slots=True)
class SecretRef:
    name: str
    via: str
    static_cloud_key: bool


@dataclass(frozen=True, slots=True)
class RoleUse:
    role: str
    """The role-to-assume text: an ARN, or an expression / bare name kept as text."""
    via: str


@dataclass(slots=True)
class JobFacts:
    secrets: list[SecretRef] = field(default_factory=list)
    labels: list[list[str]] = field(default_factory=list)
    """Each way the job can be placed: one label set, or one per static matrix value."""
    group: str = ""
    runs_on_expression: str = ""
    environment: str = ""
    oidc: bool = False
    roles: list[RoleUse] = field(default_factory=list)
    uses_workflow: str = ""


def secret_refs(value: object, via: str = "") -> Iterator[SecretRef]:
    """Every secret reference in a YAML value, with the key that holds it."""
    if isinstance(value, str):
        for expression in _EXPRESSION.findall(value):
            static = via.lower() in STATIC_KEY_NAMES
            for dotted, quoted in _SECRET.findall(expression):
                yield SecretRef(dotted or quoted, via or expression.strip(), static)
            if _GITHUB_TOKEN.search(expression):
                yield SecretRef("GITHUB_TOKEN", via or expression.strip(), static)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from secret_refs(item, str(key))
    elif isinstance(value, list):
        for item in value:
            yield from secret_refs(item, via)


def _permissions_allow_oidc(permissions: object) -> bool | None:
    """True/False when the block decides, None when absent (inherit)."""
    if permissions is None:
        return None
    if isinstance(permissions, str):
        return permissions.strip() == "write-all"
    if isinstance(permissions, Mapping):
        return str(permissions.get("id-token", "")).strip() == "write"
    return False


def _labels(value: object) -> list[str]:
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list):
        return [str(v).strip() for v in value if isinstance(v, str | int | float) and str(v).strip()]
    return []


def _matrix_values(strategy: object, key: str) -> list[str] | None:
    """Static values of `matrix.<key>` (its list plus `include:` entries), None if not static."""
    matrix = strategy.get("matrix") if isinstance(strategy, Mapping) else None
    if not isinstance(matrix, Mapping):
        return None
    values: list[str] = []
    listed = matrix.get(key)
    if isinstance(listed, list):
        values.extend(str(v) for v in listed if isinstance(v, str | int | float))
    elif listed is not None:
        return None
    for extra in matrix.get("include") or [] if isinstance(matrix.get("include"), list) else []:
        if isinstance(extra, Mapping) and isinstance(extra.get(key), str | int | float):
            values.append(str(extra[key]))
    return sorted(set(values)) or None


def _read_runs_on(job: Mapping[str, Any], facts: JobFacts) -> None:
    runs_on = job.get("runs-on")
    if isinstance(runs_on, Mapping):
        facts.group = str(runs_on.get("group") or "").strip()
        labels = _labels(runs_on.get("labels"))
        if labels:
            facts.labels.append(labels)
        return
    if isinstance(runs_on, str) and "${{" in runs_on:
        match = _MATRIX.match(runs_on.strip())
        values = _matrix_values(job.get("strategy"), match.group(1)) if match else None
        if values is None or any("${{" in v for v in values):
            facts.runs_on_expression = runs_on.strip()
        else:
            facts.labels.extend([v] for v in values)
        return
    labels = _labels(runs_on)
    if any("${{" in label for label in labels):
        facts.runs_on_expression = ", ".join(labels)
    elif labels:
        facts.labels.append(labels)


def _environment(value: object) -> str:
    name = value.get("name") if isinstance(value, Mapping) else value
    text = str(name).strip() if isinstance(name, str | int) else ""
    return text if "${{" in text else text.lower()


def _roles(job: Mapping[str, Any], oidc: bool) -> Iterator[RoleUse]:
    for step in job.get("steps") or [] if isinstance(job.get("steps"), list) else []:
        if not isinstance(step, Mapping) or not str(step.get("uses", "")).startswith(_CONFIGURE_AWS):
            continue
        inputs = _mapping(step.get("with"))
        role = inputs.get("role-to-assume")
        if not isinstance(role, str) or not role.strip():
            continue
        static = bool(inputs.get("aws-access-key-id"))
        yield RoleUse(role.strip(), "static_keys" if static else "oidc" if oidc else "runner_credentials")


def read_job(job: Mapping[str, Any], workflow_permissions: object, workflow_env: object) -> JobFacts:
    """The statically known facts of one job (see the module rules)."""
    facts = JobFacts()
    job_oidc = _permissions_allow_oidc(job.get("permissions"))
    facts.oidc = job_oidc if job_oidc is not None else bool(_permissions_allow_oidc(workflow_permissions))
    facts.environment = _environment(job.get("environment"))
    facts.uses_workflow = str(job.get("uses") or "").strip()
    _read_runs_on(job, facts)
    facts.roles = list(_roles(job, facts.oidc))
    env_refs = list(secret_refs(workflow_env))
    facts.secrets = env_refs + list(secret_refs({k: v for k, v in job.items() if k != "runs-on"}))
    return facts
