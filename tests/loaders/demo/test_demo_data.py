"""The demo estate: deterministic by seed, every file parses in its real format, every planted
situation is present in the raw files exactly as manifest.json says, and size grows linearly."""

from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from api.cli import cli
from loaders.demo import generate_demo
from tests.conftest import need_corpus

SEED = 7
CLOUDTRAIL_NAME = re.compile(
    r"^cloudtrail/AWSLogs/(\d{12})/CloudTrail/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})/"
    r"\1_CloudTrail_\2_(\d{8}T\d{4}Z)_[A-Za-z0-9]{16}\.json\.gz$"
)


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "estate"
    generate_demo(out, seed=SEED, scale=1)
    return out


@pytest.fixture(scope="module")
def manifest(estate: Path) -> dict[str, object]:
    return json.loads((estate / "manifest.json").read_text())


def situation(manifest: dict[str, object], sid: str) -> dict[str, object]:
    found = [s for s in manifest["situations"] if s["id"] == sid]  # type: ignore[attr-defined]
    assert len(found) == 1, sid
    return found[0]  # type: ignore[no-any-return]


def tree_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def records(estate: Path) -> Iterator[dict[str, object]]:
    for path in sorted((estate / "cloudtrail").rglob("*.json.gz")):
        with gzip.open(path) as handle:
            yield from json.load(handle)["Records"]


def key_of(node_id: object) -> str:
    assert isinstance(node_id, str) and node_id.startswith("aws:key:")
    return node_id.removeprefix("aws:key:")


def account_dir(estate: Path, name: str) -> Path:
    (folder,) = (estate / "aws").glob(f"{name}-*")
    return folder


def iam(estate: Path, account: str) -> dict[str, list[dict[str, object]]]:
    return json.loads((account_dir(estate, account) / "iam-authorization-details.json").read_text())  # type: ignore[no-any-return]


def credential_rows(estate: Path, account: str) -> dict[str, dict[str, str]]:
    folder = account_dir(estate, account)
    csv_path = folder / "credential-report.csv"
    if csv_path.exists():
        text = csv_path.read_text()
    else:
        text = base64.b64decode(json.loads((folder / "credential-report.json").read_text())["Content"]).decode()
    return {row["user"]: row for row in csv.DictReader(io.StringIO(text))}


def all_keys_in_reports(estate: Path) -> dict[str, dict[str, str]]:
    """Access key id -> (row, slot) facts from every credential report, resolved through CloudTrail-free data."""
    keys: dict[str, dict[str, str]] = {}
    for account in ("staging", "production", "shared"):
        users = {u["UserName"]: u for u in iam(estate, account)["UserDetailList"]}
        for name, row in credential_rows(estate, account).items():
            if name in users:
                keys[name] = row
    return keys


# --- determinism and formats -------------------------------------------------------------


def test_same_seed_gives_identical_tree_and_other_seed_differs(estate: Path, tmp_path: Path) -> None:
    generate_demo(tmp_path / "again", seed=SEED, scale=1)
    generate_demo(tmp_path / "other", seed=SEED + 1, scale=1)
    assert tree_hash(tmp_path / "again") == tree_hash(estate)
    assert tree_hash(tmp_path / "other") != tree_hash(estate)


def test_no_wall_clock_dependence(estate: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: 4102444800.0)  # 2100-01-01: any clock read would show
    generate_demo(tmp_path / "future", seed=SEED, scale=1)
    assert tree_hash(tmp_path / "future") == tree_hash(estate)
    generate_demo(tmp_path / "shifted", seed=SEED, scale=1, base_time="2027-03-01T00:00:00Z")
    shifted = json.loads((tmp_path / "shifted" / "manifest.json").read_text())
    assert shifted["base_time"] == "2027-03-01T00:00:00Z"
    assert max(str(r["eventTime"]) for r in records(tmp_path / "shifted")) < "2027-03-01T00:00:00Z"
    history = {h["event_id"] for h in shifted["key_creations"].values()}
    in_window = [str(r["eventTime"]) for r in records(tmp_path / "shifted") if r["eventID"] not in history]
    assert min(in_window) >= shifted["trail_window"]["start"] == "2027-02-15T00:00:00Z"


