"""manifest.json: the planted situations, their canonical node ids and the answers tests must get.

Ids are built with graph/ids/, the same helpers the loaders use, so an end-to-end test can
look them up directly. Verdicts use the accountability vocabulary (owned, orphaned,
owner_offboarded, ambiguous); categories are OWASP NHI Top 10 (2025) ids. docs/demo-estate.md
documents every field.
"""

from __future__ import annotations

from collections.abc import Sequence

from graph import ids
from loaders.demo.aws.iam_model import AwsEstate
from loaders.demo.aws.planted_events import Trail
from loaders.demo.cast import ATTACKER_IP, LAPTOP_IP, VENDOR_IPS, Cast
from loaders.demo.derive import DAY, format_iso
from loaders.demo.org import ORG, Organisation

__all__ = ["NHI_TITLES", "build_manifest"]

NHI_TITLES = {
    "NHI1": "Improper Offboarding",
    "NHI2": "Secret Leakage",
    "NHI3": "Vulnerable Third-Party NHI",
    "NHI4": "Insecure Authentication",
    "NHI5": "Overprivileged NHI",
    "NHI6": "Insecure Cloud Deployment Configurations",
    "NHI7": "Long-Lived Secrets",
    "NHI8": "Environment Isolation",
    "NHI9": "NHI Reuse",
    "NHI10": "Human Use of NHI",
}


def _user_id(aws: AwsEstate, account: str, name: str) -> str:
    return ids.aws_arn(f"arn:aws:iam::{aws.accounts[account].id}:user/{name}")


def _role_id(aws: AwsEstate, account: str, name: str) -> str:
    return ids.aws_arn(f"arn:aws:iam::{aws.accounts[account].id}:role/{name}")


def _situation(
    sid: str, nhi: list[str], title: str, subject: str, expected: dict[str, object], **ids_and_evidence: object
) -> dict[str, object]:
    return {"id": sid, "title": title, "nhi": nhi, "subject": subject, "expected": expected, **ids_and_evidence}


