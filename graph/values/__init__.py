"""Subtypes and property values, declared in code: what loaders write and queries compare with.

`docs/graph-conventions.md` says what the values mean; this package says which values exist.
Shared vocabularies (natures, statuses, credential types, access levels, change types,
provenances, ...) live in `common`; each platform declares its subtypes and its own
vocabularies in a module of its own (`aws`, `github`, `people`, `scanners`, `ssh`, `review`), so a
new source adds a file here and its name to PLATFORM_MODULES instead of editing a shared list.
The conventions page's tables are generated from this registry (`python -m graph.values`) and a
test keeps them identical; another test loads every fixture and the demo estate and finds no
subtype or vocabulary value outside it.
"""

from __future__ import annotations

import importlib
from types import MappingProxyType

from graph.schema import EdgeKind, NodeKind
from graph.values._registry import Subtype, SubtypeFamily, Vocabulary
from graph.values.aws import AwsSubtype
from graph.values.common import (
    AccessLevel,
    AssumeVia,
    AuthMethod,
    ChangeType,
    CredentialStatus,
    CredentialType,
    MatchedBy,
    Nature,
    PersonStatus,
    Provenance,
    RunsAsVia,
    UseMode,
)
from graph.values.entra import EntraSubtype
from graph.values.github import GithubSubtype, RunnerHosted, RunnerStatus
from graph.values.people import PeopleSubtype
from graph.values.review import ReviewDecision, ReviewSubtype
from graph.values.scanners import ScannerSubtype
from graph.values.ssh import SshSubtype

__all__ = [
    "PLATFORM_MODULES",
    "SUBTYPES",
    "VOCABULARIES",
    "AccessLevel",
    "AssumeVia",
    "AuthMethod",
    "AwsSubtype",
    "ChangeType",
    "CredentialStatus",
    "CredentialType",
    "EntraSubtype",
    "GithubSubtype",
    "MatchedBy",
    "Nature",
    "PeopleSubtype",
    "PersonStatus",
    "Provenance",
    "ReviewDecision",
    "ReviewSubtype",
    "RunnerHosted",
    "RunnerStatus",
    "RunsAsVia",
    "ScannerSubtype",
    "SshSubtype",
    "Subtype",
    "SubtypeFamily",
    "UseMode",
    "Vocabulary",
    "known_subtype",
    "markdown",
]

PLATFORM_MODULES = ("common", "aws", "entra", "github", "people", "scanners", "ssh", "opengraph", "review")
"""The modules whose SUBTYPES and VOCABULARIES the registry collects (a test keeps it complete)."""


def _collect() -> tuple[tuple[Subtype | SubtypeFamily, ...], tuple[Vocabulary, ...]]:
    subtypes: list[Subtype | SubtypeFamily] = []
    vocabularies: list[Vocabulary] = []
    for name in PLATFORM_MODULES:
        module = importlib.import_module(f"graph.values.{name}")
        subtypes.extend(getattr(module, "SUBTYPES", ()))
        vocabularies.extend(getattr(module, "VOCABULARIES", ()))
    return tuple(subtypes), tuple(vocabularies)


SUBTYPES, _VOCABULARY_LIST = _collect()
VOCABULARIES: MappingProxyType[tuple[NodeKind | EdgeKind, str], Vocabulary] = MappingProxyType(
    {(v.owner, v.property): v for v in _VOCABULARY_LIST}
)
"""(kind, property) -> its vocabulary; a text property without one takes open values (names, ids)."""

_EXACT: dict[str, frozenset[NodeKind]] = {
    entry.value: frozenset(entry.kinds) for entry in SUBTYPES if isinstance(entry, Subtype)
}
_FAMILIES = tuple(entry for entry in SUBTYPES if isinstance(entry, SubtypeFamily))


def known_subtype(kind: NodeKind, value: str) -> bool:
    """Whether a node of `kind` may carry subtype `value` ("" — not known yet — always may)."""
    if not value:
        return True
    if value in _EXACT:
        return kind in _EXACT[value]
    return any(kind in family.kinds and family.matches(value) for family in _FAMILIES)


def markdown() -> str:
    """The conventions page's generated tables: every subtype, then every vocabulary."""
    lines = ["| subtype | kinds | what it is |", "|---|---|---|"]
    for entry in sorted(SUBTYPES, key=lambda e: e.value if isinstance(e, Subtype) else e.pattern):
        value = entry.value if isinstance(entry, Subtype) else entry.pattern
        kinds = ", ".join(kind.value for kind in entry.kinds)
        lines.append(f"| `{value}` | {kinds} | {entry.meaning} |")
    lines += ["", "| property | values | meaning |", "|---|---|---|"]
    for vocabulary in sorted(_VOCABULARY_LIST, key=lambda v: (v.owner.value, v.property)):
        values = " \\| ".join(f"`{member.value}`" for member in vocabulary.values)
        lines.append(f"| {vocabulary.owner.value}.{vocabulary.property} | {values} | {vocabulary.meaning} |")
    return "\n".join(lines) + "\n"
