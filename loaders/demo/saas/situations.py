"""The SaaS part's planted situations for manifest.json, with the answers the end-to-end tests assert.

Same shape as loaders/demo/manifest.py's situations (id, title, nhi, subject, expected, ids and
event ids); ids come from graph/ids/, event ids from what the writers returned (GCP insertId, Okta
uuid, GitHub _document_id). `expected.finding_categories` are the OWASP categories the rules on
main today find on the subject; `expected.pending_rules` the issue-21 rules (queries/rules_saas.py)
that must find it once they are registered (the tests assert each one that is).
"""

from __future__ import annotations

from graph import ids
from loaders.demo.cast import Cast
from loaders.demo.derive import format_iso
from loaders.demo.org import ORG
from loaders.demo.saas import SaasOutput
from loaders.demo.saas.plan import UNMATCHED_LOGIN

__all__ = ["saas_situations"]


def _situation(
    sid: str, nhi: list[str], title: str, subject: str, expected: dict[str, object], **more: object
) -> dict[str, object]:
    return {"id": sid, "title": title, "nhi": nhi, "subject": subject, "expected": expected, **more}


def saas_situations(saas: SaasOutput, cast: Cast) -> list[dict[str, object]]:
    return [*_okta_and_github(saas, cast), *_gcp(saas, cast)]


def _okta_and_github(saas: SaasOutput, cast: Cast) -> list[dict[str, object]]:
    plan, okta, github = saas.plan, saas.marks["okta"], saas.marks["github"]
    mira, people = plan.offboarded, cast.people
    person = {key: ids.person(c.email) for key, c in people.items()}
    runners = [ids.github_runner(ORG, r.name) for r in plan.github.pat_runners]
    return [
        _situation(
            "okta_token_creator_deactivated",
            ["NHI1"],
            "Okta API token created by a person Okta has since deactivated (the HR roster still lists them)",
            ids.okta_api_token(plan.okta.token_id),
            {
                "verdict": "owner_offboarded",
                "owners": [person["mira"]],
                "offboarded_at": format_iso(plan.deactivated_at),
                "roster_active": True,
                "finding_categories": ["NHI1"],
                "pending_rules": ["KT-NHI1-005"],
            },
            identity=ids.okta_user(plan.okta.user_id_of(mira.email)),
            event_ids={"create": okta["api_token_create"], "deactivate": okta["deactivate_mira"]},
        ),
        _situation(
            "github_pat_offboarded_two_runners",
            ["NHI1", "NHI9", "NHI5"],
            "Classic PAT with broad scopes of a person Okta deactivated, still used from two build runners",
            ids.github_token(str(plan.github.pat_id)),
            {
                "verdict": "owner_offboarded",
                "owners": [person["mira"]],
                "runners": runners,
                "runner_ips": [r.public_ip for r in plan.github.pat_runners],
                "scopes": ["read:org", "repo", "workflow"],
                "finding_categories": ["NHI1", "NHI9"],
                "pending_rules": ["KT-NHI1-005", "KT-NHI9-005"],
            },
            identity=ids.github_account(mira.github_login),
            hashed_token=plan.github.pat_hash,
            event_ids={"first_use": github["pat_clone_14"], "last_use": github["pat_clone_1"]},
        ),
        _situation(
            "github_fine_grained_pat_not_rotated",
            ["NHI7"],
            "Fine-grained PAT approved 170 days ago and never rotated",
            ids.github_token(str(plan.github.fine_id)),
            {
                "verdict": "owned",
                "owners": [person["lorna"]],
                "created": format_iso(plan.pat_created_at + 1800),  # approved half an hour after the request
                "finding_categories": ["NHI7"],
                "pending_rules": ["KT-NHI7-003"],
            },
            event_ids={"request": github["fine_request"], "granted": github["fine_granted"]},
        ),
        _situation(
            "github_handle_without_person",
            [],
            "A token used by a GitHub handle no roster or catalog names: the gap is named, not guessed",
            ids.github_token(str(plan.github.stray_id)),
            {"owner": f"github-user:{UNMATCHED_LOGIN}", "finding_categories": [], "pending_rules": []},
            identity=ids.github_account(UNMATCHED_LOGIN),
        ),
        _situation(
            "offboarding_corroborated_by_idp",
            [],
            "The person who left 45 days ago: Okta deactivated them and GitHub removed them on the roster's day",
            person["dana"],
            {
                "status": "offboarded",
                "offboarded_at": format_iso(people["dana"].offboarded_at or 0),
                "finding_categories": [],
                "pending_rules": [],
            },
            event_ids={"okta_deactivate": okta["deactivate_dana"], "github_remove_member": github["remove_dana"]},
        ),
        _situation(
            "okta_admin_privilege_grant",
            [],
            "An Okta admin granted administrator privileges to a person",
            ids.okta_user(plan.okta.user_id_of(people["hector"].email)),
            {
                "change_type": "grant",
                "detail": "Organization administrator, Application administrator (all)",
                "finding_categories": [],
                "pending_rules": [],
            },
            event_ids={"grant": okta["privilege_grant"]},
        ),
        _situation(
            "github_runner_and_secret_changes",
            [],
            "A deploy runner re-registered, a retired one removed, the deploy key's secret updated",
            ids.github_runner(ORG, cast.runners[2].name),
            {"finding_categories": [], "pending_rules": []},
            secret=ids.github_secret(ORG, "payments-deploy", "DEPLOY_AWS_ACCESS_KEY_ID"),
            removed_runner=ids.github_runner(ORG, "gh-runner-deploy-00"),
            event_ids={k: github[k] for k in ("register_runner", "remove_runner", "update_secret")},
        ),
    ]


