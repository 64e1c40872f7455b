"""OpenSSH sessions → the graph, once every file was read.

Per session (`ssh.session`, id `session:ssh:<host>:<pid>:<start>`, so a reload rewrites it): its
props (`host`, `auth_method`, source IP, start and end, `error_count` = failed attempts of the
pid plus refused sudo commands); ACTED_AS the account (`unix.account`, with its nature by the
rules of loaders/sessions/accounts.py); AUTHENTICATED_WITH the key (`ssh.key`, by fingerprint — the
id scanner findings and inventories give the same key, graph/ids/ssh.py) and HAS_CREDENTIAL
account → key (the key is authorised for that account); TOUCHED the host (`unix.host`, action
`login`) and, per sudo target account, TOUCHED it with action `sudo` and the commands (masked:
loaders/sessions/commands.py); FROM the Runner or Workload at its source IP (`matched_by: ip`)
and FROM the session that was on the host at that address at that moment (`matched_by:
session_on_host`, loaders/sessions/hops.py). A certificate login also names its CA key.
Failed attempts, sudo commands with no session and the year rule go to the load summary.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graph import ids
from graph.model import Edge, Evidence, Node
from graph.schema import EdgeKind, NodeKind
from graph.values import AuthMethod, CredentialType, MatchedBy
from graph.values.ssh import SshSubtype
from loaders.base import Item
from loaders.openssh.sessions import SshSession, SshState
from loaders.sessions import (
    AddressBook,
    Arrival,
    HopIndex,
    HostSessions,
    Pointer,
    Visit,
    pointer_evidence,
)
from loaders.sessions.accounts import account_nature
from loaders.sessions.commands import MAX_COMMANDS, mask_command

__all__ = ["emit", "host_sessions", "session_id"]

NAME = "openssh-auth"
NOTE_ROWS = 10
_METHODS = {"password": AuthMethod.PASSWORD, "publickey": AuthMethod.PUBLICKEY,
            "keyboard-interactive": AuthMethod.KEYBOARD_INTERACTIVE}  # fmt: skip
_N, _E = NodeKind, EdgeKind


def session_id(session: SshSession) -> str:
    return ids.session("ssh", session.host.removeprefix("host:"), session.port, session.start_text)


def _evidence(pointers: list[Pointer]) -> tuple[Evidence, ...]:
    return pointer_evidence(pointers)


def _edge(
    source: str,
    source_kind: NodeKind,
    kind: EdgeKind,
    target: str,
    target_kind: NodeKind,
    session: SshSession,
    sid: str,
    evidence: tuple[Evidence, ...],
    count: int = 1,
    **props: Any,
) -> Edge:
    return Edge.make(source=source, source_kind=source_kind, kind=kind, target=target, target_kind=target_kind,
                     props=props, first_seen=session.start_text, last_seen=session.end_text, count=max(count, 1),
                     sources=(NAME,), evidence=evidence, origin=sid)  # fmt: skip


def host_sessions(state: SshState) -> HostSessions:
    """This load's SSH sessions as visits and arrivals for the hop index (loaders/sessions/hops.py)."""
    found = HostSessions()
    for host, addresses in state.addresses.items():
        found.addresses.extend((address, host) for address in sorted(addresses))
    for _user, session in state.index.all_sessions():
        if session.accepted:
            sid = session_id(session)
            found.visits.append(Visit(sid, session.host, session.start, session.end, NAME))
            found.arrivals.append(Arrival(sid, tuple(sorted(session.ips)), session.start, session.host, NAME))
    return found


