"""Scanner findings meet only on material that identifies a secret (issue 17 items 1 and 13).

A bare `-----BEGIN … PRIVATE KEY-----` header, a redaction placeholder or a low-entropy value
names no key: on the real corpus, gitleaks and trufflehog v2 record only headers, and before
this every RSA header became one Credential "exposed" in unrelated repositories. A whole key, an
OpenSSH key's public fingerprint or a strong value still joins scanners and repositories.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import orjson
import pytest

from graph import ids
from graph.schema import EdgeKind, NodeKind
from graph.store import GraphStore
from loaders.scanners.identify import identify, is_identifying, is_pem_header, openssh_fingerprint
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import HMAC_KEY, edges, load, node

SCANNERS = FIXTURES / "scanners"
SHOP, PAYMENTS = ids.github_repo("acme", "shop"), ids.github_repo("acme", "payments")
CANARY_SSH = ids.ssh_key("SHA256:kKHz3VlDXHUFcEW+XuGNqGI7v8c0A/LF9f48s3X1ThM")
"""trufflesecurity/test_keys' OpenSSH key, as `ssh-keygen -l` prints it (test_fingerprint_matches_ssh_keygen)."""


def _credentials(store: GraphStore) -> dict[str, object]:
    return {n.id: n for n in store.nodes_of_kind(NodeKind.CREDENTIAL, limit=100_000)}


def _exposures_per_credential(store: GraphStore) -> Counter[str]:
    return Counter(credential for credential, _repo in edges(store, EdgeKind.EXPOSED_IN))


@pytest.mark.parametrize(
    ("value", "identifying"),
    [
        ("-----BEGIN RSA PRIVATE KEY-----", False),
        ("'-----BEGIN OPENSSH PRIVATE KEY-----'", False),
        ("REDACTED", False),
        ("************************", False),
        ("[redacted]", False),
        ("secretAWSsecret", False),  # gitleaks8_many's placeholder (43 bits)
        ("changeme", False),
        ("admin:admin", False),
        ("dfjksdjfs3294dfjlsdaf213", True),
        ("ghp_fixtureTokenValue0123456789abcdefABCD", True),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAACmFl", False),  # a truncated block
    ],
)
def test_what_can_name_a_secret(value: str, identifying: bool) -> None:
    assert is_identifying(value) is identifying


def test_a_header_or_placeholder_falls_back_to_the_finding_itself() -> None:
    header = "-----BEGIN RSA PRIVATE KEY-----"
    assert identify(header, (header,), "", "repo:c1:a.py:rsa:3").kind == "location"
    assert identify("REDACTED", (), "c1:a.py:slack:7", "repo:c1:a.py:slack:7").kind == "scanner_fingerprint"
    assert identify("ghp_fixtureTokenValue0123456789abcdefABCD", (), "fp", "loc").kind == "value"


def _corpus_openssh_body() -> str:
    for line in (need_corpus() / "trufflehog_report" / "defectdojo__trufflehog_v3_git.json").read_text().splitlines():
        result = orjson.loads(line)
        if result["DetectorName"] == "PrivateKey":
            key = base64.b64decode(result["Raw"]).decode()
            return key.split("-----")[2]
    raise AssertionError("the corpus has no trufflehog PrivateKey result")


def test_fingerprint_matches_ssh_keygen(tmp_path: Path) -> None:
    """The public-key fingerprint read from the key equals what OpenSSH itself prints."""
    body = _corpus_openssh_body()
    assert ids.ssh_key(openssh_fingerprint(body)) == CANARY_SSH
    keygen = shutil.which("ssh-keygen")
    if keygen is None:
        return  # the constant above was taken from ssh-keygen; the equality was checked already
    key = tmp_path / "key"
    key.write_text(f"-----BEGIN OPENSSH PRIVATE KEY-----{body}-----END OPENSSH PRIVATE KEY-----\n")
    key.chmod(0o600)
    printed = subprocess.run([keygen, "-l", "-f", str(key)], capture_output=True, text=True, check=True).stdout
    assert printed.split()[1] == openssh_fingerprint(body)


def _corpus_header_findings(corpus: Path) -> int:
    """Places (commit, file, rule, line or index) where a corpus report matched a bare PEM header;
    trufflehog v2 prints one of them twice (testRules.json at 5717db6f): one place, one finding."""
    places: set[tuple[object, ...]] = set()
    for path in sorted((corpus / "gitleaks_report").iterdir()):
        for f in orjson.loads(path.read_bytes()):
            if is_pem_header(f.get("Secret") or f.get("offender")):
                places.add((f.get("Commit") or f.get("commit"), f.get("File") or f.get("file"), f.get("StartLine")))
    for path in sorted((corpus / "trufflehog_report").iterdir()):
        for line in path.read_text().splitlines():
            r = orjson.loads(line)
            for index, text in enumerate(r.get("stringsFound") or []):
                if is_pem_header(text):
                    places.add((r["commitHash"], r["path"], r["reason"], index))
    return len(places)