def _situations(
    aws: AwsEstate, org: Organisation, cast: Cast, trail: Trail, leak: dict[str, object]
) -> list[dict[str, object]]:
    k, p, m = cast.keys, cast.people, trail.marks
    person = {key: ids.person(c.email) for key, c in cast.people.items()}
    base = cast.base
    stale = sorted(
        ids.aws_key(key.key_id)
        for users in cast.users.values()
        for user in users
        for key in user.keys
        if key.active and key.created < base - 365 * DAY
    )
    deploy_runners = [ids.github_runner(ORG, r.name) for r in cast.runners]
    return [
        _situation(
            "deploy_key_offboarded_owner",
            ["NHI1", "NHI9", "NHI6"],
            "Static deploy key used by three self-hosted runners; its owner has left",
            ids.aws_key(k["deploy"]),
            {
                "verdict": "owner_offboarded",
                "owners": [person["dana"]],
                "runners": deploy_runners,
                "runner_ips": [r.public_ip for r in cast.runners],
                "finding_categories": ["NHI1", "NHI9"],
            },
            identity=_user_id(aws, "production", "svc-payments-deploy"),
            secrets=[
                ids.github_secret(ORG, "payments-deploy", "DEPLOY_AWS_ACCESS_KEY_ID"),
                ids.github_secret(ORG, "payments-deploy", "DEPLOY_AWS_SECRET_ACCESS_KEY"),
            ],
            repository=ids.github_repo(ORG, "payments-deploy"),
            pipeline=ids.github_job(ORG, "payments-deploy", ".github/workflows/deploy.yml", "deploy"),
            owner_offboarded_at=format_iso(p["dana"].offboarded_at or 0),
            runner_label=ids.github_runner_label(ORG, "deploy"),
        ),
        _situation(
            "ci_key_human_use",
            ["NHI10"],
            "CI key used by build runners and once from a person's laptop with the aws cli",
            ids.aws_key(k["ci"]),
            {
                "verdict": "owned",
                "owners": [person["hector"]],
                "human": person["erin"],
                "human_ip": LAPTOP_IP,
                "runners": [ids.github_runner(ORG, org.runner(i).name) for i in (0, 1)],
                "finding_categories": ["NHI10"],
            },
            identity=_user_id(aws, "staging", "svc-ci-build"),
            assumed_role=_role_id(aws, "staging", "ci-deployer"),
            session_name=p["erin"].email,
            session_key=ids.aws_key(str(m["laptop_session_key"])),
            event_ids={"first_laptop_event": m["laptop_first_event"], "assume_role": m["laptop_assume_role"]},
            secrets=[ids.github_secret(ORG, "build-tools", "CI_AWS_ACCESS_KEY_ID")],
        ),
        _situation(
            "leaked_secret_active",
            ["NHI2"],
            "AWS key committed to a repository, found by gitleaks and trufflehog (verified), still active",
            ids.aws_key(k["leaked"]),
            {
                "verdict": "owned",
                "owners": [person["farid"]],
                "status": "active",
                "exposed_in": ids.github_repo(ORG, "data-pipeline"),
                "finding_categories": ["NHI2"],
            },
            identity=_user_id(aws, "staging", "svc-reporting"),
            evidence=leak,
        ),
        _situation(
            "stale_keys",
            ["NHI7"],
            "Active access keys not rotated for over a year",
            stale[0],
            {"keys": stale, "older_than_days": 365, "finding_categories": ["NHI7"]},
        ),
        _situation(
            "deleted_key_seen_again",
            ["NHI1", "NHI7"],
            "Key deleted (DeleteAccessKey) then used again from an unknown IP",
            ids.aws_key(k["etl_old"]),
            {
                "status": "deleted",
                "deleted_at": format_iso(int(str(m["deleted_at"]))),
                "seen_after_delete_ip": ATTACKER_IP,
                "replacement": ids.aws_key(k["etl_new"]),
                "finding_categories": ["NHI1"],
            },
            identity=_user_id(aws, "staging", "svc-etl"),
            deleted_by=ids.person(str(m["deleted_by"])),
            event_ids={
                "create_replacement": m["create_new_key"],
                "deactivate": m["deactivate"],
                "delete": m["delete"],
                "first_use_after_delete": m["seen_after_delete"],
            },
        ),
        _situation(
            "oidc_admin_role",
            ["NHI5"],
            "AdministratorAccess role assumable by a CI pipeline through GitHub OIDC",
            _role_id(aws, "production", "gha-infra-admin"),
            {
                "level": "admin",
                "subject": f"repo:{ORG}/infra-live:ref:refs/heads/main",
                "assumed_by": ids.github_repo(ORG, "infra-live"),
                "finding_categories": ["NHI5"],
            },
            pipeline=ids.github_job(ORG, "infra-live", ".github/workflows/terraform.yml", "apply"),
            event_ids={
                "first_web_identity": m["oidc_admin_web_identity"],
                "create_user": m["create_user"],
                "put_role_policy": m["put_role_policy"],
            },
            session_key=ids.aws_key(str(m["oidc_admin_session_key"])),
            created_user=_user_id(aws, "production", "svc-metrics-relay"),
        ),
        _situation(
            "unowned_service_user",
            ["NHI1"],
            "IAM user with an active key, no tags, not in the catalog",
            _user_id(aws, "shared", "svc-orphan-sync"),
            {"verdict": "orphaned", "owners": [], "finding_categories": ["NHI1"]},
            key=ids.aws_key(k["orphan"]),
            event_ids={"federation_token": m["federation_token"]},
        ),
        _situation(
            "team_no_active_member",
            ["NHI1"],
            "Team whose members have all left still owns an IAM user and a component",
            ids.team("legacy-billing"),
            {
                "verdict": "owner_offboarded",
                "members": [person["gloria"], person["ines"]],
                "owned": [_user_id(aws, "production", "svc-billing-export")],
                "finding_categories": ["NHI1"],
            },
            key=ids.aws_key(k["billing"]),
            component="billing-legacy",
        ),
        _situation(
            "cross_environment_credential",
            ["NHI8", "NHI9"],
            "One key (and one workflow secret) deploys to both staging and production",
            ids.aws_key(k["shared"]),
            {
                "environments": ["production", "staging"],
                "accounts": [
                    ids.aws_account(aws.accounts["staging"].id),
                    ids.aws_account(aws.accounts["production"].id),
                ],
                "finding_categories": ["NHI8"],
            },
            identity=_user_id(aws, "shared", "svc-checkout-deployer"),
            secrets=[ids.github_secret(ORG, "checkout-service", "SHARED_DEPLOY_AWS_ACCESS_KEY_ID")],
            pipelines=[
                ids.github_job(ORG, "checkout-service", ".github/workflows/deploy.yml", j)
                for j in ("deploy-staging", "deploy-production")
            ],
            roles=[_role_id(aws, "staging", "checkout-deploy"), _role_id(aws, "production", "checkout-deploy")],
            event_ids={"staging": m["cross_env_staging"], "production": m["cross_env_production"]},
        ),
        _situation(
            "external_trust_without_external_id",
            ["NHI3"],
            "Vendor role trusted by an external account without sts:ExternalId, with s3:* and logs:* on *",
            _role_id(aws, "production", "acme-vendor-observability"),
            {
                "trusted": ids.aws_arn(f"arn:aws:iam::{aws.vendor_account}:root"),
                "external_id": False,
                "level": "admin",
                "finding_categories": ["NHI3"],
            },
            vendor_account=aws.vendor_account,
            vendor_ips=list(VENDOR_IPS),
            event_ids={"first_assume_role": m["vendor_assume_role"]},
        ),
        _situation(
            "vendor_role_broad_access",
            ["NHI3", "NHI5"],
            "Third-party scanner role (with ExternalId) holding ReadOnlyAccess and SecretsManagerReadWrite",
            _role_id(aws, "shared", "thirdparty-ci-scanner"),
            {
                "trusted": ids.aws_arn(f"arn:aws:iam::{aws.scanner_vendor_account}:root"),
                "external_id": True,
                "finding_categories": ["NHI3"],
            },
        ),
        _situation(
            "console_user_without_mfa",
            ["NHI4"],
            "Service IAM user with a console password and no MFA, logging in to the console",
            _user_id(aws, "production", "svc-jenkins"),
            {"password_enabled": True, "mfa": False, "nature": "machine", "finding_categories": ["NHI4"]},
            key=ids.aws_key(k["jenkins"]),
            event_ids={"console_login": m["console_login"]},
        ),
        _situation(
            "oidc_trust_without_sub",
            ["NHI6"],
            "GitHub OIDC trust with only an audience condition: any repository can assume it",
            _role_id(aws, "staging", "gha-preview-deployer"),
            {"subject": None, "foreign_subject": m["foreign_subject"], "finding_categories": ["NHI6"]},
            event_ids={"foreign_web_identity": m["foreign_web_identity"]},
        ),
        _situation(
            "admin_role_never_used",
            ["NHI5"],
            "Role with AdministratorAccess and no recorded use (RoleLastUsed empty, no CloudTrail)",
            _role_id(aws, "production", "break-glass-automation"),
            {"level": "admin", "last_used": None, "finding_categories": ["NHI5"]},
        ),
    ]


