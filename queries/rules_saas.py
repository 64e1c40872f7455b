"""Findings rules about cloud and SaaS tokens and federation: GCP service-account keys and workload
identity federation, GitHub personal access and OAuth tokens, Okta API tokens, Entra service principals.

Each check reads the shared scan indexes of `RuleContext`; the few nodes a message needs beyond
the scans (a provider's issuer, a session's addresses, a role grant's detail) are read by id for
the candidates only. `SAAS_RULES` is the declaration.

Broad GitHub scopes (`BROAD_GITHUB_SCOPES`): the classic scopes that write code or settings of
every repository the account can reach, or administer the organisation — `repo`, `workflow`
(changes CI, so it reaches every secret a workflow can read), `write:packages` / `delete:packages`,
`delete_repo`, the `admin:*` scopes, `write:org`, `user`, `site_admin`, `codespace`. Read-only
scopes (`read:org`, `read:packages`, `public_repo`, `repo:status`) are not broad.

KT-NHI3-004 also covers Okta OAuth service apps: client credentials holding an Okta API scope
that manages the org's objects (`okta.<object>.manage`: users, groups, apps, roles, policies, ...;
loaders/okta/grants.py writes what consent and client-credentials grants gave), and an OAuth
client a privilege grant made Super or Organization administrator. Read scopes are not broad.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from graph.schema import EdgeKind, NodeKind
from graph.store import EdgeRow, NodeRow
from graph.values import AssumeVia, PersonStatus, Provenance
from graph.values.entra import EntraSubtype
from graph.values.gcp import GcpSubtype
from graph.values.github_audit import GithubAuditSubtype
from graph.values.okta import OktaSubtype
from queries.common import days_between, prop_bool, prop_list, prop_str, visible_nodes
from queries.rules_base import LONG_LIVED_DAYS, Hit, Owasp, Rule, RuleContext, Severity
from queries.stale import is_active, is_standing

__all__ = [
    "BROAD_GITHUB_SCOPES",
    "PRIVILEGED_ENTRA_ROLES",
    "PRIVILEGED_OKTA_ROLES",
    "ROTATED_TOKENS",
    "SAAS_RULES",
    "TOKENS",
    "broad_okta_scopes",
]

_G, _H = GcpSubtype, GithubAuditSubtype
_SA_KEY: Final = _G.SERVICE_ACCOUNT_KEY.value
_SA: Final = _G.SERVICE_ACCOUNT.value
_PROVIDER: Final = _G.WIF_PROVIDER.value
_FEDERATED: Final = frozenset({_G.WIF_PRINCIPAL.value, _G.WIF_PRINCIPAL_SET.value})
_PAT: Final = _H.PERSONAL_ACCESS_TOKEN.value
_OAUTH: Final = _H.OAUTH_TOKEN.value
_WORKLOAD_IDENTITY: Final = AssumeVia.WORKLOAD_IDENTITY.value
_INFERRED: Final = Provenance.INFERRED.value
_OFFBOARDED: Final = PersonStatus.OFFBOARDED.value
_SERVICE_PRINCIPAL: Final = EntraSubtype.SERVICE_PRINCIPAL.value
_ENTRA_AUDIT: Final = EntraSubtype.AUDIT.value
_OKTA_CLIENT: Final = OktaSubtype.OAUTH_CLIENT.value
_OKTA_CLIENT_CREDENTIALS: Final = OktaSubtype.CLIENT_CREDENTIALS.value
_OKTA_CHANGE: Final = OktaSubtype.CHANGE.value

ROTATED_TOKENS: Final = frozenset({_SA_KEY, _PAT, _OAUTH, OktaSubtype.API_TOKEN.value})
"""Keys and tokens that live until someone rotates them, reported by KT-NHI7-003 (not KT-NHI7-001)."""
TOKENS: Final = ROTATED_TOKENS | frozenset(
    s.value for s in (EntraSubtype.CLIENT_SECRET, EntraSubtype.CLIENT_CERTIFICATE, EntraSubtype.CREDENTIAL)
)
"""Credentials a person creates and that keep working after they leave (KT-NHI1-005)."""
BROAD_GITHUB_SCOPES: Final = frozenset(
    {
        "repo", "workflow", "write:packages", "delete:packages", "delete_repo", "admin:org", "write:org",
        "admin:repo_hook", "admin:org_hook", "admin:public_key", "admin:gpg_key", "admin:ssh_signing_key",
        "admin:enterprise", "user", "site_admin", "codespace",
    }
)  # fmt: skip
PRIVILEGED_ENTRA_ROLES: Final = frozenset(
    {
        "global administrator", "company administrator", "privileged role administrator",
        "privileged authentication administrator", "application administrator", "cloud application administrator",
        "user administrator", "security administrator", "exchange administrator", "sharepoint administrator",
        "intune administrator", "hybrid identity administrator", "directory writers",
    }
)  # fmt: skip
"""Directory roles that let a service principal take over other identities or the tenant."""
PRIVILEGED_OKTA_ROLES: Final = frozenset(
    {"super administrator", "super_admin", "organization administrator", "org_admin"}
)
"""Okta admin roles (as `privilegeGranted` names them, or their API types) that administer the whole org."""
_PLACES: Final = 2


def _active_tokens(ctx: RuleContext, subtypes: frozenset[str]) -> Iterator[NodeRow]:
    return (c for c in ctx.nodes(NodeKind.CREDENTIAL).values() if c.subtype in subtypes and is_active(c))


def _gone(identity: NodeRow | None) -> bool:
    return identity is None or prop_bool(identity, "deleted") or prop_bool(identity, "disabled")


def token_not_rotated(ctx: RuleContext) -> Iterator[Hit]:
    for credential in _active_tokens(ctx, ROTATED_TOKENS):
        since = prop_str(credential, "last_rotated") or prop_str(credential, "created")
        if not is_standing(credential) or not since or since > ctx.now:
            continue
        age = days_between(since, ctx.now)
        if age >= LONG_LIVED_DAYS:
            yield Hit(
                credential,
                f"{credential.subtype} not rotated for {age} days (created or last rotated {since}; "
                f"limit {LONG_LIVED_DAYS})",
                ctx.credential_evidence(credential.id),
            )


def token_of_offboarded_creator(ctx: RuleContext) -> Iterator[Hit]:
    """The person who created a token (OWNS, `provenance: inferred` from its creation) has left,
    and the token still works: an Okta API token acts with its creator's rights, a PAT is theirs."""
    people = ctx.ownership.people
    for credential in _active_tokens(ctx, TOKENS):
        created_by = [
            e
            for e in ctx.ownership.owns.get(credential.id, [])
            if e.source_kind == NodeKind.PERSON and prop_str(e, "provenance") == _INFERRED
        ]
        gone = [e for e in created_by if e.source in people and prop_str(people[e.source], "status") == _OFFBOARDED]
        if gone:
            names = ", ".join(sorted({e.source for e in gone}))
            held = ctx.identity_of_credential.get(credential.id, [])[:2]
            yield Hit(credential, f"created by {names}, who has been offboarded; still active", (*gone[:3], *held))


