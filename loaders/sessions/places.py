"""Where a session came from, by source address: the Runner or Workload the graph knows at an IP.

Every audit-log source matches its events' source addresses against what the inventories
declared (runner `ip_addresses` and `cidrs`, workload `private_ips` / `public_ips`, pod IPs), so
the matching lives here, read once per load in a loader's `prepare`. A runner wins over a
workload at the same address (a self-hosted runner on an instance is the more specific answer).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from graph.model import Node
from graph.schema import NodeKind
from loaders.base import KnownNodes

__all__ = ["AddressBook", "Place", "all_nodes", "string_list"]

Place = tuple[str, NodeKind]


def all_nodes(known: KnownNodes, kind: NodeKind, prefix: str = "") -> Iterator[Node]:
    """Every node of a kind the graph holds (with `prefix`: only ids that start with it), paged."""
    after = prefix
    while True:
        page = known.nodes_of_kind(kind, after=after, limit=1000)
        for node in page:
            if prefix and not node.id.startswith(prefix):
                return
            yield node
        if len(page) < 1000:
            return
        after = page[-1].id


def string_list(value: object) -> list[str]:
    """A list property's items as text ([] when the property is absent or not a list)."""
    return [str(v) for v in value] if isinstance(value, list) else []


@dataclass(slots=True)
class AddressBook:
    addresses: dict[str, Place] = field(default_factory=dict)
    networks: list[tuple[Any, str]] = field(default_factory=list)
    _cache: dict[str, Place | None] = field(default_factory=dict)

    @classmethod
    def from_graph(cls, known: KnownNodes) -> AddressBook:
        found = cls()
        for node in all_nodes(known, NodeKind.WORKLOAD):
            for address in string_list(node.props.get("private_ips")) + string_list(node.props.get("public_ips")):
                found.addresses[address] = (node.id, NodeKind.WORKLOAD)
        for node in all_nodes(known, NodeKind.RUNNER):
            for address in string_list(node.props.get("ip_addresses")):
                found.addresses[address] = (node.id, NodeKind.RUNNER)
            for cidr in string_list(node.props.get("cidrs")):
                try:
                    found.networks.append((ipaddress.ip_network(cidr, strict=False), node.id))
                except ValueError:
                    continue
        return found

    def place(self, address: str) -> Place | None:
        """The Runner (preferred) or Workload at an address, by exact IP or a runner's CIDR."""
        if address in self._cache:
            return self._cache[address]
        place = self.addresses.get(address)
        if place is None and self.networks:
            try:
                parsed = ipaddress.ip_address(address)
                place = next(((runner, NodeKind.RUNNER) for net, runner in self.networks if parsed in net), None)
            except ValueError:
                place = None
        self._cache[address] = place
        return place

    def by_place(self, addresses: Iterable[str]) -> dict[Place, list[str]]:
        """The Runners and Workloads at a session's addresses, each with its addresses (sorted):
        one FROM edge (`matched_by: ip`) per place, as every audit-log source draws it — which is
        what makes a credential the session used USES (observed) by that place (queries/shared.py)."""
        found: dict[Place, list[str]] = {}
        for address in sorted(addresses):
            place = self.place(address)
            if place is not None:
                found.setdefault(place, []).append(address)
        return dict(sorted(found.items()))