def test_every_file_parses_in_its_format(estate: Path) -> None:
    counts: dict[str, int] = {}
    for path in sorted(p for p in estate.rglob("*") if p.is_file()):
        name = path.name
        if name.endswith(".json.gz"):
            with gzip.open(path) as handle:
                assert isinstance(json.load(handle)["Records"], list)
        elif name.endswith(".jsonl"):
            assert all(json.loads(line) for line in path.read_text().splitlines())
        elif name.endswith(".json"):
            json.loads(path.read_text())
        elif name.endswith((".yml", ".yaml")):
            assert all(doc for doc in yaml.safe_load_all(path.read_text()))
        elif name.endswith(".csv"):
            width = 10 if path.parent.name == "tickets" else 22  # docs/tickets.md; the IAM credential report
            assert {len(row) for row in csv.reader(io.StringIO(path.read_text()))} == {width}
        elif name == "auth.log":
            stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00"
            line = re.compile(rf"^{stamp} {path.parent.name} (sshd|sshd-session|sudo)(\[\d+\])?: +\S")
            assert all(line.match(ln) for ln in path.read_text().splitlines())
        elif name in ("events.log", "vault-audit.log"):
            assert all(json.loads(line) for line in path.read_text().splitlines())
        elif name.endswith(".hcl"):
            assert re.search(r'^path "[^"]+" \{$', path.read_text(), re.M)
        elif name == "CODEOWNERS":
            lines = [ln for ln in path.read_text().splitlines() if ln and not ln.startswith("#")]
            assert all(re.match(r"^\S+(\s+@acme/[a-z0-9-]+)+$", ln) for ln in lines)
        else:
            pytest.fail(f"unexpected file {path}")
        suffix = "".join(path.suffixes[-2:]) if name.endswith(".json.gz") else path.suffix or name
        counts[suffix] = counts.get(suffix, 0) + 1
    assert counts[".json.gz"] >= 3 and counts[".yml"] >= 30 and counts["CODEOWNERS"] >= 30


def test_credential_report_header_matches_the_real_report(estate: Path) -> None:
    corpus = need_corpus()
    real = (corpus / "iam_credential_report" / "cloudmapper__credential-report.DERIVED.csv").read_text().splitlines()[0]
    assert (account_dir(estate, "staging") / "credential-report.csv").read_text().splitlines()[0] == real
    api_form = json.loads((account_dir(estate, "shared") / "credential-report.json").read_text())
    assert api_form["ReportFormat"] == "text/csv"
    assert base64.b64decode(api_form["Content"]).decode().splitlines()[0] == real


def test_iam_export_has_the_cli_shape(estate: Path) -> None:
    corpus = need_corpus()
    real = json.loads((corpus / "iam_authz" / "cloudmapper__iam-get-account-authorization-details.json").read_text())
    mine = iam(estate, "production")
    assert set(real) <= set(mine)
    for section in ("UserDetailList", "RoleDetailList", "GroupDetailList", "Policies"):
        real_fields, my_fields = set(real[section][0]), set(mine[section][0])
        assert real_fields - {"Tags", "PermissionsBoundary", "UserPolicyList"} <= my_fields, section
    assert all(isinstance(r["AssumeRolePolicyDocument"], dict) for r in mine["RoleDetailList"])


