"""Secret-scanner reports: gitleaks v8 JSON (one report per scanned repository) and trufflehog v3 JSON lines.

gitleaks reports name no repository, so each report sits in the repository checkout it scanned
(`repos/<org>/<repo>/gitleaks-report.json`, as a CI job writes it with --report-path). trufflehog
`git` results carry the repository URL. Like the real detectors: gitleaks `aws-access-token`
matches the access key id; trufflehog's AWS detector puts the key id in `Raw`/`Redacted` and
id+secret in `RawV2` (bytes, so base64 in JSON). Secret halves are synthetic (derived from the
seed) and the key ids are the ones IAM and CloudTrail use, so the finding correlates.
"""

from __future__ import annotations

import base64
from pathlib import Path

import orjson

from loaders.demo.aws.iam_model import AwsEstate
from loaders.demo.cast import Cast
from loaders.demo.derive import DAY, Derive, format_iso
from loaders.demo.org import ORG

__all__ = ["LEAK_FILE", "LEAK_LINE", "write_scanner_reports"]

LEAK_FILE = "config/settings.py"
LEAK_LINE = 12
_AWS_DESC = "Identified a pattern that may indicate AWS credentials, risking unauthorized cloud resource access and data breaches on AWS platforms."  # noqa: E501 (verbatim real-world text)
_GENERIC_DESC = "Detected a Generic API Key, potentially exposing access to various services and sensitive operations."
_SLACK_DESC = (
    "Discovered a Slack Webhook, which could lead to unauthorized message posting and data leakage in Slack channels."
)


def _finding(
    desc: str,
    line: int,
    col: int,
    match: str,
    secret: str,
    file: str,
    commit: str,
    who: tuple[str, str],
    at: int,
    message: str,
    rule: str,
    entropy: float,
) -> dict[str, object]:
    return {
        "Description": desc,
        "StartLine": line,
        "EndLine": line,
        "StartColumn": col,
        "EndColumn": col + len(match) - 1,
        "Match": match,
        "Secret": secret,
        "File": file,
        "SymlinkFile": "",
        "Commit": commit,
        "Entropy": entropy,
        "Author": who[0],
        "Email": who[1],
        "Date": format_iso(at),
        "Message": message,
        "Tags": [],
        "RuleID": rule,
        "Fingerprint": f"{commit}:{file}:{rule}:{line}",
    }


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _truffle(
    derive: Derive,
    repo: str,
    commit: str,
    file: str,
    line: int,
    who: tuple[str, str],
    at: int,
    key: str,
    secret: str,
    verified: bool,
    extra: dict[str, str] | None,
) -> dict[str, object]:
    stamp = f"{format_iso(at).replace('T', ' ').rstrip('Z')} +0000 +0000"
    git = {
        "commit": commit,
        "file": file,
        "email": f"{who[0]} <{who[1]}>",
        "repository": f"https://github.com/{ORG}/{repo}.git",
        "timestamp": stamp,
        "line": line,
    }
    return {
        "SourceMetadata": {"Data": {"Git": git}},
        "SourceID": 1,
        "SourceType": 16,
        "SourceName": "trufflehog - git",
        "DetectorType": 2,
        "DetectorName": "AWS",
        "DecoderName": "PLAIN",
        "Verified": verified,
        "Raw": _b64(key),
        "RawV2": _b64(key + secret),
        "Redacted": key,
        "ExtraData": extra,
        "StructuredData": None,
    }


def write_scanner_reports(out: Path, derive: Derive, aws: AwsEstate, cast: Cast) -> dict[str, object]:
    """Write the reports; return what the manifest cites (paths, commits, lines)."""
    farid, dana = cast.people["farid"], cast.people["dana"]
    farid_who, dana_who = (f"{farid.given} {farid.family}", farid.email), (f"{dana.given} {dana.family}", dana.email)
    leak_commit, old_commit, hook_commit = (
        derive.hex(40, "commit", "leak"),
        derive.hex(40, "commit", "old"),
        derive.hex(40, "commit", "hook"),
    )
    leak_at, old_at, hook_at = aws.base - 75 * DAY + 3333, aws.base - 400 * DAY + 777, aws.base - 120 * DAY + 5555
    key, secret = cast.keys["leaked"], cast.secrets["leaked"]
    message = "add reporting settings for staging"
    pipeline = [
        _finding(
            _AWS_DESC,
            LEAK_LINE,
            25,
            key,
            key,
            LEAK_FILE,
            leak_commit,
            farid_who,
            leak_at,
            message,
            "aws-access-token",
            3.684184,
        ),
        _finding(
            _GENERIC_DESC,
            LEAK_LINE + 1,
            1,
            f'AWS_SECRET_ACCESS_KEY = "{secret}"',
            secret,
            LEAK_FILE,
            leak_commit,
            farid_who,
            leak_at,
            message,
            "generic-api-key",
            5.1219,
        ),
        _finding(
            _AWS_DESC,
            3,
            19,
            cast.keys["etl_old"],
            cast.keys["etl_old"],
            "etl/.env.example",
            old_commit,
            farid_who,
            old_at,
            "etl: sample env",
            "aws-access-token",
            3.521928,
        ),
    ]
    hook = cast.secrets["slack"]
    payments = [
        _finding(
            _SLACK_DESC,
            4,
            13,
            hook,
            hook,
            "scripts/notify.sh",
            hook_commit,
            dana_who,
            hook_at,
            "notify #payments on deploy",
            "slack-webhook-url",
            4.9,
        )
    ]
    reports = {"data-pipeline": pipeline, "payments-deploy": payments}
    for repo, findings in reports.items():
        path = out / "repos" / ORG / repo / "gitleaks-report.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(orjson.dumps(findings, option=orjson.OPT_INDENT_2) + b"\n")
    user = cast.user("staging", "svc-reporting")
    staging = aws.accounts["staging"].id
    extra = {"account": staging, "arn": user.arn(staging), "resource_type": "Access key", "user_id": user.user_id}
    lines = [
        _truffle(
            derive, "data-pipeline", leak_commit, LEAK_FILE, LEAK_LINE, farid_who, leak_at, key, secret, True, extra
        ),
        _truffle(
            derive,
            "data-pipeline",
            old_commit,
            "etl/.env.example",
            3,
            farid_who,
            old_at,
            cast.keys["etl_old"],
            derive.secret("cast", "etl_old"),
            False,
            None,
        ),
    ]
    path = out / "scanners" / "trufflehog-acme.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return {
        "gitleaks_reports": [f"repos/{ORG}/{repo}/gitleaks-report.json" for repo in reports],
        "trufflehog_report": "scanners/trufflehog-acme.jsonl",
        "leak_commit": leak_commit,
        "leak_file": LEAK_FILE,
        "leak_line": LEAK_LINE,
        "leak_author": farid.email,
        "old_key_commit": old_commit,
        "slack_commit": hook_commit,
    }