def emit(state: SshState, hops: HopIndex, places: AddressBook, notes: list[str]) -> Iterator[Item]:
    sessions = [(session_id(s), s) for _user, s in state.index.all_sessions() if s.accepted]
    came_from: dict[str, list[tuple[Visit, str, int]]] = {}
    for arrival, visit, ip, gap in hops.hops(NAME):
        came_from.setdefault(arrival.session, []).append((visit, ip, gap))
    accounts: dict[str, tuple[str, str]] = {}
    keys: dict[str, tuple[str, str]] = {}
    for sid, session in sessions:
        yield from _session(sid, session, places, hops, came_from.get(sid, []), accounts, keys, state)
    yield from _hops_into_graph(hops, came_from, sessions)
    yield from _shared_nodes(state, accounts, keys)
    notes.extend(_notes(state))
    missing = sorted((a.session, ip, host) for a, ip, host in hops.missing(NAME))
    if missing:
        rows = "; ".join(f"{sid} from {ip} ({host})" for sid, ip, host in missing[:NOTE_ROWS])
        notes.append(
            f"openssh-auth: {len(missing)} logins came from a known host with no session on record there "
            f"(the hop before them is missing): {rows}"
        )


def _session(
    sid: str,
    session: SshSession,
    places: AddressBook,
    hops: HopIndex,
    came_from: list[tuple[Visit, str, int]],
    accounts: dict[str, tuple[str, str]],
    keys: dict[str, tuple[str, str]],
    state: SshState,
) -> Iterator[Item]:
    pointers = session.evidence + [p for _as, _cmd, p in session.commands]
    evidence = _evidence(pointers)
    host_name = state.hosts.get(session.host, session.host.removeprefix("host:"))
    method = _METHODS.get(session.method)
    yield Node.make(
        id=sid, kind=_N.SESSION, subtype=SshSubtype.SESSION, name=f"{session.user}@{host_name} @ {session.start_text}",
        props={"platform": "ssh", "started_at": session.start_text, "ended_at": session.end_text,
               "event_count": session.count, "error_count": session.errors, "source_ips": sorted(session.ips),
               "principal": session.user, "auth_method": method.value if method else None,
               "interactive": session.interactive, "host": session.host},
        first_seen=session.start_text, last_seen=session.end_text, sources=(NAME,),
    )  # fmt: skip
    account = ids.unix_account(host_name, session.user)
    accounts.setdefault(account, (session.host, session.user))
    yield _edge(sid, _N.SESSION, _E.ACTED_AS, account, _N.IDENTITY, session, sid, evidence, session.count)
    yield _edge(sid, _N.SESSION, _E.TOUCHED, session.host, _N.WORKLOAD, session, sid, evidence, actions=["login"])
    if session.key:
        keys.setdefault(session.key, (session.key_type, session.start_text))
        yield _edge(sid, _N.SESSION, _E.AUTHENTICATED_WITH, session.key, _N.CREDENTIAL, session, sid, evidence)
        yield _edge(account, _N.IDENTITY, _E.HAS_CREDENTIAL, session.key, _N.CREDENTIAL, session, sid, evidence)
    if session.ca_key:
        keys.setdefault(session.ca_key, ("CA", session.start_text))
        yield _edge(sid, _N.SESSION, _E.AUTHENTICATED_WITH, session.ca_key, _N.CREDENTIAL, session, sid, evidence)
    yield from _commands(sid, session, host_name, accounts)
    for ip in sorted(session.ips):
        host = hops.host_of(ip)  # a host's own address, from the graph or this load's logs
        place = places.place(ip) or ((host, _N.WORKLOAD) if host and host != session.host else None)
        if place is not None:
            yield _edge(sid, _N.SESSION, _E.FROM, place[0], place[1], session, sid, evidence,
                        matched_by=MatchedBy.IP.value, ips=[ip])  # fmt: skip
    for visit, ip, gap in came_from:
        yield _edge(sid, _N.SESSION, _E.FROM, visit.session, _N.SESSION, session, sid, evidence,
                    matched_by=MatchedBy.SESSION_ON_HOST.value, ips=[ip], gap_seconds=gap)  # fmt: skip


