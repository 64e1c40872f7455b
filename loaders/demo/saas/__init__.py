"""The demo estate's cloud and SaaS audit logs: a GCP project, an Okta org, the GitHub organisation's audit log.

`write_saas` writes `gcp/<project>/cloudaudit.googleapis.com.jsonl` (Cloud Logging sink lines),
`okta/system-log.json` (the `/api/v1/logs` array) and `github/audit-log/audit-log.jsonl` (the org
audit-log REST shape), all joined to the demo's cast and runners (plan.py), and returns their
counts and the ids of the planted events, which situations.py turns into manifest situations.
Like the rest of the demo, the output is a pure function of (seed, scale, base time) and streams.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from loaders.demo.cast import Cast
from loaders.demo.derive import Derive
from loaders.demo.org import Organisation
from loaders.demo.saas.gcp import write_gcp
from loaders.demo.saas.github_audit import write_github_audit
from loaders.demo.saas.okta import write_okta
from loaders.demo.saas.plan import SaasPlan, build_plan

__all__ = ["SaasOutput", "write_saas"]


@dataclass(frozen=True)
class SaasOutput:
    plan: SaasPlan
    counts: dict[str, int]
    marks: dict[str, dict[str, str]]
    """Per source, each planted event's id (GCP insertId, Okta uuid, GitHub _document_id) by tag."""


def write_saas(out: Path, derive: Derive, org: Organisation, cast: Cast) -> SaasOutput:
    plan = build_plan(derive, org, cast)
    gcp, gcp_marks = write_gcp(out / "gcp" / plan.gcp.project, derive, org, plan)
    okta, okta_marks = write_okta(out / "okta", derive, org, cast, plan)
    github, github_marks = write_github_audit(out / "github" / "audit-log", derive, org, cast, plan)
    return SaasOutput(
        plan,
        {"gcp_audit_entries": gcp, "okta_events": okta, "github_audit_events": github},
        {"gcp": gcp_marks, "okta": okta_marks, "github": github_marks},
    )
