"""Findings rules about credentials: offboarding, leakage, weak or long-lived secrets, reuse.

Each check reads the shared scan indexes of `RuleContext` and yields hits with the evidence
edges behind them; the rule table at the bottom (`CREDENTIAL_RULES`) is the declaration.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from graph.schema import EdgeKind, NodeKind
from graph.store import EdgeRow, NodeRow
from graph.values import AssumeVia, CredentialType
from graph.values.aws import AwsSubtype
from graph.values.review import ReviewDecision
from graph.values.ssh import SshSubtype
from queries.common import days_between, prop_bool, prop_str
from queries.holders import single_holder
from queries.rules_base import LONG_LIVED_DAYS, Hit, Owasp, Rule, RuleContext, Severity
from queries.rules_saas import ROTATED_TOKENS
from queries.stale import is_active, is_session_credential, is_standing

__all__ = ["CREDENTIAL_RULES", "LONG_LIVED_DAYS", "LONG_LIVED_TYPES"]

# Registry values bound once as plain text: an enum member looked up per row costs several times a literal
# (bench/README.md).
_REVOKE: Final = ReviewDecision.REVOKE.value
_OIDC_PROVIDER: Final = AwsSubtype.IAM_OIDC_PROVIDER.value
_OIDC_TRUST: Final = (AssumeVia.OIDC.value, AssumeVia.WEB_IDENTITY.value)

_C = CredentialType
_UNIX_ACCOUNT: Final = SshSubtype.ACCOUNT.value
_SSH_KEY: Final = SshSubtype.KEY.value
LONG_LIVED_TYPES: Final = frozenset(
    {
        *(
            kind.value
            for kind in (_C.AWS_ACCESS_KEY, _C.SSH_KEY, _C.API_KEY, _C.TOKEN, _C.PASSWORD, _C.PRIVATE_KEY, _C.CI_SECRET)
        ),
        _C.UNKNOWN.value,
        "",
    }
)
"""Credential types that live until someone rotates them ("": a type no source stated)."""


def _active_credentials(ctx: RuleContext) -> Iterator[NodeRow]:
    return (c for c in ctx.nodes(NodeKind.CREDENTIAL).values() if is_active(c))


def owner_offboarded_credential_active(ctx: RuleContext) -> Iterator[Hit]:
    index = ctx.ownership
    for credential in _active_credentials(ctx):
        paths = index.owner_paths(credential.id)
        if paths and not any(index.owner_alive(p[-1].source) for p in paths):
            owners = ", ".join(sorted({p[-1].source for p in paths}))
            yield Hit(credential, f"active credential whose every owner has left: {owners}", tuple(paths[0]))


def _revoked_at(ctx: RuleContext, credential: NodeRow) -> tuple[str, str]:
    """When (and how) the credential was revoked: deleted_at / revoked_at / a revoke review."""
    times = [(prop_str(credential, k), k) for k in ("revoked_at", "deleted_at") if prop_str(credential, k)]
    times += [
        (r.at, f"review {r.change}") for r in ctx.reviews.get(credential.id, []) if r.decision == _REVOKE and r.at
    ]
    return min(times) if times else ("", "")


def revoked_credential_seen(ctx: RuleContext) -> Iterator[Hit]:
    credentials = ctx.nodes(NodeKind.CREDENTIAL)
    later: dict[str, list[EdgeRow]] = {}
    for edge in ctx.edges(EdgeKind.AUTHENTICATED_WITH):
        credential = credentials.get(edge.target)
        if credential is None:
            continue
        revoked, _ = _revoked_at(ctx, credential)
        seen = edge.last_seen or edge.first_seen or ""
        if revoked and seen > revoked:
            later.setdefault(credential.id, []).append(edge)
    for cred_id, edges in sorted(later.items()):
        revoked, how = _revoked_at(ctx, credentials[cred_id])
        last = max(e.last_seen or e.first_seen or "" for e in edges)
        yield Hit(
            credentials[cred_id],
            f"revoked {revoked} ({how}) but used by {len(edges)} session(s) until {last}",
            tuple(edges[:5]),
        )


def _exposures(ctx: RuleContext) -> dict[str, list[EdgeRow]]:
    """Active credentials and the EXPOSED_IN edges that put them in repositories."""
    credentials = ctx.nodes(NodeKind.CREDENTIAL)
    exposed: dict[str, list[EdgeRow]] = {}
    for edge in ctx.edges(EdgeKind.EXPOSED_IN):
        credential = credentials.get(edge.source)
        if credential is not None and is_active(credential):
            exposed.setdefault(credential.id, []).append(edge)
    return exposed


def _use_after(ctx: RuleContext, credential: NodeRow, exposed_at: str) -> str:
    """The last time the credential was seen in use at or after its exposure, or "".

    In use: a session AUTHENTICATED_WITH it, or the provider's own last-used time (IAM's
    credential report / access-key metadata). With no exposure time any use counts.
    """
    moments = [e.last_seen or e.first_seen or "" for e in ctx.authenticated_into.get(credential.id, ())]
    moments.append(prop_str(credential, "last_used"))
    after = [m for m in moments if m and m >= exposed_at]
    return max(after) if after else ""


def _place(edge: EdgeRow) -> str:
    """The repository of an exposure, saying when keytrail assumed it (the report named none)."""
    return f"{edge.target} (repository assumed)" if prop_str(edge, "repository_assumed") else edge.target


def _exposure_evidence(ctx: RuleContext, cred_id: str, edges: list[EdgeRow]) -> tuple[str, str, str]:
    """(where, what makes it live, why not) for one exposed credential — see the two NHI2 rules."""
    credential = ctx.nodes(NodeKind.CREDENTIAL)[cred_id]
    where = ", ".join(_place(e) for e in edges[:5])
    exposed_at = min((e.first_seen for e in edges if e.first_seen), default="")
    if any(prop_bool(e, "verified") for e in edges):
        return where, "verified live by the scanner", ""
    used = _use_after(ctx, credential, exposed_at)
    if used:
        return where, f"used until {used}, after its exposure" + (f" ({exposed_at})" if exposed_at else ""), ""
    named = prop_str(credential, "identified_by")
    partial = " (the report holds only a key header or redacted text)" if named in _FINDING_NAMED else ""
    return where, "", f"not verified by the scanner and not seen in use since{partial}"


_FINDING_NAMED: Final = frozenset({"location", "scanner_fingerprint"})


def secret_exposed_live(ctx: RuleContext) -> Iterator[Hit]:
    credentials = ctx.nodes(NodeKind.CREDENTIAL)
    for cred_id, edges in sorted(_exposures(ctx).items()):
        where, live, _ = _exposure_evidence(ctx, cred_id, edges)
        if live:
            used = tuple(ctx.authenticated_into.get(cred_id, ())[:5])
            yield Hit(credentials[cred_id], f"exposed in {where}; {live}", (*edges[:5], *used))


def secret_exposed_unconfirmed(ctx: RuleContext) -> Iterator[Hit]:
    credentials = ctx.nodes(NodeKind.CREDENTIAL)
    for cred_id, edges in sorted(_exposures(ctx).items()):
        where, live, unconfirmed = _exposure_evidence(ctx, cred_id, edges)
        if not live:
            yield Hit(credentials[cred_id], f"exposed in {where}; {unconfirmed}", tuple(edges[:5]))


def legacy_token_active(ctx: RuleContext) -> Iterator[Hit]:
    for credential in _active_credentials(ctx):
        if prop_bool(credential, "legacy"):
            yield Hit(
                credential,
                "non-expiring legacy token (e.g. a kubernetes service-account-token secret)",
                ctx.credential_evidence(credential.id),
            )


def long_lived_unrotated(ctx: RuleContext) -> Iterator[Hit]:
    for credential in _active_credentials(ctx):
        if not is_standing(credential):
            continue  # minted per job or session and expiring by itself: nothing to rotate
        if prop_str(credential, "credential_type") not in LONG_LIVED_TYPES or prop_bool(credential, "legacy"):
            continue
        if credential.subtype in ROTATED_TOKENS:
            continue  # KT-NHI7-003 reports cloud and SaaS keys and tokens, with their own action
        since = prop_str(credential, "last_rotated") or prop_str(credential, "created")
        if since and since <= ctx.now and days_between(since, ctx.now) >= LONG_LIVED_DAYS:
            age = days_between(since, ctx.now)
            yield Hit(
                credential,
                f"not rotated for {age} days (since {since}; limit {LONG_LIVED_DAYS})",
                ctx.credential_evidence(credential.id),
            )


def root_access_key_active(ctx: RuleContext) -> Iterator[Hit]:
    """An active long-lived key of an AWS account root: every permission in the account, no
    policy can narrow it, and AWS's own guidance is to have none."""
    identities, credentials = ctx.nodes(NodeKind.IDENTITY), ctx.nodes(NodeKind.CREDENTIAL)
    for edge in ctx.edges(EdgeKind.HAS_CREDENTIAL):
        root, credential = identities.get(edge.source), credentials.get(edge.target)
        if root is None or credential is None or root.subtype != "aws.iam.root":
            continue
        if is_active(credential) and not is_session_credential(credential):
            yield Hit(credential, f"active access key of the account root {root.id}", (edge,))


