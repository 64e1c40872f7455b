"""Findings rules about identities, trust and sessions: ownership, third-party trust, weak logins,
over-privilege, federation without conditions, and humans using machine identities.

Each check reads the shared scan indexes of `RuleContext`; `IDENTITY_RULES` is the declaration.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Final

from graph.schema import EdgeKind, NodeKind
from graph.store import EdgeRow, NodeRow
from graph.values import AccessLevel, AssumeVia, AuthMethod, ChangeType, Nature
from graph.values.aws import AwsSubtype
from queries.approvals import approvals_of
from queries.common import prop_bool, prop_list, prop_str
from queries.rules_base import Hit, Owasp, Rule, RuleContext, Severity

__all__ = ["GITHUB_OIDC_HOST", "IDENTITY_RULES", "NOBODY_OWNS", "NOT_OWNED_HERE", "PEOPLES_KINDS", "PERMISSION_CHANGES"]

# Registry values bound once as plain text: an enum member looked up per row costs several times a literal
# (bench/README.md).
_WRITE_OR_ADMIN: Final = (AccessLevel.WRITE.value, AccessLevel.ADMIN.value)
_ADMIN: Final = AccessLevel.ADMIN.value
_IAM_USER: Final = AwsSubtype.IAM_USER.value
# keyboard-interactive is PAM prompting for the account's password
_PASSWORDS: Final = frozenset({AuthMethod.PASSWORD.value, AuthMethod.KEYBOARD_INTERACTIVE.value})
_OIDC_OR_UNSTATED: Final = (AssumeVia.OIDC.value, AssumeVia.WEB_IDENTITY.value, "")

GITHUB_OIDC_HOST: Final = "token.actions.githubusercontent.com"
PERMISSION_CHANGES: Final = frozenset(
    change.value for change in (ChangeType.GRANT, ChangeType.EXPAND, ChangeType.TRUST, ChangeType.FEDERATE)
)
_ACCOUNT = re.compile(r"^aws:arn:(?:arn:)?aws[\w-]*:(?:iam|sts)::(\d{12}):")
_RESOURCE_ACCOUNT = re.compile(r"^aws:(?:res|account):(\d{12})(?::|$)")


NOBODY_OWNS: Final = frozenset({"aws.service", "aws.principal.any"})
"""Identities no one in the estate can own: AWS's service principals (AWS answers for them) and
the wildcard `Principal: "*"` (anyone: KT-NHI3-003 reports the trust instead)."""
NOT_OWNED_HERE: Final = frozenset({"aws.iam.root", "aws.iam.group"})
"""Identities whose accountability is not an owner record: an account root answers to whoever
holds the account (its keys: KT-NHI7-002), a group is owned through the identities in it."""
_ACTING: Final = ((EdgeKind.HAS_CREDENTIAL, "out"), (EdgeKind.CAN_ACCESS, "out"),
                  (EdgeKind.ACTED_AS, "in"), (EdgeKind.RUNS_AS, "in"))  # fmt: skip
"""What shows an identity can act (holds a credential, is granted access) or did act (a session
as it, a workload running as it): an identity with none of these is a name in someone else's
record (a stub), not an identity anyone must answer for."""


def _acting_evidence(ctx: RuleContext) -> dict[str, list[EdgeRow]]:
    found: dict[str, list[EdgeRow]] = {}
    for kind, direction in _ACTING:
        for edge in ctx.edges(kind):
            identity = edge.source if direction == "out" else edge.target
            kept = found.setdefault(identity, [])
            if sum(1 for e in kept if e.kind == kind) < 2:  # a couple of each kind: the case, not a dump
                kept.append(edge)
    return found


PEOPLES_KINDS: Final = frozenset({_IAM_USER, "k8s.user"})
"""Accounts a person may hold as their own: of unknown nature, nothing shows they are machines',
so KT-NHI1-004 reports them without calling them non-human (KT-NHI1-002 does for the rest)."""


def _owned_elsewhere(identity: NodeRow) -> bool:
    """Identities whose owner is not the estate's to record: nobody (service principals, `*`), the
    account or group (root, groups), or their provider (`managed_by`: AWS's service-linked roles)."""
    return (
        identity.subtype in NOBODY_OWNS or identity.subtype in NOT_OWNED_HERE or bool(prop_str(identity, "managed_by"))
    )


_IAM_USER_ARN = re.compile(r"^aws:arn:(?:arn:)?aws[\w-]*:iam::\d{12}:user/")


def _unknown_persons_account(identity: NodeRow) -> bool:
    """A user account (an IAM user, also one only named by a grant, or a Kubernetes user) whose
    sources never said whether a person or a program uses it."""
    user = identity.subtype in PEOPLES_KINDS or (not identity.subtype and bool(_IAM_USER_ARN.match(identity.id)))
    return user and prop_str(identity, "nature") in ("", Nature.UNKNOWN.value)


def identity_without_owner(ctx: RuleContext) -> Iterator[Hit]:
    evidence = _acting_evidence(ctx)
    for identity in ctx.nodes(NodeKind.IDENTITY).values():
        if _owned_elsewhere(identity) or not ctx.is_nhi(identity) or _unknown_persons_account(identity):
            continue
        cited = evidence.get(identity.id)
        if cited and not ctx.ownership.effective_owners(identity.id):
            nature = prop_str(identity, "nature") or Nature.UNKNOWN.value
            kinds = ", ".join(sorted({e.kind.value for e in cited}))
            yield Hit(identity, f"{nature} identity with no owner on record ({kinds})", tuple(cited))


def account_of_unknown_nature_without_owner(ctx: RuleContext) -> Iterator[Hit]:
    """An IAM (or Kubernetes) user nobody owns whose sources do not show whether a person or a
    program uses it: reported as what it is, not as a non-human identity."""
    evidence = _acting_evidence(ctx)
    for identity in ctx.nodes(NodeKind.IDENTITY).values():
        if _owned_elsewhere(identity) or not _unknown_persons_account(identity):
            continue
        cited = evidence.get(identity.id)
        if cited and not ctx.ownership.effective_owners(identity.id):
            why = prop_str(identity, "nature_reason") or "no source says whether a person or a program uses it"
            kinds = ", ".join(sorted({e.kind.value for e in cited}))
            yield Hit(identity, f"user account with no owner on record; human or machine not known ({why}; {kinds})",
                      tuple(cited))  # fmt: skip


_RESTRICTING_KEYS: Final = frozenset(
    {
        "aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn",
        "aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths", "aws:userid",
        "aws:username", "aws:principalservicename",
    }
)  # fmt: skip
"""Condition keys that narrow who the principal is (an organisation, an account, an ARN). An
`sts:ExternalId` is not among them: it is not a secret, so it restricts nobody who knows it."""


def _restricting(condition: str) -> list[str]:
    """The condition keys of a trust statement that narrow its principal to someone (a value of
    `*` narrows nothing)."""
    try:
        blocks = json.loads(condition) if condition else {}
    except ValueError:
        return []
    found = []
    for block in blocks.values() if isinstance(blocks, dict) else ():
        for key, value in block.items() if isinstance(block, dict) else ():
            values = value if isinstance(value, list) else [value]
            if str(key).lower() in _RESTRICTING_KEYS and any(str(v).strip("*") for v in values):
                found.append(str(key))
    return found


def trust_of_any_principal(ctx: RuleContext) -> Iterator[Hit]:
    """`Principal: "*"` / `{"AWS": "*"}` without a condition naming who: anyone with AWS
    credentials, in any account, can assume the role."""
    identities = ctx.nodes(NodeKind.IDENTITY)
    for edge in ctx.edges(EdgeKind.CAN_ASSUME):
        source, role = identities.get(edge.source), identities.get(edge.target)
        if source is None or role is None or source.subtype != "aws.principal.any":
            continue
        if not _restricting(prop_str(edge, "condition")):
            extra = " (an sts:ExternalId condition is not a secret)" if prop_bool(edge, "external_id") else ""
            yield Hit(role, f"any AWS principal in any account can assume it{extra}", (edge,))


def _account(node: NodeRow | None, node_id: str) -> str:
    if node is not None and prop_str(node, "account"):
        return prop_str(node, "account")
    match = _ACCOUNT.match(node_id) or _RESOURCE_ACCOUNT.match(node_id)
    return match.group(1) if match else ""


def _external_trusts(ctx: RuleContext) -> Iterator[tuple[NodeRow, str, EdgeRow]]:
    """(role, trusted account, edge) for trusts of an AWS account outside ours. Ours = every
    account whose IAM export was loaded (its roles carry a trust policy): a trust between two of
    an organisation's own accounts is not a third party's (no confused deputy to guard against)."""
    identities = ctx.nodes(NodeKind.IDENTITY)
    ours = {_account(i, i.id) for i in identities.values() if prop_str(i, "trust_policy")}
    for edge in ctx.edges(EdgeKind.CAN_ASSUME):
        if edge.source_kind != NodeKind.IDENTITY or prop_str(edge, "via") not in ("", "aws_principal"):
            continue
        role = identities.get(edge.target)
        theirs, home = _account(identities.get(edge.source), edge.source), _account(role, edge.target)
        if role is not None and theirs and home and theirs != home and theirs not in ours:
            yield role, theirs, edge


def external_trust_without_external_id(ctx: RuleContext) -> Iterator[Hit]:
    for role, theirs, edge in _external_trusts(ctx):
        if not prop_bool(edge, "external_id"):
            yield Hit(
                role, f"trusts external account {theirs} ({edge.source}) without an sts:ExternalId condition", (edge,)
            )


def external_trust_with_wildcard_write(ctx: RuleContext) -> Iterator[Hit]:
    """A third party holding write or admin on a whole service (`s3:*`, `secretsmanager:*`)
    behind an ExternalId: the condition stops a confused deputy, not a compromised vendor.
    (Without an ExternalId, KT-NHI3-001 already reports the trust.)"""
    broad: dict[str, list[EdgeRow]] = {}
    for edge in ctx.edges(EdgeKind.CAN_ACCESS):
        if prop_str(edge, "level") in _WRITE_OR_ADMIN and prop_bool(edge, "wildcard"):
            broad.setdefault(edge.source, []).append(edge)
    for role, theirs, edge in _external_trusts(ctx):
        grants = broad.get(role.id, [])
        if grants and prop_bool(edge, "external_id"):
            targets = ", ".join(sorted(g.target for g in grants)[:5])
            yield Hit(role, f"external account {theirs} can assume it with wildcard write access to {targets}",
                      (edge, *grants[:5]))  # fmt: skip


def console_password_without_mfa(ctx: RuleContext) -> Iterator[Hit]:
    for identity in ctx.nodes(NodeKind.IDENTITY).values():
        if not ctx.is_nhi(identity, unknown=False) or identity.subtype != _IAM_USER:
            continue
        if prop_bool(identity, "password_enabled") and not prop_bool(identity, "mfa_active"):
            keys = tuple(ctx.credentials_of_identity.get(identity.id, ())[:5])
            yield Hit(identity, "service IAM user with a console password and no MFA", keys)


def _sessions_acting_as_nhi(ctx: RuleContext) -> Iterator[tuple[NodeRow, NodeRow, EdgeRow]]:
    sessions, identities = ctx.nodes(NodeKind.SESSION), ctx.nodes(NodeKind.IDENTITY)
    for edge in ctx.edges(EdgeKind.ACTED_AS):
        session, identity = sessions.get(edge.source), identities.get(edge.target)
        if session is not None and identity is not None and ctx.is_nhi(identity, unknown=False):
            yield session, identity, edge


def password_login_to_service_account(ctx: RuleContext) -> Iterator[Hit]:
    for session, identity, edge in _sessions_acting_as_nhi(ctx):
        method = prop_str(session, "auth_method")
        if method in _PASSWORDS:
            yield Hit(identity, f"{method} login to a service account in session {session.id}", (edge,))


def admin_never_used(ctx: RuleContext) -> Iterator[Hit]:
    identities = ctx.nodes(NodeKind.IDENTITY)
    admin = [e for e in ctx.edges(EdgeKind.CAN_ACCESS) if prop_str(e, "level") == _ADMIN]
    if not admin:
        return
    sessions_of: dict[str, set[str]] = {}
    for edge in ctx.edges(EdgeKind.ACTED_AS):
        sessions_of.setdefault(edge.target, set()).add(edge.source)
    touched: dict[str, set[str]] = {}
    for edge in ctx.edges(EdgeKind.TOUCHED):
        touched.setdefault(edge.source, set()).add(edge.target)
    for edge in admin:
        identity = identities.get(edge.source)
        if identity is None or not ctx.is_nhi(identity) or edge.source.startswith("k8s:"):
            continue  # Kubernetes grants are judged against the audit log's window: KT-NHI5-003
        # admin on an account (`*` on `*`) is used by a touch of anything in that account
        account = edge.target.removeprefix("aws:account:") if edge.target.startswith("aws:account:") else ""
        reached = {t for s in sessions_of.get(identity.id, ()) for t in touched.get(s, ())}
        if edge.target not in reached and not (account and any(_account(None, t) == account for t in reached)):
            yield Hit(identity, f"admin access to {edge.target} granted but never used", (edge,))


_STREAMS: Final = ("/exec", "/attach", "/portforward")
_SQL_PRIVILEGED: Final = frozenset({"GRANT", "REVOKE", "ALTER", "DROP", "TRUNCATE", "CREATE"})


def _privileged_use(edge: EdgeRow) -> str:
    """What makes a touch privileged, or "": a stream into a workload (Kubernetes exec, attach,
    port-forward, through the cluster or a proxy), a database query that changes schema or grants
    (its verb is the touch's action), or a request the authorizer allowed by cluster-admin."""
    actions = prop_list(edge, "actions")
    stream = next((a for a in actions if a.endswith(_STREAMS)), "")
    if stream:
        return f"{stream} into {edge.target}"
    sql = sorted(a for a in actions if a in _SQL_PRIVILEGED)  # query verbs, upper case as captured
    if sql:
        return f"{', '.join(sql)} on {edge.target}"
    if any("cluster-admin" in g for g in prop_list(edge, "grants")):
        return f"cluster-admin use on {edge.target}"
    return ""


def privileged_session_without_approval(ctx: RuleContext) -> Iterator[Hit]:
    """A session that changed permissions, exec'd into a workload, ran GRANT/ALTER/DROP… or used
    cluster-admin, with no access request or ticket approving it (queries/approvals.py). An access
    request the session named that does not approve it (denied, pending, or the session started
    outside its window: the session's `unapproved_requests`) is named in the message."""
    sessions, changes = ctx.nodes(NodeKind.SESSION), ctx.nodes(NodeKind.CHANGE)
    approved = set(approvals_of(ctx).approved)  # access requests and tickets in window and scope (docs/tickets.md)
    found: dict[str, list[EdgeRow]] = {}
    for edge in ctx.edges(EdgeKind.PERFORMED):
        change = changes.get(edge.target)
        if edge.source not in sessions or change is None or edge.source in approved or change.id in approved:
            continue
        at = prop_str(change, "at")
        if prop_str(change, "change_type") in PERMISSION_CHANGES and not (ctx.as_of and at and at > ctx.as_of):
            found.setdefault(edge.source, []).append(edge)
    used: dict[str, list[tuple[str, EdgeRow]]] = {}
    for edge in ctx.edges(EdgeKind.TOUCHED):
        if edge.source in sessions and edge.source not in approved:
            what = _privileged_use(edge)
            if what:
                used.setdefault(edge.source, []).append((what, edge))
    for session_id in sorted(found.keys() | used.keys()):
        edges = found.get(session_id, [])
        uses = sorted(used.get(session_id, []), key=lambda row: row[0])
        parts = []
        if edges:
            parts.append("made permission changes (" + ", ".join(
                prop_str(changes[e.target], "action") or e.target for e in edges[:5]) + ")")  # fmt: skip
        if uses:
            parts.append("ran " + "; ".join(what for what, _e in uses[:5]))
        cited = (edges + [e for _w, e in uses])[:5]
        refused = prop_list(sessions[session_id], "unapproved_requests")  # named, but denied, pending or expired
        named = f" (access request {'; '.join(refused[:3])})" if refused else ""
        yield Hit(sessions[session_id], " and ".join(parts) + " with no approval on record" + named, tuple(cited))


def oidc_trust_without_subject(ctx: RuleContext) -> Iterator[Hit]:
    identities = ctx.nodes(NodeKind.IDENTITY)
    for edge in ctx.edges(EdgeKind.CAN_ASSUME):
        provider = identities.get(edge.source)
        github = GITHUB_OIDC_HOST in edge.source or (provider is not None and GITHUB_OIDC_HOST in provider.name)
        if github and prop_str(edge, "via") in _OIDC_OR_UNSTATED and not prop_str(edge, "subject"):
            role = identities.get(edge.target)
            if role is not None:
                yield Hit(role, "GitHub OIDC trust without a sub condition: any repository can assume it", (edge,))


def nhi_used_interactively(ctx: RuleContext) -> Iterator[Hit]:
    # a session that came FROM a CI runner is the pipeline's, even when a deploy script's `ssh -t`
    # gave its sudo a terminal, unless a person STARTED it (someone at the runner's console)
    started = {e.target for e in ctx.edges(EdgeKind.STARTED)}
    pipelines = {
        e.source for e in ctx.edges(EdgeKind.FROM) if e.target_kind == NodeKind.RUNNER and e.source not in started
    }
    for session, identity, edge in _sessions_acting_as_nhi(ctx):
        if prop_bool(session, "interactive") and session.id not in pipelines:
            yield Hit(identity, f"machine identity used from an interactive (human) session {session.id}", (edge,))


IDENTITY_RULES: Final = (
    Rule("KT-NHI1-002", 2, "Non-human identity with no owner", Severity.MEDIUM, Owasp.NHI1,
         "assign an owner (or decommission the identity)", identity_without_owner),
    Rule("KT-NHI1-004", 1, "User account of unknown nature with no owner", Severity.LOW, Owasp.NHI1,
         "find who uses it: assign the person as owner if it is theirs, or an owner for the program that uses it",
         account_of_unknown_nature_without_owner),
    Rule("KT-NHI3-001", 1, "Role trusts an external account without an ExternalId condition", Severity.HIGH,
         Owasp.NHI3, "add an sts:ExternalId condition to the trust policy (or remove the trust)",
         external_trust_without_external_id),
    Rule("KT-NHI3-003", 1, "Role assumable by any AWS principal", Severity.CRITICAL, Owasp.NHI3,
         "restrict the trust to named principals, or add an aws:PrincipalOrgID / aws:PrincipalAccount condition",
         trust_of_any_principal),
    Rule("KT-NHI3-002", 1, "External account can assume a role with wildcard write access", Severity.MEDIUM,
         Owasp.NHI3, "narrow the third party's grant to the actions it needs (no service-wide write)",
         external_trust_with_wildcard_write),
    Rule("KT-NHI4-001", 1, "Service IAM user with a console password and no MFA", Severity.HIGH, Owasp.NHI4,
         "remove the console password (service users need none) or enforce MFA", console_password_without_mfa),
    Rule("KT-NHI4-003", 1, "Password login to a service account", Severity.HIGH, Owasp.NHI4,
         "disable password authentication for the account; use keys or certificates",
         password_login_to_service_account),
    Rule("KT-NHI5-001", 2, "Admin access granted but never used", Severity.MEDIUM, Owasp.NHI5,
         "reduce the grant to what is used (or record a keep decision with a reason)", admin_never_used,
         keep_suppresses=True),
    Rule("KT-NHI5-002", 2, "Privileged session with no approval on record", Severity.MEDIUM, Owasp.NHI5,
         "review what the session did and require an approval (access request or ticket) for privileged access",
         privileged_session_without_approval),
    Rule("KT-NHI6-002", 1, "GitHub OIDC trust without a sub condition", Severity.CRITICAL, Owasp.NHI6,
         "restrict the trust with a token.actions.githubusercontent.com:sub condition naming the repository",
         oidc_trust_without_subject),
    Rule("KT-NHI10-001", 2, "Machine identity used from a human's interactive session", Severity.HIGH, Owasp.NHI10,
         "give the person their own identity and stop interactive use of the machine identity",
         nhi_used_interactively),
)  # fmt: skip
