"""findings(): run the versioned rules and return every hit with its OWASP NHI category,
severity, recommended action and the evidence path behind it.

The rules are declared in queries/rules_credentials.py, queries/rules_identities.py,
queries/rules_kubernetes.py and queries/rules_saas.py (`RULES` is their union, ordered by id).
A hit on a subject whose latest review decision is
`keep` is dropped for rules marked `keep_suppresses` (over-privilege, long-lived keys): the
decision is on record, the risk accepted. Each finding has a stable `id` (hash of rule and
subject) so re-runs, tickets and SARIF baselines match.

Nothing is dropped silently: a run returns every finding up to `limit` (default and maximum
FINDING_CAP = 1,000,000) from `offset`, in a stable order (severity, rule, subject); `total`
counts them all, `next_offset` is where the next page starts (None on the last page),
`truncated` says the page is not everything, and each rule's `truncated` says whether some of
its findings are outside the page. Rules read lean scans; only the page's evidence edges are
then read in full (count, evidence pointers), in bulk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

from graph.errors import QueryError
from graph.model import Node, StoredEdge, from_store
from graph.schema import EdgeKind, NodeKind
from graph.store import EdgeRow, GraphStore, NodeRow
from queries.common import Hop, NodeRef, Result, check_limit, check_time, hop, node_ref, resolve_now
from queries.rules_base import OWASP_NAMES, SEVERITY_RANK, Owasp, Rule, RuleContext, Severity
from queries.rules_credentials import CREDENTIAL_RULES
from queries.rules_identities import IDENTITY_RULES
from queries.rules_kubernetes import KUBERNETES_RULES
from queries.rules_saas import SAAS_RULES

__all__ = ["FINDING_CAP", "RULES", "Finding", "FindingsResult", "RuleInfo", "findings", "rule_info"]

RULES: Final[tuple[Rule, ...]] = tuple(
    sorted((*CREDENTIAL_RULES, *IDENTITY_RULES, *KUBERNETES_RULES, *SAAS_RULES), key=lambda r: r.id)
)
FINDING_CAP: Final = 1_000_000
"""Most findings one call returns (the default `limit`); page on with `offset` past it."""
_Key = tuple[str, str, str]
N, E = NodeKind, EdgeKind
SCAN_ORDER: Final[tuple[NodeKind | EdgeKind, ...]] = (
    N.PERSON, E.OWNS, E.MEMBER_OF, E.HAS_CREDENTIAL, N.CREDENTIAL, E.CAN_ACCESS, E.ACTED_AS, E.RUNS_AS, N.IDENTITY,
    E.AUTHENTICATED_WITH, N.CHANGE, E.TARGETS, E.STARTED, E.FROM, N.SESSION, E.TOUCHED, E.EXPOSED_IN, E.CAN_ASSUME,
    E.USES, E.APPROVED, E.COVERS, N.APPROVAL, E.PERFORMED, E.STORED_IN, N.PIPELINE, N.WORKLOAD, E.RUNS_ON, N.RUNNER,
)  # fmt: skip
"""The scans a run of every rule reads, in the order it first needs them on the planted scenario
(a test keeps this true; on other data a kind may be first needed a little later): on a store
that reads concurrently they are read ahead in this order."""


class RuleInfo(Result):
    id: str
    version: int
    title: str
    severity: str
    owasp: str
    owasp_name: str
    action: str
    keep_suppresses: bool
    truncated: bool = False
    """In a findings result: some of this rule's findings are outside the returned page."""


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
    total: int = 0
    """Findings in the whole run (the page holds findings[offset:offset + limit])."""
    offset: int = 0
    next_offset: int | None = None
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


@dataclass(slots=True)
class _Pending:
    """Every hit of one rule on one subject, merged: one finding once built."""

    rule: Rule
    subject: Node | NodeRow
    messages: list[str]
    evidence: list[StoredEdge | EdgeRow] = field(default_factory=list)


def _run(chosen: list[Rule], ctx: RuleContext, *, evidence_ahead: bool = False) -> tuple[list[_Pending], int]:
    """Every rule's hits, merged per (rule, subject), sorted by severity, rule and subject.
    `evidence_ahead`: as each rule ends, its hits' evidence edges start being read in full on
    the context's read-ahead threads, while the next rules run."""
    found: dict[tuple[str, str], _Pending] = {}
    suppressed = 0
    for current in chosen:
        cited: set[_Key] = set()
        for hit_ in current.check(ctx):
            if current.keep_suppresses and ctx.kept(hit_.subject.id):
                suppressed += 1
                continue
            if evidence_ahead:
                cited.update(e.key for e in hit_.evidence if isinstance(e, EdgeRow))
            earlier = found.get((current.id, hit_.subject.id))
            if earlier is None:
                found[(current.id, hit_.subject.id)] = _Pending(current, hit_.subject, [hit_.message], [*hit_.evidence])
            else:  # several hits on one subject: one finding, all the evidence
                earlier.messages.append(hit_.message)
                earlier.evidence += hit_.evidence
        if cited:
            ctx.read_edges_ahead(cited)
    ordered = sorted(found.values(), key=lambda p: (-SEVERITY_RANK[p.rule.severity], p.rule.id, p.subject.id))
    return ordered, suppressed


