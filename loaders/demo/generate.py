"""Write the whole demo estate into a folder: the one entry point the CLI and tests call.

Order matters only for the manifest (it cites event ids the trail assigned and counts every
writer returned); every writer streams, so peak memory does not grow with --scale. Time comes
in as `base_time`; nothing reads the wall clock except the elapsed-time figure of the summary,
which is never written into the tree.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

from loaders.demo.aws.cloudtrail import write_cloudtrail
from loaders.demo.aws.ec2 import write_ec2
from loaders.demo.aws.iam_model import ACCOUNT_NAMES, AwsEstate
from loaders.demo.aws.iam_writer import LastUsed, write_authorization_details, write_credential_report
from loaders.demo.aws.planted_events import PlantedEvent, play_all
from loaders.demo.cast import Cast, build_cast
from loaders.demo.derive import Derive, parse_iso
from loaders.demo.github.runners import write_runner_groups, write_runners
from loaders.demo.github.workflows import background_codeowners, background_workflows
from loaders.demo.infra import write_infra
from loaders.demo.infra.situations import infra_situations
from loaders.demo.manifest import build_manifest
from loaders.demo.org import ORG, Organisation, Sizes
from loaders.demo.people import write_catalog, write_scim
from loaders.demo.saas import write_saas
from loaders.demo.saas.situations import saas_situations
from loaders.demo.scanners import write_scanner_reports

__all__ = ["DEFAULT_BASE_TIME", "DemoSummary", "generate_demo"]

DEFAULT_BASE_TIME = "2026-11-01T00:00:00Z"


@dataclass(frozen=True)
class DemoSummary:
    out: Path
    files: int
    events: int
    identities: int
    situations: int
    elapsed_seconds: float


def _last_used(events: list[PlantedEvent]) -> LastUsed:
    """Each planted IAM-user key's latest use, so the credential report agrees with CloudTrail."""
    latest: LastUsed = {}
    for event in events:
        identity = event.record["userIdentity"]
        assert isinstance(identity, dict)
        key = identity.get("accessKeyId")
        if identity.get("type") == "IAMUser" and isinstance(key, str):
            service = str(event.record["eventSource"]).split(".", 1)[0]
            if key not in latest or latest[key][0] <= event.at:
                latest[key] = (event.at, event.region, service)
    return latest


def _write_repos(out: Path, org: Organisation, aws: AwsEstate, cast: Cast) -> None:
    prod = aws.accounts["production"].id
    for k in range(org.sizes.repos):
        repo = org.repo(k)
        role_index = 4 * k + 1  # the background GitHub OIDC role whose trust names this repository
        flows = (
            background_workflows(org, repo, aws.role("production", role_index).arn(prod))
            if role_index < org.sizes.roles_per_account
            else {}
        )
        if not flows:
            flows = {"ci.yml": background_workflows(org, repo, "")["ci.yml"]}
        _write_repo(out, repo.name, flows, background_codeowners(org, repo))
    for planted in cast.repos:
        _write_repo(out, planted.name, planted.workflows, planted.codeowners)


def _write_repo(out: Path, name: str, workflows: dict[str, str], codeowners: str) -> None:
    folder = out / "repos" / ORG / name / ".github"
    (folder / "workflows").mkdir(parents=True, exist_ok=True)
    (folder / "CODEOWNERS").write_text(codeowners, encoding="utf-8")
    for file, text in workflows.items():
        (folder / "workflows" / file).write_text(text, encoding="utf-8")


def _write_aws(out: Path, aws: AwsEstate, cast: Cast, last_used: LastUsed) -> int:
    identities = 0
    for account in ACCOUNT_NAMES:
        account_id = aws.accounts[account].id
        folder = out / "aws" / f"{account}-{account_id}"
        identities += write_authorization_details(
            folder / "iam-authorization-details.json", aws, account, cast.users[account], cast.roles[account]
        )
        api_form = account == "shared"
        report = folder / ("credential-report.json" if api_form else "credential-report.csv")
        write_credential_report(report, aws, account, cast.users[account], last_used, api_form)
        write_ec2(folder / "ec2-describe-instances.json", aws, account, cast.runners, cast.people["hector"].email)
    return identities


def generate_demo(out: Path, seed: int = 7, scale: int = 1, base_time: str = DEFAULT_BASE_TIME) -> DemoSummary:
    """Generate the estate under `out`; the tree is a pure function of (seed, scale, base_time)."""
    started = time.perf_counter()
    derive, sizes = Derive(seed), Sizes.for_scale(scale)
    org = Organisation(derive, sizes)
    aws = AwsEstate(derive, org, parse_iso(base_time))
    cast = build_cast(derive, org, aws)
    trail = play_all(derive, aws, org, cast)
    out.mkdir(parents=True, exist_ok=True)
    people, _teams = write_scim(out / "people", org, cast)
    write_catalog(out / "catalog" / "catalog-info.yaml", org, cast, aws)
    _write_repos(out, org, aws, cast)
    write_runner_groups(out / "github", aws.org, cast.runners)
    write_runners(out / "github" / "runners.json", aws.org, cast.runners)
    iam_identities = _write_aws(out, aws, cast, _last_used(trail.events))
    leak = write_scanner_reports(out, derive, aws, cast)
    saas = write_saas(out, derive, org, cast)
    infra = write_infra(out, derive, cast)
    events = trail_files = 0
    for _path, count in write_cloudtrail(out, aws, sizes.events, trail.events):
        events += count
        trail_files += 1
    files = (
        sum(len(names) for _dir, _subdirs, names in os.walk(out) if "manifest.json" not in names or _dir != str(out))
        + 1
    )
    identities = people + iam_identities
    counts = {
        "files": files,
        "cloudtrail_files": trail_files,
        "cloudtrail_events": events,
        "planted_events": len(trail.events),
        "identities": identities,
        "people": people,
        "iam_identities": iam_identities,
        "repositories": sizes.repos + len(cast.repos),
        "runners": sizes.runners + len(cast.runners),
        **saas.counts,
        **infra.counts,
    }
    manifest = build_manifest(
        aws, org, cast, trail, leak, counts, seed, scale, extra=[*saas_situations(saas, cast), *infra_situations(infra)]
    )
    (out / "manifest.json").write_bytes(
        orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"
    )
    return DemoSummary(out, files, events, identities, len(manifest["situations"]), time.perf_counter() - started)  # type: ignore[arg-type]
