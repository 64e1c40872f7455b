"""Hops between sessions on hosts: a login from a host's address while another session was on
that host came FROM that session (an SSH hop from a bastion, a proxy session's next step).

Rule (`matched_by: session_on_host`): an *arrival* — a session whose source IP is an address of
host H — starting at t is FROM the *visit* — a session whose `host` is H — that covers t
(start ≤ t ≤ end + `slack`); of several, the latest-starting one (the innermost hop). The edge
carries the address and the gap from the visit's start to the arrival. A host's addresses come
from the graph (a host Workload's `private_ips`: Teleport's `server_addr`, an inventory) and from
the load itself. Every source with host sessions (OpenSSH, Teleport) feeds both sides — what the
graph already held (read in `prepare`, so the order of loads does not matter) and its own
sessions — and emits only the pairs with at least one side of its own, so no hop is written twice.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from graph.model import Node
from graph.schema import NodeKind
from loaders.base import KnownNodes
from loaders.sessions.places import all_nodes

__all__ = ["HOST_SESSION_PREFIXES", "Arrival", "HopIndex", "Visit", "epoch"]

HOST_SESSION_PREFIXES = ("session:ssh:", "session:teleport:")
"""The sessions read back from the graph: those of sources that put sessions on hosts (CloudTrail's
sessions are not read: a load would page through every one of them for no host)."""
SLACK_SECONDS = 60  # an sshd close or a proxy's end event may be logged a little after the next login


def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


@dataclass(frozen=True, slots=True)
class Visit:
    session: str
    host: str
    start: int
    end: int
    own: bool


@dataclass(frozen=True, slots=True)
class Arrival:
    session: str
    ips: tuple[str, ...]
    start: int
    host: str  # the host it arrived on (a hop never comes from the same host)
    own: bool


@dataclass(slots=True)
class HopIndex:
    addresses: dict[str, str] = field(default_factory=dict)  # IP -> host id
    visits: dict[str, list[Visit]] = field(default_factory=dict)  # host id -> visits by start
    arrivals: list[Arrival] = field(default_factory=list)

    def add_address(self, ip: str, host: str) -> None:
        self.addresses.setdefault(ip, host)

    def add_visit(self, visit: Visit) -> None:
        bisect.insort(self.visits.setdefault(visit.host, []), visit, key=lambda v: v.start)

    def add_session_node(self, node: Node) -> None:
        """A session the graph already holds: a visit when it names its host, an arrival when it has source IPs."""
        started, ended, host = node.props.get("started_at"), node.props.get("ended_at"), node.props.get("host")
        if not isinstance(started, str):
            return
        start = epoch(started)
        if isinstance(host, str) and host:
            self.add_visit(Visit(node.id, host, start, epoch(ended) if isinstance(ended, str) else start, False))
        ips = node.props.get("source_ips")
        if isinstance(ips, list) and ips:
            self.arrivals.append(Arrival(node.id, tuple(str(i) for i in ips), start, str(host or ""), False))

    @classmethod
    def from_graph(cls, known: KnownNodes) -> HopIndex:
        found = cls()
        for node in all_nodes(known, NodeKind.WORKLOAD, "host:"):
            addresses = node.props.get("private_ips")
            for address in addresses if isinstance(addresses, list) else ():
                found.add_address(str(address), node.id)
        for prefix in HOST_SESSION_PREFIXES:
            for node in all_nodes(known, NodeKind.SESSION, prefix):
                found.add_session_node(node)
        return found

    def hops(self) -> Iterator[tuple[Arrival, Visit, str, int]]:
        """(arrival, the visit it came from, the address that placed it, gap in seconds), for
        the pairs with at least one side of this load."""
        for arrival in self.arrivals:
            for ip in arrival.ips:
                host = self.addresses.get(ip)
                if host is None or host == arrival.host:
                    continue
                visit = self._covering(host, arrival.start)
                if visit is not None and visit.session != arrival.session and (arrival.own or visit.own):
                    yield arrival, visit, ip, arrival.start - visit.start
                    break

    def missing(self) -> Iterator[tuple[Arrival, str, str]]:
        """(arrival, address, host) of this load's sessions that came from a known host's address
        while no session on record was on that host: a hop whose first half no loaded log shows."""
        for arrival in self.arrivals:
            if not arrival.own:
                continue
            for ip in arrival.ips:
                host = self.addresses.get(ip)
                if host is not None and host != arrival.host and self._covering(host, arrival.start) is None:
                    yield arrival, ip, host
                    break

    def _covering(self, host: str, at: int) -> Visit | None:
        visits = self.visits.get(host, [])
        index = bisect.bisect_right(visits, at, key=lambda v: v.start)
        for visit in reversed(visits[:index]):
            if visit.end + SLACK_SECONDS >= at:
                return visit
        return None
