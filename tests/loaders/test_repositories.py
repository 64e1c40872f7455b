"""Which repository a workflow or scanner report belongs to, and saying so when keytrail assumed it
(issue 17 item 12): the load summary's line for the file, `keytrail load --format json`, the
exposure edge and pipeline nodes, and the finding's text all carry the assumption and its reason.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
from click.testing import CliRunner

from api.cli import cli
from graph import ids
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from queries.findings import findings
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import edges, load, node

LOCAL_GITLEAKS = ids.github_repo("local", "gitleaks_report")


def test_corpus_gitleaks_reports_say_their_repository_was_assumed_from_the_folder(store: GraphStore) -> None:
    report = load(store, need_corpus() / "gitleaks_report")
    for file_report in report.files:
        assert file_report.assumed == [
            "repository assumed: local/gitleaks_report from the name of the folder the report lies in "
            "(gitleaks_report): the file names no repository (give --repository)"
        ], file_report.path
    exposures = [e for (_c, r), e in edges(store, EdgeKind.EXPOSED_IN).items() if r == LOCAL_GITLEAKS]
    assert exposures and all("from the name of the folder" in str(e.props["repository_assumed"]) for e in exposures)
    assert "gitleaks_report" in str(node(store, LOCAL_GITLEAKS).props["assumed"])


def test_a_report_naming_its_repository_assumes_nothing(store: GraphStore) -> None:
    """trufflehog v3 git results name the repository in SourceMetadata: nothing is assumed there,
    while the v2 report beside it (no repository field) says it was."""
    report = load(store, need_corpus() / "trufflehog_report")
    by_name = {Path(f.path).name: f for f in report.files}
    assert by_name["defectdojo__trufflehog_v3_git.json"].assumed == []
    assert (
        by_name["defectdojo__trufflehog_v2_many_vulns.json"]
        .assumed[0]
        .startswith("repository assumed: local/trufflehog_report from the name of the folder")
    )
    named = edges(store, EdgeKind.EXPOSED_IN)[
        (ids.aws_key("AKIAYVP4CIPPERUVIFXG"), ids.github_repo("trufflesecurity", "test_keys"))
    ]
    assert named.props.get("repository_assumed") is None


def test_repository_given_on_the_command_line_is_not_an_assumption(store: GraphStore) -> None:
    report = load(store, need_corpus() / "gitleaks_report", repository="acme/dojo")
    assert all(f.assumed == [] for f in report.files)
    exposures = [e for (_c, r), e in edges(store, EdgeKind.EXPOSED_IN).items() if r == ids.github_repo("acme", "dojo")]
    assert exposures and all(e.props.get("repository_assumed") is None for e in exposures)


def test_a_report_in_a_checkout_says_the_repository_came_from_the_checkout(store: GraphStore, tmp_path: Path) -> None:
    checkout = tmp_path / "acme" / "shop"
    (checkout / ".git").mkdir(parents=True)
    shutil.copy(FIXTURES / "scanners" / "gitleaks-v8-keys.json", checkout / "gitleaks.json")
    report = load(store, checkout / "gitleaks.json")
    assert report.files[0].assumed == [
        "repository assumed: acme/shop from the checkout the report lies in (acme/shop/ holds .git; "
        "the org is the parent folder's name)"
    ]
    exposures = [e for (_c, r), e in edges(store, EdgeKind.EXPOSED_IN).items() if r == ids.github_repo("acme", "shop")]
    assert exposures and all("checkout" in str(e.props["repository_assumed"]) for e in exposures)


def test_corpus_workflows_say_their_repository_was_assumed(store: GraphStore) -> None:
    """pytorch's and tinygrad's workflows lie in one folder and name no repository of their own
    (their checkouts name others): both land in local/gha_workflows, and the summary says so."""
    report = load(store, need_corpus() / "gha_workflows")
    assert report.files and all(
        f.assumed and f.assumed[0].startswith("repository assumed: local/gha_workflows from the name of the folder")
        for f in report.files
    )
    pipelines = store.nodes_of_kind(NodeKind.PIPELINE, limit=1000)
    assert pipelines and all("gha_workflows" in str(p.props["repository_assumed"]) for p in pipelines)


def test_workflow_in_a_checkout_path_says_so(store: GraphStore) -> None:
    workflow = FIXTURES / "github" / "checkout" / "acme" / "shop" / ".github" / "workflows" / "release.yml"
    report = load(store, workflow)
    assert report.files[0].assumed == [
        "repository assumed: acme/shop from the checkout path (acme/shop/.github/workflows/release.yml; "
        "the org is the folder's name)"
    ]


def test_workflow_with_repository_option_assumes_nothing(store: GraphStore) -> None:
    report = load(
        store, need_corpus() / "gha_workflows" / "tinygrad__python-publish.yml", repository="tinygrad/tinygrad"
    )
    assert report.files[0].assumed == []
    job = store.nodes_of_kind(NodeKind.PIPELINE, limit=10)
    assert {p.props["repository"] for p in job} == {"tinygrad/tinygrad"}
    assert all(p.props.get("repository_assumed") is None for p in job)


def test_unconfirmed_exposure_finding_says_the_repository_was_assumed(store: GraphStore) -> None:
    load(store, need_corpus() / "gitleaks_report")
    found = findings(store, rule="KT-NHI2-002")
    assert found.findings
    assert all("github:local/gitleaks_report (repository assumed)" in f.message for f in found.findings)
    assert all(any(e.props.get("repository_assumed") for e in f.evidence) for f in found.findings)


def test_load_text_and_json_summaries_carry_the_assumption(tmp_path: Path) -> None:
    folder = need_corpus() / "gitleaks_report"
    text = CliRunner().invoke(cli, ["load", "--store", str(tmp_path / "a"), str(folder)], env={"KEYTRAIL_STORE": ""})
    assert text.exit_code == 0, text.output
    assert text.stdout.count("  repository assumed: local/gitleaks_report from the name of the folder") == 3
    result = CliRunner().invoke(
        cli, ["load", "--store", str(tmp_path / "b"), "--format", "json", str(folder)], env={"KEYTRAIL_STORE": ""}
    )
    assert result.exit_code == 0, result.output
    document = orjson.loads(result.stdout)
    assert document["complete"] is True and document["rejected"] == 0
    assert [len(f["assumed"]) for f in document["files"]] == [1, 1, 1]
    assert document["files"][0]["assumed"][0].startswith("repository assumed: local/gitleaks_report from")
    assert document["totals"]["nodes"] > 0


def test_codeowners_in_a_checkout_says_where_its_repository_came_from(store: GraphStore) -> None:
    codeowners = FIXTURES / "github" / "checkout" / "acme" / "shop" / ".github" / "CODEOWNERS"
    report = load(store, codeowners)
    assert report.files[0].loader == "codeowners"
    assert report.files[0].assumed == [
        "repository assumed: acme/shop from the checkout path (acme/shop/ holds .github; the org is the folder's name)"
    ]
    # the checkout path outranks --repository (loaders/repositories.py), and the line still says so
    assert load(store, codeowners, repository="other/repo").files[0].assumed == report.files[0].assumed
