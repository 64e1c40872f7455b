"""The shared address book every audit-log source draws FROM edges with (loaders/sessions/places.py)."""

from __future__ import annotations

import ipaddress

from graph.schema import NodeKind
from loaders.sessions import AddressBook


def test_by_place_groups_a_sessions_addresses_per_runner_or_workload_and_skips_the_unknown() -> None:
    book = AddressBook(
        addresses={"10.0.0.1": ("runner:a", NodeKind.RUNNER), "10.0.0.9": ("workload:w", NodeKind.WORKLOAD)},
        networks=[(ipaddress.ip_network("192.0.2.0/24"), "runner:pool")],
    )
    found = book.by_place(["192.0.2.7", "10.0.0.9", "198.51.100.1", "192.0.2.3", "10.0.0.1", "not an ip"])
    assert found == {
        ("runner:a", NodeKind.RUNNER): ["10.0.0.1"],
        ("runner:pool", NodeKind.RUNNER): ["192.0.2.3", "192.0.2.7"],
        ("workload:w", NodeKind.WORKLOAD): ["10.0.0.9"],
    }
    assert list(found) == sorted(found)  # places in a stable order: edges written in the same order on reload
