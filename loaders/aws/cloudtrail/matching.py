"""What the graph already knew when a CloudTrail load started, read in `prepare` for matching.

Runner and workload addresses (FROM by source IP), instances by id (FROM of instance-profile
sessions), credential-report key slots (slot ↔ key id), the people's known user names (STARTED
when a session name is a known user name) and accounts' environments.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from graph.schema import NodeKind
from loaders.base import KnownNodes
from loaders.sessions.places import all_nodes

__all__ = ["Matching", "Place"]

Place = tuple[str, NodeKind]


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


@dataclass(slots=True)
class Matching:
    """What the graph already knew when the load started (read in `prepare`)."""

    addresses: dict[str, Place] = field(default_factory=dict)
    networks: list[tuple[Any, str]] = field(default_factory=list)
    slots: dict[tuple[str, str], str] = field(default_factory=dict)
    usernames: dict[str, str] = field(default_factory=dict)
    environments: dict[str, str] = field(default_factory=dict)
    instances: dict[str, str] = field(default_factory=dict)
    """instance id -> the inventory's Workload for it"""
    _cache: dict[str, Place | None] = field(default_factory=dict)

    @classmethod
    def from_graph(cls, known: KnownNodes) -> Matching:
        found = cls()
        for node in all_nodes(known, NodeKind.WORKLOAD):
            instance = node.props.get("instance_id")
            if isinstance(instance, str):
                found.instances[instance] = node.id
            for address in _strings(node.props.get("private_ips")) + _strings(node.props.get("public_ips")):
                found.addresses[address] = (node.id, NodeKind.WORKLOAD)
        for node in all_nodes(known, NodeKind.RUNNER):
            for address in _strings(node.props.get("ip_addresses")):
                found.addresses[address] = (node.id, NodeKind.RUNNER)
            for cidr in _strings(node.props.get("cidrs")):
                try:
                    found.networks.append((ipaddress.ip_network(cidr, strict=False), node.id))
                except ValueError:
                    continue
        for node in all_nodes(known, NodeKind.CREDENTIAL):
            rotated = node.props.get("last_rotated")
            if node.subtype == "aws.access_key_slot" and isinstance(rotated, str) and "#" in node.id:
                user = "aws:arn:" + node.id.removeprefix("aws:keyslot:").rsplit("#", 1)[0]
                found.slots[(user, rotated)] = node.id
        for node in all_nodes(known, NodeKind.PERSON):
            for name in _strings(node.props.get("usernames")):
                found.usernames[name.lower()] = node.id
        for node in all_nodes(known, NodeKind.RESOURCE):
            environment = node.props.get("environment")
            if node.subtype == "aws.account" and isinstance(environment, str):
                found.environments[node.id.removeprefix("aws:account:")] = environment
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