def _project_of_account(identity: NodeRow) -> str:
    return prop_str(identity, "account") or identity.name.partition("@")[2].removesuffix(".iam.gserviceaccount.com")


def _federated_projects(ctx: RuleContext) -> dict[str, EdgeRow]:
    """Project -> an edge showing workload identity federation is set up for it: a live provider
    of a live pool there, or a federated principal granted on the project or one of its accounts."""
    identities = ctx.nodes(NodeKind.IDENTITY)
    found: dict[str, EdgeRow] = {}
    for edge in ctx.edges(EdgeKind.CAN_ASSUME):
        source, target = identities.get(edge.source), identities.get(edge.target)
        if source is None or target is None:
            continue
        if prop_str(edge, "via") == _WORKLOAD_IDENTITY and not _gone(source) and not _gone(target):
            found.setdefault(prop_str(source, "account"), edge)
        elif source.subtype in _FEDERATED and target.subtype == _SA:
            found.setdefault(_project_of_account(target), edge)
    for edge in ctx.edges(EdgeKind.CAN_ACCESS):
        source = identities.get(edge.source)
        if source is not None and source.subtype in _FEDERATED and edge.target.startswith("gcp:res:projects/"):
            found.setdefault(edge.target.removeprefix("gcp:res:projects/").split("/", 1)[0], edge)
    found.pop("", None)
    return found


def key_where_federation_exists(ctx: RuleContext) -> Iterator[Hit]:
    federated = _federated_projects(ctx)
    if not federated:
        return
    identities = ctx.nodes(NodeKind.IDENTITY)
    for credential in _active_tokens(ctx, frozenset({_SA_KEY})):
        for held in ctx.identity_of_credential.get(credential.id, []):
            account = identities.get(held.source)
            project = _project_of_account(account) if account is not None and account.subtype == _SA else ""
            if project in federated:
                yield Hit(
                    credential,
                    f"user-managed key of {held.source} although workload identity federation is set up "
                    f"for project {project}",
                    (held, federated[project]),
                )
                break