def test_cloudtrail_uses_the_s3_layout_and_real_event_shapes(estate: Path, manifest: dict[str, object]) -> None:
    accounts = {a["id"] for a in manifest["accounts"].values()}  # type: ignore[attr-defined]
    types: set[str] = set()
    for path in sorted((estate / "cloudtrail").rglob("*.json.gz")):
        match = CLOUDTRAIL_NAME.match(str(path.relative_to(estate)))
        assert match, path
        assert match.group(1) in accounts and match.group(6).startswith("".join(match.group(3, 4, 5)))
        with gzip.open(path) as handle:
            batch = json.load(handle)["Records"]
        times = [r["eventTime"] for r in batch]
        assert times == sorted(times), path
        for record in batch:
            assert record["recipientAccountId"] == match.group(1)
            assert record["awsRegion"] == match.group(2)
            assert {"eventID", "eventSource", "eventName", "sourceIPAddress", "userAgent", "readOnly"} <= set(record)
            types.add(record["userIdentity"]["type"])
    assert {"IAMUser", "AssumedRole", "AWSService", "WebIdentityUser", "FederatedUser", "AWSAccount"} <= types
    assert sum(1 for _ in records(estate)) == manifest["counts"]["cloudtrail_events"]  # type: ignore[index]


def test_scanner_reports_have_the_real_fields(estate: Path) -> None:
    corpus = need_corpus()
    real_gitleaks = json.loads((corpus / "gitleaks_report" / "gitleaks__testdata_baseline_baseline.json").read_text())[
        0
    ]
    real_truffle = json.loads(
        (corpus / "trufflehog_report" / "defectdojo__trufflehog_v3_git.json").read_text().splitlines()[0]
    )
    for report in (estate / "repos").rglob("gitleaks-report.json"):
        for finding in json.loads(report.read_text()):
            assert set(real_gitleaks) <= set(finding)
    for line in (estate / "scanners" / "trufflehog-acme.jsonl").read_text().splitlines():
        finding = json.loads(line)
        assert set(real_truffle) <= set(finding)
        assert set(finding["SourceMetadata"]["Data"]["Git"]) == set(real_truffle["SourceMetadata"]["Data"]["Git"])


# --- planted situations, checked in the raw files ------------------------------------------


def events_with_key(estate: Path, key: str) -> list[dict[str, object]]:
    return [r for r in records(estate) if r["userIdentity"].get("accessKeyId") == key]  # type: ignore[attr-defined]


def scim_users(estate: Path) -> dict[str, dict[str, object]]:
    data = json.loads((estate / "people" / "scim-users.json").read_text())
    assert data["totalResults"] == len(data["Resources"])
    return {u["userName"]: u for u in data["Resources"]}


def tags_of(item: dict[str, object]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in item.get("Tags", [])}  # type: ignore[attr-defined]


def find_user(estate: Path, node_id: object) -> dict[str, object]:
    arn = str(node_id).removeprefix("aws:arn:")
    account = arn.split(":")[4]
    for name in ("staging", "production", "shared"):
        if account_dir(estate, name).name.endswith(account):
            for item in iam(estate, name)["UserDetailList"] + iam(estate, name)["RoleDetailList"]:
                if item["Arn"] == arn:
                    return item
    raise AssertionError(f"{node_id} not in any IAM export")


def test_every_owasp_nhi_category_has_a_planted_case(manifest: dict[str, object]) -> None:
    mapping = manifest["nhi_mapping"]
    assert set(mapping) == {f"NHI{n}" for n in range(1, 11)}  # type: ignore[arg-type]
    assert all(mapping[c] for c in mapping)  # type: ignore[index]
    ids = {s["id"] for s in manifest["situations"]}  # type: ignore[attr-defined]
    assert all(set(v) <= ids for v in mapping.values())  # type: ignore[attr-defined]


