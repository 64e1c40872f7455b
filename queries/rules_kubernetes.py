"""Findings rules about Kubernetes service accounts, judged against what the audit log shows.

RBAC says what a service account *may* do (CAN_ACCESS with `flags`, loaders/kubernetes/grants.py);
the audit log says what it *did* (its sessions' TOUCHED actions, loaders/kubernetes/audit_emit.py).
A rule that claims "never" only speaks for a cluster the audit log covers — one with at least one
audit session (`session:k8s:<cluster>:…`) — and names that observed window, since an
absence outside it proves nothing.

- KT-NHI5-003: cluster-admin (or `*` verbs) granted to a service account whose sessions never
  used it at that level: every request was a read, or a write to an object inside a namespace —
  what a namespaced Role grants. Admin-level use is a Change (an RBAC or Secret write), an exec,
  attach or port-forward, `impersonate`/`escalate`/`bind`, or a write to a cluster-scoped resource
  or to every namespace at once. (A CI deployer bound to cluster-admin that only ever patches
  its deployments is the finding; reads alone were the only case before the demo estate showed
  the common one.)
- KT-NHI5-004: Secrets a service account may read by RBAC (`secrets-read` on a scope the Secret
  is STORED_IN) that none of its sessions read — neither the Secret by name nor a list or watch
  of a scope that holds it. Grants flagged cluster-admin are left to KT-NHI5-003.
- KT-NHI10-002: a person's session exec'd, attached or port-forwarded into a workload that RUNS_AS
  a privileged service account (admin level, or secrets read): the person then holds the
  service account's token — human use of a machine identity.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

from graph.schema import EdgeKind, NodeKind
from graph.store import EdgeRow, NodeRow
from graph.values import AccessLevel, Nature
from queries.common import prop_list, prop_str
from queries.rules_base import Hit, Owasp, Rule, RuleContext, Severity

__all__ = ["KUBERNETES_RULES"]

_SA: Final = "k8s.serviceaccount"
_SECRET: Final = "k8s.secret"
_READ_VERBS: Final = frozenset({"get", "list", "watch"})
_INTERACTIVE: Final = ("/exec", "/attach", "/portforward")
_ADMIN_FLAGS: Final = frozenset({"cluster-admin", "wildcard-verbs"})
_ADMIN_VERBS: Final = frozenset({"impersonate", "escalate", "bind", "*"})
_TOUCHABLE: Final = (NodeKind.RESOURCE, NodeKind.WORKLOAD, NodeKind.CREDENTIAL, NodeKind.IDENTITY)
_HUMAN: Final = Nature.HUMAN.value
_ADMIN: Final = AccessLevel.ADMIN.value
_WRITE: Final = AccessLevel.WRITE.value


def _cluster(node_id: str) -> str:
    """`k8s:<cluster>:…` → cluster; `session:k8s:<cluster>:…` → cluster; else ""."""
    parts = node_id.split(":")
    if parts[0] == "k8s" and len(parts) > 2:
        return parts[1]
    if parts[:2] == ["session", "k8s"] and len(parts) > 3:
        return parts[2]
    return ""


@dataclass(slots=True)
class _Audit:
    """What the audit log shows, read once from the shared scans."""

    ctx: RuleContext
    windows: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # cluster -> (first, last, sessions)
    sessions_of: dict[str, list[EdgeRow]] = field(default_factory=dict)  # identity -> ACTED_AS edges
    touches: dict[str, list[EdgeRow]] = field(default_factory=dict)  # session -> TOUCHED edges
    changed: set[str] = field(default_factory=set)  # sessions that PERFORMED a Change

    @classmethod
    def read(cls, ctx: RuleContext) -> _Audit:
        found = cls(ctx)
        for session in ctx.nodes(NodeKind.SESSION).values():
            cluster = _cluster(session.id)
            if not cluster:
                continue
            first, last, count = found.windows.get(cluster, ("", "", 0))
            start, end = session.first_seen or "", session.last_seen or session.first_seen or ""
            first = min(first, start) if first and start else (first or start)
            found.windows[cluster] = (first, max(last, end), count + 1)
        for edge in ctx.edges(EdgeKind.ACTED_AS):
            if edge.source.startswith("session:k8s:"):
                found.sessions_of.setdefault(edge.target, []).append(edge)
        for edge in ctx.edges(EdgeKind.TOUCHED):
            if edge.source.startswith("session:k8s:"):
                found.touches.setdefault(edge.source, []).append(edge)
        found.changed = {e.source for e in ctx.edges(EdgeKind.PERFORMED) if e.source.startswith("session:k8s:")}
        return found

    def window_text(self, cluster: str) -> str:
        first, last, count = self.windows[cluster]
        span = f"{first} to {last}" if first else "undated events only"
        return f"audit window {span}, {count} sessions in cluster {cluster}"

    def actions_of(self, identity: str) -> Iterator[tuple[EdgeRow, str]]:
        for acted in self.sessions_of.get(identity, []):
            for touch in self.touches.get(acted.source, []):
                for action in prop_list(touch, "actions"):
                    yield touch, action

    def used_at_admin_level(self, identity: str) -> bool:
        if any(acted.source in self.changed for acted in self.sessions_of.get(identity, [])):
            return True
        for touch, action in self.actions_of(identity):
            verb, _, resource = action.partition(" ")
            if verb in _READ_VERBS:
                continue
            if verb in _ADMIN_VERBS or resource.endswith(_INTERACTIVE) or not self.namespaced(touch.target):
                return True
        return False

    def namespaced(self, target: str) -> bool:
        """The touched object lies in one namespace (a namespaced Role could grant the request)."""
        for kind in _TOUCHABLE:
            node = self.ctx.nodes(kind).get(target)
            if node is not None:
                space = node.props.get("namespace")
                return isinstance(space, str) and space not in ("", "*")
        return False

    def used_actions(self, identity: str) -> list[str]:
        return sorted({action for _, action in self.actions_of(identity)})


def _audit(ctx: RuleContext) -> _Audit:
    """Built per rule from the run's shared scans (each scan is read once per run): linear, no walk."""
    return _Audit.read(ctx)