def provider_without_condition(ctx: RuleContext) -> Iterator[Hit]:
    identities = ctx.nodes(NodeKind.IDENTITY)
    open_edges = []
    for edge in ctx.edges(EdgeKind.CAN_ASSUME):
        provider, pool = identities.get(edge.source), identities.get(edge.target)
        if prop_str(edge, "via") != _WORKLOAD_IDENTITY or provider is None or provider.subtype != _PROVIDER:
            continue
        if not prop_str(edge, "condition").strip() and not _gone(provider) and not _gone(pool):
            open_edges.append(edge)
    described = visible_nodes(ctx.store, [e.source for e in open_edges], ctx.as_of)
    for edge in open_edges:
        issuer = prop_str(described[edge.source], "description") if edge.source in described else ""
        yield Hit(
            identities[edge.source],
            f"provider of pool {edge.target} has no attribute condition: every token "
            f"{'of ' + issuer if issuer else 'its issuer signs'} becomes a principal of the pool",
            (edge,),
        )


def _broad(credential: NodeRow) -> list[str]:
    return sorted(set(prop_list(credential, "scopes")) & BROAD_GITHUB_SCOPES)


def classic_pat_broad_and_shared(ctx: RuleContext) -> Iterator[Hit]:
    candidates = [
        c
        for c in _active_tokens(ctx, frozenset({_PAT}))
        if prop_str(c, "token_kind") == "classic" and _broad(c) and is_standing(c)
    ]
    used = {c.id: ctx.authenticated_into.get(c.id, []) for c in candidates}
    sessions = visible_nodes(ctx.store, sorted({e.source for es in used.values() for e in es}), ctx.as_of)
    for credential in candidates:
        # a place is an address; a runner or workload is named for its address, so it counts once
        addresses = {ip for e in used[credential.id] if e.source in sessions
                     for ip in prop_list(sessions[e.source], "source_ips")}  # fmt: skip
        use = ctx.uses.get(credential.id)
        consumers = sorted(k for d in ("runner", "workload") for k in (use.consumers.get(d, {}) if use else {}))
        if max(len(addresses), len(consumers)) >= _PLACES:
            named = f" ({', '.join(consumers[:10])})" if consumers else ""
            yield Hit(
                credential,
                f"classic personal access token with broad scopes ({', '.join(_broad(credential))}) used from "
                f"{len(addresses)} addresses: {', '.join(sorted(addresses)[:10])}{named}",
                tuple(used[credential.id][:10]) or ctx.credential_evidence(credential.id),
            )


def broad_okta_scopes(scopes: list[str]) -> list[str]:
    """The Okta API scopes that manage (write) an org's objects: `okta.<object>.manage`; the
    `.read` scopes and the `*.self` scopes a user grants about themself are not broad."""
    return sorted(s for s in scopes if s.startswith("okta.") and s.endswith(".manage") and ".self." not in s)


def oauth_token_with_broad_scopes(ctx: RuleContext) -> Iterator[Hit]:
    for credential in _active_tokens(ctx, frozenset({_OAUTH})):
        broad = _broad(credential)
        if broad:
            yield Hit(
                credential,
                f"third-party OAuth app token with broad scopes: {', '.join(broad)}",
                ctx.credential_evidence(credential.id),
            )
    for credential in _active_tokens(ctx, frozenset({_OKTA_CLIENT_CREDENTIALS})):
        broad = broad_okta_scopes(prop_list(credential, "scopes"))
        if broad:
            yield Hit(
                credential,
                f"Okta OAuth service app granted Okta admin scopes: {', '.join(broad)}",
                ctx.credential_evidence(credential.id),
            )
    yield from _okta_client_admin_roles(ctx)


