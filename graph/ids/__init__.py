"""Canonical ids, and the correlation rules that make two sources meet on one node.

Every loader builds ids only through these helpers, so the same thing seen by two sources
becomes one node. The helpers live per platform — `aws`, `github`, `people` (people, teams,
catalog entities), `secrets` (keyed HMACs of values), `ssh`, `kubernetes`, `network`,
`activity` (sessions and changes) — each module with the correlation rules of its ids in its
docstring; this package re-exports them all, so callers write `from graph import ids` and
`ids.aws_arn(...)`. A new source with ids of its own adds a module here and edits nothing else:
the package finds its platform modules on disk (`graph._platforms`) and re-exports each one's
`__all__`; two modules exporting one name is an import error, not a silent override. Every
platform helper returns an id (`-> str`, a test checks), which is what a type checker is told of
the helpers it cannot see; `is_email`, a test rather than an id, is imported by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from graph._platforms import platform_modules
from graph.ids._base import is_email

_MODULES = platform_modules(__name__, __path__)

PLATFORM_MODULES = tuple(module.__name__.rpartition(".")[2] for module in _MODULES)
"""The platform modules whose helpers this package re-exports, as found on disk."""


def _re_export() -> list[str]:
    owner: dict[str, str] = {}
    for module in _MODULES:
        for name in module.__all__:
            if name in owner:
                raise ImportError(f"{module.__name__} and {owner[name]} both export the id helper {name!r}")
            owner[name] = module.__name__
            globals()[name] = getattr(module, name)
    return sorted(owner)


__all__ = ["PLATFORM_MODULES", "is_email", *_re_export()]

if TYPE_CHECKING:
    # The helpers are bound at import time from modules found on disk, which a type checker
    # cannot follow: it is told that `ids.<helper>` returns an id, and checks no arguments.
    # Import from the platform module (`from graph.ids.aws import aws_arn`) where a call's
    # arguments should be checked too.
    def __getattr__(name: str) -> Callable[..., str]: ...
