"""No secret value from any scanner report reaches a store, an export, the CLI's output or a log.

Every report in the corpus (gitleaks_report, trufflehog_report) and in tests/fixtures/scanners
is loaded into both stores and through `keytrail load` / `keytrail export`; then every secret
value the reports hold (gitleaks Secret / offender, trufflehog stringsFound, Raw, RawV2 in both
their base64 and decoded forms, and the secret half of AWS key pairs) is searched for in the
store export, the CLI output, the captured logs and the bytes of the SQLite files. AWS access
key ids are public ids by design (aws:key:...) and redacted placeholders are not secrets; values
shorter than 8 characters are too common to search meaningfully.

Kubernetes: every Secret `data` / `stringData` value of the fixture manifests and of the audit
events' requestObject / responseObject (base64 and decoded) is searched for the same way.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import yaml
from click.testing import CliRunner

from api.cli import cli
from graph.store import GraphStore
from loaders.scanners.findings import is_redacted
from tests.conftest import FIXTURES, need_corpus
from tests.loader_helpers import export_text, load

_KEY_ID = re.compile(r"^(AKIA|ASIA)[A-Z0-9]{16}$")
_KEY_PREFIX = re.compile(r"^((?:AKIA|ASIA)[A-Z0-9]{16})(.+)$", re.S)


def _reports() -> list[Path]:
    corpus = need_corpus()
    found = [*sorted((corpus / "gitleaks_report").iterdir()), *sorted((corpus / "trufflehog_report").iterdir())]
    return found + sorted((FIXTURES / "scanners").iterdir())


def _decoded(value: str) -> str:
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""


def _raw_values(item: dict[str, object]) -> Iterator[str]:
    for key in ("Secret", "offender"):
        if isinstance(item.get(key), str):
            yield str(item[key])
    for text in item.get("stringsFound") or [] if isinstance(item.get("stringsFound"), list) else []:
        yield str(text)
    for key in ("Raw", "RawV2"):
        value = item.get(key)
        if isinstance(value, str) and value:
            yield value
            decoded = _decoded(value)
            yield decoded
            pair = _KEY_PREFIX.match(decoded)
            if pair:
                yield pair.group(2)  # the secret half of an AWS key pair


def _items(path: Path) -> Iterator[dict[str, object]]:
    text = path.read_text()
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError:
        document = None
    if isinstance(document, list):
        yield from (item for item in document if isinstance(item, dict))
        return
    for line in text.splitlines():
        try:
            parsed = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue  # the fixtures' deliberately malformed line
        if isinstance(parsed, dict):
            yield parsed


def secret_values() -> set[str]:
    values: set[str] = set()
    for path in _reports():
        for item in _items(path):
            for value in _raw_values(item):
                text = value.strip()
                if len(text) >= 8 and not _KEY_ID.match(text) and not is_redacted(text):
                    values.add(text)
    return values


def _leaks(haystack: str, values: set[str]) -> list[str]:
    return sorted(value[:4] + "..." for value in values if value in haystack)


def test_there_are_secrets_to_look_for() -> None:
    values = secret_values()
    assert len(values) >= 15
    assert any(v.startswith("-----BEGIN OPENSSH PRIVATE KEY-----\n") for v in values)  # trufflehog v3 Raw


def test_stores_and_exports_hold_no_secret(store: GraphStore, caplog: pytest.LogCaptureFixture) -> None:
    values = secret_values()
    caplog.set_level(logging.DEBUG)
    report = load(store, *_reports(), repository="acme/shop")
    assert sum(f.accepted for f in report.files) > 80
    assert not _leaks(export_text(store), values)
    assert not _leaks(" ".join(str(e) for f in report.files for e in f.errors), values)
    assert not _leaks(caplog.text, values)


def test_cli_load_export_logs_and_sqlite_bytes_hold_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    values = secret_values()
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("KEYTRAIL_HMAC_KEY", "cli-test-key")
    monkeypatch.delenv("KEYTRAIL_STORE", raising=False)
    database = tmp_path / "store" / "keytrail.db"
    runner = CliRunner()
    loaded = runner.invoke(cli, ["load", "--store", str(database), "--repository", "acme/shop", *map(str, _reports())])
    # exit 1: the corpus reports hold records keytrail rejects (documented: 1 = some records rejected)
    assert loaded.exit_code == 1 and "records accepted" in loaded.output and "rejected:" in loaded.output
    exported = runner.invoke(cli, ["export", "--store", str(database)])
    assert exported.exit_code == 0 and '"kind":"EXPOSED_IN"' in exported.output
    for text in (loaded.output, exported.output, caplog.text):
        assert not _leaks(text, values)
    files = [p for p in database.parent.iterdir() if p.is_file()]
    assert files
    for path in files:
        content = path.read_bytes()
        assert not [v[:4] for v in values if v.encode() in content], path.name


# Audit logs name credentials by id only; these fixtures carry a value anyway (a misconfigured or
# hostile export: a key's private material in a GCP response, a token in an Okta debug context, a
# token in a GitHub audit event), and the loaders must keep the id and drop the value.
AUDIT_SECRETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "gcp_audit/entries-list-with-key-material.json": (
        "gcp:sa-key:77aa77aa77aa77aa77aa77aa77aa77aa77aa77aa",
        (
            "ewogICJ0eXBlIjogInNlcnZpY2VfYWNjb3VudCIsCiAgInByaXZhdGVfa2V5IjogIktUX0ZBS0VfUFJJVkFURV9LRVlfR0NQIgp9",
            "KT_FAKE_PRIVATE_KEY_GCP",
        ),
    ),
    "github_audit/audit-log-stream.jsonl": (
        "github:token:4343",
        ("github_pat_11KTFAKE0000_DoNotStoreThisValueEver1234567890",),
    ),
    "okta/system-log-lines.jsonl": ("okta:token:00T1hostile0000000", ("00KtFakeOktaTokenValue_DoNotStore_1234567890",)),
}


@pytest.mark.parametrize("fixture", sorted(AUDIT_SECRETS))
def test_audit_log_secret_values_never_reach_a_store(
    fixture: str, store: GraphStore, caplog: pytest.LogCaptureFixture
) -> None:
    credential, values = AUDIT_SECRETS[fixture]
    caplog.set_level(logging.DEBUG)
    report = load(store, FIXTURES / fixture)
    assert store.nodes_by_id([credential])  # the credential is there, by id
    exported = export_text(store)
    for text in (exported, " ".join(str(e) for f in report.files for e in f.errors), caplog.text):
        assert not _leaks(text, set(values))


# Kubernetes: Secret `data` / `stringData` in manifests and in audit events' requestObject /
# responseObject (RequestResponse level) — in their base64 and decoded forms.

K8S_FILES = [
    FIXTURES / "kubernetes" / "manifests",
    FIXTURES / "kubernetes" / "audit",
    FIXTURES / "kubernetes" / "malformed",
]


def _secret_objects(value: object) -> Iterator[dict[str, object]]:
    if isinstance(value, dict):
        if value.get("kind") == "Secret":
            yield value
        for inner in value.values():
            yield from _secret_objects(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _secret_objects(inner)


def kubernetes_secret_values() -> set[str]:
    values: set[str] = set()
    documents: list[object] = []
    for folder in K8S_FILES:
        for path in sorted(folder.iterdir()):
            text = path.read_text()
            if path.suffix == ".yaml":
                documents.extend(yaml.safe_load_all(text))
                continue
            for chunk in [text, *text.splitlines()]:
                try:
                    documents.append(orjson.loads(chunk))
                except orjson.JSONDecodeError:
                    continue
    for secret in (s for d in documents for s in _secret_objects(d)):
        for field in ("data", "stringData"):
            block = secret.get(field)
            for raw in block.values() if isinstance(block, dict) else []:
                for value in (str(raw), _decoded(str(raw))):
                    if len(value) >= 8:
                        values.add(value)
    return values


def test_kubernetes_secret_values_are_never_stored(store: GraphStore, caplog: pytest.LogCaptureFixture) -> None:
    values = kubernetes_secret_values()
    assert {"hunter2-db-password-value", "new-token-secret-value", "plain-text-never-stored-9d1e"} <= values
    caplog.set_level(logging.DEBUG)
    report = load(store, *K8S_FILES, cluster="lab")
    exported = export_text(store)
    assert '"k8s-audit"' in exported and "k8s:lab:secret:shop/new-token" in exported  # the Secret, not its data
    assert not _leaks(exported, values)
    assert not _leaks(" ".join(str(e) for f in report.files for e in f.errors), values)
    assert not _leaks(caplog.text, values)


def test_kubernetes_cli_load_export_and_sqlite_bytes_hold_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = kubernetes_secret_values()
    monkeypatch.setenv("KEYTRAIL_HMAC_KEY", "cli-test-key")
    monkeypatch.delenv("KEYTRAIL_STORE", raising=False)
    database = tmp_path / "store" / "keytrail.db"
    runner = CliRunner()
    loaded = runner.invoke(cli, ["load", "--store", str(database), "--cluster", "lab", *map(str, K8S_FILES)])
    assert loaded.exit_code == 1 and "rejected:" in loaded.output  # the malformed fixtures' records
    exported = runner.invoke(cli, ["export", "--store", str(database)])
    assert exported.exit_code == 0 and "session:k8s:lab:" in exported.output
    for text in (loaded.output, exported.output):
        assert not _leaks(text, values)
    for path in (p for p in database.parent.iterdir() if p.is_file()):
        assert not [v[:4] for v in values if v.encode() in path.read_bytes()], path.name


# Secrets people typed into commands and queries the audit-log fixtures capture (sudo's COMMAND=,
# Teleport's db_query): keytrail keeps the command, masked, never the value.
# Vault: the client token (HMAC'd by the device, still never kept), the login JWT's HMAC and secret
# values, HMAC'd or raw (a device with log_raw).
TYPED_SECRETS = (
    "FixtureDbPass123",
    "FixturePgSecret99",
    "FixtureBillingSecret7",
    "0c1d2e3f405162738495a6b7c8d9e0f1",
    "1111aaaa2222bbbb",
    "5e5e5e5e5e5e5e5e",
    "FixtureVaultRawValue42",
)


def _audit_fixtures() -> list[Path]:
    return [FIXTURES / "openssh", FIXTURES / "teleport", FIXTURES / "vault"]


def test_typed_secrets_in_audit_logs_are_never_stored(store: GraphStore, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    report = load(store, *_audit_fixtures(), year=2024)
    assert sum(f.accepted for f in report.files) > 20
    text = export_text(store)
    assert "-p****" in text and "PASSWORD ****" in text  # the commands are there, masked
    haystacks = (text, caplog.text, " ".join(report.notes), " ".join(str(e) for f in report.files for e in f.errors))
    for haystack in haystacks:
        assert not [value for value in TYPED_SECRETS if value in haystack]


def test_cli_output_holds_no_typed_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYTRAIL_HMAC_KEY", "cli-test-key")
    monkeypatch.delenv("KEYTRAIL_STORE", raising=False)
    database = tmp_path / "store" / "keytrail.db"
    runner = CliRunner()
    loaded = runner.invoke(cli, ["load", "--store", str(database), "--year", "2024", *map(str, _audit_fixtures())])
    assert loaded.exit_code == 1 and "rejected:" in loaded.output  # the fixtures' malformed lines
    exported = runner.invoke(cli, ["export", "--store", str(database)])
    assert exported.exit_code == 0 and '"kind":"TOUCHED"' in exported.output
    for text in (loaded.output, exported.output):
        assert not [value for value in TYPED_SECRETS if value in text]
    for path in database.parent.iterdir():
        if path.is_file():
            assert not [v for v in TYPED_SECRETS if v.encode() in path.read_bytes()], path.name
