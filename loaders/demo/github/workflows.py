"""GitHub Actions workflow files and CODEOWNERS, as text in real Actions syntax.

Workflows are written as text templates rather than dumped from dicts because real files are
hand-written YAML: unquoted `on:` (which YAML 1.1 reads as a boolean key — loaders must cope),
`${{ }}` expressions, comments, block scalars. Planted repositories carry the situations
(static deploy keys on self-hosted runners, an OIDC admin role, one secret shared by staging
and production jobs, an OIDC role trusted without a `sub`); background repositories get a
build workflow with a matrix and an OIDC deploy through a reusable workflow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from loaders.demo.org import ORG, Organisation, Repo

if TYPE_CHECKING:
    from loaders.demo.cast import CastRepo

__all__ = ["background_codeowners", "background_workflows", "planted_repos"]

_CHECKOUT = "      - uses: actions/checkout@v4\n"

_PAYMENTS_DEPLOY = """name: deploy
on:
  push:
    branches: [main]
  workflow_dispatch:

permissions:
  contents: read

jobs:
  deploy:
    # the deploy pool: three self-hosted runners in the shared account
    runs-on: [self-hosted, linux, deploy]
    environment: production
    steps:
      - uses: actions/checkout@v4
      - name: Configure AWS credentials (static deploy key)
        uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-access-key-id: ${{ secrets.DEPLOY_AWS_ACCESS_KEY_ID }}
          aws-secret-access-key: ${{ secrets.DEPLOY_AWS_SECRET_ACCESS_KEY }}
          aws-region: us-east-1
      - name: Roll out
        run: ./scripts/deploy.sh payments-api ${{ github.sha }}
        env:
          SLACK_WEBHOOK_URL: ${{ secrets.SLACK_WEBHOOK_URL }}
"""

_BUILD_TOOLS_CI = """name: ci
on:
  push:
    branches: [main]
  pull_request:

jobs:
  test:
    runs-on: [self-hosted, linux, build]
    strategy:
      fail-fast: false
      matrix:
        python-version: ["3.11", "3.12"]
        os-image: [al2023, ubuntu-22.04]
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: ${{ matrix.python-version }}
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-access-key-id: ${{ secrets.CI_AWS_ACCESS_KEY_ID }}
          aws-secret-access-key: ${{ secrets.CI_AWS_SECRET_ACCESS_KEY }}
          aws-region: us-east-1
      - run: make test PY=${{ matrix.python-version }}
"""

_INFRA_TERRAFORM = """name: terraform
on:
  push:
    branches: [main]
  pull_request:

permissions:
  id-token: write
  contents: read

jobs:
  plan:
    if: github.event_name == 'pull_request'
    uses: {org}/shared-workflows/.github/workflows/terraform-plan.yml@v2
    with:
      working-directory: live/production
    secrets: inherit

  apply:
    if: github.ref == 'refs/heads/main'
    runs-on: ubuntu-latest
    environment: production
    steps:
      - uses: actions/checkout@v4
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::{prod}:role/gha-infra-admin
          role-session-name: GitHubActions
          aws-region: us-east-1
      - uses: hashicorp/setup-terraform@v3
      - run: terraform -chdir=live/production apply -auto-approve
        env:
          TF_VAR_datadog_api_key: ${{ secrets.DATADOG_API_KEY }}
"""

_SHARED_KEY_JOB = """  deploy-{env}:
{needs}    runs-on: ubuntu-latest
    environment: {env}
    steps:
      - uses: actions/checkout@v4
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-access-key-id: ${{ secrets.SHARED_DEPLOY_AWS_ACCESS_KEY_ID }}
          aws-secret-access-key: ${{ secrets.SHARED_DEPLOY_AWS_SECRET_ACCESS_KEY }}
          aws-region: us-east-1
          role-to-assume: arn:aws:iam::{account}:role/checkout-deploy
      - run: ./deploy.sh {env}
"""
"""A checkout-service deploy job: staging and production jobs use the same static key (planted)."""


def _shared_key_job(env: str, account: str, needs: str = "") -> str:
    job = _SHARED_KEY_JOB.replace("{needs}", f"    needs: {needs}\n" if needs else "")
    return job.replace("{env}", env).replace("{account}", account)


_CHECKOUT_DEPLOY = (
    "name: deploy\non:\n  push:\n    branches: [main]\n\njobs:\n"
    + _shared_key_job("staging", "{staging}")
    + "\n"
    + _shared_key_job("production", "{prod}", needs="deploy-staging")
)

_PREVIEWS = """name: preview
on:
  pull_request:
    types: [opened, synchronize]