def key_claimed_by_several(ctx: RuleContext) -> Iterator[Hit]:
    """A data-quality conflict: one key that belongs to exactly one identity is held by several in
    the evidence (queries/holders.py). Either the records are wrong or the key really is shared;
    the graph cannot tell which, so it reports both claims and picks none."""
    credentials = ctx.nodes(NodeKind.CREDENTIAL)
    for cred_id, held in sorted(ctx.identity_of_credential.items()):
        credential = credentials.get(cred_id)
        holders = sorted({e.source for e in held if e.source_kind == NodeKind.IDENTITY})
        if credential is None or len(holders) < 2 or not single_holder(credential):
            continue
        names = ", ".join(holders[:5]) + (", ..." if len(holders) > 5 else "")
        yield Hit(
            credential,
            f"claimed by {len(holders)} identities ({names}); an access key belongs to one IAM user: "
            "the records conflict, or one key is shared",
            tuple(held[:10]),
        )


def _use_hits(ctx: RuleContext, dimension: str, minimum: int, noun: str) -> Iterator[Hit]:
    credentials = ctx.nodes(NodeKind.CREDENTIAL)
    for cred_id, use in sorted(ctx.uses.items()):
        consumers = use.consumers.get(dimension, {})
        credential = credentials.get(cred_id)
        # a per-job / per-session credential is a new one at every use: it has consumers, not sharers
        if len(consumers) >= minimum and credential is not None and is_active(credential) and is_standing(credential):
            names = ", ".join(sorted(consumers)[:10])
            yield Hit(credential, f"used by {len(consumers)} {noun}: {names}", _use_edges(ctx, cred_id))


