"""GitHub audit-log ids: accounts, organisations and enterprises, and tokens known by id or hash.

Correlation rules (tested with real audit-log events, tests/loaders/github_audit/):

- An audit event's `actor` is the GitHub account `github:account:<login lower-case>` (an Identity);
  the Person behind it is the one whose `usernames` hold the login (SCIM, Backstage), else
  `github-user:<login>` — the same Person a CODEOWNERS `@login` names (graph/ids/github.py).
- Repositories are those of graph/ids/github.py (`repo: org/name` → `github:<org>/<name>`), so an
  audit event touches the repository the workflow and scanner loaders made.
- A token is `github:token:<token_id>` when the event names its `token_id`, else
  `github:token:sha256:<hashed_token>` (GitHub's base64 SHA-256 of the token: a digest, never the
  value); an event carrying both ties the hash to the id, so the load uses the id for both.
- An organisation is `github:org:<org lower-case>`, an enterprise `github:enterprise:<slug lower-case>`.
- A deployment environment is `github:<org>/<repo>:env:<name lower-case>` (GitHub's environment
  names are case-insensitive), under the repository's id: the prefix its environment secrets carry.
- A deployment review (`workflows.approve_workflow_job` / `reject_workflow_job`) is the approval
  `approval:github:<digest of the event>`: the audit log gives a review no id of its own.
"""

from __future__ import annotations

from graph.ids._base import require, slug
from graph.ids.github import github_repo

__all__ = [
    "github_account",
    "github_deployment_review",
    "github_enterprise",
    "github_environment",
    "github_org",
    "github_token",
]


def github_account(login: str) -> str:
    return f"github:account:{slug(login.strip().lstrip('@'), 'GitHub login')}"


def github_org(org: str) -> str:
    return f"github:org:{slug(org, 'GitHub org')}"


def github_enterprise(name: str) -> str:
    return f"github:enterprise:{slug(name, 'GitHub enterprise')}"


def github_token(token_id: str = "", hashed_token: str = "") -> str:
    """A token by its id, else by GitHub's hash of it."""
    if token_id:
        return f"github:token:{require(token_id, 'token id')}"
    return f"github:token:sha256:{require(hashed_token, 'hashed token')}"


def github_environment(org: str, repo: str, name: str) -> str:
    return f"{github_repo(org, repo)}:env:{require(name, 'environment name').lower()}"


def github_deployment_review(digest: str) -> str:
    return f"approval:github:{require(digest, 'review digest')}"
