"""The loaders keytrail knows, in detection order: the first whose `sniff` accepts a file wins.

One explicit tuple, so what is loadable is visible in one place. More specific formats come
before more general ones (a GetCredentialReport JSON before a generic JSON export).
"""

from __future__ import annotations

from loaders.base import Loader

__all__ = ["LOADERS", "loader_named"]

LOADERS: tuple[Loader[object], ...] = ()


def loader_named(name: str) -> Loader[object]:
    for loader in LOADERS:
        if loader.name == name:
            return loader
    from graph.errors import LoadError

    known = ", ".join(sorted(loader.name for loader in LOADERS)) or "none registered"
    raise LoadError(f"unknown source {name!r}; known sources: {known}")
