"""GitHub loaders: Actions workflows (corpus + fixture checkout), runner inventory, CODEOWNERS."""

from __future__ import annotations

from pathlib import Path

from graph import ids
from graph.schema import EdgeKind
from graph.store import GraphStore
from loaders.github.codeowners import pattern_regex
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import edges, errors, export_text, load, node

GITHUB = FIXTURES / "github"
SHOP = GITHUB / "checkout" / "acme" / "shop"
RELEASE = ".github/workflows/release.yml"


def _job(job: str) -> str:
    return ids.github_job("acme", "shop", RELEASE, job)


def test_corpus_workflows_secrets_runners_and_oidc_role(store: GraphStore) -> None:
    corpus = need_corpus() / "gha_workflows"
    report = load(store, corpus, repository="pytorch/test-infra")
    assert [f.loader for f in report.files] == ["github-workflows"] * 3 and report.rejected == 0
    ratings = ".github/workflows/pytorch-test-infra__update_test_file_ratings.yml"
    job = ids.github_job("pytorch", "test-infra", ratings, "update-test-file-ratings")
    runs_as = edges(store, EdgeKind.RUNS_AS)
    role = ids.aws_arn("arn:aws:iam::308535385114:role/upload_to_ossci_raw_job_status")
    assert runs_as[(job, role)].props == {"via": "oidc"}
    uses = edges(store, EdgeKind.USES)
    token = ids.github_secret("pytorch", "test-infra", "GITHUB_TOKEN")
    assert uses[(job, token)].props["via"] == "API_TOKEN_GITHUB"
    assert node(store, token).subtype == "github.token" and node(store, token).props["credential_type"] == "token"
    password = ids.github_secret("pytorch", "test-infra", "CLICKHOUSE_HUD_USER_PASSWORD")
    users = {source for (source, target) in uses if target == password}
    assert len(users) == 2 and len({u.split(":job:")[0] for u in users}) == 2  # shared by jobs of two workflows
    runs_on = edges(store, EdgeKind.RUNS_ON)
    pricing = ids.github_job("pytorch", "test-infra", ratings, "update-ec2-pricing")
    pool = ids.github_runner_label("pytorch", "linux.large")
    assert (pricing, pool) in runs_on and node(store, pool).props["hosted"] == "self"
    hosted = ids.github_runner_label("pytorch", "ubuntu-latest")
    assert (job, hosted) in runs_on and node(store, hosted).subtype == "github.hosted_runner"
    assert node(store, ids.github_workflow("pytorch", "test-infra", ratings)).props["triggers"] == ["schedule"]


def test_fixture_workflow_matrix_groups_expressions_and_static_keys(store: GraphStore) -> None:
    report = load(store, SHOP / ".github" / "workflows")
    assert report.rejected == 0, errors(report)
    runs_on = edges(store, EdgeKind.RUNS_ON)
    build = {target for (source, target) in runs_on if source == _job("build")}
    assert build == {ids.github_runner_label("acme", label) for label in ("macos-14", "ubuntu-latest", "windows-2022")}
    assert node(store, _job("dynamic")).props["runs_on"] == "${{ fromJSON(needs.plan.outputs.runner) }}"
    assert not [key for key in runs_on if key[0] == _job("dynamic")]
    publish = {target for (source, target) in runs_on if source == _job("publish")}
    assert publish == {
        ids.github_runner_label("acme", "deploy"),
        ids.github_runner_group("acme", "production-deployers"),
    }
    published = node(store, _job("publish"))
    assert published.props["environment"] == "production" and published.props["oidc"] is True
    assert published.props["assume_role"] == "${{ secrets.BACKUP_ROLE_ARN }}"
    runs_as = edges(store, EdgeKind.RUNS_AS)
    assert runs_as[(_job("publish"), ids.aws_arn("arn:aws:iam::111122223333:role/shop-release"))].props["via"] == "oidc"
    uses = edges(store, EdgeKind.USES)
    legacy = ids.github_secret("acme", "shop", "LEGACY_AWS_SECRET_ACCESS_KEY")
    assert uses[(_job("legacy-upload"), legacy)].props["static_cloud_key"] is True
    assert node(store, legacy).props["static_cloud_key"] is True
    assert uses[(_job("build"), ids.github_secret("acme", "shop", "NPM_TOKEN"))].props["via"] == "NPM_TOKEN"
    # workflow-level env reaches every job; the environment of the job is on the edge
    sentry = ids.github_secret("acme", "shop", "SENTRY_AUTH_TOKEN")
    assert uses[(_job("publish"), sentry)].props["environment"] == "production"
    notify = node(store, _job("notify"))
    assert notify.props["uses_workflow"] == "acme/shared-workflows/.github/workflows/notify.yml@v2"


