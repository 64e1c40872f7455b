"""Hops between sessions on hosts: a login from a host's address while another session was on
that host came FROM that session (an SSH hop from a bastion, a proxy session's next step).

Rule (`matched_by: session_on_host`): an *arrival* — a session whose source IP is an address of
host H — starting at t is FROM the *visit* — a session whose `host` is H — that covers t
(start ≤ t ≤ end + SLACK_SECONDS); of several, the latest-starting one (the innermost hop). The
edge carries the address and the gap from the visit's start to the arrival. A host's addresses
come from the graph (a host Workload's `private_ips`: Teleport's `server_addr`, an sshd
`Connection from … on <ip>` line) and from the load itself. A source that is a name, not an IP
(sshd with `UseDNS yes` logs `from bastion.corp.example`), is the host of that name, or of its
first label when exactly one host has that short name.

One index per load (`shared_hops`, in ctx.state) holds what the graph already had (read at the
first `prepare`) and, through the providers each host-session source (OpenSSH, Teleport; the
Kubernetes audit log with arrivals only: a kubectl run from a host is no session on a host)
registers in its `prepare`, every session this load found — all transforms are done before the
first `finish`, so whichever source finishes first sees them all. A load's own session replaces
the graph's copy of the same id. Each hop is written once: by the arrival's source when the
arrival is in this load, else by the visit's (a login loaded earlier, its bastion session now);
the edge's origin is the arrival's id, so reloading rewrites it.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from graph.model import Node
from graph.schema import NodeKind
from loaders.base import KnownNodes
from loaders.sessions.places import all_nodes

__all__ = ["HOST_SESSION_PREFIXES", "Arrival", "HopIndex", "HostSessions", "Visit", "epoch", "shared_hops"]

HOST_SESSION_PREFIXES = ("session:ssh:", "session:teleport:")
"""The sessions read back from the graph: those of sources that put sessions on hosts (CloudTrail's
and Kubernetes' sessions are not read: a load would page through every one of them for no host —
so a Kubernetes audit log loaded before the SSH log of the host it was run from meets that host's
session only when both are in one load or the audit log is loaded after)."""
SLACK_SECONDS = 60  # an sshd close or a proxy's end event may be logged a little after the next login
_SHARED = "sessions.hops"


def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


@dataclass(frozen=True, slots=True)
class Visit:
    session: str
    host: str
    start: int
    end: int
    owner: str  # the loader that found it in this load; "" for a session the graph already held


@dataclass(frozen=True, slots=True)
class Arrival:
    session: str
    ips: tuple[str, ...]
    start: int
    host: str  # the host it arrived on (a hop never comes from the same host)
    owner: str


@dataclass(slots=True)
class HostSessions:
    """What one source found in this load: its visits, arrivals and hosts' own addresses."""

    visits: list[Visit] = field(default_factory=list)
    arrivals: list[Arrival] = field(default_factory=list)
    addresses: list[tuple[str, str]] = field(default_factory=list)  # (ip, host id)