def _okta_client_admin_roles(ctx: RuleContext) -> Iterator[Hit]:
    """An Okta OAuth client a privilege grant made a super or org administrator, no later revoke undoing it."""
    identities, changes = ctx.nodes(NodeKind.IDENTITY), ctx.nodes(NodeKind.CHANGE)
    targeted = [
        e
        for e in ctx.edges(EdgeKind.TARGETS)
        if e.source in changes and changes[e.source].subtype == _OKTA_CHANGE
        and prop_str(changes[e.source], "change_type") in ("grant", "revoke")
        and identities.get(e.target) is not None and identities[e.target].subtype == _OKTA_CLIENT
    ]  # fmt: skip
    details = visible_nodes(ctx.store, sorted({e.source for e in targeted}), ctx.as_of)
    latest: dict[tuple[str, str], tuple[str, str, EdgeRow]] = {}
    for edge in targeted:
        change = changes[edge.source]
        kind, at = prop_str(change, "change_type"), prop_str(change, "at")
        detail = prop_str(details[edge.source], "detail") if edge.source in details else ""
        for role in (r.strip().lower() for r in detail.split(",")):
            known = latest.get((edge.target, role))
            if role in PRIVILEGED_OKTA_ROLES and (known is None or at >= known[0]):
                latest[(edge.target, role)] = (at, kind, edge)
    for (client, role), (at, kind, edge) in sorted(latest.items()):
        if kind == "grant":
            yield Hit(identities[client], f"Okta OAuth service app assigned the admin role {role} ({at})", (edge,))


def _roles(detail: str) -> set[str]:
    return {part.strip()[5:].strip().lower() for part in detail.split(";") if part.strip().startswith("role ")}


def service_principal_with_privileged_role(ctx: RuleContext) -> Iterator[Hit]:
    """A service principal a directory-role grant made privileged, that no later removal undid."""
    identities, changes = ctx.nodes(NodeKind.IDENTITY), ctx.nodes(NodeKind.CHANGE)
    targeted = [
        e
        for e in ctx.edges(EdgeKind.TARGETS)
        if e.source in changes and changes[e.source].subtype == _ENTRA_AUDIT
        and (identities.get(e.target) is not None and identities[e.target].subtype == _SERVICE_PRINCIPAL)
    ]  # fmt: skip
    details = visible_nodes(ctx.store, sorted({e.source for e in targeted}), ctx.as_of)
    latest: dict[tuple[str, str], tuple[str, str, EdgeRow]] = {}
    for edge in targeted:
        change = changes[edge.source]
        kind, at = prop_str(change, "change_type"), prop_str(change, "at")
        for role in _roles(prop_str(details[edge.source], "detail") if edge.source in details else ""):
            known = latest.get((edge.target, role))
            if kind in ("grant", "revoke") and (known is None or at >= known[0]):
                latest[(edge.target, role)] = (at, kind, edge)
    for (principal, role), (at, kind, edge) in sorted(latest.items()):
        if kind == "grant" and role in PRIVILEGED_ENTRA_ROLES:
            yield Hit(identities[principal], f"granted the directory role {role} ({at or 'time unknown'})", (edge,))


SAAS_RULES: Final = (
    Rule("KT-NHI1-005", 1, "Token created by a person now offboarded", Severity.HIGH, Owasp.NHI1,
         "revoke the token and issue one owned by a living owner (or a service identity)",
         token_of_offboarded_creator),
    Rule("KT-NHI3-004", 2, "Third-party OAuth app or service app with broad grants", Severity.MEDIUM, Owasp.NHI3,
         "review the OAuth app; revoke its authorization, scope grants or admin role, or re-grant the narrowest",
         oauth_token_with_broad_scopes),
    Rule("KT-NHI3-005", 1, "Service principal holding a privileged directory role", Severity.HIGH, Owasp.NHI3,
         "remove the directory role (grant the application permissions it needs instead) or record why it needs it",
         service_principal_with_privileged_role, keep_suppresses=True),
    Rule("KT-NHI6-003", 1, "User-managed GCP service-account key where workload identity federation is set up",
         Severity.MEDIUM, Owasp.NHI6,
         "move the key's consumers to workload identity federation and delete the key",
         key_where_federation_exists),
    Rule("KT-NHI6-004", 1, "Workload identity pool provider without an attribute condition", Severity.HIGH,
         Owasp.NHI6, "add an attribute condition naming the repositories, roles or subjects the pool may admit",
         provider_without_condition),
    Rule("KT-NHI7-003", 1, "Cloud or SaaS key or token not rotated", Severity.MEDIUM, Owasp.NHI7,
         "rotate it (or record a keep decision with a reason); better, replace it with short-lived federation",
         token_not_rotated, keep_suppresses=True),
    Rule("KT-NHI9-005", 1, "Classic personal access token with broad scopes used from several places",
         Severity.HIGH, Owasp.NHI9,
         "replace it with a GitHub App or per-consumer fine-grained tokens with the narrowest permissions",
         classic_pat_broad_and_shared),
)  # fmt: skip
