"""Subtypes and property values, declared in code: what loaders write and queries compare with.

`docs/graph-conventions.md` says what the values mean; this package says which values exist.
Shared vocabularies (natures, statuses, credential types, access levels, change types,
provenances, ...) live in `common`; each platform declares its subtypes and its own
vocabularies in a module of its own (`aws`, `github`, `people`, `scanners`, `ssh`, `review`), so a
new source adds a file here and edits nothing else: the registry collects the SUBTYPES and
VOCABULARIES of every module it finds on disk (`graph._platforms`). The package exports the shared
vocabularies; a platform's own enums are imported from its module (`graph.values.aws.AwsSubtype`).
The conventions page's tables are generated from this registry (`python -m graph.values`) and a
test keeps them identical; another test loads every fixture and the demo estate and finds no
subtype or vocabulary value outside it.
"""

from __future__ import annotations

from types import MappingProxyType

from graph._platforms import platform_modules
from graph.schema import EdgeKind, NodeKind
from graph.values._registry import Subtype, SubtypeFamily, Vocabulary
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

__all__ = [
    "PLATFORM_MODULES",
    "SUBTYPES",
    "VOCABULARIES",
    "AccessLevel",
    "AssumeVia",
    "AuthMethod",
    "ChangeType",
    "CredentialStatus",
    "CredentialType",
    "MatchedBy",
    "Nature",
    "PersonStatus",
    "Provenance",
    "RunsAsVia",
    "Subtype",
    "SubtypeFamily",
    "UseMode",
    "Vocabulary",
    "known_subtype",
    "markdown",
]

_MODULES = platform_modules(__name__, __path__)

PLATFORM_MODULES = tuple(module.__name__.rpartition(".")[2] for module in _MODULES)
"""The modules whose SUBTYPES and VOCABULARIES the registry collects, as found on disk."""


def _collect() -> tuple[tuple[Subtype | SubtypeFamily, ...], tuple[Vocabulary, ...]]:
    subtypes: list[Subtype | SubtypeFamily] = []
    vocabularies: list[Vocabulary] = []
    for module in _MODULES:
        subtypes.extend(getattr(module, "SUBTYPES", ()))
        vocabularies.extend(getattr(module, "VOCABULARIES", ()))
    keys = [(v.owner, v.property) for v in vocabularies]
    twice = sorted({f"{owner.value}.{name}" for owner, name in keys if keys.count((owner, name)) > 1})
    if twice:
        raise ImportError(f"more than one platform module declares the vocabulary of {', '.join(twice)}")
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