FINDING_NAMED = {"location", "scanner_fingerprint"}


def test_corpus_private_key_headers_never_merge_across_files_repositories_or_scanners(store: GraphStore) -> None:
    corpus = need_corpus()
    load(store, corpus / "gitleaks_report", corpus / "trufflehog_report")
    credentials = _credentials(store)
    per_credential = _exposures_per_credential(store)
    headers = [c for c in credentials.values() if c.props.get("identified_by") in FINDING_NAMED]
    # one Credential per header finding (3 in gitleaks, 58 places in trufflehog v2), not one per key type
    assert sum(1 for c in headers if c.props["credential_type"] == "private_key") == _corpus_header_findings(corpus)
    assert _corpus_header_findings(corpus) > 50
    for credential in headers:
        assert per_credential[credential.id] == 1
        (exposure,) = [e for (c, _), e in edges(store, EdgeKind.EXPOSED_IN).items() if c == credential.id]
        assert len(exposure.props["files"]) <= 1 and len(exposure.props["commits"]) <= 1
    # no Credential is exposed in two repositories unless something that names a secret joins it
    for credential_id, count in per_credential.items():
        if count > 1:
            assert credentials[credential_id].props["identified_by"] in {"key_id", "public_key", "whole_key", "value"}
    # the low-entropy AWS "secret" of gitleaks8_many (two commits of /conf/aws.tf) is two places
    aws_tf = [e for (c, _), e in edges(store, EdgeKind.EXPOSED_IN).items() if e.props["files"] == ["/conf/aws.tf"]]
    assert len(aws_tf) == 2


def test_corpus_trufflehog_private_key_is_its_public_fingerprint_and_its_github_user(store: GraphStore) -> None:
    load(store, need_corpus() / "trufflehog_report")
    key = node(store, CANARY_SSH)
    assert key.props["identified_by"] == "public_key" and key.props["credential_type"] == "private_key"
    assert (CANARY_SSH, ids.github_repo("trufflesecurity", "test_keys")) in edges(store, EdgeKind.EXPOSED_IN)
    holder = ids.github_user("thisisforgithub0")
    assert node(store, holder).kind is NodeKind.PERSON
    uses = edges(store, EdgeKind.USES)[(holder, CANARY_SSH)]
    assert uses.props["matched_by"] == "scanner_verification" and uses.props["via"] == "github_ssh_key"


def test_corpus_canary_iam_user_has_the_account_the_file_gives(store: GraphStore) -> None:
    load(store, need_corpus() / "trufflehog_report")
    arn = "arn:aws:iam::595918472158:user/canarytokens.com@@mirux23ppyky6hx3l6vclmhnj"
    assert node(store, ids.aws_arn(arn)).props["account"] == "595918472158"
    assert node(store, ids.aws_key("AKIAYVP4CIPPERUVIFXG")).props["account"] == "595918472158"


def test_fixture_whole_keys_join_scanners_and_repositories_headers_and_weak_values_do_not(store: GraphStore) -> None:
    load(store, SCANNERS / "gitleaks-v8-keys.json", SCANNERS / "trufflehog-v3-keys.jsonl", repository="acme/shop")
    exposed = edges(store, EdgeKind.EXPOSED_IN)
    deploy_keys = [c for (c, r) in exposed if r == PAYMENTS]
    assert len(deploy_keys) == 1 and deploy_keys[0].startswith("ssh:SHA256:")
    deploy_key = deploy_keys[0]
    # one OpenSSH key: gitleaks in acme/shop and trufflehog in acme/payments meet on its public key
    assert (deploy_key, SHOP) in exposed
    assert node(store, deploy_key).props["identified_by"] == "public_key"
    assert (ids.github_user("acme-deploy-bot"), deploy_key) in edges(store, EdgeKind.USES)
    shop = {c: node(store, c).props["identified_by"] for (c, r) in exposed if r == SHOP}
    # gitleaks v8 findings carry their own Fingerprint: that names each header / weak-value finding
    assert sorted(shop.values()) == ["public_key", *["scanner_fingerprint"] * 4, "whole_key"]
    assert all(exposed[(c, SHOP)].count == 1 for c in shop)  # two headers, two "changeme": four places
    whole = next(c for c, how in shop.items() if how == "whole_key")
    assert whole.startswith("secret:hmac:") and node(store, whole).props["credential_type"] == "private_key"


def test_hmac_of_a_header_is_not_the_credential(store: GraphStore) -> None:
    """The old id (HMAC of the header text) must not exist any more: it was the merge point."""
    corpus = need_corpus()
    load(store, corpus / "gitleaks_report", corpus / "trufflehog_report")
    credentials = _credentials(store)
    for header in ("-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN OPENSSH PRIVATE KEY-----"):
        assert ids.secret_hmac(header, HMAC_KEY) not in credentials
