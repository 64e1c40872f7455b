"""Vault audit-device logs (file device: JSON lines, or pretty-printed concatenated JSON) →
sessions per token, the entity and Kubernetes ServiceAccount behind them, and the paths touched.

Entries: loaders/vault/entry.py. A session is one token's operations (group: the HMAC'd
accessor) split on `--session-gap` inactivity, through the shared session machinery. Emitted
(loaders/vault/emit.py): the Session (`vault.session`), ACTED_AS the entity (`vault.entity`) and,
for a Kubernetes-auth token, the ServiceAccount its login named (its cluster: `--cluster`, else the one
loaded cluster holding that account, else `default`; loaders/vault/clusters.py); FROM the Runner
or Workload (a pod, by its IP) at the request's `remote_address` (`matched_by: ip`); AUTHENTICATED_WITH the token
(`vault.token`, by accessor; HAS_CREDENTIAL entity → token); TOUCHED each path (`vault.path`) with
its operations and errors — a secret read is a touch of its path, never its value; an `error`
response (permission denied) counts as an error of the session and of the path. Writes that
change what tokens may do — `sys/policy/*` and `sys/policies/acl/*`, `auth/<mount>/role/*`,
secret-engine config (`<mount>/config*`) — and token revocations (`auth/token/revoke*`) are
Changes the session PERFORMED (id `change:vault:<request id>`), TARGETS the path. A response
without a token (a failed login) is counted in the summary, not a session. The policies an
entity's tokens hold (`auth.policies`) are kept on the entity (`policies`), and where their rules
are in the graph (the `vault-policy` loader) the entity CAN_ACCESS what they grant
(loaders/vault/grants.py); a token with no entity (root, orphan) draws none.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from graph.errors import LoadError
from loaders.base import Item, KnownNodes, LoadContext, Loader, Record, Sample, SourceFile
from loaders.formats.json import iter_json_documents
from loaders.sessions import MAX_DISTINCT, AddressBook, SessionIndex, Touch, trim_evidence
from loaders.vault.clusters import ClusterOf, known_accounts
from loaders.vault.emit import VaultSession, change_type, emit
from loaders.vault.entry import read_entry
from loaders.vault.policies import known_holders, known_policies

__all__ = ["NAME", "VaultAuditLoader"]

NAME = "vault-audit"
_STATE = "vault"


class VaultAuditLoader(Loader[Mapping[str, Any]]):
    name = NAME
    description = "HashiCorp Vault audit device log (JSON entries: request/response)"

    def sniff(self, sample: Sample) -> bool:
        head = sample.text.lstrip()[:16384]
        return (
            head.startswith("{")
            and '"type"' in head
            and ('"request"' in head)
            and ('"hmac-sha256:' in head or '"mount_type"' in head or '"client_token_accessor"' in head)
        )

    def parse(self, source: SourceFile) -> Iterator[Record[Mapping[str, Any]] | LoadError]:
        for parsed in iter_json_documents(source):
            if isinstance(parsed, LoadError) or isinstance(parsed.value, Mapping):
                yield parsed
            else:
                yield parsed.location.error("a Vault audit entry must be a JSON object")

    def transform(self, record: Record[Mapping[str, Any]], ctx: LoadContext) -> Iterable[Item]:
        try:
            op = read_entry(record.value)
        except ValueError as exc:
            raise record.location.error(str(exc)) from None
        if op is None:
            return ()
        state = ctx.state.setdefault(
            _STATE, {"index": SessionIndex(ctx.session_gap_minutes * 60, VaultSession), "failed_logins": 0}
        )
        if not op.accessor:
            state["failed_logins"] += 1
            return ()
        pointer = (op.at, record.location.file, record.location.locator)
        session: Any = state["index"].session_for((op.accessor,), op.seconds, op.at, op.display_name)
        _add(session, op, pointer)
        return ()

    def finish(self, ctx: LoadContext) -> Iterable[Item]:
        state = ctx.state.get(_STATE)
        if state is None:
            return ()
        policies, holders, accounts, places = ctx.state.get(_STATE + ".graph", ({}, {}, {}, AddressBook()))
        clusters = ClusterOf(ctx.cluster, accounts)
        items = emit(state["index"], state["failed_logins"], clusters, ctx.notes, policies, holders, places)
        return _then_note(items, clusters, ctx.notes)

    def prepare(self, ctx: LoadContext, known: KnownNodes) -> None:
        # the policies' rules and what entities were seen holding, so each entity's grants are whole
        # (loaders/vault/grants.py); policy files of this load were written before this loader starts;
        # the service accounts the graph holds, so a Kubernetes-auth login finds its cluster; the
        # Runners and Workloads by address, so a session is FROM the pod or runner it came from
        ctx.state[_STATE + ".graph"] = (
            known_policies(known),
            known_holders(known),
            known_accounts(known),
            AddressBook.from_graph(known),
        )


def _then_note(items: Iterable[Item], clusters: ClusterOf, notes: list[str]) -> Iterator[Item]:
    yield from items
    clusters.note(notes)


_TRIM_AT = 40  # evidence lists trimmed now and then, so a busy token's session stays small (the
# EVIDENCE_LIMIT latest distinct pointers of the whole list are those of the trimmed one)


def _add(session: VaultSession, op: Any, pointer: Any) -> None:
    session.count += 1
    session.evidence.append(pointer)
    if len(session.evidence) > _TRIM_AT:
        session.evidence = trim_evidence(session.evidence)
    session.entity = session.entity or op.entity_id
    session.display_name = session.display_name or op.display_name
    session.policies |= set(op.policies)
    for key in ("service_account_name", "service_account_namespace", "role"):
        if op.metadata.get(key) and key not in session.metadata:
            session.metadata[key] = op.metadata[key]
    session.login = session.login or op.login
    if op.remote_address and len(session.ips) < MAX_DISTINCT:  # capped as SessionBase.absorb caps it
        session.ips.add(op.remote_address)
    seconds = op.seconds
    touch = session.touched.get(op.path)
    if touch is None:
        touch = session.touched[op.path] = Touch(op.path, seconds, op.at)
    else:
        touch.seen(seconds, op.at)
    touch.count += 1
    touch.actions.add(op.operation)
    touch.evidence.append(pointer)
    if len(touch.evidence) > _TRIM_AT:
        touch.evidence = trim_evidence(touch.evidence)
    if op.error:
        touch.errors += 1
        session.errors += 1
    elif op.request_id and change_type(op.path, op.operation):
        session.changes.append((op.request_id, op.path, op.operation, op.at, pointer))
