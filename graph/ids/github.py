"""GitHub ids: repositories, Actions secrets, workflows and jobs, users known by login, runners and pools.

Correlation rules (each tested with two real files that must meet, tests/loaders/test_correlation.py):

- Repositories are `github:<org>/<repo>` (lower case, as GitHub resolves names); secrets
  `github:<org>/<repo>:secret:<NAME>` (repository), `github:<org>:secret:<NAME>`
  (organisation), `github:<org>/<repo>:env:<env>:secret:<NAME>` (environment).
- GitHub users: a CODEOWNERS `@login` is the Person whose `usernames` (Backstage
  `metadata.name` / `github.com/user-login`, SCIM `userName`) hold that login; with none, the
  Person `github-user:<login lower-case>`.
- Runners: a self-hosted runner is `github:<org>:runner:<name>` whether it comes from the
  runner inventory, an EC2 instance tagged with its runner name, or a CloudTrail source IP
  that falls in its addresses (graph/ids/network.py); a runs-on label is the pool
  `github:<org>:runner-label:<label>` and runners carrying that label are MEMBER_OF it; a
  runner group is the pool `github:<org>:runner-group:<name lower-case>` its runners are MEMBER_OF.
"""

from __future__ import annotations

import re

from graph.ids._base import require, slug

__all__ = [
    "github_job",
    "github_repo",
    "github_runner",
    "github_runner_group",
    "github_runner_label",
    "github_secret",
    "github_user",
    "github_workflow",
]


def github_repo(org: str, repo: str) -> str:
    return f"github:{slug(org, 'GitHub org')}/{slug(repo, 'repository name')}"


def github_secret(org: str, repo: str | None, name: str, environment: str | None = None) -> str:
    """A GitHub Actions secret: organisation-level when repo is None, else repository or environment."""
    secret = require(name, "secret name")
    if repo is None:
        return f"github:{slug(org, 'GitHub org')}:secret:{secret}"
    base = github_repo(org, repo)
    if environment:
        return f"{base}:env:{require(environment, 'environment')}:secret:{secret}"
    return f"{base}:secret:{secret}"


def github_workflow(org: str, repo: str, path: str) -> str:
    # Drop a leading "./" or "/" only: lstrip('./') would also eat the dot of ".github/".
    relative = re.sub(r"^(?:\./|/)+", "", require(path, "workflow path"))
    return f"{github_repo(org, repo)}:workflow:{require(relative, 'workflow path')}"


def github_job(org: str, repo: str, path: str, job: str) -> str:
    return f"{github_workflow(org, repo, path)}:job:{require(job, 'job id')}"


def github_user(login: str) -> str:
    """A Person known only by GitHub login (a CODEOWNERS `@user` no roster resolves to an email)."""
    return f"github-user:{slug(login.strip().lstrip('@'), 'GitHub login')}"


def github_runner(org: str, name: str) -> str:
    return f"github:{slug(org, 'GitHub org')}:runner:{require(name, 'runner name')}"


def github_runner_group(org: str, name: str) -> str:
    """A runner group (`runs-on: {group: X}`, the runner-groups API): runners are MEMBER_OF it."""
    return f"github:{slug(org, 'GitHub org')}:runner-group:{require(name, 'runner group').lower()}"


def github_runner_label(org: str, label: str) -> str:
    return f"github:{slug(org, 'GitHub org')}:runner-label:{require(label, 'runner label').lower()}"
