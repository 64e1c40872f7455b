"""The registry table: every loader's sniffer claims its own format's real files and rejects every
other format's, on the shared corpus, on tests/fixtures and on the demo estate, so detection does
not depend on the order of the table."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import LoadError
from loaders.base import SAMPLE_BYTES, Sample, SourceFile
from loaders.demo import generate_demo
from loaders.formats.compressed import open_text
from loaders.registry import LOADERS, REGISTRY, Phase, loader_named, phase_of
from loaders.runner import discover
from tests.conftest import FIXTURES, need_corpus

# The format of each corpus folder, by loader name; folders of formats keytrail does not read
# yet map to None: no loader may claim their files.
CORPUS_FORMATS: dict[str, str | None] = {
    "cloudtrail": "aws-cloudtrail",
    "iam_authz": "aws-iam",
    "iam_credential_report": "aws-credential-report",
    "gha_workflows": "github-workflows",
    "gitleaks_report": "gitleaks",
    "trufflehog_report": "trufflehog",
    "azure_ad_signin": "entra",
    "gcp_audit": "gcp-audit",
    "github_audit": "github-audit",
    "k8s_audit": "k8s-audit",
    "k8s_manifests": "k8s-manifests",
    "okta": "okta-system-log",
    "openssh_auth": "openssh-auth",
    "teleport": "teleport-audit",
}
# Files whose format differs from their folder's: GitHub webhook payloads sit beside the audit log
# (keytrail does not read webhook deliveries).
CORPUS_FILE_FORMATS: dict[str, str | None] = {"github_audit/panther__GitHub.Webhook.jsonl": None}
NOT_DATA = (".py", ".md", ".tsv", ".schema.json")  # JSON Schemas the tests validate against


def claims(source: SourceFile) -> list[str]:
    """Every loader whose sniffer accepts the file, in table order."""
    with open_text(source) as handle:
        sample = Sample(source, handle.read(SAMPLE_BYTES))
    return [loader.name for loader in LOADERS if loader.sniff(sample)]


def data_files(root: Path) -> list[SourceFile]:
    return [file for file in discover([root]) if not file.path.name.endswith(NOT_DATA)]


def test_every_corpus_file_is_claimed_by_its_own_loader_alone() -> None:
    corpus = need_corpus()
    assert set(CORPUS_FORMATS) == {p.name for p in corpus.iterdir() if p.is_dir()}, "a corpus folder is unmapped"
    wrong = {}
    for file in data_files(corpus):
        relative = file.path.relative_to(corpus)
        expected = CORPUS_FILE_FORMATS.get(relative.as_posix(), CORPUS_FORMATS[relative.parts[0]])
        found = claims(file)
        if found != ([expected] if expected else []):
            wrong[file.display] = found
    assert wrong == {}


def test_every_fixture_is_claimed_by_exactly_one_loader() -> None:
    wrong = {file.display: found for file in data_files(FIXTURES) if len(found := claims(file)) != 1}
    assert wrong == {}


def test_every_demo_estate_file_is_claimed_by_exactly_one_loader(tmp_path: Path) -> None:
    generate_demo(tmp_path / "demo")
    files = [f for f in data_files(tmp_path / "demo") if f.path.name != "manifest.json"]
    wrong = {file.display: found for file in files if len(found := claims(file)) != 1}
    assert len(files) > 100 and wrong == {}


def test_the_table_names_each_loader_once_with_a_phase() -> None:
    names = [row.loader.name for row in REGISTRY]
    assert len(names) == len(set(names))
    assert all(isinstance(row.phase, Phase) and phase_of(row.loader) is row.phase for row in REGISTRY)
    assert all(loader_named(name).name == name for name in names)


def test_inventories_load_before_activity() -> None:
    assert phase_of(loader_named("scim")) < phase_of(loader_named("aws-iam")) < phase_of(loader_named("aws-cloudtrail"))
    assert phase_of(loader_named("aws-iam")) < phase_of(loader_named("aws-credential-report"))


def test_an_unknown_source_names_the_known_ones() -> None:
    with pytest.raises(LoadError, match=r"known sources: .*aws-cloudtrail"):
        loader_named("nope")


def test_every_ticket_import_framing_is_claimed_by_the_tickets_loader() -> None:
    """CSV, a `tickets` object, a bare array and JSON lines (docs/tickets.md) are all `tickets`."""
    files = data_files(FIXTURES / "tickets")
    assert {f.path.suffix for f in files} == {".csv", ".json", ".jsonl"} and len(files) >= 4
    assert {file.display: claims(file) for file in files} == {file.display: ["tickets"] for file in files}


def test_a_cloud_logging_file_that_starts_with_a_gke_entry_is_gcp_audit(tmp_path: Path) -> None:
    """A GKE audit entry quotes the Kubernetes object it wrote (apiVersion, kind), but a LogEntry is
    no manifest: a sink file whose first line is one is still the GCP loader's."""
    lines = (need_corpus() / "gcp_audit" / "panther__GCP.AuditLog.jsonl").read_text().splitlines()
    gke = [line for line in lines if "io.k8s" in line]
    assert gke, "the corpus file holds GKE entries"
    path = tmp_path / "sink.jsonl"
    path.write_text("\n".join(gke + [line for line in lines if "io.k8s" not in line]) + "\n", encoding="utf-8")
    (file,) = discover([path])
    assert claims(file) == ["gcp-audit"]
