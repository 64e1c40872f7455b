"""The shapes of the value registry: a subtype, a family of subtypes, a vocabulary of a property.

Private to graph/values/: each platform module declares its entries with these, and the
package collects them (graph/values/__init__.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from graph.schema import EdgeKind, NodeKind

__all__ = ["Subtype", "SubtypeFamily", "Vocabulary"]


@dataclass(frozen=True, slots=True)
class Subtype:
    """One subtype value (`<platform>.<thing>`), the node kinds that carry it, and what it is."""

    value: str
    kinds: tuple[NodeKind, ...]
    meaning: str


@dataclass(frozen=True, slots=True)
class SubtypeFamily:
    """Subtypes made from what a source names (`aws.<service>`, `backstage.<kind>`): `pattern`
    for humans, `regex` for the check."""

    pattern: str
    regex: str
    kinds: tuple[NodeKind, ...]
    meaning: str
    _compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_compiled", re.compile(self.regex))

    def matches(self, value: str) -> bool:
        return self._compiled.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The closed set of values a text property of a kind takes (`values`), and what it says.
    A loader writes only these; a query compares only with these."""

    owner: NodeKind | EdgeKind
    property: str
    values: type[StrEnum]
    meaning: str