def _use_edges(ctx: RuleContext, cred_id: str) -> tuple[EdgeRow, ...]:
    return tuple(ctx.uses_into.get(cred_id, ())[:10])


def across_environments(ctx: RuleContext) -> Iterator[Hit]:
    return _use_hits(ctx, "environment", 2, "environments")


def across_runners(ctx: RuleContext) -> Iterator[Hit]:
    return _use_hits(ctx, "runner", 2, "runners")


def across_workloads(ctx: RuleContext) -> Iterator[Hit]:
    return _use_hits(ctx, "workload", 2, "workloads")


def ssh_key_on_several_hosts(ctx: RuleContext) -> Iterator[Hit]:
    """One SSH key that accounts on several hosts accept (HAS_CREDENTIAL from `unix.account`
    identities, as sshd auth logs show it): whoever holds the private key reaches every one of
    them, and removing one person's access means replacing the key everywhere."""
    credentials, identities = ctx.nodes(NodeKind.CREDENTIAL), ctx.nodes(NodeKind.IDENTITY)
    hosts: dict[str, dict[str, EdgeRow]] = {}
    for edge in ctx.edges(EdgeKind.HAS_CREDENTIAL):
        account = identities.get(edge.source)
        if account is None or account.subtype != _UNIX_ACCOUNT:
            continue
        host = edge.source.split(":")[1] if edge.source.count(":") >= 2 else ""
        hosts.setdefault(edge.target, {}).setdefault(host, edge)
    for cred_id, by_host in sorted(hosts.items()):
        credential = credentials.get(cred_id)
        if credential is None or credential.subtype != _SSH_KEY or len(by_host) < 2 or not is_active(credential):
            continue
        names = ", ".join(sorted(by_host)[:10])
        yield Hit(credential, f"one SSH key accepted on {len(by_host)} hosts: {names}", tuple(by_host.values())[:10])