def test_deploy_key_on_several_runners_with_offboarded_owner(estate: Path, manifest: dict[str, object]) -> None:
    s = situation(manifest, "deploy_key_offboarded_owner")
    expected = s["expected"]
    key = key_of(s["subject"])
    seen_ips = {r["sourceIPAddress"] for r in events_with_key(estate, key)}
    assert seen_ips == set(expected["runner_ips"])  # type: ignore[index]
    runners = {r["name"]: r for r in json.loads((estate / "github" / "runners.json").read_text())["runners"]}
    instances = [
        i
        for res in json.loads((account_dir(estate, "shared") / "ec2-describe-instances.json").read_text())[
            "Reservations"
        ]
        for i in res["Instances"]
    ]
    by_ip = {
        i["PublicIpAddress"]: tags_of(i)["github-runner-name"] for i in instances if "github-runner-name" in tags_of(i)
    }
    names = sorted(by_ip[ip] for ip in expected["runner_ips"])  # type: ignore[index]
    assert [f"github:acme:runner:{n}" for n in names] == sorted(expected["runners"])  # type: ignore[index]
    assert all("deploy" in {lb["name"] for lb in runners[n]["labels"]} for n in names)
    owner = expected["owners"][0].removeprefix("person:")  # type: ignore[index]
    assert tags_of(find_user(estate, s["identity"]))["owner-email"] == owner
    assert scim_users(estate)[owner]["active"] is False
    workflow = (estate / "repos/acme/payments-deploy/.github/workflows/deploy.yml").read_text()
    assert "secrets.DEPLOY_AWS_ACCESS_KEY_ID" in workflow and "[self-hosted, linux, deploy]" in workflow


def test_ci_key_used_from_a_laptop_by_a_person(estate: Path, manifest: dict[str, object]) -> None:
    s = situation(manifest, "ci_key_human_use")
    expected, key = s["expected"], key_of(s["subject"])
    used = events_with_key(estate, key)
    laptop = [r for r in used if r["sourceIPAddress"] == expected["human_ip"]]  # type: ignore[index]
    assert laptop and all(str(r["userAgent"]).startswith("aws-cli/") for r in laptop)
    assert len({r["sourceIPAddress"] for r in used}) == 3  # two build runners and the laptop
    email = expected["human"].removeprefix("person:")  # type: ignore[index]
    assume = [r for r in laptop if r["eventName"] == "AssumeRole"]
    assert assume[0]["requestParameters"]["roleSessionName"] == email  # type: ignore[index]
    assert assume[0]["eventID"] == s["event_ids"]["assume_role"]  # type: ignore[index]
    session_key = key_of(s["session_key"])
    assert assume[0]["responseElements"]["credentials"]["accessKeyId"] == session_key  # type: ignore[index]
    followers = events_with_key(estate, session_key)
    assert followers and all(r["userIdentity"]["arn"].endswith(f"/{email}") for r in followers)  # type: ignore[index]
    assert scim_users(estate)[email]["active"] is True


def test_leaked_key_is_found_by_both_scanners_and_still_active(estate: Path, manifest: dict[str, object]) -> None:
    s = situation(manifest, "leaked_secret_active")
    key = key_of(s["subject"])
    gitleaks = json.loads((estate / "repos/acme/data-pipeline/gitleaks-report.json").read_text())
    assert any(
        f["Secret"] == key and f["RuleID"] == "aws-access-token" and f["Commit"] == s["evidence"]["leak_commit"]
        for f in gitleaks
    )  # type: ignore[index]
    truffle = [json.loads(line) for line in (estate / "scanners/trufflehog-acme.jsonl").read_text().splitlines()]
    hit = next(t for t in truffle if t["Redacted"] == key)
    assert hit["Verified"] is True and base64.b64decode(hit["Raw"]).decode() == key
    assert hit["SourceMetadata"]["Data"]["Git"]["repository"] == "https://github.com/acme/data-pipeline.git"
    assert hit["ExtraData"]["arn"] == str(s["identity"]).removeprefix("aws:arn:")
    row = credential_rows(estate, "staging")[find_user(estate, s["identity"])["UserName"]]  # type: ignore[index]
    assert row["access_key_1_active"] == "true" and row["access_key_1_last_used_date"] != "N/A"
    assert events_with_key(estate, key)