def _gcp(saas: SaasOutput, cast: Cast) -> list[dict[str, object]]:
    g, marks = saas.plan.gcp, saas.marks["gcp"]
    return [
        _situation(
            "gcp_key_used_from_runners",
            ["NHI9", "NHI7", "NHI6"],
            "User-managed GCP service-account key created 200 days ago, used from two deploy runners; "
            "workload identity federation is set up in the same project",
            ids.gcp_service_account_key(g.deploy_key),
            {
                "verdict": "owned",
                "owners": [ids.person(g.key_creator.email)],
                "runners": [ids.github_runner(ORG, r.name) for r in g.runners],
                "runner_ips": [r.public_ip for r in g.runners],
                "created": format_iso(saas.plan.key_created_at),
                "finding_categories": ["NHI9"],
                "pending_rules": ["KT-NHI7-003", "KT-NHI6-003"],
            },
            identity=ids.gcp_service_account(g.deployer),
            project=g.project,
            event_ids={"create_key": marks["create_key"], "first_use": marks["deploy_key_use_14_0"]},
        ),
        _situation(
            "gcp_impersonation_chain",
            ["NHI10"],
            "A person impersonates ci-builder, which impersonates terraform, to change the project's IAM policy",
            ids.gcp_service_account(g.terraform),
            {
                "person": ids.person(g.chain_person.email),
                "chain": [
                    ids.gcp_user(g.chain_person.email),
                    ids.gcp_service_account(g.ci_builder),
                    ids.gcp_service_account(g.terraform),
                ],
                "granted": "ADD roles/storage.admin serviceAccount:" + g.deployer,
                "token_creator": "ADD roles/iam.serviceAccountTokenCreator serviceAccount:" + g.ci_builder,
                "finding_categories": [],
                "pending_rules": [],
            },
            event_ids={k: marks[k] for k in ("chain_mint", "chain_set_policy", "grant_token_creator")},
            deployer=ids.gcp_service_account(g.deployer),
        ),
        _situation(
            "gcp_federation_without_condition",
            ["NHI6"],
            "Workload identity pool whose GitHub provider has no attribute condition; its principal set may act as "
            "the deployer",
            ids.gcp_wif_pool(g.pool),
            {
                "provider": f"{ids.gcp_wif_pool(g.pool)}:provider:{g.provider}",
                "principal": ids.gcp_federated_principal(g.pool, "subject", g.wif_subject),
                "principal_set": ids.gcp_federated_principal(
                    g.pool, "set", f"attribute.repository/{ORG}/payments-deploy"
                ),
                "can_assume": ids.gcp_service_account(g.deployer),
                "finding_categories": [],
                "pending_rules": ["KT-NHI6-004"],
            },
            event_ids={k: marks[k] for k in ("create_pool", "create_provider", "grant_wif_user", "wif_use_1")},
        ),
    ]