def _key_creations(trail: Trail) -> dict[str, dict[str, object]]:
    """Planted key id -> its CreateAccessKey event, creator (person id, or null for the root) and time."""
    history = trail.marks.get("key_creations", {})
    assert isinstance(history, dict)
    return {
        ids.aws_key(key): {
            "event_id": h["event_id"],
            "creator": ids.person(h["creator"]) if h["creator"] else None,
            "created": format_iso(h["created"]),
        }
        for key, h in sorted(history.items())
    }


def build_manifest(
    aws: AwsEstate,
    org: Organisation,
    cast: Cast,
    trail: Trail,
    leak: dict[str, object],
    counts: dict[str, int],
    seed: int,
    scale: int,
    extra: Sequence[dict[str, object]] = (),
) -> dict[str, object]:
    """`extra`: situations other parts of the estate planted (loaders/demo/saas/situations.py)."""
    situations = [*_situations(aws, org, cast, trail, leak), *extra]
    mapping: dict[str, list[str]] = {nhi: [] for nhi in NHI_TITLES}
    for situation in situations:
        for nhi in situation["nhi"]:  # type: ignore[attr-defined]
            mapping[nhi].append(str(situation["id"]))
    return {
        "format": "keytrail-demo-manifest/1",
        "seed": seed,
        "scale": scale,
        "base_time": format_iso(aws.base),
        "trail_window": {"start": format_iso(aws.base - 14 * DAY), "end": format_iso(aws.base)},
        "org": ORG,
        "accounts": {
            a.name: {"id": a.id, "environment": a.environment, "node": ids.aws_account(a.id)}
            for a in aws.accounts.values()
        },
        "people": {
            key: {"id": ids.person(c.email), "active": c.active, "team": ids.team(c.team)}
            for key, c in cast.people.items()
        },
        "counts": counts,
        "key_creations": _key_creations(trail),
        "nhi_titles": NHI_TITLES,
        "nhi_mapping": mapping,
        "situations": situations,
    }