def test_stale_keys_were_last_rotated_over_a_year_ago(estate: Path, manifest: dict[str, object]) -> None:
    s = situation(manifest, "stale_keys")
    stale = {key_of(k) for k in s["expected"]["keys"]}  # type: ignore[index]
    assert len(stale) >= 3
    cutoff = "2025-11-01T00:00:00"  # base time minus 365 days
    for key in stale:
        used = events_with_key(estate, key)
        assert used, key  # every stale key is still in use
        user = used[0]["userIdentity"]["userName"]  # type: ignore[index]
        account = next(
            n
            for n in ("staging", "production", "shared")
            if account_dir(estate, n).name.endswith(str(used[0]["recipientAccountId"]))
        )
        row = credential_rows(estate, account)[user]
        assert row["access_key_1_active"] == "true" and row["access_key_1_last_rotated"] < cutoff, key


def test_key_creations_meet_the_credential_report_slots(estate: Path, manifest: dict[str, object]) -> None:
    """CreateAccessKey's createDate equals the report's last_rotated: how a loader ties slot to key id."""
    creations = manifest["key_creations"]
    assert len(creations) >= 9  # type: ignore[arg-type]
    by_id = {r["eventID"]: r for r in records(estate) if r["eventName"] == "CreateAccessKey"}
    deleted = key_of(situation(manifest, "deleted_key_seen_again")["subject"])
    for node_id, created in creations.items():  # type: ignore[attr-defined]
        event = by_id[created["event_id"]]
        assert event["responseElements"]["accessKey"]["accessKeyId"] == key_of(node_id)  # type: ignore[index]
        assert event["eventTime"] == created["created"]
        if created["creator"]:
            assert event["userIdentity"]["arn"].endswith("/" + created["creator"].removeprefix("person:"))  # type: ignore[index]
        else:
            assert event["userIdentity"]["type"] == "Root"  # type: ignore[index]
        if key_of(node_id) == deleted:
            continue
        account = next(
            n
            for n in ("staging", "production", "shared")
            if account_dir(estate, n).name.endswith(str(event["recipientAccountId"]))
        )
        row = credential_rows(estate, account)[event["requestParameters"]["userName"]]  # type: ignore[index]
        assert row["access_key_1_last_rotated"] == created["created"].replace("Z", "+00:00")


def test_deleted_key_is_seen_again_after_its_deletion(estate: Path, manifest: dict[str, object]) -> None:
    s = situation(manifest, "deleted_key_seen_again")
    key = key_of(s["subject"])
    deletes = [
        r
        for r in records(estate)
        if r["eventName"] == "DeleteAccessKey" and r["requestParameters"]["accessKeyId"] == key
    ]  # type: ignore[index]
    assert len(deletes) == 1 and deletes[0]["eventID"] == s["event_ids"]["delete"]  # type: ignore[index]
    deleted_at = str(deletes[0]["eventTime"])
    assert deleted_at == s["expected"]["deleted_at"]  # type: ignore[index]
    after = [r for r in events_with_key(estate, key) if str(r["eventTime"]) > deleted_at]
    assert after and {r["sourceIPAddress"] for r in after} == {s["expected"]["seen_after_delete_ip"]}  # type: ignore[index]
    assert after[0]["eventID"] == s["event_ids"]["first_use_after_delete"]  # type: ignore[index]
    report = (account_dir(estate, "staging") / "credential-report.csv").read_text()
    assert key not in report  # the report never names key ids; the user's slot 1 is the replacement
    row = credential_rows(estate, "staging")["svc-etl"]
    assert row["access_key_1_last_rotated"] > deleted_at.replace("Z", "+00:00")[:10]
    assert row["access_key_2_active"] == "false" and row["access_key_2_last_rotated"] == "N/A"


