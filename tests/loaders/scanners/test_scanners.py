"""Secret-scanner loaders: gitleaks v7/v8 and trufflehog v2/v3, corpus reports and fixtures."""

from __future__ import annotations

from pathlib import Path

import orjson

from graph import ids
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import HMAC_KEY, edges, errors, export_text, load, node

SCANNERS = FIXTURES / "scanners"
KEY = ids.aws_key("AKIAQYLPMN5HFIXTURE1")
SHOP = ids.github_repo("acme", "shop")


def test_corpus_gitleaks_v7_and_v8(store: GraphStore) -> None:
    folder = need_corpus() / "gitleaks_report"
    report = load(store, folder)
    assert {f.loader for f in report.files} == {"gitleaks"} and report.rejected == 0
    exposed = edges(store, EdgeKind.EXPOSED_IN)
    repository = ids.github_repo("local", "gitleaks_report")
    example = exposed[(ids.aws_key("AKIAIOSFODNN7EXAMPLE"), repository)]
    assert example.count == 6  # six v7 findings of the documentation key, one exposure
    assert example.props["commits"] == [
        "6d127980966808f7413935678e079dcd7fedf9c2",
        "8bbcdfd743c5695bdd7d3bc21aa9417131a7ab12",
    ]
    assert "dojo/unittests/tools/test_gitlab_secret_detection_report_parser.py:37" in example.props["lines"]
    assert "nate.bwangsut@gmail.com" in example.props["authors"]
    # the two redacted v8 findings stay two credentials, never one merged "****"
    redacted = [e for (c, r), e in exposed.items() if e.props["detectors"] == ["gitleaks:pypi-upload-token"]]
    assert len(redacted) == 2


def test_corpus_trufflehog_v2_and_v3(store: GraphStore) -> None:
    folder = need_corpus() / "trufflehog_report"
    report = load(store, folder)
    assert {f.loader for f in report.files} == {"trufflehog"} and report.rejected == 0
    canary = ids.aws_key("AKIAYVP4CIPPERUVIFXG")
    repository = ids.github_repo("trufflesecurity", "test_keys")
    exposure = edges(store, EdgeKind.EXPOSED_IN)[(canary, repository)]
    assert exposure.props["verified"] is True and exposure.props["lines"] == ["keys:4"]
    assert node(store, canary).props["verified"] is True
    owner = ids.aws_arn("arn:aws:iam::595918472158:user/canarytokens.com@@mirux23ppyky6hx3l6vclmhnj")
    assert (owner, canary) in edges(store, EdgeKind.HAS_CREDENTIAL)
    v2 = [
        e
        for (c, r), e in edges(store, EdgeKind.EXPOSED_IN).items()
        if r == ids.github_repo("local", "trufflehog_report")
    ]
    lines = (folder / "defectdojo__trufflehog_v2_many_vulns.json").read_text().splitlines()
    assert sum(e.count for e in v2) == sum(len(orjson.loads(line)["stringsFound"]) for line in lines) == 66


def test_fixture_reports_meet_on_key_and_hmac_with_located_errors(store: GraphStore) -> None:
    report = load(store, SCANNERS, repository="acme/shop")
    by_loader = {f.loader: f for f in report.files if "-shop." in f.path}
    assert by_loader["gitleaks"].rejected == 1 and "record 3" in str(by_loader["gitleaks"].errors[0])
    assert by_loader["trufflehog"].rejected == 1 and "line 2" in str(by_loader["trufflehog"].errors[0])
    assert by_loader["gitleaks"].accepted == 5 and by_loader["trufflehog"].accepted == 2
    exposure = edges(store, EdgeKind.EXPOSED_IN)[(KEY, SHOP)]
    assert exposure.count == 2 and exposure.props["verified"] is True
    assert exposure.props["detectors"] == ["gitleaks:aws-access-token", "trufflehog:AWS"]
    assert exposure.props["authors"] == ["ines.okafor@acme.example"]
    token = ids.secret_hmac("ghp_fixtureTokenValue0123456789abcdefABCD", HMAC_KEY)
    assert edges(store, EdgeKind.EXPOSED_IN)[(token, SHOP)].count == 2  # gitleaks and trufflehog, one value
    assert node(store, token).kind is NodeKind.CREDENTIAL
    identity = ids.aws_arn("arn:aws:iam::111122223333:user/svc-shop-release")
    assert (identity, KEY) in edges(store, EdgeKind.HAS_CREDENTIAL)


def test_rejection_messages_never_quote_the_finding(store: GraphStore) -> None:
    report = load(store, SCANNERS, repository="acme/shop")
    text = " ".join(errors(report))
    assert "QUtJQ" not in text and "x.py" not in text


def test_loading_twice_leaves_the_export_unchanged(store: GraphStore) -> None:
    load(store, SCANNERS, repository="acme/shop")
    first = export_text(store)
    load(store, SCANNERS, repository="acme/shop")
    assert export_text(store) == first


def test_corpus_gitleaks_locators_name_the_record_and_what_identifies_it(store: GraphStore) -> None:
    """A gitleaks report is a (pretty-printed) JSON array: its locators give the record index with
    the finding's Fingerprint, else commit:file:rule:line, text a person can search for."""
    folder = need_corpus() / "gitleaks_report"
    load(store, folder)
    pointers = [p for e in edges(store, EdgeKind.EXPOSED_IN).values() for p in e.evidence]
    assert pointers
    for pointer in pointers:
        index, named = pointer.locator.removeprefix("record ").split(" (", 1)
        record = orjson.loads(Path(pointer.source).read_bytes())[int(index) - 1]
        named = named.removesuffix(")")
        if "Fingerprint" in record:
            assert record["Fingerprint"] == named
        else:  # v8 without a Fingerprint names its fields Commit/File, v7 commit/file
            commit, file, *_ = named.split(":")
            assert (record.get("Commit", record.get("commit", "")), record.get("File", record.get("file"))) == (
                commit,
                file,
            )
