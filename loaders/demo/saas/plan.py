"""The SaaS part's planted cast: the GCP project, its accounts and keys, the Okta org's ids, the GitHub tokens.

Every id and time the three writers (gcp.py, okta.py, github_audit.py) and the manifest
(situations.py) share is derived here once from (seed, base time), so a writer never invents an
id another one must agree with. People are the demo's cast (loaders/demo/cast.py); runners are
the deploy runners of the cast and the first background build runners (loaders/demo/org.py), so a
caller IP here is an address the EC2 and runner inventories already declare.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from loaders.demo.cast import Cast, CastPerson
from loaders.demo.derive import DAY, Derive
from loaders.demo.org import ORG, Organisation, Runner

__all__ = ["GcpPlan", "GithubPlan", "OktaPlan", "SaasPlan", "build_plan"]

# Okta's System Log keeps 90 days, GitHub's audit log 180 days (git events 7), GCP Admin Activity
# 400 days: every planted event lies inside its own source's retention before `base`.
OKTA_TOKEN_AGE = 80 * DAY
MIRA_DEACTIVATED_AGO = 10 * DAY
PAT_AGE = 170 * DAY
GCP_KEY_AGE = 200 * DAY
UNMATCHED_LOGIN = "qa-contractor-7"  # a GitHub handle no roster or catalog names: a named gap


@dataclass(frozen=True)
class GcpPlan:
    project: str
    number: str
    deployer: str  # the service account whose user-managed key the deploy runners use
    deploy_key: str
    ci_builder: str  # impersonated by a person, then impersonates terraform (a delegation chain)
    terraform: str
    pool: str  # workload identity pool (full resource name)
    provider: str
    wif_subject: str
    key_creator: CastPerson
    chain_person: CastPerson
    runners: tuple[Runner, ...]

    def account_email(self, name: str) -> str:
        return f"{name}@{self.project}.iam.gserviceaccount.com"

    @property
    def wif_principal(self) -> str:
        return f"principal://iam.googleapis.com/{self.pool}/subject/{self.wif_subject}"

    @property
    def wif_principal_set(self) -> str:
        return f"principalSet://iam.googleapis.com/{self.pool}/attribute.repository/{ORG}/payments-deploy"


@dataclass(frozen=True)
class OktaPlan:
    token_id: str
    token_name: str
    app_id: str
    derive: Derive

    def user_id_of(self, email: str) -> str:
        return "00u" + _okta_tail(self.derive, "okta-user", email)

    def session_id(self, email: str, n: int) -> str:
        return "102" + _okta_tail(self.derive, "okta-session", email, n, length=22)


@dataclass(frozen=True)
class GithubPlan:
    pat_id: int
    pat_hash: str
    pat_owner: CastPerson
    pat_runners: tuple[Runner, ...]
    stray_id: int
    stray_hash: str
    fine_id: int
    fine_hash: str


@dataclass(frozen=True)
class SaasPlan:
    base: int
    gcp: GcpPlan
    okta: OktaPlan
    github: GithubPlan
    offboarded: CastPerson  # the person Okta deactivates although the HR roster lists them active
    deactivated_at: int
    token_created_at: int
    pat_created_at: int
    key_created_at: int


def _okta_tail(derive: Derive, *parts: object, length: int = 17) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    raw = derive.digest(*parts) + derive.digest("more", *parts)
    return "".join(alphabet[b % len(alphabet)] for b in raw[:length])


def _hashed_token(derive: Derive, *parts: object) -> str:
    """GitHub's `hashed_token`: base64 of a SHA-256 digest (here a derived 32-byte digest, of no token)."""
    return base64.b64encode(derive.digest("github-token-hash", *parts)).decode()


def build_plan(derive: Derive, org: Organisation, cast: Cast) -> SaasPlan:
    base, people = cast.base, cast.people
    project = "acme-payments-prod"
    number = str(100000000000 + derive.below(899999999999, "gcp-project", project))
    pool = f"projects/{number}/locations/global/workloadIdentityPools/github-actions"
    gcp = GcpPlan(
        project=project,
        number=number,
        deployer=f"payments-deployer@{project}.iam.gserviceaccount.com",
        deploy_key=derive.hex(40, "gcp-key", "deployer"),
        ci_builder=f"ci-builder@{project}.iam.gserviceaccount.com",
        terraform=f"terraform@{project}.iam.gserviceaccount.com",
        pool=pool,
        provider="github",
        wif_subject=f"repo:{ORG}/payments-deploy:ref:refs/heads/main",
        key_creator=people["kwame"],
        chain_person=people["hector"],
        runners=tuple(cast.runners[:2]),
    )
    okta = OktaPlan(
        token_id="00T" + _okta_tail(derive, "okta-token", "terraform"),
        token_name="terraform-okta-provider",
        app_id="0oa" + _okta_tail(derive, "okta-app", "github"),
        derive=derive,
    )
    github = GithubPlan(
        pat_id=7_000_000 + derive.below(1_000_000, "pat", "mira"),
        pat_hash=_hashed_token(derive, "mira"),
        pat_owner=people["mira"],
        pat_runners=(org.runner(0), org.runner(1)),
        stray_id=7_000_000 + derive.below(1_000_000, "pat", UNMATCHED_LOGIN),
        stray_hash=_hashed_token(derive, UNMATCHED_LOGIN),
        fine_id=7_500_000 + derive.below(100_000, "pat", "lorna"),
        fine_hash=_hashed_token(derive, "lorna"),
    )
    return SaasPlan(
        base=base,
        gcp=gcp,
        okta=okta,
        github=github,
        offboarded=people["mira"],
        deactivated_at=base - MIRA_DEACTIVATED_AGO + 9 * 3600,
        token_created_at=base - OKTA_TOKEN_AGE + 14 * 3600,
        pat_created_at=base - PAT_AGE + 11 * 3600,
        key_created_at=base - GCP_KEY_AGE + 10 * 3600,
    )