def test_admin_role_assumable_through_github_oidc(estate: Path, manifest: dict[str, object]) -> None:
    s = situation(manifest, "oidc_admin_role")
    role = find_user(estate, s["subject"])
    assert {p["PolicyName"] for p in role["AttachedManagedPolicies"]} == {"AdministratorAccess"}  # type: ignore[attr-defined]
    statement = role["AssumeRolePolicyDocument"]["Statement"][0]  # type: ignore[index]
    assert statement["Principal"]["Federated"].endswith("oidc-provider/token.actions.githubusercontent.com")
    assert statement["Condition"]["StringLike"]["token.actions.githubusercontent.com:sub"] == s["expected"]["subject"]  # type: ignore[index]
    workflow = (estate / "repos/acme/infra-live/.github/workflows/terraform.yml").read_text()
    assert f"role-to-assume: {role['Arn']}" in workflow and "id-token: write" in workflow
    web = [
        r
        for r in records(estate)
        if r["eventName"] == "AssumeRoleWithWebIdentity" and r["requestParameters"]["roleArn"] == role["Arn"]
    ]  # type: ignore[index]
    assert web and all(r["userIdentity"]["userName"] == s["expected"]["subject"] for r in web)  # type: ignore[index]
    session_key = key_of(s["session_key"])
    assert web[0]["responseElements"]["credentials"]["accessKeyId"] == session_key  # type: ignore[index]
    assert events_with_key(estate, session_key)


def test_unowned_service_user_and_team_without_active_members(estate: Path, manifest: dict[str, object]) -> None:
    orphan = find_user(estate, situation(manifest, "unowned_service_user")["subject"])
    catalog = (estate / "catalog" / "catalog-info.yaml").read_text()
    assert "Tags" not in orphan and orphan["UserName"] not in catalog
    s = situation(manifest, "team_no_active_member")
    groups = json.loads((estate / "people" / "scim-groups.json").read_text())["Resources"]
    group = next(g for g in groups if g["displayName"] == "Legacy Billing")
    users = {u["id"]: u for u in scim_users(estate).values()}
    members = [users[m["value"]] for m in group["members"]]
    assert members and not any(m["active"] for m in members)
    assert sorted(f"person:{m['userName']}" for m in members) == sorted(s["expected"]["members"])  # type: ignore[index]
    owned = find_user(estate, s["expected"]["owned"][0])  # type: ignore[index]
    assert tags_of(owned) == {"team": "legacy-billing"}
    docs = list(yaml.safe_load_all(catalog))
    assert any(d["kind"] == "Component" and d["spec"]["owner"] == "group:default/legacy-billing" for d in docs)


def test_one_key_deploys_to_staging_and_production(estate: Path, manifest: dict[str, object]) -> None:
    s = situation(manifest, "cross_environment_credential")
    key = key_of(s["subject"])
    accounts = {r["recipientAccountId"] for r in events_with_key(estate, key) if r["eventName"] == "AssumeRole"}
    expected = {a.removeprefix("aws:account:") for a in s["expected"]["accounts"]}  # type: ignore[index]
    assert accounts == expected
    workflow = yaml.safe_load((estate / "repos/acme/checkout-service/.github/workflows/deploy.yml").read_text())
    envs = {
        job["environment"] for job in workflow["jobs"].values() if "SHARED_DEPLOY_AWS_ACCESS_KEY_ID" in json.dumps(job)
    }
    assert envs == {"staging", "production"}


