"""Subtypes of nodes read from another collector's BloodHound OpenGraph file (loaders/opengraph/)."""

from __future__ import annotations

from graph.schema import NodeKind
from graph.values._registry import SubtypeFamily

__all__ = ["SUBTYPES"]

SUBTYPES = (
    SubtypeFamily(
        "opengraph.<OpenGraph kind>",
        r"opengraph\.[A-Za-z0-9_%.-]+",
        tuple(NodeKind),
        "a node of a foreign OpenGraph file, under the kind its collector gave it (docs/opengraph.md maps it)",
    ),
)