def _commands(sid: str, session: SshSession, host_name: str, accounts: dict[str, tuple[str, str]]) -> Iterator[Item]:
    by_target: dict[str, list[tuple[str, Pointer]]] = {}
    for run_as, command, pointer in session.commands:
        by_target.setdefault(run_as, []).append((command, pointer))
    for run_as, done in sorted(by_target.items()):
        target = ids.unix_account(host_name, run_as)
        accounts.setdefault(target, (session.host, run_as))
        commands = sorted({mask_command(c) for c, _p in done})[:MAX_COMMANDS]
        yield _edge(sid, _N.SESSION, _E.TOUCHED, target, _N.IDENTITY, session, sid, _evidence([p for _c, p in done]),
                    len(done), actions=["sudo"], commands=commands)  # fmt: skip


def _hops_into_graph(
    hops: HopIndex, came_from: dict[str, list[tuple[Visit, str, int]]], sessions: list[tuple[str, SshSession]]
) -> Iterator[Item]:
    """FROM edges of sessions the graph held that came from one of ours (origin: the arrival, as
    when the arrival's source writes it)."""
    own = dict(sessions)
    for arrival_id, found in sorted(came_from.items()):
        if arrival_id in own:
            continue
        for visit, ip, gap in found:
            session = own[visit.session]
            yield _edge(arrival_id, _N.SESSION, _E.FROM, visit.session, _N.SESSION, session, arrival_id,
                        _evidence(session.evidence), matched_by=MatchedBy.SESSION_ON_HOST.value, ips=[ip],
                        gap_seconds=gap)  # fmt: skip


def _shared_nodes(
    state: SshState, accounts: dict[str, tuple[str, str]], keys: dict[str, tuple[str, str]]
) -> Iterator[Item]:
    for host, name in sorted(state.hosts.items()):
        props: dict[str, Any] = {"platform": "unix", "private_ips": sorted(state.addresses.get(host, ())) or None}
        yield Node.make(id=host, kind=_N.WORKLOAD, subtype=SshSubtype.HOST, name=name, props=props, sources=(NAME,))
    for account, (host, user) in sorted(accounts.items()):
        nature, reason = account_nature(user, state.uids.get((host, user)))
        yield Node.make(id=account, kind=_N.IDENTITY, subtype=SshSubtype.ACCOUNT,
                        name=f"{user}@{state.hosts.get(host, host)}",
                        props={"platform": "unix", "nature": nature.value, "nature_reason": reason},
                        sources=(NAME,))  # fmt: skip
    for key, (key_type, first) in sorted(keys.items()):
        fingerprint = key.removeprefix("ssh:")
        label = f"{key_type} {fingerprint}" if key_type and key_type != "CA" else fingerprint
        yield Node.make(id=key, kind=_N.CREDENTIAL, subtype=SshSubtype.KEY, name=label,
                        props={"platform": "ssh", "credential_type": CredentialType.SSH_KEY.value,
                               "fingerprint": fingerprint, "public_id": fingerprint,
                               "description": "a certificate authority's key" if key_type == "CA" else None},
                        first_seen=first, sources=(NAME,))  # fmt: skip


def _notes(state: SshState) -> Iterator[str]:
    for file, basis in sorted(state.years.items()):
        yield f"openssh-auth: {file}: classic syslog lines carry no year; it came from {basis}, times read as UTC"
    denied = sorted(state.denied.items(), key=lambda kv: (-kv[1][0], kv[0]))
    if denied:
        total = sum(v[0] for _k, v in denied)
        rows = "; ".join(f"{c} x {reason} for {user} on {host.removeprefix('host:')} from {ip} ({first}..{last})"
                         for (host, user, ip, reason), (c, first, last) in denied[:NOTE_ROWS])  # fmt: skip
        more = f" (and {len(denied) - NOTE_ROWS} more)" if len(denied) > NOTE_ROWS else ""
        yield f"openssh-auth: {total} failed SSH attempts, counted, not sessions: {rows}{more}"
    if state.unattributed:
        hosts = sorted({h.removeprefix("host:") for h, _u, _c in state.unattributed})
        yield (
            f"openssh-auth: {len(state.unattributed)} sudo commands with no SSH session on record of their user "
            f"on {', '.join(hosts[:NOTE_ROWS])}: not attributed"
        )
