"""Correlation rules of graph/ids/ for the GitHub, scanner and people sources: two files, one node.

Each test loads two (or more) files of different sources and asserts they met on one node.
Files are the shared corpus where it has a pair, else fixtures in the real formats, else the
demo estate (`keytrail demo-data`, itself written in the real formats).
"""

from __future__ import annotations

import orjson
import pytest

from graph import ids
from graph.schema import EdgeKind
from graph.store import GraphStore
from loaders.demo.generate import generate_demo
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import HMAC_KEY, edges, errors, load, node

SCANNERS, PEOPLE, GITHUB = FIXTURES / "scanners", FIXTURES / "people", FIXTURES / "github"
SHOP = GITHUB / "checkout" / "acme" / "shop"


def test_access_key_from_gitleaks_and_trufflehog_is_one_credential(store: GraphStore) -> None:
    load(store, SCANNERS / "gitleaks-v8-shop.json", repository="acme/shop")
    load(store, SCANNERS / "trufflehog-v3-shop.jsonl")
    key = ids.aws_key("AKIAQYLPMN5HFIXTURE1")
    assert set(node(store, key).sources) == {"gitleaks", "trufflehog"}
    assert {c for (c, _r) in edges(store, EdgeKind.EXPOSED_IN)} >= {key}


def test_leaked_value_found_by_two_scanners_is_one_hmac_credential(store: GraphStore) -> None:
    load(store, SCANNERS, repository="acme/shop")
    token = ids.secret_hmac("ghp_fixtureTokenValue0123456789abcdefABCD", HMAC_KEY)
    assert set(node(store, token).sources) == {"gitleaks", "trufflehog"}


def test_access_key_in_a_gitleaks_report_and_in_cloudtrail_is_one_credential(store: GraphStore) -> None:
    corpus = need_corpus()
    report = load(store, corpus / "gitleaks_report" / "defectdojo__gitleaks_version_7.5.0.json")
    report_ct = load(store, corpus / "cloudtrail" / "panther__AWS.CloudTrail.jsonl")
    assert report.rejected == 0 and report_ct.files[0].loader == "aws-cloudtrail"
    key = ids.aws_key("AKIAIOSFODNN7EXAMPLE")
    assert {"gitleaks", "aws-cloudtrail"} <= set(node(store, key).sources)
    assert any(target == key for (_s, target) in edges(store, EdgeKind.AUTHENTICATED_WITH))
    assert any(credential == key for (credential, _r) in edges(store, EdgeKind.EXPOSED_IN))


def test_runs_on_label_and_runner_inventory_meet_on_the_pool(store: GraphStore) -> None:
    load(store, SHOP / ".github" / "workflows", GITHUB / "runners")
    pool = ids.github_runner_label("acme", "deploy")
    job = ids.github_job("acme", "shop", ".github/workflows/release.yml", "publish")
    assert (job, pool) in edges(store, EdgeKind.RUNS_ON)
    assert (ids.github_runner("acme", "deploy-01"), pool) in edges(store, EdgeKind.MEMBER_OF)
    assert set(node(store, pool).sources) == {"github-runners", "github-workflows"}
    group = ids.github_runner_group("acme", "production-deployers")
    assert (job, group) in edges(store, EdgeKind.RUNS_ON)
    assert (ids.github_runner("acme", "deploy-01"), group) in edges(store, EdgeKind.MEMBER_OF)


def test_codeowners_team_backstage_group_and_scim_group_are_one_team(store: GraphStore) -> None:
    load(store, PEOPLE, SHOP)
    team = ids.team("platform-team")
    assert {"backstage", "scim"} <= set(node(store, team).sources)
    assert (team, ids.github_workflow("acme", "shop", ".github/workflows/release.yml")) in edges(store, EdgeKind.OWNS)
    assert (ids.person("mara.lindqvist@acme.example"), team) in edges(store, EdgeKind.MEMBER_OF)


def test_scim_user_backstage_user_and_codeowners_login_are_one_person(store: GraphStore) -> None:
    load(store, PEOPLE)
    load(store, SHOP)
    tomas = ids.person("tomas.berg@acme.example")
    found = node(store, tomas)
    assert set(found.sources) == {"backstage", "scim"} and found.props["status"] == "offboarded"
    owned = {target for (source, target) in edges(store, EdgeKind.OWNS) if source == tomas}
    assert ids.github_workflow("acme", "shop", ".github/workflows/release.yml") in owned
    assert not store.nodes_by_id([ids.github_user("octo-dev")])


def test_workflow_role_and_catalog_role_and_repository_meet(store: GraphStore) -> None:
    load(store, PEOPLE, SHOP, SCANNERS / "trufflehog-v3-shop.jsonl")
    role = ids.aws_arn("arn:aws:iam::111122223333:role/shop-release")
    job = ids.github_job("acme", "shop", ".github/workflows/release.yml", "publish")
    assert (job, role) in edges(store, EdgeKind.RUNS_AS)
    assert (ids.person("mara.lindqvist@acme.example"), role) in edges(store, EdgeKind.OWNS)
    repository = node(store, ids.github_repo("acme", "shop"))
    assert {"backstage", "github-workflows", "trufflehog"} <= set(repository.sources)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, dict[str, object]]:
    out = tmp_path_factory.mktemp("demo")
    generate_demo(out, seed=7)
    return out, orjson.loads((out / "manifest.json").read_bytes())


def test_demo_estate_deploy_key_chain_meets_across_sources(
    store: GraphStore, demo: tuple[object, dict[str, object]]
) -> None:
    out, manifest = demo
    report = load(store, out)  # type: ignore[arg-type]
    mine = [
        f
        for f in report.files
        if f.loader
        in {"scim", "backstage", "github-runners", "github-workflows", "codeowners", "gitleaks", "trufflehog"}
    ]
    assert len(mine) > 100 and not [f for f in mine if f.rejected or f.failure], errors(report)
    situations = {s["id"]: s for s in manifest["situations"]}  # type: ignore[index, union-attr]
    deploy = situations["deploy_key_offboarded_owner"]
    uses = edges(store, EdgeKind.USES)
    assert all((deploy["pipeline"], secret) in uses for secret in deploy["secrets"])
    assert (deploy["pipeline"], deploy["runner_label"]) in edges(store, EdgeKind.RUNS_ON)
    members = edges(store, EdgeKind.MEMBER_OF)
    assert all((runner, deploy["runner_label"]) in members for runner in deploy["expected"]["runners"])
    # the EC2 instance tagged with the runner name is the same Runner as the inventory's
    runner = node(store, deploy["expected"]["runners"][0])
    assert {"aws-ec2", "github-runners"} <= set(runner.sources) and runner.props.get("ip_addresses")
    leak = situations["leaked_secret_active"]
    exposure = edges(store, EdgeKind.EXPOSED_IN)[(leak["subject"], leak["expected"]["exposed_in"])]
    assert exposure.props["verified"] is True and set(exposure.props["detectors"]) >= {
        "gitleaks:aws-access-token",
        "trufflehog:AWS",
    }
    assert node(store, leak["subject"]).props.get("status") == "active"  # the IAM side of the same key
    team = situations["team_no_active_member"]
    for person in team["expected"]["members"]:
        assert node(store, person).props["status"] == "offboarded" and (person, team["subject"]) in members