@dataclass(slots=True)
class HopIndex:
    addresses: dict[str, str] = field(default_factory=dict)  # IP -> host id
    visits: dict[str, Visit] = field(default_factory=dict)  # session id -> visit
    arrivals: dict[str, Arrival] = field(default_factory=dict)  # session id -> arrival
    providers: dict[str, Callable[[], HostSessions]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # host name (and unique short name) -> host id
    _by_host: dict[str, list[Visit]] | None = None

    def add_session_node(self, node: Node) -> None:
        """A session the graph already holds: a visit when it names its host, an arrival when it has source IPs."""
        started, ended, host = node.props.get("started_at"), node.props.get("ended_at"), node.props.get("host")
        if not isinstance(started, str):
            return
        start = epoch(started)
        if isinstance(host, str) and host:
            end = epoch(ended) if isinstance(ended, str) else start
            self.visits[node.id] = Visit(node.id, host, start, end, "")
        ips = node.props.get("source_ips")
        if isinstance(ips, list) and ips:
            self.arrivals[node.id] = Arrival(node.id, tuple(str(i) for i in ips), start, str(host or ""), "")

    @classmethod
    def from_graph(cls, known: KnownNodes) -> HopIndex:
        found = cls()
        for node in all_nodes(known, NodeKind.WORKLOAD, "host:"):
            addresses = node.props.get("private_ips")
            for address in addresses if isinstance(addresses, list) else ():
                found.addresses.setdefault(str(address), node.id)
        for prefix in HOST_SESSION_PREFIXES:
            for node in all_nodes(known, NodeKind.SESSION, prefix):
                found.add_session_node(node)
        return found

    def complete(self) -> None:
        """Fold in every provider's sessions (once: the first finish of the load asks)."""
        if self._by_host is not None:
            return
        for name in sorted(self.providers):
            found = self.providers[name]()
            for ip, host in found.addresses:
                self.addresses[ip] = host  # this load's logs are newer than the graph's addresses
            self.visits.update((v.session, v) for v in found.visits)
            self.arrivals.update((a.session, a) for a in found.arrivals)
        short: dict[str, set[str]] = {}
        for host in {v.host for v in self.visits.values()}:
            name = host.removeprefix("host:")
            self.names[name] = host
            short.setdefault(name.split(".", 1)[0], set()).add(host)
        for name, hosts in short.items():
            if len(hosts) == 1:
                self.names.setdefault(name, next(iter(hosts)))
        by_host: dict[str, list[Visit]] = {}
        for visit in self.visits.values():
            by_host.setdefault(visit.host, []).append(visit)
        for visits in by_host.values():
            visits.sort(key=lambda v: (v.start, v.session))
        self._by_host = by_host

    def host_of(self, address: str) -> str | None:
        """The host at a source address: by IP, else by host name (or unique short name)."""
        self.complete()
        found = self.addresses.get(address)
        if found is None and address and not address[0].isdigit() and ":" not in address:
            name = address.lower().rstrip(".")
            found = self.names.get(name) or self.names.get(name.split(".", 1)[0])
        return found

    def hops(self, owner: str) -> Iterator[tuple[Arrival, Visit, str, int]]:
        """(arrival, the visit it came from, the address that placed it, gap in seconds) of the
        hops `owner` writes: its arrivals', and its visits' where the arrival is the graph's."""
        self.complete()
        for arrival in sorted(self.arrivals.values(), key=lambda a: a.session):
            for ip in arrival.ips:
                host = self.host_of(ip)
                if host is None or host == arrival.host:
                    continue
                visit = self._covering(host, arrival.start)
                if visit is None or visit.session == arrival.session:
                    continue
                if arrival.owner == owner or (not arrival.owner and visit.owner == owner):
                    yield arrival, visit, ip, arrival.start - visit.start
                break

    def missing(self, owner: str) -> Iterator[tuple[Arrival, str, str]]:
        """(arrival, address, host) of `owner`'s sessions that came from a known host's address
        while no session on record was on that host: a hop whose first half no loaded log shows."""
        self.complete()
        for arrival in sorted(self.arrivals.values(), key=lambda a: a.session):
            if arrival.owner != owner:
                continue
            for ip in arrival.ips:
                host = self.host_of(ip)
                if host is not None and host != arrival.host and self._covering(host, arrival.start) is None:
                    yield arrival, ip, host
                    break

    def _covering(self, host: str, at: int) -> Visit | None:
        visits = (self._by_host or {}).get(host, [])
        index = bisect.bisect_right(visits, at, key=lambda v: v.start)
        for visit in reversed(visits[:index]):
            if visit.end + SLACK_SECONDS >= at:
                return visit
        return None


def shared_hops(state: dict[str, Any], known: KnownNodes | None = None) -> HopIndex:
    """The load's one hop index (ctx.state): read from the graph by the first source to ask."""
    found: HopIndex | None = state.get(_SHARED)
    if found is None:
        found = state[_SHARED] = HopIndex.from_graph(known) if known is not None else HopIndex()
    return found