def _service_account(ctx: RuleContext, identity_id: str) -> NodeRow | None:
    identity = ctx.nodes(NodeKind.IDENTITY).get(identity_id)
    return identity if identity is not None and identity.subtype == _SA else None


def cluster_admin_never_used(ctx: RuleContext) -> Iterator[Hit]:
    granted: dict[str, list[EdgeRow]] = {}
    for edge in ctx.edges(EdgeKind.CAN_ACCESS):
        if _ADMIN_FLAGS & set(prop_list(edge, "flags")) and _service_account(ctx, edge.source) is not None:
            granted.setdefault(edge.source, []).append(edge)
    if not granted:
        return
    audit = _audit(ctx)
    for identity_id, edges in sorted(granted.items()):
        cluster = _cluster(identity_id)
        if cluster not in audit.windows or audit.used_at_admin_level(identity_id):
            continue
        sessions = audit.sessions_of.get(identity_id, [])
        policies = sorted({p for e in edges for p in prop_list(e, "policies")})[:3]
        used = audit.used_actions(identity_id)
        shown = ", ".join(used[:5]) + (", ..." if len(used) > 5 else "")
        reads_only = all(action.split(" ", 1)[0] in _READ_VERBS for action in used)
        level = "read requests" if reads_only else "reads and writes inside a namespace"
        seen = f"{len(sessions)} sessions of it made only {level} ({shown})" if sessions else "no request of it"
        yield Hit(
            ctx.nodes(NodeKind.IDENTITY)[identity_id],
            f"cluster-admin / wildcard verbs ({'; '.join(policies) or 'RBAC'}) never used at that level: "
            f"{seen} ({audit.window_text(cluster)})",
            (*edges[:3], *sessions[:2]),
        )


def _reads(audit: _Audit, identity: str) -> set[str]:
    """Targets the identity's sessions read secrets through: a Secret by name, or a scope listed."""
    return {t.target for t, action in audit.actions_of(identity) if action in _SECRET_READS}


_SECRET_READS: Final = frozenset(f"{verb} secrets" for verb in _READ_VERBS)


