"""Findings on the real corpus follow the evidence (issue 17 items 5, 10; issue 22 item 4).

- GITHUB_TOKEN is minted per job (`lifetime: per_job`): no reuse (NHI9) or long-lived (NHI7) finding.
- GitHub-hosted labels (`ubuntu-latest`) are no runners: a secret used on one self-hosted pool and
  on ubuntu-latest is used by one runner, not two.
- An exposed secret is critical (KT-NHI2-001) only when the scanner verified it or it was seen in
  use after the exposure; every other exposure is KT-NHI2-002 (medium) and says why.
"""

from __future__ import annotations

from graph.store import GraphStore
from queries import findings, shared_credentials
from tests.conftest import need_corpus
from tests.loader_helpers import NOW, load


def test_corpus_workflows_github_token_and_hosted_labels_are_not_shared_credentials(store: GraphStore) -> None:
    load(store, need_corpus() / "gha_workflows")
    result = findings(store, now=NOW)
    assert not [f for f in result.findings if f.owasp in ("NHI7", "NHI9") and f.subject.id.endswith("GITHUB_TOKEN")]
    assert not [f for f in result.findings if f.rule == "KT-NHI9-001"]  # before: 4, linux.2xlarge + ubuntu-latest
    assert shared_credentials(store, by="runner").credentials == []


def test_corpus_scanner_severity_follows_verification(store: GraphStore) -> None:
    corpus = need_corpus()
    load(store, corpus / "gitleaks_report", corpus / "trufflehog_report")
    result = findings(store, now=NOW)
    critical = [f for f in result.findings if f.rule == "KT-NHI2-001"]
    assert critical and all("verified live by the scanner" in f.message for f in critical)
    assert {f.subject.id for f in critical} >= {"aws:key:AKIAYVP4CIPPERUVIFXG"}
    unconfirmed = [f for f in result.findings if f.rule == "KT-NHI2-002"]
    assert unconfirmed and all(f.severity == "medium" and "not verified" in f.message for f in unconfirmed)
    assert "aws:key:AKIAIOSFODNN7EXAMPLE" in {f.subject.id for f in unconfirmed}