def _oidc_available(ctx: RuleContext) -> bool:
    if any(i.subtype == _OIDC_PROVIDER for i in ctx.nodes(NodeKind.IDENTITY).values()):
        return True
    return any(prop_str(e, "via") in _OIDC_TRUST for e in ctx.edges(EdgeKind.CAN_ASSUME))


def static_keys_in_ci(ctx: RuleContext) -> Iterator[Hit]:
    if not _oidc_available(ctx):
        return
    credentials = ctx.nodes(NodeKind.CREDENTIAL)
    found: dict[str, list[EdgeRow]] = {}
    for edge in ctx.edges(EdgeKind.USES):
        credential = credentials.get(edge.target)
        if edge.source_kind != NodeKind.PIPELINE or credential is None or not is_active(credential):
            continue
        if prop_bool(edge, "static_cloud_key") or prop_bool(credential, "static_cloud_key"):
            found.setdefault(credential.id, []).append(edge)
    for cred_id, edges in sorted(found.items()):
        pipelines = ", ".join(e.source for e in edges[:5])
        yield Hit(
            credentials[cred_id],
            f"static cloud key used by CI ({pipelines}) although OIDC federation exists",
            tuple(edges[:5]),
        )


_E = "replace with per-consumer credentials"
CREDENTIAL_RULES: Final = (
    Rule("KT-NHI1-001", 1, "Owner offboarded but credential still active", Severity.HIGH, Owasp.NHI1,
         "transfer ownership to a living owner (the leaver's manager) and rotate or revoke the credential",
         owner_offboarded_credential_active),
    Rule("KT-NHI1-003", 1, "Revoked or deleted credential seen after revocation", Severity.CRITICAL, Owasp.NHI1,
         "investigate the sessions after revocation and make sure the credential is really disabled everywhere",
         revoked_credential_seen),
    Rule("KT-NHI2-001", 2, "Secret exposed in a repository and verified or used since", Severity.CRITICAL,
         Owasp.NHI2, "revoke and rotate the secret now, then purge it from the repository history",
         secret_exposed_live),
    Rule("KT-NHI2-002", 1, "Secret exposed in a repository, not verified and not seen in use", Severity.MEDIUM,
         Owasp.NHI2, "confirm whether the finding is a real secret (not a test value or a bare key header); if it "
         "is, rotate it and purge it from the repository history", secret_exposed_unconfirmed),
    Rule("KT-NHI4-002", 1, "Non-expiring legacy token", Severity.MEDIUM, Owasp.NHI4,
         "replace with a short-lived projected token and delete the legacy token secret", legacy_token_active),
    Rule("KT-NHI6-001", 1, "Static cloud keys in CI where OIDC federation exists", Severity.HIGH, Owasp.NHI6,
         "switch the pipeline to OIDC role assumption and delete the static keys", static_keys_in_ci),
    Rule("KT-NHI7-001", 3, "Long-lived credential not rotated", Severity.MEDIUM, Owasp.NHI7,
         "rotate the credential (or record a keep decision with a reason)", long_lived_unrotated,
         keep_suppresses=True),
    Rule("KT-NHI7-002", 1, "Active access key on an AWS account root", Severity.CRITICAL, Owasp.NHI7,
         "delete the root access key (use IAM roles for automation) and review its recent use",
         root_access_key_active),
    Rule("KT-NHI8-001", 1, "One credential used across environments", Severity.HIGH, Owasp.NHI8,
         "issue one credential per environment", across_environments),
    Rule("KT-NHI9-001", 1, "One credential used by several runners", Severity.MEDIUM, Owasp.NHI9,
         f"{_E} (one per runner or, better, OIDC)", across_runners),
    Rule("KT-NHI9-003", 1, "One access key claimed by several identities (data conflict)", Severity.HIGH,
         Owasp.NHI9, "find which identity really holds the key, then revoke it or correct the records",
         key_claimed_by_several),
    Rule("KT-NHI9-002", 1, "One credential used by several workloads", Severity.MEDIUM, Owasp.NHI9,
         f"{_E} (one per workload)", across_workloads),
    Rule("KT-NHI9-004", 1, "One SSH key accepted on several hosts", Severity.MEDIUM, Owasp.NHI9,
         "give each host (or each person) its own key, or move to short-lived SSH certificates",
         ssh_key_on_several_hosts),
)  # fmt: skip
