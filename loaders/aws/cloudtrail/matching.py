"""What the graph already knew when a CloudTrail load started, read in `prepare` for matching.

Runner and workload addresses (FROM by source IP: the shared `loaders.sessions.AddressBook`,
as every audit-log source matches them), instances by id (FROM of instance-profile sessions),
credential-report key slots (slot ↔ key id), the people's known user names (STARTED when a
session name is a known user name) and accounts' environments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graph.schema import NodeKind
from loaders.base import KnownNodes
from loaders.sessions.places import AddressBook, Place, all_nodes, string_list

__all__ = ["Matching", "Place"]


@dataclass(slots=True)
class Matching:
    """What the graph already knew when the load started (read in `prepare`)."""

    places: AddressBook = field(default_factory=AddressBook)
    slots: dict[tuple[str, str], str] = field(default_factory=dict)
    usernames: dict[str, str] = field(default_factory=dict)
    environments: dict[str, str] = field(default_factory=dict)
    instances: dict[str, str] = field(default_factory=dict)
    """instance id -> the inventory's Workload for it"""

    @classmethod
    def from_graph(cls, known: KnownNodes) -> Matching:
        found = cls(places=AddressBook.from_graph(known))
        for node in all_nodes(known, NodeKind.WORKLOAD):
            instance = node.props.get("instance_id")
            if isinstance(instance, str):
                found.instances[instance] = node.id
        for node in all_nodes(known, NodeKind.CREDENTIAL):
            rotated = node.props.get("last_rotated")
            if node.subtype == "aws.access_key_slot" and isinstance(rotated, str) and "#" in node.id:
                user = "aws:arn:" + node.id.removeprefix("aws:keyslot:").rsplit("#", 1)[0]
                found.slots[(user, rotated)] = node.id
        for node in all_nodes(known, NodeKind.PERSON):
            for name in string_list(node.props.get("usernames")):
                found.usernames[name.lower()] = node.id
        for node in all_nodes(known, NodeKind.RESOURCE):
            environment = node.props.get("environment")
            if node.subtype == "aws.account" and isinstance(environment, str):
                found.environments[node.id.removeprefix("aws:account:")] = environment
        return found

    def place(self, address: str) -> Place | None:
        """The Runner (preferred) or Workload at an address, by exact IP or a runner's CIDR."""
        return self.places.place(address)
