"""Findings narrowed to one subject, one accountable owner or one verdict, for the web page.

The findings run (queries/findings.py) filters by rule and severity; the page also asks "this
node's findings" and "findings whose owner is X" or "whose verdict is owner_offboarded". Those
need the whole run (a subject's findings can sit on any page) and, for owner and verdict, the
accountability of each distinct subject, computed once per subject per request. Counts and
`total` describe the narrowed set, so paging through it is exact.
"""

from __future__ import annotations

from graph.store import GraphStore
from queries.accountability import AccountabilityResult, accountability
from queries.findings import Finding, FindingsResult, findings

__all__ = ["narrowed_findings"]


def _owned_by(answer: AccountabilityResult, owner: str) -> bool:
    return any(o.id == owner for o in answer.owners) or any(c.person == owner for c in answer.chains)


def narrowed_findings(
    store: GraphStore,
    *,
    rule: str | None,
    severity: str | None,
    as_of: str | None,
    now: str | None,
    subject: str | None,
    owner: str | None,
    verdict: str | None,
    offset: int,
    limit: int,
) -> FindingsResult:
    """findings[offset:offset + limit] of the run's findings that match subject, owner and verdict."""
    whole = findings(store, rule=rule, severity=severity, as_of=as_of, now=now)
    kept: list[Finding] = [f for f in whole.findings if subject is None or f.subject.id == subject]
    if owner or verdict:
        answers: dict[str, AccountabilityResult] = {}
        for item in kept:
            if item.subject.id not in answers:
                answers[item.subject.id] = accountability(store, item.subject.id, as_of=as_of)
        kept = [
            f
            for f in kept
            if (owner is None or _owned_by(answers[f.subject.id], owner))
            and (verdict is None or answers[f.subject.id].verdict == verdict)
        ]
    by_rule: dict[str, int] = {}
    by_severity: dict[str, int] = {}
    for item in kept:
        by_rule[item.rule] = by_rule.get(item.rule, 0) + 1
        by_severity[item.severity] = by_severity.get(item.severity, 0) + 1
    page = kept[offset : offset + limit]
    more = offset + len(page) < len(kept)
    return whole.model_copy(
        update={
            "findings": page,
            "counts_by_rule": by_rule,
            "counts_by_severity": by_severity,
            "total": len(kept),
            "offset": offset,
            "next_offset": offset + len(page) if more else None,
            "truncated": more or offset > 0,
        }
    )