def test_malformed_workflow_is_a_located_rejection_and_others_load(store: GraphStore) -> None:
    report = load(store, GITHUB / "broken-workflow.yml", SHOP / ".github" / "workflows")
    broken = next(f for f in report.files if f.path.endswith("broken-workflow.yml"))
    assert broken.loader == "github-workflows" and broken.rejected == 1 and not broken.failure
    assert "broken-workflow.yml" in str(broken.errors[0]) and "line 7" in str(broken.errors[0])
    assert node(store, _job("publish"))


def test_runner_inventory_pools_groups_and_a_bad_record(store: GraphStore) -> None:
    report = load(store, GITHUB / "runners")
    runners = next(f for f in report.files if f.path.endswith("runners.json"))
    assert runners.accepted == 2 and runners.rejected == 1
    assert "record 2" in str(runners.errors[0]) and "without a name" in str(runners.errors[0])
    deploy = ids.github_runner("acme", "deploy-01")
    assert node(store, deploy).props["group"] == "production-deployers"
    member = {target for (source, target) in edges(store, EdgeKind.MEMBER_OF) if source == deploy}
    labels = {ids.github_runner_label("acme", label) for label in ("self-hosted", "linux", "x64", "deploy")}
    assert member == labels | {ids.github_runner_group("acme", "production-deployers")}
    assert node(store, ids.github_runner_group("acme", "default")).subtype == "github.runner_group"


def test_runner_inventory_without_org_is_rejected_with_the_reason(store: GraphStore, tmp_path: Path) -> None:
    alone = tmp_path / "runners.json"
    alone.write_text((GITHUB / "runners" / "runners.json").read_text())
    report = load(store, alone)
    assert report.rejected == 3 and "--runner-org" in errors(report)[0]
    assert load(store, alone, runner_org="acme").files[0].accepted == 2


def test_codeowners_owns_workflow_and_job_pipelines(store: GraphStore) -> None:
    load(store, FIXTURES / "people")  # Backstage knows octo-dev as tomas.berg
    report = load(store, SHOP)
    assert report.rejected == 0, errors(report)
    owns = edges(store, EdgeKind.OWNS)
    workflow = ids.github_workflow("acme", "shop", RELEASE)
    owners = {source for (source, target) in owns if target == workflow}
    assert owners == {ids.team("platform-team"), ids.person("tomas.berg@acme.example")}
    assert owns[(ids.team("platform-team"), _job("publish"))].props == {
        "provenance": "codeowners",
        "provenance_detail": ".github/CODEOWNERS:4 /.github/workflows/*.yml",
    }


def test_codeowners_unknown_login_is_a_github_user_person(store: GraphStore) -> None:
    load(store, SHOP)
    person = ids.github_user("octo-dev")
    assert node(store, person).props["usernames"] == ["octo-dev"]
    assert (person, ids.github_workflow("acme", "shop", RELEASE)) in edges(store, EdgeKind.OWNS)


def test_codeowners_patterns_follow_gitignore_rules() -> None:
    cases = {
        ("*", "a/b/c.yml"): True,
        ("/.github/", ".github/workflows/x.yml"): True,
        ("/.github/", "src/.github/x"): False,
        ("docs/**", "docs/a/b.md"): True,
        ("docs/**", "src/docs/a.md"): False,
        ("*.yml", "deep/x.yml"): True,
        ("/.github/workflows/*.yml", ".github/workflows/sub/x.yml"): False,
        ("workflows/", ".github/workflows/x.yml"): True,
    }
    for (pattern, path), expected in cases.items():
        assert bool(pattern_regex(pattern).match(path)) is expected, (pattern, path)


def test_loading_twice_leaves_the_export_unchanged(store: GraphStore) -> None:
    load(store, SHOP, GITHUB / "runners")
    first = export_text(store)
    load(store, SHOP, GITHUB / "runners")
    assert export_text(store) == first
