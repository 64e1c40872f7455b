"""The findings a new user gets from the whole shared corpus (issue 17, "done when"): every finding
cites evidence, none calls a service-linked role or a user account of unknown nature an unowned
non-human identity, and a token Secret nothing mounts cites where it is stored.
"""

from __future__ import annotations

from graph import ids
from graph.store import GraphStore
from queries.findings import findings
from tests.conftest import need_corpus
from tests.loader_helpers import load


def test_whole_corpus_findings_all_cite_evidence(embedded_store: GraphStore) -> None:
    load(embedded_store, need_corpus())
    result = findings(embedded_store)
    assert result.total == len(result.findings) > 100
    assert [f.id for f in result.findings if not f.evidence] == []
    unowned = {f.subject.id for f in result.findings if f.rule == "KT-NHI1-002"}
    assert not [s for s in unowned if "AWSServiceRoleFor" in s]
    # the only IAM users called non-human are those the credential report shows are machines'
    users = sorted(s for s in unowned if ":user/" in s)
    assert users == [ids.aws_arn(f"arn:aws:iam::123456789012:user/{name}") for name in ("auditor_tmp", "user")]
    legacy = {f.subject.id: f for f in result.findings if f.rule == "KT-NHI4-002"}
    sec3 = legacy["k8s:default:secret:default/sec3"]
    assert [(e.kind, e.target) for e in sec3.evidence] == [("STORED_IN", "k8s:default:res:default/secrets/sec3")]
    assert sec3.evidence[0].evidence[0].locator.endswith("Secret default/sec3")
