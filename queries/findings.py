"""findings(): run the versioned rules and return every hit with its OWASP NHI category,
severity, recommended action and the evidence path behind it.

The rules are declared in queries/rules_credentials.py and queries/rules_identities.py
(`RULES` is their union, ordered by id). A hit on a subject whose latest review decision is
`keep` is dropped for rules marked `keep_suppresses` (over-privilege, long-lived keys): the
decision is on record, the risk accepted. Each finding has a stable `id` (hash of rule and
subject) so re-runs, tickets and SARIF baselines match.
"""

from __future__ import annotations

import hashlib
from typing import Final

from graph.errors import QueryError
from graph.store import GraphStore
from queries.common import Hop, NodeRef, Result, check_time, hop, node_ref, resolve_now
from queries.rules_base import OWASP_NAMES, SEVERITY_RANK, Hit, Owasp, Rule, RuleContext, Severity
from queries.rules_credentials import CREDENTIAL_RULES
from queries.rules_identities import IDENTITY_RULES

__all__ = ["RULES", "Finding", "FindingsResult", "RuleInfo", "findings", "rule_info"]

RULES: Final[tuple[Rule, ...]] = tuple(sorted((*CREDENTIAL_RULES, *IDENTITY_RULES), key=lambda r: r.id))
FINDING_CAP: Final = 10_000


class RuleInfo(Result):
    id: str
    version: int
    title: str
    severity: str
    owasp: str
    owasp_name: str
    action: str
    keep_suppresses: bool


class Finding(Result):
    id: str
    rule: str
    rule_version: int
    title: str
    owasp: str
    owasp_name: str
    severity: str
    subject: NodeRef
    message: str
    action: str
    evidence: list[Hop]


class FindingsResult(Result):
    now: str
    as_of: str | None = None
    rules: list[RuleInfo]
    findings: list[Finding]
    counts_by_rule: dict[str, int]
    counts_by_severity: dict[str, int]
    suppressed: int = 0
    truncated: bool = False


def rule_info(rule: Rule) -> RuleInfo:
    return RuleInfo(
        id=rule.id,
        version=rule.version,
        title=rule.title,
        severity=rule.severity.value,
        owasp=rule.owasp.value,
        owasp_name=OWASP_NAMES[rule.owasp],
        action=rule.action,
        keep_suppresses=rule.keep_suppresses,
    )


def _select(rule: str | None, severity: str | None) -> list[Rule]:
    chosen = list(RULES)
    if rule:
        wanted = rule.upper()
        chosen = [r for r in chosen if r.id == wanted or r.owasp.value == wanted]
        if not chosen:
            raise QueryError(f"unknown rule {rule!r}; known: {', '.join(r.id for r in RULES)} or NHI1..NHI10")
    if severity:
        try:
            floor = SEVERITY_RANK[Severity(severity.lower())]
        except ValueError:
            raise QueryError(
                f"severity must be one of {', '.join(s.value for s in Severity)}, got {severity!r}"
            ) from None
        chosen = [r for r in chosen if SEVERITY_RANK[r.severity] >= floor]
    return chosen


def _finding(rule: Rule, found: Hit) -> Finding:
    digest = hashlib.sha256(f"{rule.id}\n{found.subject.id}".encode()).hexdigest()[:16]
    return Finding(
        id=f"{rule.id}:{digest}",
        rule=rule.id,
        rule_version=rule.version,
        title=rule.title,
        owasp=rule.owasp.value,
        owasp_name=OWASP_NAMES[Owasp(rule.owasp)],
        severity=rule.severity.value,
        subject=node_ref(found.subject),
        message=found.message,
        action=rule.action,
        evidence=[hop(e) for e in found.evidence],
    )


def findings(
    store: GraphStore,
    *,
    rule: str | None = None,
    severity: str | None = None,
    as_of: str | None = None,
    now: str | None = None,
) -> FindingsResult:
    """Every hit of the chosen rules (`rule`: an id or an OWASP category; `severity`: a minimum)."""
    as_of = check_time(as_of)
    moment = resolve_now(now, as_of)
    chosen = _select(rule, severity)
    ctx = RuleContext(store, as_of, moment)
    found: dict[str, Finding] = {}
    suppressed = 0
    for current in chosen:
        for hit_ in current.check(ctx):
            if current.keep_suppresses and ctx.kept(hit_.subject.id):
                suppressed += 1
                continue
            made = _finding(current, hit_)
            earlier = found.get(made.id)
            if earlier is not None:  # several hits on one subject: one finding, all the evidence
                made = earlier.model_copy(
                    update={
                        "message": f"{earlier.message}; {made.message}",
                        "evidence": earlier.evidence + made.evidence,
                    }
                )
            found[made.id] = made
    ordered = sorted(found.values(), key=lambda f: (-SEVERITY_RANK[Severity(f.severity)], f.rule, f.subject.id))
    by_rule: dict[str, int] = {}
    by_severity: dict[str, int] = {}
    for item in ordered:
        by_rule[item.rule] = by_rule.get(item.rule, 0) + 1
        by_severity[item.severity] = by_severity.get(item.severity, 0) + 1
    return FindingsResult(
        now=moment,
        as_of=as_of,
        rules=[rule_info(r) for r in chosen],
        findings=ordered[:FINDING_CAP],
        counts_by_rule=by_rule,
        counts_by_severity=by_severity,
        suppressed=suppressed,
        truncated=len(ordered) > FINDING_CAP,
    )