def secrets_readable_never_read(ctx: RuleContext) -> Iterator[Hit]:
    credentials = ctx.nodes(NodeKind.CREDENTIAL)
    held_in: dict[str, list[EdgeRow]] = {}  # scope -> STORED_IN of the Secrets it holds
    for edge in ctx.edges(EdgeKind.STORED_IN):
        secret = credentials.get(edge.source)
        if secret is not None and secret.subtype == _SECRET and not secret.props.get("dangling"):
            held_in.setdefault(edge.target, []).append(edge)
    readable: dict[str, dict[str, tuple[EdgeRow, EdgeRow]]] = {}  # identity -> secret -> (grant, stored)
    for edge in ctx.edges(EdgeKind.CAN_ACCESS):
        flags = set(prop_list(edge, "flags"))
        if "secrets-read" not in flags or "cluster-admin" in flags or edge.target not in held_in:
            continue
        if _service_account(ctx, edge.source) is None:
            continue
        for stored in held_in[edge.target]:
            readable.setdefault(edge.source, {}).setdefault(stored.source, (edge, stored))
    if not readable:
        return
    audit = _audit(ctx)
    scopes_of: dict[str, set[str]] = {}
    for scope, stored_edges in held_in.items():
        for stored in stored_edges:
            scopes_of.setdefault(stored.source, set()).add(scope)
    for identity_id, secrets in sorted(readable.items()):
        cluster = _cluster(identity_id)
        if cluster not in audit.windows:
            continue
        read = _reads(audit, identity_id)
        unread = sorted(s for s in secrets if s not in read and not (scopes_of.get(s, set()) & read))
        if not unread:
            continue
        names = ", ".join(credentials[s].name for s in unread[:5]) + (", ..." if len(unread) > 5 else "")
        grants = {secrets[s][0].key: secrets[s][0] for s in unread}
        yield Hit(
            ctx.nodes(NodeKind.IDENTITY)[identity_id],
            f"may read {len(unread)} Secrets it never read: {names} ({audit.window_text(cluster)})",
            (*list(grants.values())[:3], *(secrets[s][1] for s in unread[:2])),
        )


def _privileged(ctx: RuleContext) -> dict[str, EdgeRow]:
    """Service account -> its strongest CAN_ACCESS, when it is admin, write or secrets read."""
    found: dict[str, EdgeRow] = {}
    for edge in ctx.edges(EdgeKind.CAN_ACCESS):
        level, flags = prop_str(edge, "level"), set(prop_list(edge, "flags"))
        if level in (_ADMIN, _WRITE) or "secrets-read" in flags or "cluster-admin" in flags:
            best = found.get(edge.source)
            if best is None or (prop_str(best, "level") != _ADMIN and level == _ADMIN):
                found[edge.source] = edge
    return found


def human_exec_into_privileged_workload(ctx: RuleContext) -> Iterator[Hit]:
    sessions, identities = ctx.nodes(NodeKind.SESSION), ctx.nodes(NodeKind.IDENTITY)
    execs = [
        e
        for e in ctx.edges(EdgeKind.TOUCHED)
        if e.target_kind == NodeKind.WORKLOAD and any(a.endswith(_INTERACTIVE) for a in prop_list(e, "actions"))
    ]
    if not execs:
        return
    people = {e.target: e.source for e in ctx.edges(EdgeKind.STARTED)}
    human_sessions = {
        e.source: e
        for e in ctx.edges(EdgeKind.ACTED_AS)
        if e.source in people or prop_str(identities.get(e.target) or _NONE, "nature") == _HUMAN
    }
    runs_as: dict[str, list[EdgeRow]] = {}
    for edge in ctx.edges(EdgeKind.RUNS_AS):
        runs_as.setdefault(edge.source, []).append(edge)
    privileged = _privileged(ctx)
    for touch in execs:
        acted = human_sessions.get(touch.source)
        if acted is None or touch.source not in sessions:
            continue
        who = people.get(touch.source) or acted.target
        for run in runs_as.get(touch.target, []):
            grant = privileged.get(run.target)
            account = _service_account(ctx, run.target)
            if grant is None or account is None:
                continue
            rights = ", ".join(prop_list(grant, "flags")) or prop_str(grant, "level")
            yield Hit(
                account,
                f"{who} ran {', '.join(prop_list(touch, 'actions'))} into {touch.target} (session {touch.source}), "
                f"which runs as {account.name} ({rights} on {grant.target}): a person held this service "
                "account's token",
                (touch, run, grant),
            )


_NONE: Final = NodeRow("", NodeKind.IDENTITY, "", "", {}, None, None)

KUBERNETES_RULES: Final = (
    Rule("KT-NHI5-003", 2, "Service account with cluster-admin never used at that level", Severity.HIGH,
         Owasp.NHI5, "bind the service account to a role with the verbs and resources its requests show "
         "(or record a keep decision with a reason)", cluster_admin_never_used, keep_suppresses=True),
    Rule("KT-NHI5-004", 1, "Secrets readable by a service account that never reads them", Severity.MEDIUM,
         Owasp.NHI5, "limit the role's secrets rule to the resourceNames the service account reads "
         "(or drop secrets read from it)", secrets_readable_never_read, keep_suppresses=True),
    Rule("KT-NHI10-002", 1, "Person exec'd into a workload running as a privileged service account", Severity.HIGH,
         Owasp.NHI10, "give the person a debug role of their own instead of exec into the workload, and rotate "
         "the service account's token", human_exec_into_privileged_workload),
)  # fmt: skip