def test_trust_and_authentication_weaknesses(estate: Path, manifest: dict[str, object]) -> None:
    vendor = find_user(estate, situation(manifest, "external_trust_without_external_id")["subject"])
    statement = vendor["AssumeRolePolicyDocument"]["Statement"][0]  # type: ignore[index]
    assert "Condition" not in statement and statement["Principal"]["AWS"].endswith(":root")
    scanner = find_user(estate, situation(manifest, "vendor_role_broad_access")["subject"])
    assert "sts:ExternalId" in json.dumps(scanner["AssumeRolePolicyDocument"])
    no_sub = find_user(estate, situation(manifest, "oidc_trust_without_sub")["subject"])
    assert ":sub" not in json.dumps(no_sub["AssumeRolePolicyDocument"]) and ":aud" in json.dumps(
        no_sub["AssumeRolePolicyDocument"]
    )
    foreign = situation(manifest, "oidc_trust_without_sub")["expected"]["foreign_subject"]  # type: ignore[index]
    assert any(r["userIdentity"].get("userName") == foreign for r in records(estate))  # type: ignore[attr-defined]
    s = situation(manifest, "console_user_without_mfa")
    jenkins = find_user(estate, s["subject"])
    row = credential_rows(estate, "production")[str(jenkins["UserName"])]
    assert (row["password_enabled"], row["mfa_active"]) == ("true", "false")
    login = next(r for r in records(estate) if r["eventID"] == s["event_ids"]["console_login"])  # type: ignore[index]
    assert login["eventName"] == "ConsoleLogin" and login["additionalEventData"]["MFAUsed"] == "No"  # type: ignore[index]
    unused = find_user(estate, situation(manifest, "admin_role_never_used")["subject"])
    assert unused["RoleLastUsed"] == {} and {p["PolicyName"] for p in unused["AttachedManagedPolicies"]} == {
        "AdministratorAccess"
    }  # type: ignore[attr-defined]
    assert not any(
        unused["Arn"] in json.dumps(r) or f"/{unused['RoleName']}/" in json.dumps(r) for r in records(estate)
    )


def test_secret_values_appear_only_in_scanner_reports(estate: Path) -> None:
    truffle = [json.loads(line) for line in (estate / "scanners/trufflehog-acme.jsonl").read_text().splitlines()]
    secrets = {base64.b64decode(t["RawV2"]).decode()[20:] for t in truffle}
    for path in (p for p in estate.rglob("*") if p.is_file()):
        data = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
        holders = {s for s in secrets if s.encode() in data}
        if path.name not in ("gitleaks-report.json", "trufflehog-acme.jsonl"):
            assert not holders, path


# --- GCP, Okta, GitHub audit (loaders/demo/saas) -----------------------------------------


def saas_events(estate: Path) -> dict[str, list[dict[str, Any]]]:
    (gcp,) = (estate / "gcp").glob("*/cloudaudit.googleapis.com.jsonl")
    lines = (estate / "github" / "audit-log" / "audit-log.jsonl").read_text().splitlines()
    return {
        "gcp": [json.loads(line) for line in gcp.read_text().splitlines()],
        "okta": json.loads((estate / "okta" / "system-log.json").read_text()),
        "github": [json.loads(line) for line in lines],
    }


def test_saas_logs_have_the_real_shapes_in_time_order(estate: Path, manifest: dict[str, Any]) -> None:
    events, counts = saas_events(estate), manifest["counts"]
    assert [len(events[k]) for k in ("gcp", "okta", "github")] == [
        counts[k] for k in ("gcp_audit_entries", "okta_events", "github_audit_events")
    ]
    for entry in events["gcp"]:
        payload = entry["protoPayload"]
        assert payload["@type"] == "type.googleapis.com/google.cloud.audit.AuditLog"
        assert payload["methodName"] and entry["insertId"] and entry["logName"].startswith("projects/")
    for event in events["okta"]:
        assert event["eventType"] and event["uuid"] and event["actor"]["id"].startswith("00u")
        assert event["outcome"] == {"result": "SUCCESS", "reason": None}
    for event in events["github"]:
        assert isinstance(event["@timestamp"], int) and event["created_at"] == event["@timestamp"]
        assert event["org"] == "acme" and "token" not in event  # a token's value is never in the audit log
    for key, field in (("gcp", "timestamp"), ("okta", "published"), ("github", "@timestamp")):
        times = [e[field] for e in events[key]]
        assert times == sorted(times), key