def _full_edges(store: GraphStore, rows: Iterable[EdgeRow], ready: dict[_Key, StoredEdge]) -> dict[_Key, StoredEdge]:
    """The stored edges behind lean evidence rows: those read ahead (`ready`), the rest read
    now, in bulk by key."""
    wanted = {row.key for row in rows}
    full = {key: ready[key] for key in wanted if key in ready}
    if len(full) < len(wanted):
        full.update(store.edges_by_key(wanted - full.keys()))
    missing = sorted(wanted - full.keys())
    if missing:
        raise QueryError(f"the graph changed while findings ran (edge {missing[0]} not found); run again")
    return full


def _rule_fields(rule: Rule) -> dict[str, object]:
    """What every finding of a rule repeats (in Finding's field order), worked out once per rule."""
    return {
        "rule": rule.id,
        "rule_version": rule.version,
        "title": rule.title,
        "owasp": rule.owasp.value,
        "owasp_name": OWASP_NAMES[Owasp(rule.owasp)],
        "severity": rule.severity.value,
    }


def _finding(pending: _Pending, fields: dict[str, object], full: dict[_Key, StoredEdge]) -> Finding:
    rule_id, subject = pending.rule.id, pending.subject
    digest = hashlib.sha256(f"{rule_id}\n{subject.id}".encode()).hexdigest()[:16]
    evidence = [e if isinstance(e, StoredEdge) else full[e.key] for e in pending.evidence]
    return from_store(  # every value comes from a rule declaration or the store
        Finding,
        {
            "id": f"{rule_id}:{digest}",
            **fields,
            "subject": node_ref(subject),
            "message": "; ".join(pending.messages),
            "action": pending.rule.action,
            "evidence": [hop(e) for e in evidence],
        },
    )


def findings(
    store: GraphStore,
    *,
    rule: str | None = None,
    severity: str | None = None,
    as_of: str | None = None,
    now: str | None = None,
    offset: int = 0,
    limit: int = FINDING_CAP,
) -> FindingsResult:
    """Every hit of the chosen rules (`rule`: an id or an OWASP category; `severity`: a minimum),
    findings[offset:offset + limit] of them returned (see the module docstring on paging)."""
    as_of = check_time(as_of)
    moment = resolve_now(now, as_of)
    check_limit(offset, "offset", 0, 1_000_000_000)
    check_limit(limit, "limit", 1, FINDING_CAP)
    chosen = _select(rule, severity)
    ctx = RuleContext(store, as_of, moment)
    if len(chosen) == len(RULES):
        ctx.read_ahead(SCAN_ORDER)
    try:
        # a whole run (the CLI's, a nightly script's) cites all the evidence: read it during the
        # rules; a page of an API client's needs only its own, read once the page is known
        ordered, suppressed = _run(
            chosen, ctx, evidence_ahead=ctx.reading_ahead and offset == 0 and limit == FINDING_CAP
        )
        ready = ctx.edges_read_ahead()
    finally:
        ctx.close()
    by_rule: dict[str, int] = {}
    by_severity: dict[str, int] = {}
    for item in ordered:
        by_rule[item.rule.id] = by_rule.get(item.rule.id, 0) + 1
        by_severity[item.rule.severity.value] = by_severity.get(item.rule.severity.value, 0) + 1
    page = ordered[offset : offset + limit]
    full = _full_edges(store, (e for p in page for e in p.evidence if isinstance(e, EdgeRow)), ready)
    on_page: dict[str, int] = {}
    for item in page:
        on_page[item.rule.id] = on_page.get(item.rule.id, 0) + 1
    more = offset + len(page) < len(ordered)
    fields = {r.id: _rule_fields(r) for r in chosen}
    return FindingsResult(
        now=moment,
        as_of=as_of,
        rules=[
            rule_info(r).model_copy(update={"truncated": on_page.get(r.id, 0) < by_rule.get(r.id, 0)}) for r in chosen
        ],
        findings=[_finding(p, fields[p.rule.id], full) for p in page],
        counts_by_rule=by_rule,
        counts_by_severity=by_severity,
        suppressed=suppressed,
        total=len(ordered),
        offset=offset,
        next_offset=offset + len(page) if more else None,
        truncated=more or offset > 0,
    )
