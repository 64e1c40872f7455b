"""How the model is drawn: a colour and a short label per node kind and edge category, and the
mark of each privilege level, declared beside the model so the web page's legend is exported
from here (scripts/export_model.py) rather than retyped in TypeScript.

Colour is never the only signal: each node kind also has a label, each privilege level a
letter and an edge width, and touched (observed) access its own edge style.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from graph.schema import Category, NodeKind

__all__ = ["CATEGORY_STYLES", "NODE_STYLES", "PRIVILEGE_LEVELS", "TOUCHED_STYLE", "LevelStyle", "Style"]


@dataclass(frozen=True, slots=True)
class Style:
    label: str
    colour: str
    """CSS hex colour, chosen for contrast on a white background."""


@dataclass(frozen=True, slots=True)
class LevelStyle:
    level: str
    label: str
    colour: str
    mark: str
    """A letter drawn beside the resource, so the level reads without colour."""
    width: float
    """Edge width in pixels: admin grants stand out at any zoom."""


NODE_STYLES: Final = MappingProxyType(
    {
        NodeKind.PERSON: Style("Person", "#1d4ed8"),
        NodeKind.TEAM: Style("Team", "#6d28d9"),
        NodeKind.IDENTITY: Style("Identity", "#0e7490"),
        NodeKind.CREDENTIAL: Style("Credential", "#b91c1c"),
        NodeKind.WORKLOAD: Style("Workload", "#4d7c0f"),
        NodeKind.PIPELINE: Style("Pipeline", "#a16207"),
        NodeKind.RUNNER: Style("Runner", "#c2410c"),
        NodeKind.SESSION: Style("Session", "#be185d"),
        NodeKind.RESOURCE: Style("Resource", "#475569"),
        NodeKind.CHANGE: Style("Change", "#7e22ce"),
        NodeKind.APPROVAL: Style("Approval", "#15803d"),
        NodeKind.REPOSITORY: Style("Repository", "#0f766e"),
    }
)

CATEGORY_STYLES: Final = MappingProxyType(
    {
        Category.OWNERSHIP: Style("Ownership", "#1d4ed8"),
        Category.CREDENTIAL: Style("Credential", "#b91c1c"),
        Category.ACCESS: Style("Access", "#64748b"),
        Category.ACTIVITY: Style("Activity", "#be185d"),
        Category.CHANGE: Style("Change", "#7e22ce"),
        Category.PROVENANCE: Style("Provenance", "#0f766e"),
    }
)

PRIVILEGE_LEVELS: Final = (
    LevelStyle("read", "Read", "#64748b", "R", 1.0),
    LevelStyle("write", "Write", "#b45309", "W", 2.5),
    LevelStyle("admin", "Admin", "#b91c1c", "A", 4.5),
)
"""The CAN_ACCESS levels, lowest first (the order queries/blast.py ranks them in)."""

TOUCHED_STYLE: Final = Style("Touched (seen in activity logs)", "#ea580c")