def test_saas_planted_events_are_in_the_raw_logs(estate: Path, manifest: dict[str, Any]) -> None:
    events = saas_events(estate)
    ids = {
        "gcp": {e["insertId"] for e in events["gcp"]},
        "okta": {e["uuid"] for e in events["okta"]},
        "github": {e["_document_id"] for e in events["github"]},
    }
    for sid in ("okta_token_creator_deactivated", "github_pat_offboarded_two_runners", "gcp_key_used_from_runners"):
        cited = situation(manifest, sid)["event_ids"].values()
        assert all(any(c in known for known in ids.values()) for c in cited), sid
    # the person Okta deactivated is still active on the HR roster: the IdP is ahead of HR
    mira = situation(manifest, "okta_token_creator_deactivated")["expected"]["owners"][0]
    users = json.loads((estate / "people" / "scim-users.json").read_text())["Resources"]
    assert [u["active"] for u in users if f"person:{u['userName']}" == mira] == [True]
    deactivated = [e for e in events["okta"] if e["eventType"] == "user.lifecycle.deactivate"]
    assert {f"person:{t['alternateId']}" for e in deactivated for t in e["target"]} >= {mira}
    # the PAT and the GCP key are used from the runners' addresses the EC2 inventory declares
    pat = situation(manifest, "github_pat_offboarded_two_runners")
    pat_ips = {e["actor_ip"] for e in events["github"] if e.get("hashed_token") == pat["hashed_token"]}
    assert pat_ips == set(pat["expected"]["runner_ips"])
    key = situation(manifest, "gcp_key_used_from_runners")
    key_id = str(key["subject"]).removeprefix("gcp:sa-key:")
    used = [
        e
        for e in events["gcp"]
        if str(e["protoPayload"]["authenticationInfo"].get("serviceAccountKeyName", "")).endswith(key_id)
    ]
    assert {e["protoPayload"]["requestMetadata"]["callerIp"] for e in used} == set(key["expected"]["runner_ips"])
    public = {
        i.get("PublicIpAddress")
        for path in (estate / "aws").glob("*/ec2-describe-instances.json")
        for r in json.loads(path.read_text())["Reservations"]
        for i in r["Instances"]
    }
    assert set(key["expected"]["runner_ips"]) <= public


# --- scale ------------------------------------------------------------------------------


def test_scale_grows_counts_linearly(manifest: dict[str, object], tmp_path: Path) -> None:
    generate_demo(tmp_path / "x3", seed=SEED, scale=3)
    big = json.loads((tmp_path / "x3" / "manifest.json").read_text())["counts"]
    small = manifest["counts"]
    planted = small["planted_events"]  # type: ignore[index]
    assert big["cloudtrail_events"] - planted == 3 * (small["cloudtrail_events"] - planted)  # type: ignore[index]
    fixed_identities = small["identities"] - 1000  # type: ignore[index]
    assert big["identities"] - fixed_identities == 3 * (small["identities"] - fixed_identities)  # type: ignore[index]
    assert big["runners"] - 3 == 3 * (small["runners"] - 3)  # type: ignore[index]
    for key in ("gcp_audit_entries", "okta_events", "github_audit_events"):  # background grows, planted stays
        assert small[key] < big[key] < 3 * small[key], key  # type: ignore[index, operator]


def test_cli_writes_a_summary_and_refuses_a_used_folder(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["demo-data", "--out", str(tmp_path / "cli"), "--seed", "11"])
    assert result.exit_code == 0, result.output
    assert "CloudTrail events" in result.output and (tmp_path / "cli" / "manifest.json").exists()
    again = runner.invoke(cli, ["demo-data", "--out", str(tmp_path / "cli")])
    # the CLI turns the KeytrailError into one line and exit 1, never a traceback
    assert again.exit_code == 1 and "folder is not empty" in again.output