permissions:
  id-token: write
  contents: read
  pull-requests: write

jobs:
  preview:
    runs-on: ubuntu-latest
    environment: preview
    steps:
      - uses: actions/checkout@v4
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::{staging}:role/gha-preview-deployer
          aws-region: us-east-1
      - run: npm ci && npm run build
      - run: aws s3 sync dist/ s3://acme-previews/${{ github.event.number }}/
"""

_DATA_PIPELINE = """name: nightly-etl
on:
  schedule:
    - cron: "17 2 * * *"
  workflow_dispatch:

jobs:
  etl:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: python -m pipeline.run --date "$(date -u +%F)"
        env:
          WAREHOUSE_PASSWORD: ${{ secrets.WAREHOUSE_PASSWORD }}
"""


def _codeowners(team: str, workflows_team: str) -> str:
    return (
        "# Each line is a file pattern followed by one or more owners.\n"
        f"*                   @{ORG}/{team}\n"
        f"/.github/workflows/ @{ORG}/{workflows_team}\n"
        f"/docs/              @{ORG}/{team} @{ORG}/tech-writers\n"
    )


def planted_repos(production_account: str, staging_account: str) -> list[CastRepo]:
    """The planted repositories; their workflows deploy into the given AWS account ids."""
    from loaders.demo.cast import CastRepo

    ids = {"org": ORG, "prod": production_account, "staging": staging_account}

    def fill(text: str) -> str:
        for name, value in ids.items():
            text = text.replace("{" + name + "}", value)
        return text

    return [
        CastRepo("payments-deploy", "payments", {"deploy.yml": _PAYMENTS_DEPLOY}, _codeowners("payments", "platform")),
        CastRepo(
            "build-tools", "platform", {"ci.yml": _BUILD_TOOLS_CI}, _codeowners("platform", "platform"), "library"
        ),
        CastRepo(
            "infra-live", "platform", {"terraform.yml": fill(_INFRA_TERRAFORM)}, _codeowners("platform", "platform")
        ),
        CastRepo(
            "checkout-service", "checkout", {"deploy.yml": fill(_CHECKOUT_DEPLOY)}, _codeowners("checkout", "checkout")
        ),
        CastRepo("web-previews", "web", {"preview.yml": fill(_PREVIEWS)}, _codeowners("web", "web"), "website"),
        CastRepo(
            "data-pipeline", "analytics", {"nightly-etl.yml": _DATA_PIPELINE}, _codeowners("analytics", "analytics")
        ),
        CastRepo("billing-legacy", "legacy-billing", {}, _codeowners("legacy-billing", "legacy-billing")),
    ]


def background_workflows(org: Organisation, repo: Repo, role_arn: str) -> dict[str, str]:
    """A build with a matrix on GitHub-hosted runners and an OIDC deploy on a self-hosted pool."""
    pool = ("build", "integration")[repo.index % 2]
    ci = (
        "name: ci\n"
        "on:\n  push:\n    branches: [main]\n  pull_request:\n\n"
        "jobs:\n"
        "  build:\n    runs-on: ${{ matrix.os }}\n"
        "    strategy:\n      matrix:\n        os: [ubuntu-latest, ubuntu-22.04]\n        node: [18, 20]\n"
        "    steps:\n" + _CHECKOUT + "      - uses: actions/setup-node@v4\n        with:\n"
        "          node-version: ${{ matrix.node }}\n"
        "      - run: npm ci && npm test\n        env:\n          NPM_TOKEN: ${{ secrets.NPM_TOKEN }}\n"
    )
    deploy = (
        "name: deploy\n"
        "on:\n  push:\n    branches: [main]\n\n"
        "permissions:\n  id-token: write\n  contents: read\n\n"
        "jobs:\n"
        f"  deploy:\n    runs-on: [self-hosted, linux, {pool}]\n    environment: production\n"
        "    steps:\n" + _CHECKOUT + "      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n"
        f"          role-to-assume: {role_arn}\n          aws-region: us-east-1\n"
        f"      - run: ./deploy.sh {repo.name}\n"
        "  notify:\n    needs: deploy\n"
        f"    uses: {ORG}/shared-workflows/.github/workflows/notify.yml@v2\n"
        "    secrets:\n      slack-webhook: ${{ secrets.SLACK_WEBHOOK_URL }}\n"
    )
    return {"ci.yml": ci, "deploy.yml": deploy}


def background_codeowners(org: Organisation, repo: Repo) -> str:
    team = org.team(repo.team).slug
    return _codeowners(team, "platform" if repo.index % 3 == 0 else team)
